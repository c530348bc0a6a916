// --header-timeout (a deadline for the whole request head, from its first byte) and
// --idle-timeout (keep-alive connections with nothing to do), with fractional seconds.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QElapsedTimer>
#include <QTest>

#include <memory>

using namespace baton::test;

class TestTimeouts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void headerDeadlineCutsTricklingClient();
    void headerDeadlineCutsStalledHead();
    void headerDeadlineIsPerRequest();
    void idleKeepAliveIsClosed();
    void activityKeepsConnectionOpen();
    void slowResponseIsNotIdle();
    void streamIsNotIdle();
    void silentConnectionIsClosed();

private:
    // The closing behaviour after a header deadline: no answer or a 408, then EOF.
    void verifyCutAfterDeadline(RawClient &client, qint64 elapsedMs);

    // --header-timeout 1 --idle-timeout 5
    std::unique_ptr<BatonProcess> m_headerServer;
    // --idle-timeout 0.5
    std::unique_ptr<BatonProcess> m_idleServer;
};

void TestTimeouts::initTestCase()
{
    m_headerServer = std::make_unique<BatonProcess>();
    QVERIFY2(m_headerServer->start({QStringLiteral("--header-timeout"), QStringLiteral("1"),
                                    QStringLiteral("--idle-timeout"), QStringLiteral("5")}),
             qPrintable(m_headerServer->errorString() + QLatin1Char('\n') +
                        m_headerServer->diagnostics()));
    m_idleServer = std::make_unique<BatonProcess>();
    QVERIFY2(
        m_idleServer->start({QStringLiteral("--idle-timeout"), QStringLiteral("0.5")}),
        qPrintable(m_idleServer->errorString() + QLatin1Char('\n') + m_idleServer->diagnostics()));
    BATON_VERIFY_SERVING(*m_headerServer);
    BATON_VERIFY_SERVING(*m_idleServer);
}

void TestTimeouts::cleanupTestCase()
{
    BATON_VERIFY_CLEAN_STOP(*m_headerServer);
    BATON_VERIFY_CLEAN_STOP(*m_idleServer);
}

void TestTimeouts::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << m_headerServer->diagnostics(10);
        qWarning().noquote() << m_idleServer->diagnostics(10);
    }
    QVERIFY(m_headerServer->isRunning());
    QVERIFY(m_idleServer->isRunning());
}

void TestTimeouts::verifyCutAfterDeadline(RawClient &client, qint64 elapsedMs)
{
    QVERIFY2(
        client.isClosed(),
        qPrintable(
            QStringLiteral("connection still open %1 ms after the head began").arg(elapsedMs)));
    // 1 s deadline: not before it, and close to it (generous for sanitizer builds).
    QVERIFY2(elapsedMs >= 900, qPrintable(QStringLiteral("cut after only %1 ms").arg(elapsedMs)));
    QVERIFY2(elapsedMs <= 2500, qPrintable(QStringLiteral("cut only after %1 ms").arg(elapsedMs)));
    if (!client.unreadData().isEmpty()) {
        const auto response = client.readResponse(1000);
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 408);
        QVERIFY2(client.unreadData().isEmpty(), qPrintable(printable(client.unreadData())));
    }
}

void TestTimeouts::headerDeadlineCutsTricklingClient()
{
    // A keep-alive neighbour (a connection that never sent anything would itself be cut).
    RawClient neighbour;
    QVERIFY(neighbour.connectTo(m_headerServer->host(), m_headerServer->port()));
    const auto before = neighbour.request(httpGet("/healthz"));
    BATON_VERIFY_READ(before, neighbour);
    BATON_COMPARE_STATUS(before, 200);

    RawClient client;
    QVERIFY(client.connectTo(m_headerServer->host(), m_headerServer->port()));
    // One byte every 300 ms: never idle for long, but the head as a whole takes forever.
    const QByteArray head = httpGet("/", "X-Slow: " + QByteArray(100, 's') + "\r\n");
    QElapsedTimer sinceFirstByte;
    qint64 cutAfterMs = -1;
    for (qsizetype i = 0; i < head.size(); ++i) {
        if (i == 0)
            sinceFirstByte.start();
        if (!client.send(head.mid(i, 1)) && !client.isClosed())
            QFAIL(qPrintable(client.errorString()));
        if (client.isClosed() || client.waitForActivity(300)) {
            client.waitForClosed(3000);
            cutAfterMs = sinceFirstByte.elapsed();
            break;
        }
        if (i == 1) {
            // Meanwhile the server answers others.
            const auto response = neighbour.request(httpGet("/healthz"));
            BATON_VERIFY_READ(response, neighbour);
            BATON_COMPARE_STATUS(response, 200);
        }
        if (sinceFirstByte.elapsed() > 6000)
            break;
    }
    QVERIFY2(cutAfterMs >= 0, "a client trickling its head for 6 s was never cut off");
    verifyCutAfterDeadline(client, cutAfterMs);

    const auto after = neighbour.request(httpGet("/healthz"));
    BATON_VERIFY_READ(after, neighbour);
    BATON_COMPARE_STATUS(after, 200);
}

