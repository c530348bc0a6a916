// Socket activation as systemd does it: listening sockets passed from descriptor 3 on
// (LISTEN_FDS), named by LISTEN_FDNAMES. Baton serves on every one of them, says which in its
// log, and passes all of them on at a restart, by exec and by reload alike.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QRegularExpression>
#include <QTest>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace baton::test;

namespace {

// A listening TCP socket on 127.0.0.1 with a free port, at a descriptor number well above the
// ones the child will get, so that moving it to 3 or 4 cannot overwrite the other.
struct Listener
{
    int fd = -1;
    quint16 port = 0;
};
Listener listenOnLoopback(int atDescriptor)
{
    Listener listener;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(fd, 128) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return listener;
    listener.fd = ::fcntl(fd, F_DUPFD_CLOEXEC, atDescriptor);
    ::close(fd);
    listener.port = ntohs(address.sin_port);
    return listener;
}

std::optional<HttpResponse> getFrom(quint16 port)
{
    RawClient client;
    if (!client.connectTo(QStringLiteral("127.0.0.1"), port))
        return std::nullopt;
    return client.request(httpGet("/"));
}

} // namespace

class tst_SocketActivation : public QObject
{
    Q_OBJECT

private:
    void startActivated(BatonProcess &baton, const QStringList &args)
    {
        m_first = listenOnLoopback(100);
        m_second = listenOnLoopback(110);
        QVERIFY(m_first.fd >= 0 && m_second.fd >= 0);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LISTEN_FDS"), QStringLiteral("2"));
        env.insert(QStringLiteral("LISTEN_FDNAMES"), QStringLiteral("web:alt"));
        baton.setProcessEnvironment(env);
        const int first = m_first.fd;
        const int second = m_second.fd;
        // dup2 (async-signal-safe) also clears close-on-exec on the copies.
        baton.setChildProcessModifier([first, second] {
            ::dup2(first, 3);
            ::dup2(second, 4);
        });
        QVERIFY2(baton.start(args), qPrintable(baton.diagnostics()));
        // The test's copies go: from now on only Baton (and its successors) hold the sockets.
        ::close(m_first.fd);
        ::close(m_second.fd);
    }

    void verifyServedOnBoth(qint64 pid, int generation)
    {
        for (quint16 port : {m_first.port, m_second.port}) {
            const auto response = getFrom(port);
            QVERIFY2(response, qPrintable(QStringLiteral("nothing on port %1").arg(port)));
            QCOMPARE(response->status, 200);
            QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(pid));
            QCOMPARE(response->header("X-Baton-Generation"), QByteArray::number(generation));
        }
    }

    Listener m_first;
    Listener m_second;

private slots:
    void servesOnEveryPassedSocketAndSaysWhich()
    {
        BatonProcess baton;
        startActivated(baton, {});
        if (QTest::currentTestFailed())
            return;
        const QString passed = QStringLiteral("socket activation: 2 sockets passed in: "
                                              "127.0.0.1:%1 (web), 127.0.0.1:%2 (alt); --listen "
                                              "is not used")
                                   .arg(m_first.port)
                                   .arg(m_second.port);
        QCOMPARE(baton.stderrLines().filter(passed).size(), 1);
        QCOMPARE(baton.stderrLines()
                     .filter(QStringLiteral("listening on http://127.0.0.1:%1 and "
                                            "http://127.0.0.1:%2 ")
                                 .arg(m_first.port)
                                 .arg(m_second.port))
                     .size(),
                 1);
        verifyServedOnBoth(baton.pid(), 1);
        QCOMPARE(baton.stop(), std::optional<int>(0));
    }

    // exec: the new process gets both sockets (and their names) and serves on both; the old
    // one exits.
    void execRestartPassesEverySocket()
    {
        BatonProcess baton;
        startActivated(baton, {QStringLiteral("--restart-mode"), QStringLiteral("exec")});
        if (QTest::currentTestFailed())
            return;
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        verifyServedOnBoth(successor, 2);
        // Its own "listening" line names both, and it says nothing of socket activation: the
        // sockets came from its predecessor, not from systemd.
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("baton\\[%1\\] listening on http://127.0.0.1:%2 "
                                              "and http://127.0.0.1:%3 ")
                                   .arg(successor)
                                   .arg(m_first.port)
                                   .arg(m_second.port)),
            10000));
        QCOMPARE(baton.stderrLines().filter(QStringLiteral("socket activation")).size(), 1);
        stopProcess(successor);
    }

    void reloadServesOnEverySocket()
    {
        BatonProcess baton;
        startActivated(baton, {QStringLiteral("--restart-mode"), QStringLiteral("reload")});
        if (QTest::currentTestFailed())
            return;
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(baton.waitForStderrLine(
                     QRegularExpression(QStringLiteral("reload: generation 2 serves")), 10000),
                 qPrintable(baton.diagnostics()));
        verifyServedOnBoth(baton.pid(), 2);
        QCOMPARE(baton.stop(), std::optional<int>(0));
    }
};

QTEST_GUILESS_MAIN(tst_SocketActivation)
#include "tst_socketactivation.moc"
