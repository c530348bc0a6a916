// HTTP/1.1 connection semantics (RFC 9112) against the real binary: keep-alive, Connection:
// close both ways, HTTP/1.0, pipelining order, Expect: 100-continue, chunked request bodies.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QElapsedTimer>
#include <QTest>

#include <memory>

using namespace baton::test;

class TestHttp11 : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void keepAliveByDefault();
    void connectionCloseFromClient();
    void connectionCloseStopsPipeline();
    void http10ClosesByDefault();
    void http10KeepAliveOnRequest();
    void headerNamesAreCaseInsensitive();
    void pipelinedRequestsAnsweredInOrder();
    void pipelinedManyEchoes();
    void pipelinedBytesSplitAnywhere();
    void expectContinue();
    void expectContinueRefusedWhenBodyTooLarge();
    void chunkedRequestBodies_data();
    void chunkedRequestBodies();
    void chunkedBodyTrickledAcrossWrites();
    void maxConnections();

private:
    std::unique_ptr<RawClient> connectClient();

    std::unique_ptr<BatonProcess> m_server;
};

void TestHttp11::initTestCase()
{
    m_server = std::make_unique<BatonProcess>();
    QVERIFY2(m_server->start({QStringLiteral("--max-body-bytes"), QStringLiteral("100000")}),
             qPrintable(m_server->errorString() + QLatin1Char('\n') + m_server->diagnostics()));
    BATON_VERIFY_SERVING(*m_server);
}

void TestHttp11::cleanupTestCase()
{
    BATON_VERIFY_CLEAN_STOP(*m_server);
}

void TestHttp11::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << m_server->diagnostics();
    QVERIFY2(m_server->isRunning(), "baton is no longer running");
}

std::unique_ptr<RawClient> TestHttp11::connectClient()
{
    auto client = std::make_unique<RawClient>();
    if (!client->connectTo(m_server->host(), m_server->port()))
        qWarning().noquote() << "connect failed:" << client->errorString();
    return client;
}

void TestHttp11::keepAliveByDefault()
{
    auto client = connectClient();
    for (int i = 0; i < 3; ++i) {
        const auto response = client->request(httpGet("/"));
        BATON_VERIFY_READ(response, *client);
        BATON_COMPARE_STATUS(response, 200);
        BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
        QVERIFY2(!response->headerTokens("connection").contains("close"),
                 qPrintable(response->describe()));
        QVERIFY2(!client->isClosed(), "server closed a default HTTP/1.1 connection");
    }
    QVERIFY(client->unreadData().isEmpty());
}

void TestHttp11::connectionCloseFromClient()
{
    auto client = connectClient();
    const auto response = client->request(httpGet("/", "Connection: close\r\n"));
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    QVERIFY2(
        response->headerTokens("connection").contains("close"),
        qPrintable(QStringLiteral("no 'Connection: close' in the answer to a closing request\n") +
                   response->describe()));
    QVERIFY2(client->waitForClosed(), "server kept the connection open after Connection: close");
    QCOMPARE(client->unreadData(), QByteArray());
}

void TestHttp11::connectionCloseStopsPipeline()
{
    auto client = connectClient();
    QVERIFY(client->send(httpGet("/healthz") + httpGet("/", "Connection: close\r\n") +
                         httpGet("/healthz")));
    const auto responses = client->readResponses(2);
    QVERIFY2(responses.size() == 2, qPrintable(client->errorString()));
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(1).status, 200);
    QVERIFY(responses.at(1).headerTokens("connection").contains("close"));
    QVERIFY2(client->waitForClosed(), "server kept the connection open after Connection: close");
    QVERIFY2(client->unreadData().isEmpty(),
             qPrintable(QStringLiteral("request after Connection: close was answered: ") +
                        printable(client->unreadData())));
}

void TestHttp11::http10ClosesByDefault()
{
    auto client = connectClient();
    const auto response = client->request("GET / HTTP/1.0\r\n\r\n");
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(client->waitForClosed(), "server kept an HTTP/1.0 connection open");
    QCOMPARE(client->unreadData(), QByteArray());
}

