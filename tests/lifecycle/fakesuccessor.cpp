// Stands in for a new Baton process in the connection-handover tests: it says READY on the restart
// channel (fd 4) and then misbehaves on the handover channel (fd 5) as FAKE_SUCCESSOR_MODE says:
//   crash          take FAKE_SUCCESSOR_TAKE connections without answering, report (with its
//                  pid), wait for SIGUSR1, then abort
//   refuse         the same, but on SIGUSR1 refuse them all, then wait for the old process to exit
//   other-version  advertise a handover format Baton does not speak, wait for the old process to
//                  exit, then count what arrived
// Every report is one "fake-successor: ..." line on stderr, which the test reads through the
// old process's stderr (inherited), and in FAKE_SUCCESSOR_REPORT if set (the old process's stderr
// is no longer read once it has exited).
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int restartFd = 4;
constexpr int handoverFd = 5;

void say(const std::string &line)
{
    const std::string text = line + "\n";
    [[maybe_unused]] const ssize_t n = ::write(restartFd, text.data(), text.size());
}

void report(const std::string &line)
{
    std::fprintf(stderr, "fake-successor: %s\n", line.c_str());
    std::fflush(stderr);
    if (const char *path = std::getenv("FAKE_SUCCESSOR_REPORT")) {
        if (FILE *file = std::fopen(path, "a")) {
            std::fprintf(file, "%s\n", line.c_str());
            std::fclose(file);
        }
    }
}

void waitForUsr1()
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    int signal = 0;
    sigwait(&usr1, &signal);
}

// One handover message; its connection id (bytes 4-11, little-endian) and whether a
// descriptor came with it. False at end of stream.
bool receiveConnection(uint64_t *id, bool *hadDescriptor, int flags = 0)
{
    char data[70 * 1024];
    iovec iov{data, sizeof data};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(handoverFd, &header, flags);
    if (n <= 0)
        return false;
    *hadDescriptor = false;
    for (cmsghdr *c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            ::close(fd); // never served here
            *hadDescriptor = true;
        }
    }
    *id = 0;
    if (n >= 12) {
        for (int i = 7; i >= 0; --i)
            *id = (*id << 8) | uint8_t(data[4 + i]);
    }
    return true;
}

void waitForPredecessorExit()
{
    char buffer[256];
    while (::read(restartFd, buffer, sizeof buffer) > 0) {
    }
}

} // namespace

int main()
{
    const char *modeVariable = std::getenv("FAKE_SUCCESSOR_MODE");
    const std::string mode = modeVariable ? modeVariable : "";
    const char *takeVariable = std::getenv("FAKE_SUCCESSOR_TAKE");
    const int take = takeVariable ? std::atoi(takeVariable) : 1;
    const std::string pid = std::to_string(::getpid());

    if (mode == "other-version") {
        say("READY " + pid + " handover=99");
        waitForPredecessorExit();
        int messages = 0;
        uint64_t id;
        bool descriptor;
        while (receiveConnection(&id, &descriptor, MSG_DONTWAIT))
            ++messages;
        report(std::to_string(messages) + " messages on the handover channel");
        return 0;
    }

    // Blocked before anybody can know our pid, so SIGUSR1 is never lost.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, nullptr);
    say("READY " + pid + " handover=1");
    std::vector<uint64_t> ids;
    while (int(ids.size()) < take) {
        uint64_t id;
        bool descriptor;
        if (!receiveConnection(&id, &descriptor))
            break;
        if (descriptor)
            ids.push_back(id);
    }
    report("pid " + pid + " received " + std::to_string(ids.size()) + " connections");
    waitForUsr1();
    if (mode == "crash")
        std::abort();
    if (mode == "refuse") {
        std::string message = {'B', 'H', 1, 3};
        const auto put = [&message](uint64_t value, int bytes) {
            for (int i = 0; i < bytes; ++i)
                message.push_back(char((value >> (8 * i)) & 0xff));
        };
        put(ids.size(), 4);
        for (uint64_t id : ids)
            put(id, 8);
        if (::send(handoverFd, message.data(), message.size(), MSG_NOSIGNAL) < 0)
            report(std::string("send failed: ") + std::strerror(errno));
        report("refused " + std::to_string(ids.size()) + " connections");
        waitForPredecessorExit();
        return 0;
    }
    report("unknown mode '" + mode + "'");
    return 2;
}
