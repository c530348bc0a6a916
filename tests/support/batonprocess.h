// Runs the real `baton` binary for an integration test and follows its stderr log.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QRegularExpression;

namespace baton::test {

class BatonProcess : public QObject
{
    Q_OBJECT
public:
    static constexpr int StartTimeoutMs = 15000;

    explicit BatonProcess(QObject *parent = nullptr);
    // Stops a still-running server: SIGTERM, then SIGKILL if it does not exit in time.
    ~BatonProcess() override;

    // The binary under test (BATON_BINARY, overridable with the BATON_BINARY env variable).
    static QString binaryPath();

    void setWorkingDirectory(const QString &dir) { m_process.setWorkingDirectory(dir); }
    void setProcessEnvironment(const QProcessEnvironment &env)
    {
        m_process.setProcessEnvironment(env);
    }
    // Before start: stderr goes to this file (truncated) instead of a pipe, and is read back
    // from it. A restart's successor inherits it, so its lines stay readable after the first
    // process has gone, and a test can stat() what the server's stderr is.
    void setStderrFile(const QString &path);

    // Runs in the child before exec (e.g. setsid() to detach it from the test's terminal).
    void setChildProcessModifier(const std::function<void()> &modifier)
    {
        m_process.setChildProcessModifier(modifier);
    }

    // Starts a server with `args` plus --headless, plus --listen 127.0.0.1:0 unless `args` has
    // its own --listen, plus --restart-mode exec unless `args` chooses a mode (a test run from a
    // terminal would otherwise reload in place), and waits for "listening on http://HOST:PORT"
    // on stderr.
    bool start(const QStringList &args = {}, int timeoutMs = StartTimeoutMs);
    // Starts the binary with exactly `args` and does not wait for anything.
    bool startRaw(const QStringList &args);

    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_pid; }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    // Complete stderr lines so far (without line endings); with setStderrFile(), as read the
    // last time this object waited for something.
    QStringList stderrLines() const { return m_stderrLines; }
    QByteArray stdoutData() const { return m_stdout; }
    // Waits until a stderr line matches; returns it, or nullopt on timeout / exit.
    std::optional<QString> waitForStderrLine(const QRegularExpression &pattern, int timeoutMs);

    bool sendSignal(int signal);
    // Waits for the process to exit. Returns its exit code, or nullopt if it is still running
    // after `timeoutMs` or died from a signal (crashed() tells which).
    std::optional<int> waitForExit(int timeoutMs);
    bool crashed() const;
    // SIGTERM, then waitForExit(): the exit code of a graceful stop.
    std::optional<int> stop(int timeoutMs = 15000);

    QString errorString() const { return m_error; }
    // Command line and the tail of stderr, for failure messages.
    QString diagnostics(int lines = 30) const;

private:
    bool spinUntil(const std::function<bool()> &done, int timeoutMs);
    void readStderr(bool flushPartial);

    QProcess m_process;
    QStringList m_args;
    QString m_host;
    quint16 m_port = 0;
    qint64 m_pid = 0;
    QString m_stderrFile;
    qint64 m_stderrFileOffset = 0;
    QByteArray m_stderrPartial;
    QStringList m_stderrLines;
    QByteArray m_stdout;
    QString m_error;
};

} // namespace baton::test
