#include "demoroutes.h"
#include "core/serverlink.h"
#include "lifecycle/adminroutes.h"
#include "core/httpserver.h"
#include "core/metrics.h"
#include <baton/router.h>
#include "net/listensocket.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

using namespace baton;

// The connection registry seen through snapshots, with real sockets against an in-process server.
class tst_Registry : public QObject
{
    Q_OBJECT

private:
    ListenSocket m_socket;
    std::unique_ptr<HttpServer> m_server;
    std::shared_ptr<ServerLink> m_link;
    quint16 m_port = 0;

    static std::optional<ConnectionInfo> find(const ServerSnapshot &snapshot, ConnectionState state)
    {
        for (const ConnectionInfo &info : snapshot.connections) {
            if (info.state == state)
                return info;
        }
        return std::nullopt;
    }

private slots:
    void init()
    {
        QString error;
        QVERIFY2(m_socket.bind({QStringLiteral("127.0.0.1"), 0}, &error), qPrintable(error));
        m_port = quint16(m_socket.localAddress().section(u':', -1).toUInt());
        auto link = std::make_shared<ServerLink>();
        auto router = std::make_shared<Router>();
        addDemoRoutes(*router, {QByteArrayLiteral("hi"), true});
        addAdminRoutes(*router, link);
        ServerLimits limits;
        limits.drainIdleGrace = std::chrono::milliseconds(0);
        m_server = std::make_unique<HttpServer>(limits, router, 1);
        m_server->start({m_socket.descriptor()}, 2);
        m_link = link;
        link->attach(m_server->context());
    }
    void cleanup()
    {
        m_server.reset();
        m_socket.close();
    }

    // /metrics and /readyz read the server through the link; a reader must never see a server
    // that is gone (Start after a stop replaces it while requests may be reading).
    void linkOutlivesItsServer()
    {
        const std::shared_ptr<const ServerContext> held = m_link->current();
        QVERIFY(held);
        m_server.reset(); // threads joined, workers gone
        QVERIFY(renderMetrics(*held).contains("baton_generation 1"));
        QVERIFY(renderMetrics(*held).contains("baton_ready 0"));
    }

    // A connection handed over by the predecessor keeps its age and request count in the table,
    // and the input it carried is answered first.
    void adoptedConnectionKeepsItsHistory()
    {
        int pair[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
        HandoverRecord record;
        record.id = 77;
        record.ageMs = 5000;
        record.requestsServed = 7;
        record.bytesIn = 1000;
        record.bytesOut = 2000;
        record.pending = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        QVERIFY(m_server->reserveConnection());
        m_server->adopt(pair[1], record);

        QByteArray answer;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                char buffer[4096];
                const ssize_t n = ::recv(pair[0], buffer, sizeof buffer, MSG_DONTWAIT);
                if (n > 0)
                    answer.append(buffer, n);
                return answer.contains("\r\n\r\nhi");
            }(),
            5000);
        QVERIFY(answer.startsWith("HTTP/1.1 200"));
        QTRY_VERIFY_WITH_TIMEOUT(m_server->snapshot().connections.size() == 1 &&
                                     m_server->snapshot().connections[0].requestsServed == 8,
                                 5000);
        const ServerSnapshot snapshot = m_server->snapshot();
        const ConnectionInfo &adopted = snapshot.connections.constFirst();
        QVERIFY(snapshot.takenAtMs - adopted.connectedAtMs >= 5000);
        QCOMPARE(adopted.state, ConnectionState::Idle);
        QCOMPARE(snapshot.connectionsAdopted, quint64(1));
        QCOMPARE(snapshot.connectionsAccepted, quint64(0));
        ::close(pair[0]);
        QTRY_VERIFY_WITH_TIMEOUT(m_server->connectionCount() == 0, 5000);
    }

    void connectionsAppearWithStateAndLeave()
    {
        QTcpSocket idle;
        idle.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(idle.waitForConnected(5000));
        idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(idle.waitForReadyRead(5000));

        QTcpSocket busy;
        busy.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(busy.waitForConnected(5000));
        busy.write("GET /sleep?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n");

        QTRY_VERIFY_WITH_TIMEOUT(m_server->snapshot().connections.size() == 2, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(find(m_server->snapshot(), ConnectionState::Busy), 5000);
        const ServerSnapshot snapshot = m_server->snapshot();
        const std::optional<ConnectionInfo> b = find(snapshot, ConnectionState::Busy);
        QCOMPARE(b->method, QByteArray("GET"));
        QCOMPARE(b->path, QByteArray("/sleep"));
        QVERIFY(b->requestStartedAtMs > 0);
        QVERIFY(b->peer.startsWith(QStringLiteral("127.0.0.1:")));
        const std::optional<ConnectionInfo> i = find(snapshot, ConnectionState::Idle);
        QVERIFY(i);
        QCOMPARE(i->requestsServed, 1u);
        QVERIFY(i->bytesIn > 0 && i->bytesOut > 0);
        QCOMPARE(snapshot.connectionsByState[size_t(ConnectionState::Busy)], 1);
        QCOMPARE(snapshot.openConnections(), 2);

        idle.close();
        QTRY_COMPARE_WITH_TIMEOUT(m_server->snapshot().openConnections(), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(m_server->snapshot().connections.size(), 1, 5000);
    }

    void drainAnswersInFlightWithCloseAndEmitsDrained()
    {
        QTcpSocket idle;
        idle.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(idle.waitForConnected(5000));
        QTcpSocket busy;
        busy.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(busy.waitForConnected(5000));
        busy.write("GET /sleep?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(
            m_server->snapshot().connectionsByState[size_t(ConnectionState::Busy)], 1, 5000);

        QSignalSpy drained(m_server.get(), &HttpServer::drained);
        m_server->beginDrain();
        QVERIFY(!m_server->isReady());
        QVERIFY(busy.waitForDisconnected(5000));
        const QByteArray answer = busy.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer.constData());
        QVERIFY(answer.contains("\r\nConnection: close\r\n"));
        QVERIFY(drained.wait(5000));
        QCOMPARE(m_server->connectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Registry)
#include "tst_registry.moc"
