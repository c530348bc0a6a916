// --restart-mode reload: SIGHUP starts the next server generation inside the same process, which
// reads its config file again and takes the open connections over; and --restart-mode auto,
// which reloads on a terminal and execs when detached. Real binary, real sockets, real signals,
// and a real pseudo-terminal for the terminal cases.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <fcntl.h>
#include <memory>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace baton::test;

namespace {

const QRegularExpression reloadedTo(int generation)
{
    return QRegularExpression(
        QStringLiteral("reload: generation %1 serves in this process").arg(generation));
}

// Baton on a pseudo-terminal of its own: the terminal is its controlling terminal (it leads a
// new session, as a shell's job would be in a real terminal), and closing the terminal's master
// side hangs it up. The log goes to a file, so it stays readable after the hang-up.
class BatonOnTerminal
{
public:
    explicit BatonOnTerminal(const QTemporaryDir &dir)
        : m_logPath(dir.filePath(QStringLiteral("baton.log")))
    {}
    ~BatonOnTerminal()
    {
        closeTerminal();
        if (m_pid > 0 && !m_reaped) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }

    bool start(const QStringList &args, const QByteArrayList &extraEnvironment = {})
    {
        QByteArrayList argv{BatonProcess::binaryPath().toLocal8Bit(), "--headless", "--listen",
                            "127.0.0.1:0"};
        for (const QString &arg : args)
            argv << arg.toLocal8Bit();
        QByteArrayList environment = extraEnvironment;
        for (const QString &variable : QProcessEnvironment::systemEnvironment().toStringList()) {
            if (!variable.startsWith(QLatin1String("NOTIFY_SOCKET=")))
                environment << variable.toLocal8Bit();
        }
        // Built before fork(): between fork and exec only async-signal-safe calls are allowed.
        std::vector<char *> argvPointers;
        for (QByteArray &arg : argv)
            argvPointers.push_back(arg.data());
        argvPointers.push_back(nullptr);
        std::vector<char *> envPointers;
        for (QByteArray &variable : environment)
            envPointers.push_back(variable.data());
        envPointers.push_back(nullptr);
        const QByteArray logPath = QFile::encodeName(m_logPath);

        m_pid = ::forkpty(&m_master, nullptr, nullptr, nullptr);
        if (m_pid < 0)
            return false;
        if (m_pid == 0) {
            const int log = ::open(logPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (log < 0 || ::dup2(log, STDOUT_FILENO) < 0 || ::dup2(log, STDERR_FILENO) < 0)
                ::_exit(127);
            ::execve(argvPointers[0], argvPointers.data(), envPointers.data());
            ::_exit(127);
        }
        return waitForLine(QRegularExpression(QStringLiteral("listening on http://")), 15000)
            .has_value();
    }

    QString log() const { return QString::fromLocal8Bit(readFile(m_logPath)); }
    qint64 pid() const { return m_pid; }

    std::optional<QString> waitForLine(const QRegularExpression &pattern, int timeoutMs) const
    {
        std::optional<QString> found;
        (void)QTest::qWaitFor(
            [&] {
                const QStringList lines = log().split(u'\n');
                for (const QString &line : lines) {
                    if (pattern.match(line).hasMatch()) {
                        found = line;
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }

    quint16 port() const
    {
        const auto line =
            waitForLine(QRegularExpression(QStringLiteral("listening on http://")), 0);
        return line ? quint16(
                          QRegularExpression(QStringLiteral("listening on http://[^\\s:]+:(\\d+)"))
                              .match(*line)
                              .captured(1)
                              .toUInt())
                    : 0;
    }

    void closeTerminal()
    {
        if (m_master >= 0)
            ::close(m_master);
        m_master = -1;
    }

    // The exit status once it exited normally within timeoutMs; nullopt otherwise.
    std::optional<int> waitForExit(int timeoutMs)
    {
        int status = 0;
        const bool exited = QTest::qWaitFor(
            [&] { return ::waitpid(pid_t(m_pid), &status, WNOHANG) == m_pid; }, timeoutMs);
        if (!exited)
            return std::nullopt;
        m_reaped = true;
        return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
    }

private:
    QString m_logPath;
    pid_t m_pid = -1;
    int m_master = -1;
    bool m_reaped = false;
};

// The /metrics lines that start with `sample` (a name with its labels).
QStringList sampleLines(const HttpResponse &metrics, const char *sample)
{
    const QStringList lines = QString::fromUtf8(metrics.body).split(u'\n');
    QStringList found;
    for (const QString &line : lines) {
        if (line.startsWith(QLatin1String(sample)))
            found.append(line);
    }
    return found;
}

std::optional<HttpResponse> fetchRoot(quint16 port)
{
    RawClient client;
    if (!client.connectTo(QStringLiteral("127.0.0.1"), port))
        return std::nullopt;
    return client.request(httpGet("/"));
}

} // namespace

class tst_Reload : public QObject
{
    Q_OBJECT

private slots:
    // The point of reload: the pid a supervisor tracks stays, the config file is read again,
    // and a client's open keep-alive connection carries on in the new generation.
    void keepsThePidAndAppliesTheNewConfig()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("baton.ini"));
        QVERIFY(writeFile(config, "greeting = before\n"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("reload"),
                              QStringLiteral("--config"), config}),
                 qPrintable(baton.diagnostics()));
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("restart mode: reload, same pid \\(--restart-mode "
                                              "reload\\)")),
            0));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        auto first = client.request(httpGet("/"));
        QVERIFY2(first, qPrintable(client.errorString()));
        QCOMPARE(first->body, QByteArray("before\n"));
        QCOMPARE(first->header("X-Baton-Generation"), QByteArray("1"));

