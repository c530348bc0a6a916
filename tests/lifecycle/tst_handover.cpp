// Connection handover: a restart moves open connections to the new process instead of closing
// them. Real binary, real sockets, real SIGHUPs; the misbehaving successors are a stand-in
// program (fakesuccessor.cpp) put where the executable was.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QFile>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/resource.h>
#include <vector>

using namespace baton::test;

namespace {

int countLines(const BatonProcess &baton, const QString &text)
{
    return int(baton.stderrLines().filter(text).size());
}

// Sets (and on destruction restores) environment variables the server and its successors inherit.
class ScopedEnvironment
{
public:
    void set(const char *name, const QByteArray &value)
    {
        m_names.push_back(name);
        qputenv(name, value);
    }
    ~ScopedEnvironment()
    {
        for (const char *name : m_names)
            qunsetenv(name);
    }

private:
    std::vector<const char *> m_names;
};

} // namespace

class tst_Handover : public QObject
{
    Q_OBJECT

private:
    // Keep-alive clients that have each been answered once by the server.
    bool openClients(const BatonProcess &baton, std::vector<std::unique_ptr<RawClient>> &clients,
                     int count)
    {
        for (int i = 0; i < count; ++i) {
            auto client = std::make_unique<RawClient>();
            if (!client->connectTo(baton.host(), baton.port()))
                return false;
            const auto first = client->request(httpGet("/"));
            if (!first || first->status != 200)
                return false;
            clients.push_back(std::move(client));
        }
        return true;
    }

    // Starts Baton from a private copy of its binary that the test then replaces by the stand-in
    // successor in `mode`.
    bool startWithFakeSuccessor(BatonProcess &baton, const QTemporaryDir &dir,
                                ScopedEnvironment &env, const QByteArray &mode, int take)
    {
        const QString binary = copyExecutable(dir);
        if (binary.isEmpty())
            return false;
        env.set("BATON_BINARY", binary.toLocal8Bit());
        env.set("FAKE_SUCCESSOR_MODE", mode);
        env.set("FAKE_SUCCESSOR_TAKE", QByteArray::number(take));
        env.set("FAKE_SUCCESSOR_REPORT", dir.filePath(QStringLiteral("report")).toLocal8Bit());
        if (!baton.start())
            return false;
        QFile::remove(binary);
        return QFile::copy(QStringLiteral(FAKE_SUCCESSOR), binary) &&
               QFile::setPermissions(binary, QFile::permissions(binary) | QFile::ExeOwner);
    }

    // After "fake-successor: pid N received K connections": N.
    qint64 waitForFakeToReceive(BatonProcess &baton, int count)
    {
        const auto line = baton.waitForStderrLine(
            QRegularExpression(
                QStringLiteral("fake-successor: pid (\\d+) received %1 connections").arg(count)),
            10000);
        return line ? QRegularExpression(QStringLiteral("pid (\\d+)"))
                          .match(*line)
                          .captured(1)
                          .toLongLong()
                    : 0;
    }

    // Keep-alive clients, a SIGHUP, and the stand-in successor in `mode` taking their
    // connections; each client then sends a request while its connection is in transit, and
    // the stand-in is told to go ahead (crash, or refuse). Returns the stand-in's pid, or 0.
    qint64 sendToFakeThenRelease(BatonProcess &baton,
                                 std::vector<std::unique_ptr<RawClient>> &clients)
    {
        if (!baton.sendSignal(SIGHUP))
            return 0;
        const qint64 fake = waitForFakeToReceive(baton, int(clients.size()));
        if (fake <= 0)
            return 0;
        // The bytes wait in the kernel: nobody reads these sockets now.
        for (auto &client : clients) {
            if (!client->send(httpGet("/")))
                return 0;
        }
        return ::kill(pid_t(fake), SIGUSR1) == 0 ? fake : 0;
    }

    // Each client's request is answered by the old process, which then closes (it drains).
    void verifyServedByOldProcess(BatonProcess &baton,
                                  std::vector<std::unique_ptr<RawClient>> &clients)
    {
        for (auto &client : clients) {
            const auto response = client->readResponse(10000);
            QVERIFY2(response, qPrintable(client->errorString() + baton.diagnostics()));
            QCOMPARE(response->status, 200);
            QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
            QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
            QVERIFY(client->waitForClosed(10000));
        }
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        const QString kept =
            QStringLiteral("%1 the new process did not take drained here").arg(clients.size());
        QCOMPARE(countLines(baton, kept), 1);
    }

private slots:
    // The article's first goal: an idle keep-alive connection survives the restart, and its next
    // request is answered by the new process on the same socket.
    void idleConnectionMovesToTheNextGeneration()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        const auto first = client.request(httpGet("/"));
        QVERIFY(first);
        QCOMPARE(first->header("X-Baton-Generation"), QByteArray("1"));

        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        // Nothing held it: the old process exits once the connection has moved.
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QCOMPARE(countLines(baton, QStringLiteral("handed over 1 connection (0 after their "
                                                  "response)")),
                 1);

