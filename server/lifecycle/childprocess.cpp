#include "lifecycle/childprocess.h"

#include "core/logging.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace baton {

namespace {

constexpr int firstPassedDescriptor = 3; // SD_LISTEN_FDS_START
// Listeners, two channels and the admin listener; the child's copy loop has room for this many.
constexpr int maxPassedDescriptors = 16;

bool isOurVariable(const char *entry)
{
    for (const char *prefix : {"LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "BATON_"}) {
        if (std::strncmp(entry, prefix, std::strlen(prefix)) == 0)
            return true;
    }
    return false;
}

// Async-signal-safe decimal formatting into a buffer prepared before fork().
void writeDecimal(char *out, long value)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = char('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (n > 0)
        *out++ = digits[--n];
    *out = '\0';
}

} // namespace

QString describeWaitStatus(int status)
{
    if (status == ChildProcess::unknownWaitStatus)
        return QStringLiteral("ended (its exit status was lost)");
    if (WIFEXITED(status))
        return QStringLiteral("exited with status %1").arg(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return QStringLiteral("was killed by signal %1 (%2)")
            .arg(WTERMSIG(status))
            .arg(QString::fromLocal8Bit(::strsignal(WTERMSIG(status))));
    return QStringLiteral("ended with wait status %1").arg(status);
}

ChildProcess::ChildProcess(QObject *parent) : QObject(parent)
{}

ChildProcess::~ChildProcess()
{
    if (m_pidFd >= 0)
        ::close(m_pidFd);
}

bool ChildProcess::start(const QString &program, const QStringList &arguments,
                         const QStringList &extraEnvironment, const QList<int> &passDescriptors,
                         int listenFdCount, QString *error)
{
    if (passDescriptors.size() > maxPassedDescriptors) {
        *error = QStringLiteral("cannot pass %1 descriptors (at most %2)")
                     .arg(passDescriptors.size())
                     .arg(maxPassedDescriptors);
        return false;
    }
    // Everything the child needs is built now: after fork() only async-signal-safe calls are
    // allowed, because other threads may have held locks (malloc's among them) at the fork.
    const QByteArray programPath = program.toLocal8Bit();
    std::vector<QByteArray> argStorage;
    argStorage.push_back(programPath);
    for (const QString &argument : arguments)
        argStorage.push_back(argument.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &argument : argStorage)
        argv.push_back(argument.data());
    argv.push_back(nullptr);

    std::vector<QByteArray> envStorage;
    for (char **entry = environ; *entry; ++entry) {
        if (!isOurVariable(*entry))
            envStorage.emplace_back(*entry);
    }
    for (const QString &entry : extraEnvironment)
        envStorage.push_back(entry.toLocal8Bit());
    if (listenFdCount > 0)
        envStorage.push_back("LISTEN_FDS=" + QByteArray::number(listenFdCount));
    QByteArray listenPid("LISTEN_PID=");
    const qsizetype pidOffset = listenPid.size();
    listenPid.append(24, '\0');
    std::vector<char *> envp;
    for (QByteArray &entry : envStorage)
        envp.push_back(entry.data());
    if (listenFdCount > 0)
        envp.push_back(listenPid.data());
    envp.push_back(nullptr);
    char *pidDigits = listenPid.data() + pidOffset;
    const std::vector<int> sources(passDescriptors.cbegin(), passDescriptors.cend());
    const int passCount = int(sources.size());

    const pid_t pid = ::fork();
    if (pid < 0) {
        *error =
            QStringLiteral("fork failed: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (pid == 0) {
        // Move the passed descriptors out of the way first: one of them may already sit at 3.
        int moved[maxPassedDescriptors];
        for (int i = 0; i < passCount; ++i)
            moved[i] = ::fcntl(sources[size_t(i)], F_DUPFD_CLOEXEC, 64);
        for (int i = 0; i < passCount; ++i) {
            if (moved[i] < 0 || ::dup2(moved[i], firstPassedDescriptor + i) < 0)
                ::_exit(127);
        }
        ::syscall(SYS_close_range, unsigned(firstPassedDescriptor + passCount), ~0U, 0U);
        writeDecimal(pidDigits, long(::getpid()));
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }

    m_pid = pid;
    m_exited = false;
    m_pidFd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (m_pidFd < 0) {
        *error = QStringLiteral("pidfd_open failed: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        m_pid = -1;
        return false;
    }
    ::fcntl(m_pidFd, F_SETFD, FD_CLOEXEC);
    m_notifier = new QSocketNotifier(m_pidFd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &ChildProcess::reap);
    return true;
}

void ChildProcess::kill(int signal)
{
    if (isRunning())
        ::kill(m_pid, signal);
}

void ChildProcess::reap()
{
    int status = 0;
    pid_t reaped;
    do {
        reaped = ::waitpid(m_pid, &status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0)
        return; // not exited after all: the pidfd will say so again
    if (reaped < 0) {
        // Somebody else reaped it (ECHILD): it has exited, how is unknown. Never leave the
        // notifier armed on a pidfd that stays readable.
        qCWarning(lcLifecycle, "waitpid(%d) failed: %s", int(m_pid), std::strerror(errno));
        status = unknownWaitStatus;
    }
    m_exited = true;
    m_notifier->setEnabled(false);
    emit exited(status);
}

} // namespace baton
