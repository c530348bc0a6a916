#pragma once

#include <QObject>
#include <QStringList>

#include <sys/types.h>

class QSocketNotifier;

namespace baton {

// A child process started with chosen descriptors at 3, 4, ... and the systemd socket-activation
// variables (LISTEN_FDS, LISTEN_PID set to the child's own pid). Its exit is noticed through a
// pidfd, so no SIGCHLD handler is involved.
class ChildProcess : public QObject
{
    Q_OBJECT
public:
    // What exited() carries when the status could not be collected.
    static constexpr int unknownWaitStatus = -1;

    explicit ChildProcess(QObject *parent = nullptr);
    ~ChildProcess() override;

    // listenFdCount: how many of passDescriptors (the first ones) are listening sockets.
    bool start(const QString &program, const QStringList &arguments,
               const QStringList &extraEnvironment, const QList<int> &passDescriptors,
               int listenFdCount, QString *error);
    pid_t pid() const { return m_pid; }
    bool isRunning() const { return m_pid > 0 && !m_exited; }
    void kill(int signal);

signals:
    // status is the raw wait status (WIFEXITED/WEXITSTATUS/WIFSIGNALED apply).
    void exited(int status);

private:
    void reap();

    pid_t m_pid = -1;
    int m_pidFd = -1;
    bool m_exited = false;
    QSocketNotifier *m_notifier = nullptr;
};

// "exited with status 1", "was killed by signal 9 (Killed)".
QString describeWaitStatus(int status);

} // namespace baton