        QVERIFY(!client.isClosed());
        const auto second = client.request(httpGet("/metrics"));
        QVERIFY2(second, qPrintable(client.errorString()));
        QCOMPARE(second->status, 200);
        QCOMPARE(second->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(second->header("X-Baton-Pid"), QByteArray::number(successor));
        QVERIFY(second->body.contains("baton_connections_adopted_total 1\n"));
    }

    // A request in flight at the SIGHUP is answered by the old process without Connection:
    // close, and the next request on that connection by the new one.
    void busyConnectionMovesAfterItsResponse()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        QVERIFY(client.send(httpGet("/sleep?ms=800")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        const auto slow = client.readResponse(10000);
        QVERIFY2(slow, qPrintable(client.errorString()));
        QCOMPARE(slow->status, 200);
        QCOMPARE(slow->header("X-Baton-Generation"), QByteArray("1"));
        QVERIFY(slow->header("Connection").isEmpty());
        const auto next = client.request(httpGet("/"));
        QVERIFY2(next, qPrintable(client.errorString()));
        QCOMPARE(next->header("X-Baton-Pid"), QByteArray::number(successor));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QCOMPARE(countLines(baton, QStringLiteral("handed over 1 connection (1 after their "
                                                  "response)")),
                 1);
    }

    // Requests pipelined behind a slow one travel with the connection (read but not parsed) and
    // are answered by the new process, in order.
    void pipelinedRequestsAreAnsweredInOrder()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        QVERIFY(client.send(httpGet("/sleep?ms=800")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(
            client.send(httpGet("/sleep?ms=1") + httpGet("/sleep?ms=2") + httpGet("/sleep?ms=3")));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        const QList<HttpResponse> responses = client.readResponses(4, 10000);
        QVERIFY2(responses.size() == 4, qPrintable(client.errorString()));
        const QByteArrayList bodies{"slept 800 ms\n", "slept 1 ms\n", "slept 2 ms\n",
                                    "slept 3 ms\n"};
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(responses[i].status, 200);
            QCOMPARE(responses[i].body, bodies[i]);
            QVERIFY(responses[i].header("Connection").isEmpty());
        }
        QCOMPARE(responses[0].header("X-Baton-Generation"), QByteArray("1"));
        QCOMPARE(responses[3].header("X-Baton-Generation"), QByteArray("2"));
        QVERIFY(!client.isClosed());
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    }

    // More pipelined input than a handover carries (64 KiB): the old process answers requests
    // until what is left fits, then the connection moves with it; every answer comes, in order.
    void pipelinedFloodIsAnsweredInOrder()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        QVERIFY(client.send(httpGet("/sleep?ms=500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        constexpr int count = 3000;
        QByteArray flood;
        for (int i = 0; i < count; ++i) {
            const QByteArray body = QByteArray::number(i);
            flood += "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: " +
                     QByteArray::number(body.size()) + "\r\n\r\n" + body;
        }
        QVERIFY(flood.size() > 2 * 64 * 1024);
        QVERIFY(client.send(flood));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        const QList<HttpResponse> responses = client.readResponses(count + 1, 20000);
        QVERIFY2(responses.size() == count + 1, qPrintable(client.errorString()));
        QCOMPARE(responses[0].body, QByteArray("slept 500 ms\n"));
        for (int i = 1; i <= count; ++i)
            QCOMPARE(responses[i].body, QByteArray::number(i - 1)); // each answer, in order
        QCOMPARE(responses[1].header("X-Baton-Generation"), QByteArray("1"));
        QCOMPARE(responses[count].header("X-Baton-Generation"), QByteArray("2"));
        QVERIFY(!client.isClosed());
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    }

    // Half a request head when the handover begins: the old process waits for the rest, answers
    // it, and then the connection moves.
    void requestHeadSplitAcrossTheHandover()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        QVERIFY(client.request(httpGet("/")));
        const QByteArray request = httpGet("/sleep?ms=5");
        QVERIFY(client.send(request.left(20)));
        QTRY_VERIFY(
            fetch(baton, "/metrics")->body.contains("baton_connections{state=\"reading\"} 1"));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QVERIFY(baton.waitForStderrLine(QRegularExpression(QStringLiteral("moving 1 connection ")),
                                        10000));

        QVERIFY(client.send(request.mid(20)));
        const auto split = client.readResponse(10000);
        QVERIFY2(split, qPrintable(client.errorString()));
        QCOMPARE(split->body, QByteArray("slept 5 ms\n"));
        QCOMPARE(split->header("X-Baton-Generation"), QByteArray("1"));
        const auto next = client.request(httpGet("/"));
        QVERIFY2(next, qPrintable(client.errorString()));
        QCOMPARE(next->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    }

    // A second restart while the first generation still has a request in flight: the second
    // generation passes its connections on and stays until the first has handed over the busy
    // one, which then reaches the third generation too.
    void restartDuringAHandoverPassesConnectionsOn()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient idle;
        QVERIFY(idle.connectTo(baton.host(), baton.port()));
        QVERIFY(idle.request(httpGet("/")));
        RawClient busy;
        QVERIFY(busy.connectTo(baton.host(), baton.port()));
        QVERIFY(busy.send(httpGet("/sleep?ms=1500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));

        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 second = waitForHandover(baton);
        QVERIFY2(second > 0, qPrintable(baton.diagnostics()));
        auto stopSecond = qScopeGuard([second] { stopProcess(second); });
        QVERIFY(::kill(pid_t(second), SIGHUP) == 0);
        // The second generation logs through the first one's stderr, which it inherited.
        const auto line = baton.waitForStderrLine(
            QRegularExpression(
                QStringLiteral("baton\\[%1\\] restart: pid (\\d+) ready").arg(second)),
            10000);
        QVERIFY2(line, qPrintable(baton.diagnostics()));
        const qint64 third = QRegularExpression(QStringLiteral("pid (\\d+) ready"))
                                 .match(*line)
                                 .captured(1)
                                 .toLongLong();
        auto stopThird = qScopeGuard([third] { stopProcess(third); });

        const auto slow = busy.readResponse(10000);
        QVERIFY2(slow, qPrintable(busy.errorString()));
        QCOMPARE(slow->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
        QVERIFY(slow->header("Connection").isEmpty());
        for (RawClient *client : {&busy, &idle}) {
            const auto next = client->request(httpGet("/"));
            QVERIFY2(next, qPrintable(client->errorString()));
            QCOMPARE(next->header("X-Baton-Pid"), QByteArray::number(third));
            QCOMPARE(next->header("X-Baton-Generation"), QByteArray("3"));
        }
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QVERIFY(waitForProcessGone(second, 10000));
    }

    // The new generation is shut down while the old one still has a request in flight: it takes
    // no more connections, and the old one answers that request with Connection: close.
    void shutdownOfTheNewGenerationLeavesTheRestToTheOld()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient busy;
        QVERIFY(busy.connectTo(baton.host(), baton.port()));
        QVERIFY(busy.send(httpGet("/sleep?ms=1500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QVERIFY(::kill(pid_t(successor), SIGTERM) == 0);
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("connection handover stopped")), 10000));

        const auto slow = busy.readResponse(10000);
        QVERIFY2(slow, qPrintable(busy.errorString()));
        QCOMPARE(slow->status, 200);
        QCOMPARE(slow->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
        QCOMPARE(slow->header("Connection").toLower(), QByteArray("close"));
        QVERIFY(busy.waitForClosed(10000));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QVERIFY(waitForProcessGone(successor, 10000));
    }

    // The successor takes the descriptors and then does not adopt them: it dies before
    // answering, or refuses (at its --max-connections, or stopping). The old process still holds
    // every one of them and serves (and drains) them itself; the requests sent meanwhile are
    // answered.
    void successorThatDoesNotAdoptLosesNothing_data()
    {
        QTest::addColumn<QByteArray>("mode");
        QTest::addColumn<int>("count");
        QTest::addRow("crashes mid-transfer") << QByteArray("crash") << 3;
        QTest::addRow("refuses") << QByteArray("refuse") << 2;
    }
    void successorThatDoesNotAdoptLosesNothing()
    {
        QFETCH(QByteArray, mode);
        QFETCH(int, count);
        QTemporaryDir dir;
        ScopedEnvironment env;
        BatonProcess baton;
        QVERIFY2(startWithFakeSuccessor(baton, dir, env, mode, count),
                 qPrintable(baton.diagnostics()));
        std::vector<std::unique_ptr<RawClient>> clients;
        QVERIFY(openClients(baton, clients, count));
        const qint64 fake = sendToFakeThenRelease(baton, clients);
        QVERIFY2(fake > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([fake] { stopProcess(fake); });
        verifyServedByOldProcess(baton, clients);
        if (mode == "crash") {
            QCOMPARE(countLines(baton, QStringLiteral("connection handover stopped")), 1);
        } else {
            QVERIFY(waitForProcessGone(fake, 10000));
            QCOMPARE(readFile(dir.filePath(QStringLiteral("report"))),
                     "pid " + QByteArray::number(fake) + " received " + QByteArray::number(count) +
                         " connections\nrefused " + QByteArray::number(count) + " connections");
        }
    }

    // A successor that speaks another handover format (an older or newer Baton) gets no
    // descriptor at all, and the old process drains as it did before handovers existed.
    void successorOfAnotherFormatGetsNothing()
    {
        QTemporaryDir dir;
        ScopedEnvironment env;
        BatonProcess baton;
        QVERIFY2(startWithFakeSuccessor(baton, dir, env, "other-version", 0),
                 qPrintable(baton.diagnostics()));
        std::vector<std::unique_ptr<RawClient>> clients;
        QVERIFY(openClients(baton, clients, 2));

        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 fake = waitForHandover(baton);
        QVERIFY2(fake > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([fake] { stopProcess(fake); });
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("does not take connections in handover format 1")),
            10000));
        for (auto &client : clients)
            QVERIFY(client->waitForClosed(10000)); // idle: drained, as before
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QCOMPARE(countLines(baton, QStringLiteral("handed over")), 1); // only "handed over to pid"
        QVERIFY(waitForProcessGone(fake, 10000));
        QCOMPARE(readFile(dir.filePath(QStringLiteral("report"))),
                 QByteArray("0 messages on the handover channel"));
    }

    // --no-connection-handover: today's behaviour, for comparison and for operators who want it.
    void noConnectionHandoverClosesAsBefore()
    {
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--no-connection-handover")}),
                 qPrintable(baton.diagnostics()));
        RawClient idle;
        QVERIFY(idle.connectTo(baton.host(), baton.port()));
        QVERIFY(idle.request(httpGet("/")));
        RawClient busy;
        QVERIFY(busy.connectTo(baton.host(), baton.port()));
        QVERIFY(busy.send(httpGet("/sleep?ms=500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        QVERIFY(idle.waitForClosed(10000));
        const auto slow = busy.readResponse(10000);
        QVERIFY2(slow, qPrintable(busy.errorString()));
        QCOMPARE(slow->header("X-Baton-Generation"), QByteArray("1"));
        QCOMPARE(slow->header("Connection").toLower(), QByteArray("close"));
        QVERIFY(busy.waitForClosed(10000));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
        QCOMPARE(countLines(baton, QStringLiteral("after their response")), 0);
    }

    // The scale: a thousand pooled clients idle at the SIGHUP all move, none is closed,
    // and the old process exits as soon as they have.
    void thousandIdleConnectionsAllMove()
    {
        constexpr int count = 1000;
        rlimit limit{};
        QVERIFY(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
        const rlim_t needed = 3 * count; // our clients, and the server's (inherited limit)
        if (limit.rlim_cur < needed) {
            if (limit.rlim_max < needed)
                QSKIP("the descriptor limit is too low for 1000 connections");
            limit.rlim_cur = needed;
            QVERIFY(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
        }
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        std::vector<std::unique_ptr<RawClient>> clients;
        QVERIFY(openClients(baton, clients, count));

        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QCOMPARE(baton.waitForExit(30000), std::optional<int>(0));
        QCOMPARE(countLines(baton, QStringLiteral("handed over 1000 connections (0 after their "
                                                  "response)")),
                 1);
        for (auto &client : clients) {
            QVERIFY(!client->isClosed());
            QVERIFY(client->send(httpGet("/")));
        }
        for (auto &client : clients) {
            const auto response = client->readResponse(10000);
            QVERIFY2(response, qPrintable(client->errorString()));
            QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(successor));
        }
    }
};

QTEST_GUILESS_MAIN(tst_Handover)
#include "tst_handover.moc"