void TestHttp11::http10KeepAliveOnRequest()
{
    auto client = connectClient();
    for (int i = 0; i < 2; ++i) {
        const auto response = client->request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        BATON_VERIFY_READ(response, *client);
        BATON_COMPARE_STATUS(response, 200);
        QVERIFY2(response->headerTokens("connection").contains("keep-alive"),
                 qPrintable(QStringLiteral("HTTP/1.0 keep-alive not confirmed\n") +
                            response->describe()));
        QVERIFY2(response->hasHeader("content-length"),
                 "a kept-alive HTTP/1.0 response needs Content-Length");
    }
    QVERIFY2(!client->isClosed(), "server closed a keep-alive HTTP/1.0 connection");
    // Without the keep-alive token the next 1.0 request ends the connection.
    const auto last = client->request("GET /healthz HTTP/1.0\r\n\r\n");
    BATON_VERIFY_READ(last, *client);
    BATON_COMPARE_STATUS(last, 200);
    QVERIFY(client->waitForClosed());
}

void TestHttp11::headerNamesAreCaseInsensitive()
{
    auto client = connectClient();
    const auto response =
        client->request("POST /echo HTTP/1.1\r\nhOsT: 127.0.0.1\r\ncontent-LENGTH: 5\r\n\r\nabcde");
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->body, QByteArray("abcde"));
}

void TestHttp11::pipelinedRequestsAnsweredInOrder()
{
    auto client = connectClient();
    // The slow request first: a server answering as requests finish would reorder.
    QVERIFY(client->send(httpGet("/sleep?ms=300") + httpGet("/healthz") +
                         httpPost("/echo", "first body") + httpGet("/no/such/path") +
                         httpPostChunked("/echo", {"second ", "body"}) + httpHead("/") +
                         httpGet("/")));
    QElapsedTimer timer;
    timer.start();
    auto sleep = client->readResponse();
    BATON_VERIFY_READ(sleep, *client);
    BATON_COMPARE_STATUS(sleep, 200);
    QVERIFY2(timer.elapsed() >= 250, "the /sleep?ms=300 answer came too early");
    const auto responses = client->readResponses(4);
    QVERIFY2(responses.size() == 4, qPrintable(client->errorString()));
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(1).status, 200);
    QCOMPARE(responses.at(1).body, QByteArray("first body"));
    QCOMPARE(responses.at(2).status, 404);
    QCOMPARE(responses.at(3).status, 200);
    QCOMPARE(responses.at(3).body, QByteArray("second body"));
    const auto head = client->readHeadResponse();
    BATON_VERIFY_READ(head, *client);
    BATON_COMPARE_STATUS(head, 200);
    const auto get = client->readResponse();
    BATON_VERIFY_READ(get, *client);
    BATON_COMPARE_STATUS(get, 200);
    QVERIFY(!get->body.isEmpty());
    QVERIFY(!client->waitForActivity(100));
    QCOMPARE(client->unreadData(), QByteArray());
}

void TestHttp11::pipelinedManyEchoes()
{
    auto client = connectClient();
    constexpr int count = 50;
    QByteArray all;
    for (int i = 0; i < count; ++i)
        all += httpPost("/echo", "request number " + QByteArray::number(i));
    QVERIFY(client->send(all));
    const auto responses = client->readResponses(count);
    QVERIFY2(responses.size() == count, qPrintable(client->errorString()));
    for (int i = 0; i < count; ++i) {
        QCOMPARE(responses.at(i).status, 200);
        QCOMPARE(responses.at(i).body, "request number " + QByteArray::number(i));
    }
}

