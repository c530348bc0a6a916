// The admin listener (--admin-listen) across restarts and shutdowns: SIGHUP hands it to the
// successor like the public socket (no refused connection, no new bind: a Unix socket stays the
// same file), /readyz there follows the serving generation, and the last process removes the
// socket file.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>
#include <sys/types.h>

using namespace baton::test;

namespace {

// The socket file's inode: a successor that unlinked and bound again would change it.
quint64 inodeOf(const QString &path)
{
    struct stat status
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &status) == 0 ? quint64(status.st_ino) : 0;
}

// Requests /healthz at the admin address on a fresh connection each time, and notes every
// connection that is refused or not answered with 200.
class AdminHammer
{
public:
    explicit AdminHammer(AdminAddress admin) : m_admin(std::move(admin)) {}

    // One request; returns the generation that answered it, or an empty array.
    QByteArray hit()
    {
        ++m_requests;
        RawClient client;
        const bool connected = m_admin.path.isEmpty() ? client.connectTo(m_admin.host, m_admin.port)
                                                      : client.connectToPath(m_admin.path);
        if (!connected) {
            m_failures << QStringLiteral("request %1: connect: %2")
                              .arg(m_requests)
                              .arg(client.errorString());
            return {};
        }
        const auto response = client.request(httpGet("/healthz", "Connection: close\r\n"));
        if (!response || response->status != 200) {
            m_failures << QStringLiteral("request %1: %2")
                              .arg(m_requests)
                              .arg(response ? response->describe() : client.errorString());
            return {};
        }
        const QByteArray generation = response->header("X-Baton-Generation");
        m_generations.insert(generation);
        return generation;
    }

    int requests() const { return m_requests; }
    const QStringList &failures() const { return m_failures; }
    const QSet<QByteArray> &generations() const { return m_generations; }

private:
    AdminAddress m_admin;
    int m_requests = 0;
    QStringList m_failures;
    QSet<QByteArray> m_generations;
};

int statusOf(const std::optional<HttpResponse> &response)
{
    return response ? response->status : -1;
}

} // namespace

