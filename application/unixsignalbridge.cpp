#include "unixsignalbridge.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

int UnixSignalBridge::s_fds[2] = {-1, -1};

UnixSignalBridge::UnixSignalBridge(std::initializer_list<int> signalNumbers, QObject *parent)
    : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s_fds) != 0)
        qFatal("cannot create the signal socketpair");
    // The writing end must never block inside a signal handler.
    const int flags = ::fcntl(s_fds[0], F_GETFL);
    if (flags < 0 || ::fcntl(s_fds[0], F_SETFL, flags | O_NONBLOCK) != 0)
        qFatal("cannot make the signal socketpair non-blocking");
    m_notifier = new QSocketNotifier(s_fds[1], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &UnixSignalBridge::readSignals);

    struct sigaction action = {};
    action.sa_handler = &UnixSignalBridge::handle;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signalNumber : signalNumbers)
        ::sigaction(signalNumber, &action, nullptr);
}

UnixSignalBridge::~UnixSignalBridge()
{
    ::close(s_fds[0]);
    ::close(s_fds[1]);
    s_fds[0] = s_fds[1] = -1;
}

void UnixSignalBridge::handle(int signalNumber)
{
    const int savedErrno = errno;
    const char byte = char(signalNumber);
    [[maybe_unused]] const ssize_t written = ::write(s_fds[0], &byte, 1);
    errno = savedErrno;
}

void UnixSignalBridge::readSignals()
{
    char bytes[64];
    const ssize_t n = ::read(s_fds[1], bytes, sizeof bytes);
    for (ssize_t i = 0; i < n; ++i)
        emit signalReceived(int(bytes[i]));
}

} // namespace baton