void TestHttp11::pipelinedBytesSplitAnywhere()
{
    auto client = connectClient();
    const QByteArray all = httpPost("/echo", "alpha") + httpGet("/healthz") +
                           httpPostChunked("/echo", {"be", "ta"}) + httpPost("/echo", "gamma");
    // Seven-byte writes put the boundaries in the middle of request lines, headers and bodies.
    for (qsizetype offset = 0; offset < all.size(); offset += 7)
        QVERIFY(client->send(all.mid(offset, 7)));
    const auto responses = client->readResponses(4);
    QVERIFY2(responses.size() == 4, qPrintable(client->errorString()));
    QCOMPARE(responses.at(0).body, QByteArray("alpha"));
    QCOMPARE(responses.at(1).status, 200);
    QCOMPARE(responses.at(2).body, QByteArray("beta"));
    QCOMPARE(responses.at(3).body, QByteArray("gamma"));
}

void TestHttp11::expectContinue()
{
    auto client = connectClient();
    const QByteArray body = "continued body";
    QVERIFY(client->send(httpRequest("POST", "/echo",
                                     "Content-Length: " + QByteArray::number(body.size()) +
                                         "\r\nExpect: 100-continue\r\n")));
    // The body has not been sent: the 100 must come before it.
    const auto interim = client->readResponse();
    BATON_VERIFY_READ(interim, *client);
    BATON_COMPARE_STATUS(interim, 100);
    QVERIFY(interim->body.isEmpty());
    QVERIFY(client->send(body));
    const auto response = client->readResponse();
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QCOMPARE(response->body, body);

    // The connection is still usable afterwards, chunked with Expect too.
    QVERIFY(client->send(
        httpRequest("POST", "/echo", "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n")));
    const auto interim2 = client->readResponse();
    BATON_VERIFY_READ(interim2, *client);
    BATON_COMPARE_STATUS(interim2, 100);
    QVERIFY(client->send(chunkedBody({"chunked ", "after 100"})));
    const auto response2 = client->readResponse();
    BATON_VERIFY_READ(response2, *client);
    BATON_COMPARE_STATUS(response2, 200);
    QCOMPARE(response2->body, QByteArray("chunked after 100"));
}

void TestHttp11::expectContinueRefusedWhenBodyTooLarge()
{
    auto client = connectClient();
    // The server runs with --max-body-bytes 100000.
    QVERIFY(client->send(
        httpRequest("POST", "/echo", "Content-Length: 100001\r\nExpect: 100-continue\r\n")));
    const auto response = client->readResponse();
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 413);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(client->waitForClosed(), "connection left open after refusing the body");
}

void TestHttp11::chunkedRequestBodies_data()
{
    QTest::addColumn<QByteArray>("encodedBody");
    QTest::addColumn<QByteArray>("expected");

    QTest::addRow("two chunks") << QByteArray("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                                << QByteArray("hello world");
    QTest::addRow("upper-case hex")
        << QByteArray("A\r\n0123456789\r\n0\r\n\r\n") << QByteArray("0123456789");
    QTest::addRow("lower-case hex, leading zeros")
        << QByteArray("000b\r\nabcdefghijk\r\n0\r\n\r\n") << QByteArray("abcdefghijk");
    QTest::addRow("chunk extensions ignored")
        << QByteArray("5;name=value\r\nhello\r\n3;flag\r\nabc\r\n0;last=\"yes\"\r\n\r\n")
        << QByteArray("helloabc");
    QTest::addRow("trailer fields")
        << QByteArray("4\r\nbody\r\n0\r\nX-Checksum: 1234\r\n\r\n") << QByteArray("body");
    QTest::addRow("empty body") << QByteArray("0\r\n\r\n") << QByteArray();
    const QByteArray binary("\r\n\0\x01\r\n", 6);
    QTest::addRow("binary data with CRLF inside") << chunkedBody({binary}) << binary;

    QByteArrayList oneByteChunks;
    QByteArray expected;
    for (int i = 0; i < 200; ++i) {
        const QByteArray byte(1, char('a' + i % 26));
        oneByteChunks.append(byte);
        expected += byte;
    }
    QTest::addRow("200 one-byte chunks") << chunkedBody(oneByteChunks) << expected;

    const QByteArray large(60000, 'L');
    QTest::addRow("60000-byte chunk") << chunkedBody({large}) << large;
}

void TestHttp11::chunkedRequestBodies()
{
    QFETCH(QByteArray, encodedBody);
    QFETCH(QByteArray, expected);

    auto client = connectClient();
    const auto response = client->request(
        httpRequest("POST", "/echo", "Transfer-Encoding: chunked\r\n", encodedBody));
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QCOMPARE(response->body, expected);
    // The whole chunked body, trailers included, was consumed: the next request works.
    const auto next = client->request(httpPost("/echo", "next"));
    BATON_VERIFY_READ(next, *client);
    BATON_COMPARE_STATUS(next, 200);
    QCOMPARE(next->body, QByteArray("next"));
}

void TestHttp11::chunkedBodyTrickledAcrossWrites()
{
    auto client = connectClient();
    QVERIFY(client->send(httpRequest("POST", "/echo", "Transfer-Encoding: chunked\r\n")));
    const QByteArrayList pieces = {"1",       "0\r\n0123456789abcd", "ef\r",  "\n",
                                   "3;ext=1", "\r\nxyz\r\n",         "0\r\n", "\r\n"};
    for (const QByteArray &piece : pieces) {
        QVERIFY(client->send(piece));
        // Nothing may be answered before the terminating chunk arrived.
        if (&piece != &pieces.last())
            QVERIFY2(!client->waitForActivity(30),
                     qPrintable(QStringLiteral("answer before the body was complete: ") +
                                printable(client->unreadData())));
    }
    const auto response = client->readResponse();
    BATON_VERIFY_READ(response, *client);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->body, QByteArray("0123456789abcdefxyz"));
}