class tst_AdminRestart : public QObject
{
    Q_OBJECT

private slots:
    // Two restarts (the second from a process that inherited the listener itself) while a
    // client keeps connecting to the admin address: every connection is answered, first by
    // generation 1, at the end by generation 3, and nothing binds the address again.
    void restartsKeepTheAdminListener_data()
    {
        QTest::addColumn<bool>("unixSocket");
        QTest::addRow("TCP") << false;
        QTest::addRow("Unix socket") << true;
    }
    void restartsKeepTheAdminListener()
    {
        QFETCH(bool, unixSocket);
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        const QString address =
            unixSocket ? QStringLiteral("unix:") + dir.filePath(QStringLiteral("a.sock"))
                       : QStringLiteral("127.0.0.1:0");
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"), address,
                              QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        const quint64 inode = unixSocket ? inodeOf(admin->path) : 0;
        QVERIFY(!unixSocket || inode != 0);

        AdminHammer hammer(*admin);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(hammer.hit(), QByteArray("1"));

        qint64 current = baton.pid();
        auto cleanup = qScopeGuard([&current, &baton] {
            if (current != baton.pid())
                stopProcess(current);
        });
        for (int generation = 2; generation <= 3; ++generation) {
            const QByteArray next = QByteArray::number(generation);
            QVERIFY(::kill(pid_t(current), SIGHUP) == 0);
            // Until the old process is gone and the new one has answered, and a little after;
            // the deadline only stops a test that would otherwise never end.
            QDeadlineTimer guard(60000);
            int afterwards = 0;
            int whileOldAlive = 0;
            while (afterwards < 10 && !guard.hasExpired()) {
                const bool oldAlive = processAlive(current);
                const QByteArray answeredBy = hammer.hit();
                whileOldAlive += oldAlive ? 1 : 0;
                if (!oldAlive && hammer.generations().contains(next)) {
                    QCOMPARE(answeredBy, next);
                    ++afterwards;
                }
            }
            QVERIFY2(!guard.hasExpired(),
                     qPrintable(QStringLiteral("generation %1 never took over\n").arg(generation) +
                                baton.diagnostics()));
            qInfo("generation %d: %d admin requests while the old process was still there",
                  generation, whileOldAlive);
            const qint64 successor = readFile(pidFile).toLongLong();
            QVERIFY(successor != current && successor > 0);
            current = successor;
        }
        QVERIFY2(hammer.failures().isEmpty(), qPrintable(hammer.failures().join(QLatin1Char('\n')) +
                                                         QLatin1Char('\n') + baton.diagnostics()));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));

        // Generation 2 announced the same address, which it could not have bound while its
        // predecessor held it: it was handed over. (Generation 3's log comes after generation
        // 1, whose stderr the test reads, has gone.) A Unix socket is still the very same file.
        const QString announced =
            QStringLiteral("admin routes (/metrics, /healthz, /readyz) on ") +
            (unixSocket ? admin->toString() : QStringLiteral("http://") + admin->toString());
        QCOMPARE(baton.stderrLines().filter(announced).size(), 2);
        if (unixSocket)
            QCOMPARE(inodeOf(admin->path), inode);

        // The last generation answers for itself there, and the public port still hides it.
        const auto metrics = fetchAdmin(*admin, "/metrics");
        QVERIFY(metrics);
        QVERIFY2(metrics->body.contains("baton_generation 3"), qPrintable(metrics->describe()));
        QCOMPARE(metrics->header("X-Baton-Pid"), QByteArray::number(current));
        const auto ready = fetchAdmin(*admin, "/readyz");
        QVERIFY(ready);
        QCOMPARE(ready->status, 200);
        const auto hidden = fetch(baton, "/healthz");
        QVERIFY(hidden);
        QCOMPARE(hidden->status, 404);

        stopProcess(current);
        QVERIFY(!processAlive(current));
        if (unixSocket)
            QVERIFY2(!QFileInfo::exists(admin->path),
                     "the last generation did not remove the socket file");
    }

    // /readyz on the admin listener is the public server's readiness: 503 in the lame duck
    // while the public port still serves. A force kill still removes the socket file.
    void readyzFollowsTheLameDuck()
    {
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("admin.sock"));
        BatonProcess baton;
        // Long enough never to end during the test: the force kill below ends it.
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"), socket,
                              QStringLiteral("--lame-duck"), QStringLiteral("600")}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        QCOMPARE(statusOf(fetchAdmin(*admin, "/readyz")), 200);

        QVERIFY(baton.sendSignal(SIGTERM));
        QVERIFY(baton.waitForStderrLine(QRegularExpression(QStringLiteral("lame duck for")), 5000));
        const auto notReady = fetchAdmin(*admin, "/readyz");
        QVERIFY(notReady);
        QCOMPARE(notReady->status, 503);
        QCOMPARE(statusOf(fetchAdmin(*admin, "/healthz")), 200);
        const auto page = fetch(baton, "/");
        QVERIFY(page);
        QCOMPARE(page->status, 200);

        QVERIFY(baton.sendSignal(SIGUSR2));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(5));
        QVERIFY2(!QFileInfo::exists(socket), "a forced exit left the socket file behind");
    }

    // A successor that fails before its predecessor let go (here: it never gets its READY
    // through, and is stopped) leaves the admin socket file and the pid file to the predecessor,
    // which serves on: it must not take the file with it.
    void failedSuccessorLeavesTheSocketToItsPredecessor()
    {
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("a.sock"));
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        const QString original = BatonProcess::binaryPath();
        const QString binary = copyExecutable(dir);
        QVERIFY(!binary.isEmpty());
        qputenv("BATON_BINARY", binary.toLocal8Bit());
        auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"), socket,
                              QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        const quint64 inode = inodeOf(socket);

        // The real binary, but its restart channel (fd 4) goes nowhere: READY is never heard.
        QVERIFY(writeFile(binary,
                          "#!/bin/sh\nexec 4>/dev/null\nexec '" + original.toUtf8() + "' \"$@\"\n",
                          true));
        QVERIFY(baton.sendSignal(SIGHUP));
        const auto started = baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("listening on \\S+ \\(pid (\\d+), generation 2")),
            15000);
        QVERIFY2(started, qPrintable(baton.diagnostics()));
        const qint64 successor = QRegularExpression(QStringLiteral("pid (\\d+)"))
                                     .match(*started)
                                     .captured(1)
                                     .toLongLong();
        QVERIFY(successor > 0 && successor != baton.pid());
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QVERIFY(::kill(pid_t(successor), SIGTERM) == 0);
        QVERIFY2(
            baton.waitForStderrLine(QRegularExpression(QStringLiteral("restart failed")), 15000),
            qPrintable(baton.diagnostics()));
        QVERIFY(!processAlive(successor));

        QCOMPARE(inodeOf(socket), inode);
        const auto health = fetchAdmin(*admin, "/healthz");
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QCOMPARE(health->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
        QCOMPARE(readFile(pidFile).trimmed(), QByteArray::number(baton.pid()));

        BATON_VERIFY_CLEAN_STOP(baton);
        QVERIFY2(!QFileInfo::exists(socket), "the last generation did not remove the socket file");
    }

    // A drain waits for the admin listener's connections too, and says so when it cuts them.
    void drainCountsAdminConnections()
    {
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("admin.sock"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"), socket,
                              QStringLiteral("--drain-timeout"), QStringLiteral("1")}),
                 qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectToPath(socket));
        // A request and half of the next in one write: once the first is answered, the server
        // has read the half too (one read takes both), so the connection is mid-request.
        const auto first = client.request(httpGet("/healthz") + "GET /healthz HTTP/1.1\r\n");
        QVERIFY(first);
        QCOMPARE(first->status, 200);

        QVERIFY(baton.sendSignal(SIGTERM));
        const auto cut = baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("cutting 0 connections and 1 on the admin listener")),
            15000);
        QVERIFY2(cut, qPrintable(baton.diagnostics()));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(4));
    }
};

QTEST_GUILESS_MAIN(tst_AdminRestart)
#include "tst_adminrestart.moc"
