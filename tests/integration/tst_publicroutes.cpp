// What is public: the demo routes (/sleep, /stream, /echo) are off with --root unless
// --demo-routes, and --admin-listen moves /metrics, /healthz and /readyz to an address of their
// own (TCP or a Unix socket), off the public port. Restarts with an admin listener are in
// tests/lifecycle/tst_adminrestart.cpp.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDir>
#include <QFile>
#include <QLocalServer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace baton::test;

namespace {

// A socket file with nobody listening on it, as a killed process leaves behind.
bool makeStaleSocketFile(const QString &path)
{
    const QByteArray file = QFile::encodeName(path);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (size_t(file.size()) >= sizeof address.sun_path)
        return false;
    std::memcpy(address.sun_path, file.constData(), size_t(file.size()));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool bound =
        fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
    if (fd >= 0)
        ::close(fd);
    return bound && QFile::exists(path);
}

int statusOf(const std::optional<HttpResponse> &response)
{
    return response ? response->status : -1;
}

} // namespace

class tst_PublicRoutes : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_root = m_dir.filePath(QStringLiteral("root"));
        QVERIFY(QDir().mkpath(m_root));
        // Files named like the routes: served once the routes no longer shadow them.
        QVERIFY(writeFile(m_root + QStringLiteral("/sleep"), "the file named sleep\n"));
        QVERIFY(writeFile(m_root + QStringLiteral("/metrics"), "the file named metrics\n"));
    }

    void demoRoutes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("demo");
        QTest::addColumn<bool>("withRoot");
        const QString root = m_root;
        QTest::addRow("no --root: on") << QStringList() << true << false;
        QTest::addRow("--root: off")
            << QStringList{QStringLiteral("--root"), root} << false << true;
        QTest::addRow("--root --demo-routes: on")
            << QStringList{QStringLiteral("--root"), root, QStringLiteral("--demo-routes")} << true
            << true;
        const QString on = m_dir.filePath(QStringLiteral("demo-on.ini"));
        QVERIFY(writeFile(on, "demo-routes = true\n"));
        QTest::addRow("--root, config demo-routes = true: on")
            << QStringList{QStringLiteral("--root"), root, QStringLiteral("--config"), on} << true
            << true;
        const QString off = m_dir.filePath(QStringLiteral("demo-off.ini"));
        QVERIFY(writeFile(off, "demo-routes = false\n"));
        QTest::addRow("no --root, config demo-routes = false: off")
            << QStringList{QStringLiteral("--config"), off} << false << false;
    }

    void demoRoutes()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, demo);
        QFETCH(bool, withRoot);
        BatonProcess baton;
        QVERIFY2(baton.start(args), qPrintable(baton.diagnostics()));

        const auto sleep = fetch(baton, "/sleep?ms=0");
        QVERIFY(sleep);
        const auto stream = fetch(baton, "/stream?seconds=1");
        QVERIFY(stream);
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        const auto echo = client.request(httpPost("/echo", "echo me"));
        BATON_VERIFY_READ(echo, client);
        if (demo) {
            BATON_COMPARE_STATUS(sleep, 200);
            QCOMPARE(sleep->body, QByteArray("slept 0 ms\n"));
            BATON_COMPARE_STATUS(stream, 200);
            QCOMPARE(stream->body, QByteArray("chunk 1 of 1\n"));
            BATON_COMPARE_STATUS(echo, 200);
            QCOMPARE(echo->body, QByteArray("echo me"));
        } else {
            if (withRoot) {
                // No route shadows the file of that name any more; the query is the file's.
                BATON_COMPARE_STATUS(sleep, 200);
                QCOMPARE(sleep->body, QByteArray("the file named sleep\n"));
            } else {
                BATON_COMPARE_STATUS(sleep, 404);
            }
            BATON_COMPARE_STATUS(stream, 404);
            QVERIFY2(echo->status == 404 || echo->status == 405, qPrintable(echo->describe()));
        }
        // Without --admin-listen, the admin routes stay public.
        QCOMPARE(statusOf(fetch(baton, "/healthz")), 200);
        QCOMPARE(statusOf(fetch(baton, "/readyz")), 200);
        const auto metrics = fetch(baton, "/metrics");
        QVERIFY(metrics);
        BATON_COMPARE_STATUS(metrics, 200);
        QVERIFY(metrics->body.contains("baton_generation 1"));
        BATON_VERIFY_CLEAN_STOP(baton);
    }

    void adminRoutesMove_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addRow("TCP") << QStringLiteral("127.0.0.1:0");
        QTest::addRow("unix:PATH")
            << QStringLiteral("unix:") + m_dir.filePath(QStringLiteral("a.sock"));
        QTest::addRow("absolute path") << m_dir.filePath(QStringLiteral("b.sock"));
    }

    void adminRoutesMove()
    {
        QFETCH(QString, address);
        BatonProcess baton;
        QVERIFY2(baton.start(
                     {QStringLiteral("--admin-listen"), address, QStringLiteral("--root"), m_root}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        if (address.startsWith(QLatin1Char('/')) || address.startsWith(QLatin1String("unix:"))) {
            QCOMPARE(QStringLiteral("unix:") + admin->path, address.startsWith(QLatin1Char('/'))
                                                                ? QStringLiteral("unix:") + address
                                                                : address);
            QVERIFY(QFileInfo(admin->path).exists());
        } else {
            QCOMPARE(admin->host, QStringLiteral("127.0.0.1"));
            QVERIFY(admin->port != 0 && admin->port != baton.port());
        }

        for (const QByteArray path : {"/healthz", "/readyz", "/metrics"}) {
            const auto there = fetchAdmin(*admin, path);
            QVERIFY2(there, qPrintable(QString::fromLatin1(path) + QLatin1Char('\n') +
                                       baton.diagnostics()));
            BATON_COMPARE_STATUS(there, 200);
            BATON_VERIFY_COMMON_HEADERS(there, baton.pid());
        }
        const auto metrics = fetchAdmin(*admin, "/metrics");
        QVERIFY(metrics);
        QVERIFY(metrics->body.contains("baton_generation 1"));
        QCOMPARE(metrics->header("Content-Type"),
                 QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        const auto ready = fetchAdmin(*admin, "/readyz");
        QVERIFY(ready);
        QCOMPARE(ready->body, QByteArray("ready\n"));
        // Only the admin routes are there.
        QCOMPARE(statusOf(fetchAdmin(*admin, "/")), 404);
        QCOMPARE(statusOf(fetchAdmin(*admin, "/sleep")), 404);

        // And they are not on the public port: a file of that name, or 404.
        QCOMPARE(statusOf(fetch(baton, "/healthz")), 404);
        QCOMPARE(statusOf(fetch(baton, "/readyz")), 404);
        const auto metricsFile = fetch(baton, "/metrics");
        QVERIFY(metricsFile);
        BATON_COMPARE_STATUS(metricsFile, 200);
        QCOMPARE(metricsFile->body, QByteArray("the file named metrics\n"));
        QCOMPARE(statusOf(fetch(baton, "/")), 403); // the root has no index.html

        BATON_VERIFY_CLEAN_STOP(baton);
        if (!admin->path.isEmpty())
            QVERIFY2(!QFileInfo::exists(admin->path), "the socket file was left behind");
    }

    void configKey()
    {
        const QString socket = m_dir.filePath(QStringLiteral("config.sock"));
        const QString config = m_dir.filePath(QStringLiteral("admin.ini"));
        QVERIFY(writeFile(config, "admin-listen = " + socket.toUtf8() + "\n"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--config"), config}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        QCOMPARE(admin->path, socket);
        QCOMPARE(statusOf(fetchAdmin(*admin, "/healthz")), 200);
        QCOMPARE(statusOf(fetch(baton, "/healthz")), 404);
        // No --root: the demo routes are still on.
        QCOMPARE(statusOf(fetch(baton, "/sleep?ms=0")), 200);
        BATON_VERIFY_CLEAN_STOP(baton);
    }

    void staleSocketFileIsReplaced()
    {
        const QString socket = m_dir.filePath(QStringLiteral("stale.sock"));
        QVERIFY(makeStaleSocketFile(socket));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"), socket}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY2(admin, qPrintable(baton.diagnostics()));
        QCOMPARE(statusOf(fetchAdmin(*admin, "/healthz")), 200);
        BATON_VERIFY_CLEAN_STOP(baton);
        QVERIFY(!QFileInfo::exists(socket));
    }

    // A socket somebody listens on is theirs: no takeover, exit 3, and their file stays.
    void socketInUseIsNotTaken()
    {
        const QString socket = m_dir.filePath(QStringLiteral("taken.sock"));
        QLocalServer occupant;
        QVERIFY2(occupant.listen(socket), qPrintable(occupant.errorString()));
        BatonProcess baton;
        QVERIFY(baton.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0"), QStringLiteral("--admin-listen"),
                                socket}));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(3));
        const QStringList lines = nonEmptyLines(baton.stderrLines());
        QVERIFY2(lines.size() == 1, qPrintable(lines.join(QLatin1Char('\n'))));
        QVERIFY2(lines.first().contains(socket) && lines.first().contains(QLatin1String("in use")),
                 qPrintable(lines.first()));
        QVERIFY(QFileInfo::exists(socket));
        RawClient client;
        QVERIFY2(client.connectToPath(socket), qPrintable(client.errorString()));
    }

    void portInUse()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(occupant.serverPort());
        BatonProcess baton;
        QVERIFY(baton.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0"), QStringLiteral("--admin-listen"),
                                address}));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(3));
        const QStringList lines = nonEmptyLines(baton.stderrLines());
        QVERIFY2(lines.size() == 1, qPrintable(lines.join(QLatin1Char('\n'))));
        QVERIFY2(lines.first().contains(QLatin1String("--admin-listen")) &&
                     lines.first().contains(address) &&
                     lines.first().contains(QLatin1String("address already in use")),
                 qPrintable(lines.first()));
    }

    void badValues_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        // The one error line must mention this.
        QTest::addColumn<QString>("mentions");
        const auto admin = [](const QString &value) {
            return QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                               QStringLiteral("--admin-listen"), value};
        };
        QTest::addRow("no port") << admin(QStringLiteral("localhost")) << 2
                                 << QStringLiteral("expected HOST:PORT, unix:PATH or an absolute "
                                                   "path, got \"localhost\"");
        QTest::addRow("port not a number")
            << admin(QStringLiteral("127.0.0.1:admin")) << 2 << QStringLiteral("127.0.0.1:admin");
        QTest::addRow("port too large")
            << admin(QStringLiteral("127.0.0.1:65536")) << 2 << QStringLiteral("65536");
        QTest::addRow("unix: without a path")
            << admin(QStringLiteral("unix:")) << 2 << QStringLiteral("unix:");
        QTest::addRow("path too long")
            << admin(QStringLiteral("/tmp/") + QString(120, QLatin1Char('x'))) << 2
            << QStringLiteral("too long");
        QTest::addRow("same as --listen")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:18080"),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:18080")}
            << 2 << QStringLiteral("--listen address 127.0.0.1:18080");
        QTest::addRow("overlaps --listen")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:18080"),
                           QStringLiteral("--admin-listen"), QStringLiteral("*:18080")}
            << 2 << QStringLiteral("--listen address 127.0.0.1:18080");
        QTest::addRow("missing value")
            << QStringList{QStringLiteral("--admin-listen")} << 2 << QStringLiteral("admin-listen");
        const QString regular = m_dir.filePath(QStringLiteral("regular-file"));
        QVERIFY(writeFile(regular, "not a socket\n"));
        QTest::addRow("a regular file") << admin(regular) << 3 << QStringLiteral("not a socket");
        QTest::addRow("no such directory") << admin(QStringLiteral("/nonexistent/baton/admin.sock"))
                                           << 3 << QStringLiteral("/nonexistent/baton/admin.sock");
        const QString config = m_dir.filePath(QStringLiteral("bad-admin.ini"));
        QVERIFY(writeFile(config, "# comment\nadmin-listen = nowhere\n"));
        QTest::addRow("config file")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--config"), config}
            << 2 << config + QStringLiteral(":2: admin-listen");
    }

    void badValues()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        BatonProcess baton;
        QVERIFY(baton.startRaw(QStringList{QStringLiteral("--headless")} + args));
        const auto code = baton.waitForExit(10000);
        QVERIFY2(code.has_value(), qPrintable(baton.diagnostics()));
        QVERIFY2(*code == exitCode,
                 qPrintable(QStringLiteral("exit code %1, expected %2\n").arg(*code).arg(exitCode) +
                            baton.diagnostics()));
        const QStringList lines = nonEmptyLines(baton.stderrLines());
        QVERIFY2(lines.size() == 1, qPrintable(lines.join(QLatin1Char('\n'))));
        QVERIFY2(lines.first().contains(mentions),
                 qPrintable(QStringLiteral("does not mention '") + mentions +
                            QStringLiteral("': ") + lines.first()));
    }

private:
    QTemporaryDir m_dir;
    QString m_root;
};

QTEST_GUILESS_MAIN(tst_PublicRoutes)
#include "tst_publicroutes.moc"