void TestHttp11::maxConnections()
{
    BatonProcess server;
    QVERIFY2(server.start({QStringLiteral("--max-connections"), QStringLiteral("2")}),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient first;
    RawClient second;
    for (RawClient *client : {&first, &second}) {
        QVERIFY(client->connectTo(server.host(), server.port()));
        const auto response = client->request(httpGet("/healthz"));
        BATON_VERIFY_READ(response, *client);
        BATON_COMPARE_STATUS(response, 200);
    }

    // A third connection is over the limit: refused with 503 (--help says so), never served.
    QString refusedProblems;
    {
        RawClient third;
        if (third.connectTo(server.host(), server.port())) {
            third.send(httpGet("/healthz"));
            const auto refused = third.readResponse();
            if (refused) {
                BATON_COMPARE_STATUS(refused, 503);
                // Checked last, so that a missing header does not hide the rest.
                refusedProblems = commonHeaderProblems(*refused, server.pid());
            }
            QVERIFY2(third.waitForClosed(), "connection over --max-connections left open");
        }
    }
    // The two admitted connections are unaffected.
    const auto still = first.request(httpGet("/healthz"));
    BATON_VERIFY_READ(still, first);
    BATON_COMPARE_STATUS(still, 200);

    // Once one closes, a new connection is served again (the server notices the close async).
    second.shutdownWrite();
    QVERIFY(second.waitForClosed());
    QStringList attempts;
    QElapsedTimer timer;
    timer.start();
    // QTRY_* re-evaluates its condition: remember success instead of connecting again.
    bool served = false;
    const auto attempt = [&] {
        RawClient next;
        if (!next.connectTo(server.host(), server.port())) {
            attempts << QStringLiteral("%1 ms: connect failed").arg(timer.elapsed());
            return false;
        }
        const auto response = next.request(httpGet("/healthz"), 1000);
        attempts << QStringLiteral("%1 ms: ").arg(timer.elapsed()) +
                        (response ? response->describe() : next.errorString());
        return response && response->status == 200;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(served || (served = attempt()),
                              qPrintable(attempts.join(QLatin1Char('\n'))), 3000);
    QVERIFY2(refusedProblems.isEmpty(), qPrintable(refusedProblems));
}

QTEST_GUILESS_MAIN(TestHttp11)
#include "tst_http11.moc"