        QVERIFY(writeFile(config, "greeting = after\n"));
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(baton.waitForStderrLine(reloadedTo(2), 10000), qPrintable(baton.diagnostics()));
        QVERIFY2(baton.waitForStderrLine(QRegularExpression(QStringLiteral(
                                             "generation 1 retired after \\d+ ms: 1 connection "
                                             "moved to generation 2")),
                                         10000),
                 qPrintable(baton.diagnostics()));

        const auto second = client.request(httpGet("/"));
        QVERIFY2(second, qPrintable(client.errorString() + baton.diagnostics()));
        QCOMPARE(second->status, 200);
        QCOMPARE(second->body, QByteArray("after\n"));
        QCOMPARE(second->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(second->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
        QVERIFY(baton.isRunning());
        const auto metrics = fetch(baton, "/metrics");
        QVERIFY(metrics);
        QCOMPARE(sampleLines(*metrics, "baton_restarts_total{result=\"succeeded\"}"),
                 QStringList{QStringLiteral("baton_restarts_total{result=\"succeeded\"} 1")});
        QCOMPARE(baton.stop(), std::optional<int>(0));
    }

    // Keep-alive clients with requests on the wire (fast ones and slow ones) at every SIGHUP:
    // every request is answered, no connection is closed, and the pid never changes.
    void reloadsUnderLoadLoseNothing()
    {
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("reload")}),
                 qPrintable(baton.diagnostics()));
        constexpr int clientCount = 40;
        constexpr int reloads = 5;
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < clientCount; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(baton.host(), baton.port()));
        }
        for (int round = 1; round <= reloads; ++round) {
            for (int i = 0; i < clientCount; ++i) {
                const QByteArray request = i % 4 == 0   ? httpGet("/sleep?ms=300")
                                           : i % 4 == 1 ? httpPost("/echo", QByteArray(1000, 'x'))
                                                        : httpGet("/");
                QVERIFY(clients[size_t(i)]->send(request));
            }
            QVERIFY(baton.sendSignal(SIGHUP));
            QVERIFY2(baton.waitForStderrLine(reloadedTo(round + 1), 10000),
                     qPrintable(baton.diagnostics()));
            for (int i = 0; i < clientCount; ++i) {
                RawClient &client = *clients[size_t(i)];
                const auto response = client.readResponse(10000);
                QVERIFY2(response, qPrintable(QStringLiteral("round %1, client %2: %3")
                                                  .arg(round)
                                                  .arg(i)
                                                  .arg(client.errorString()) +
                                              baton.diagnostics()));
                QCOMPARE(response->status, 200);
                QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
                QVERIFY(response->header("Connection").toLower() != "close");
                if (i % 4 == 1)
                    QCOMPARE(response->body, QByteArray(1000, 'x'));
            }
        }
        // Every connection ends up in the last generation, still open.
        for (auto &client : clients) {
            const auto response = client->request(httpGet("/"), 10000);
            QVERIFY2(response, qPrintable(client->errorString()));
            QCOMPARE(response->header("X-Baton-Generation"), QByteArray::number(reloads + 1));
        }
        QCOMPARE(baton.stop(), std::optional<int>(0));
        QCOMPARE(baton.stderrLines().filter(QStringLiteral("cut")).size(), 0);
    }

    // A config file broken between start and SIGHUP: the reload says why and the serving
    // generation carries on; fixed, the next SIGHUP reloads.
    void aBrokenConfigKeepsTheServingGeneration()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("baton.ini"));
        QVERIFY(writeFile(config, "greeting = fine\n"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("reload"),
                              QStringLiteral("--config"), config}),
                 qPrintable(baton.diagnostics()));
        QVERIFY(writeFile(config, "greeting = fine\nthreads = many\n"));
        QVERIFY(baton.sendSignal(SIGHUP));
        const auto failed = baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("reload failed: .*threads.*generation 1 serves on")),
            10000);
        QVERIFY2(failed, qPrintable(baton.diagnostics()));
        const auto stillOne = fetch(baton, "/");
        QVERIFY(stillOne);
        QCOMPARE(stillOne->header("X-Baton-Generation"), QByteArray("1"));
        const auto metrics = fetch(baton, "/metrics");
        QVERIFY(metrics);
        QCOMPARE(sampleLines(*metrics, "baton_restarts_total{result=\"failed\"}"),
                 QStringList{QStringLiteral("baton_restarts_total{result=\"failed\"} 1")});

        QVERIFY(writeFile(config, "greeting = fixed\n"));
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(baton.waitForStderrLine(reloadedTo(2), 10000), qPrintable(baton.diagnostics()));
        const auto two = fetch(baton, "/");
        QVERIFY(two);
        QCOMPARE(two->body, QByteArray("fixed\n"));
        QCOMPARE(baton.stop(), std::optional<int>(0));
    }

    // A shutdown right after a reload: the request the old generation still answers finishes,
    // and only then does the process exit.
    void shutdownWaitsForTheRetiringGeneration()
    {
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("reload")}),
                 qPrintable(baton.diagnostics()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=1500")));
        QTRY_VERIFY_WITH_TIMEOUT(requestsInFlight(baton, 1), 10000);
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(baton.waitForStderrLine(reloadedTo(2), 10000), qPrintable(baton.diagnostics()));
        QVERIFY(baton.sendSignal(SIGTERM));
        const auto response = slow.readResponse(10000);
        QVERIFY2(response, qPrintable(slow.errorString() + baton.diagnostics()));
        QCOMPARE(response->status, 200);
        QCOMPARE(response->header("X-Baton-Generation"), QByteArray("1"));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    }

    // auto on a terminal reloads (Ctrl+C keeps reaching the server); the SIGHUP of the terminal
    // hanging up is a graceful shutdown, not one more generation left behind.
    void autoReloadsOnATerminalAndLeavesWhenItHangsUp()
    {
        QTemporaryDir dir;
        BatonOnTerminal baton(dir);
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("auto")}),
                 qPrintable(baton.log()));
        QVERIFY2(baton.waitForLine(QRegularExpression(QStringLiteral(
                                       "restart mode: reload, same pid \\(attached to a "
                                       "terminal")),
                                   0),
                 qPrintable(baton.log()));
        QVERIFY(::kill(pid_t(baton.pid()), SIGHUP) == 0);
        QVERIFY2(baton.waitForLine(reloadedTo(2), 10000), qPrintable(baton.log()));
        const auto served = fetchRoot(baton.port());
        QVERIFY(served);
        QCOMPARE(served->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(served->header("X-Baton-Pid"), QByteArray::number(baton.pid()));

        baton.closeTerminal();
        QCOMPARE(baton.waitForExit(15000), std::optional<int>(0));
        QVERIFY2(baton.log().contains(QStringLiteral("the controlling terminal hung up")),
                 qPrintable(baton.log()));
        QVERIFY2(!baton.log().contains(QStringLiteral("generation 3")), qPrintable(baton.log()));
    }

    // A supervisor that follows MAINPID wants the new process, terminal or not.
    void autoExecsUnderNotifySocket()
    {
        QTemporaryDir dir;
        BatonOnTerminal baton(dir);
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("auto")},
                             {"NOTIFY_SOCKET=" +
                              QFile::encodeName(dir.filePath(QStringLiteral("nobody-listens")))}),
                 qPrintable(baton.log()));
        QVERIFY2(baton.waitForLine(QRegularExpression(QStringLiteral(
                                       "restart mode: exec, new process \\(NOTIFY_SOCKET")),
                                   0),
                 qPrintable(baton.log()));
    }

    // Detached (no controlling terminal, as a daemon): exec, as before reload existed.
    void autoExecsWhenDetached()
    {
        BatonProcess baton;
        baton.setChildProcessModifier([] { ::setsid(); });
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("auto")}),
                 qPrintable(baton.diagnostics()));
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("restart mode: exec, new process \\(detached from "
                                              "any terminal\\)")),
            0));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        stopProcess(successor); // not our child: it would outlive the test
    }
};

QTEST_GUILESS_MAIN(tst_Reload)
#include "tst_reload.moc"
