// sd_notify as systemd sees it: the test binds the NOTIFY_SOCKET itself (a path, or a name in
// the abstract namespace), starts the real binary with it, sends real signals and reads the
// datagrams, each with its sender's pid (SO_PASSCRED, as systemd does).
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSocketNotifier>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstddef>
#include <ctime>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace baton::test;

namespace {

struct Datagram
{
    qint64 senderPid = 0;
    QMap<QByteArray, QByteArray> fields;
    bool has(const QByteArray &key) const { return fields.contains(key); }
    QByteArray value(const QByteArray &key) const { return fields.value(key); }
};

// The systemd end: one bound SOCK_DGRAM socket; datagrams are collected as the event loop runs.
class NotifySocket
{
public:
    ~NotifySocket()
    {
        delete m_notifier;
        if (m_fd >= 0)
            ::close(m_fd);
    }

    // name: a path, or "@name" for the abstract namespace (NOTIFY_SOCKET's own spelling).
    bool bind(const QByteArray &name)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        const int on = 1;
        if (m_fd < 0 || ::setsockopt(m_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
            return false;
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (size_t(name.size()) >= sizeof address.sun_path)
            return false;
        memcpy(address.sun_path, name.constData(), size_t(name.size()));
        if (name.startsWith('@'))
            address.sun_path[0] = '\0';
        const auto length = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(name.size()));
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&address), length) != 0)
            return false;
        m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier, &QSocketNotifier::activated, [this] { readAll(); });
        return true;
    }

    void readAll()
    {
        for (;;) {
            char buffer[4096];
            iovec io{buffer, sizeof buffer};
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
            msghdr message{};
            message.msg_iov = &io;
            message.msg_iovlen = 1;
            message.msg_control = control;
            message.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(m_fd, &message, MSG_DONTWAIT);
            if (n < 0)
                return;
            Datagram datagram;
            for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                    ucred credentials{};
                    memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
                    datagram.senderPid = credentials.pid;
                }
            }
            for (const QByteArray &line : QByteArray(buffer, int(n)).split('\n')) {
                const qsizetype equals = line.indexOf('=');
                if (equals > 0)
                    datagram.fields.insert(line.left(equals), line.mid(equals + 1));
            }
            m_received.append(datagram);
        }
    }

    // The next datagram (after those already taken) that has `key`; earlier ones are skipped.
    std::optional<Datagram> waitFor(const QByteArray &key, int timeoutMs = 15000)
    {
        std::optional<Datagram> found;
        (void)QTest::qWaitFor(
            [&] {
                readAll();
                while (m_next < m_received.size()) {
                    const Datagram &d = m_received[m_next++];
                    if (d.has(key)) {
                        found = d;
                        return true;
                    }
                }
                return false;
            },
            timeoutMs);
        return found;
    }

    const QList<Datagram> &received()
    {
        readAll();
        return m_received;
    }

    QString dump()
    {
        QStringList lines;
        for (const Datagram &d : received()) {
            QStringList fields;
            for (auto it = d.fields.cbegin(); it != d.fields.cend(); ++it)
                fields << QString::fromUtf8(it.key() + '=' + it.value());
            lines << QStringLiteral("[pid %1] %2").arg(d.senderPid).arg(fields.join(u' '));
        }
        return lines.join(u'\n');
    }

private:
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QList<Datagram> m_received;
    qsizetype m_next = 0;
};

QProcessEnvironment withNotifySocket(const QString &value)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NOTIFY_SOCKET"), value);
    return env;
}

qint64 monotonicUsecNow()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

// The exit status of a process that became our child when its parent exited (we are a
// subreaper); nullopt if it has not exited within timeoutMs or did not exit normally.
std::optional<int> waitForOrphanExit(qint64 pid, int timeoutMs)
{
    int status = 0;
    bool reaped = false;
    (void)QTest::qWaitFor([&] { return reaped = ::waitpid(pid_t(pid), &status, WNOHANG) == pid; },
                          timeoutMs);
    if (!reaped || !WIFEXITED(status))
        return std::nullopt;
    return WEXITSTATUS(status);
}

} // namespace