void TestTimeouts::headerDeadlineCutsStalledHead()
{
    RawClient client;
    QVERIFY(client.connectTo(m_headerServer->host(), m_headerServer->port()));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    QVERIFY2(client.waitForClosed(4000), "a stalled head was not cut off within 4 s");
    verifyCutAfterDeadline(client, timer.elapsed());
}

void TestTimeouts::headerDeadlineIsPerRequest()
{
    // Five complete requests spread over 1.6 s on one connection: each head is quick, so the
    // 1 s head deadline must not fire although the connection lives longer than it.
    RawClient client;
    QVERIFY(client.connectTo(m_headerServer->host(), m_headerServer->port()));
    for (int i = 0; i < 5; ++i) {
        if (i > 0)
            QVERIFY2(!client.waitForActivity(400), "connection closed between quick requests");
        const auto response = client.request(httpGet("/healthz"));
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 200);
    }
    // A slow head later in the connection's life is cut from its own first byte.
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.send("GET / HTTP/1.1\r\n"));
    QVERIFY2(client.waitForClosed(4000), "a stalled second head was not cut off");
    verifyCutAfterDeadline(client, timer.elapsed());
}

void TestTimeouts::idleKeepAliveIsClosed()
{
    RawClient client;
    QVERIFY(client.connectTo(m_idleServer->host(), m_idleServer->port()));
    const auto response = client.request(httpGet("/"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(client.waitForClosed(3000), "idle keep-alive connection not closed within 3 s");
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed >= 400, qPrintable(QStringLiteral("closed after only %1 ms").arg(elapsed)));
    QVERIFY2(elapsed <= 1500, qPrintable(QStringLiteral("closed only after %1 ms").arg(elapsed)));
    QCOMPARE(client.unreadData(), QByteArray());
}

void TestTimeouts::activityKeepsConnectionOpen()
{
    // Requests every 250 ms for 1.5 s: the connection is never idle for 0.5 s.
    RawClient client;
    QVERIFY(client.connectTo(m_idleServer->host(), m_idleServer->port()));
    for (int i = 0; i < 7; ++i) {
        if (i > 0)
            QVERIFY2(!client.waitForActivity(250), "closed although it was not idle for 0.5 s");
        const auto response = client.request(httpGet("/healthz"));
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 200);
    }
}

void TestTimeouts::slowResponseIsNotIdle()
{
    RawClient client;
    QVERIFY(client.connectTo(m_idleServer->host(), m_idleServer->port()));
    const auto response = client.request(httpGet("/sleep?ms=1200"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    // Still open and usable right after.
    const auto next = client.request(httpGet("/healthz"));
    BATON_VERIFY_READ(next, client);
    BATON_COMPARE_STATUS(next, 200);
}

void TestTimeouts::streamIsNotIdle()
{
    RawClient client;
    QVERIFY(client.connectTo(m_idleServer->host(), m_idleServer->port()));
    const auto response = client.request(httpGet("/stream?seconds=2"), 8000);
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->chunks.size(), 2);
}

void TestTimeouts::silentConnectionIsClosed()
{
    // A connection that never sends anything must not be kept forever (whichever of the two
    // timeouts applies to it, both are 1 s here).
    BatonProcess server;
    QVERIFY2(server.start({QStringLiteral("--header-timeout"), QStringLiteral("1"),
                           QStringLiteral("--idle-timeout"), QStringLiteral("1")}),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(client.waitForClosed(4000), "a silent connection was kept for 4 s");
    QVERIFY2(timer.elapsed() >= 900,
             qPrintable(QStringLiteral("closed after only %1 ms").arg(timer.elapsed())));
}

QTEST_GUILESS_MAIN(TestTimeouts)
#include "tst_timeouts.moc"