class TestSystemdNotify : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // A successor outlives the process that started it (our child); as a subreaper we
        // inherit it and can see how it exits.
        QVERIFY(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    }

    // READY at start; on SIGHUP, RELOADING from the old process and then MAINPID + READY naming
    // the successor, which is the process that serves; the successor says nothing of its own
    // until its shutdown, STOPPING, and exits 0.
    void readyRestartAndStop()
    {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("notify"));
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        NotifySocket systemd;
        QVERIFY(systemd.bind(QFile::encodeName(socketPath)));
        BatonProcess baton;
        baton.setProcessEnvironment(withNotifySocket(socketPath));
        QVERIFY2(baton.start({QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));

        const auto ready = systemd.waitFor("READY");
        QVERIFY2(ready, qPrintable(systemd.dump()));
        QCOMPARE(ready->value("READY"), QByteArray("1"));
        QCOMPARE(ready->senderPid, baton.pid());
        QVERIFY(ready->value("STATUS").startsWith("serving on http://"));

        QVERIFY(baton.sendSignal(SIGHUP));
        const auto reloading = systemd.waitFor("RELOADING");
        QVERIFY2(reloading, qPrintable(systemd.dump()));
        QCOMPARE(reloading->value("RELOADING"), QByteArray("1"));
        QCOMPARE(reloading->senderPid, baton.pid());
        bool ok = false;
        const qint64 monotonic = reloading->value("MONOTONIC_USEC").toLongLong(&ok);
        QVERIFY2(ok && monotonic > 0, reloading->value("MONOTONIC_USEC").constData());
        QVERIFY(monotonic <= monotonicUsecNow()); // CLOCK_MONOTONIC, not the wall clock

        const auto handedOver = systemd.waitFor("MAINPID");
        QVERIFY2(handedOver, qPrintable(systemd.dump() + baton.diagnostics()));
        const qint64 successor = handedOver->value("MAINPID").toLongLong();
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QVERIFY(successor > 0);
        QVERIFY(successor != baton.pid());
        QCOMPARE(handedOver->senderPid, baton.pid()); // the process systemd still knows
        QCOMPARE(handedOver->value("READY"), QByteArray("1"));

        QCOMPARE(waitForHandover(baton), successor);
        const auto response = fetch(baton, "/");
        QVERIFY(response);
        QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(successor));
        QCOMPARE(baton.waitForExit(15000), std::optional<int>(0));
        QCOMPARE(readFile(pidFile), QByteArray::number(successor));

        // Everything the old process sent is in; neither it (its drain is not the service
        // stopping) nor the successor (not main until named) said more.
        const QList<Datagram> sofar = systemd.received();
        for (const Datagram &d : sofar) {
            QVERIFY2(!d.has("STOPPING"), qPrintable(systemd.dump()));
            QVERIFY2(d.senderPid != successor, qPrintable(systemd.dump()));
        }

        QVERIFY(::kill(pid_t(successor), SIGTERM) == 0);
        const auto stopping = systemd.waitFor("STOPPING");
        QVERIFY2(stopping, qPrintable(systemd.dump()));
        QCOMPARE(stopping->value("STOPPING"), QByteArray("1"));
        QCOMPARE(stopping->senderPid, successor);
        QCOMPARE(waitForOrphanExit(successor, 15000), std::optional<int>(0));
    }

    // A program on the API that is not ready yet (hookapp --ready-file) serves, but systemd
    // hears READY=1 only once the program says it is ready.
    void readyWaitsForTheApplication()
    {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("notify"));
        const QString readyFile = dir.filePath(QStringLiteral("ready"));
        NotifySocket systemd;
        QVERIFY(systemd.bind(QFile::encodeName(socketPath)));
        qputenv("BATON_BINARY", HOOKAPP_BINARY);
        auto restore = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
        BatonProcess app;
        app.setProcessEnvironment(withNotifySocket(socketPath));
        QVERIFY2(app.start({QStringLiteral("--ready-file"), readyFile}),
                 qPrintable(app.diagnostics()));
        QVERIFY2(app.waitForStderrLine(
                     QRegularExpression(QStringLiteral("the application is not ready yet")), 5000),
                 qPrintable(app.diagnostics()));
        QCOMPARE(fetch(app, "/readyz")->status, 503);
        for (const Datagram &d : systemd.received())
            QVERIFY2(!d.has("READY"), qPrintable(systemd.dump()));

        QFile file(readyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const auto ready = systemd.waitFor("READY");
        QVERIFY2(ready, qPrintable(systemd.dump() + app.diagnostics()));
        QCOMPARE(ready->senderPid, app.pid());
        QCOMPARE(fetch(app, "/readyz")->status, 200);
        QCOMPARE(app.stop(), std::optional<int>(0));
    }

    // --restart-mode reload under systemd (Type=notify with an explicit reload mode): the pid
    // stays, so RELOADING=1 is followed by READY=1 from the same process and no MAINPID.
    void reloadSaysReadyFromTheSamePid()
    {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("notify"));
        NotifySocket systemd;
        QVERIFY(systemd.bind(QFile::encodeName(socketPath)));
        BatonProcess baton;
        baton.setProcessEnvironment(withNotifySocket(socketPath));
        QVERIFY2(baton.start({QStringLiteral("--restart-mode"), QStringLiteral("reload")}),
                 qPrintable(baton.diagnostics()));
        QVERIFY2(systemd.waitFor("READY"), qPrintable(systemd.dump()));
        QVERIFY(baton.sendSignal(SIGHUP));
        const auto reloading = systemd.waitFor("RELOADING");
        QVERIFY2(reloading, qPrintable(systemd.dump()));
        QVERIFY(reloading->has("MONOTONIC_USEC"));
        const auto ready = systemd.waitFor("READY");
        QVERIFY2(ready, qPrintable(systemd.dump() + baton.diagnostics()));
        QCOMPARE(ready->senderPid, baton.pid());
        QVERIFY2(ready->value("STATUS").contains("generation 2"), qPrintable(systemd.dump()));
        for (const Datagram &d : systemd.received())
            QVERIFY2(!d.has("MAINPID") && !d.has("STOPPING"), qPrintable(systemd.dump()));
        QCOMPARE(baton.stop(), std::optional<int>(0));
        QVERIFY2(systemd.waitFor("STOPPING"), qPrintable(systemd.dump()));
    }

    // A drain with a request in hand: STOPPING, STATUS lines that say it drains, and
    // EXTEND_TIMEOUT_USEC never beyond the drain timeout plus the margin.
    void drainExtendsStopTimeout()
    {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("notify"));
        NotifySocket systemd;
        QVERIFY(systemd.bind(QFile::encodeName(socketPath)));
        BatonProcess baton;
        baton.setProcessEnvironment(withNotifySocket(socketPath));
        QVERIFY2(baton.start({QStringLiteral("--drain-timeout"), QStringLiteral("10")}),
                 qPrintable(baton.diagnostics()));
        QVERIFY(systemd.waitFor("READY"));

        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=3000")));
        QTRY_VERIFY_WITH_TIMEOUT(requestsInFlight(baton, 1), 30000);
        QVERIFY(baton.sendSignal(SIGTERM));

        const auto stopping = systemd.waitFor("STOPPING");
        QVERIFY2(stopping, qPrintable(systemd.dump()));
        QCOMPARE(stopping->senderPid, baton.pid());
        const auto extend = systemd.waitFor("EXTEND_TIMEOUT_USEC");
        QVERIFY2(extend, qPrintable(systemd.dump()));
        // The sleeping request's connection, and perhaps some of those that asked /metrics
        // while waiting for it (closed by the server, they linger a moment): a loaded machine
        // needs more than one look, so their number is not fixed.
        static const QRegularExpression drainStatus(
            QStringLiteral("^draining [1-9][0-9]* connections?, (10|9) s left$"));
        QVERIFY2(drainStatus.match(QString::fromUtf8(extend->value("STATUS"))).hasMatch(),
                 qPrintable(systemd.dump()));

        const auto answer = slow.readResponse(15000);
        QVERIFY2(answer, qPrintable(slow.errorString()));
        QCOMPARE(answer->status, 200);
        QCOMPARE(baton.waitForExit(15000), std::optional<int>(0));

        constexpr qint64 bound = (10 + 5) * 1'000'000LL;
        int extensions = 0;
        for (const Datagram &d : systemd.received()) {
            if (d.has("EXTEND_TIMEOUT_USEC")) {
                ++extensions;
                bool ok = false;
                const qint64 usec = d.value("EXTEND_TIMEOUT_USEC").toLongLong(&ok);
                QVERIFY2(ok && usec > 0 && usec <= bound, qPrintable(systemd.dump()));
                QVERIFY2(d.value("STATUS").startsWith("draining "), qPrintable(systemd.dump()));
            }
        }
        QVERIFY(extensions >= 1);
    }

    // NOTIFY_SOCKET=@name: the abstract namespace.
    void abstractSocket()
    {
        const QByteArray name = "@baton-test-notify-" + QByteArray::number(::getpid()) + '-' +
                                QByteArray::number(monotonicUsecNow());
        NotifySocket systemd;
        QVERIFY(systemd.bind(name));
        BatonProcess baton;
        baton.setProcessEnvironment(withNotifySocket(QString::fromLatin1(name)));
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        const auto ready = systemd.waitFor("READY");
        QVERIFY2(ready, qPrintable(systemd.dump()));
        QCOMPARE(ready->senderPid, baton.pid());
        QVERIFY(baton.sendSignal(SIGINT));
        QVERIFY2(systemd.waitFor("STOPPING"), qPrintable(systemd.dump()));
        QCOMPARE(baton.waitForExit(15000), std::optional<int>(0));
    }

    // A restart that fails (the executable on disk exits at once): READY again, saying why.
    void failedRestartSaysReadyAgain()
    {
        QTemporaryDir dir;
        const QString socketPath = dir.filePath(QStringLiteral("notify"));
        NotifySocket systemd;
        QVERIFY(systemd.bind(QFile::encodeName(socketPath)));
        const QString binary = copyExecutable(dir);
        QVERIFY(!binary.isEmpty());
        qputenv("BATON_BINARY", binary.toLocal8Bit());
        auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
        BatonProcess baton;
        baton.setProcessEnvironment(withNotifySocket(socketPath));
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        QVERIFY(systemd.waitFor("READY"));

        QVERIFY(writeFile(binary, "#!/bin/sh\nexit 1\n", true));
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(systemd.waitFor("RELOADING"), qPrintable(systemd.dump()));
        const auto again = systemd.waitFor("READY");
        QVERIFY2(again, qPrintable(systemd.dump()));
        QCOMPARE(again->senderPid, baton.pid());
        QVERIFY(!again->has("MAINPID"));
        const QByteArray status = again->value("STATUS");
        QVERIFY2(status.startsWith("restart failed: ") && status.endsWith("; still serving") &&
                     status.contains("exited with status 1"),
                 status.constData());
        QCOMPARE(baton.stop(), std::optional<int>(0));
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemdnotify.moc"
