// Malformed and hostile requests: each gets a precise status, the connection is closed after
// it, a request pipelined behind it is never answered, and a neighbour connection opened
// before it keeps working.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QTest>

#include <memory>

using namespace baton::test;

namespace {

const QByteArray host = "Host: 127.0.0.1\r\n";
// Sent right behind every bad request: it must never be answered.
const QByteArray pipelined = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

QByteArray post(const QByteArray &headers, const QByteArray &body)
{
    return "POST /echo HTTP/1.1\r\n" + host + headers + "\r\n" + body;
}

QString statusList(const QList<int> &statuses)
{
    QStringList list;
    for (int status : statuses)
        list.append(QString::number(status));
    return list.join(QLatin1String(", "));
}

QByteArray tlsClientHello()
{
    // The start of a real TLS 1.2 ClientHello record (what `curl https://` sends first).
    QByteArray hello = QByteArray::fromHex(
        "16030100c4010000c00303"                                           // record + handshake
        "5f1a0e3c9d2b7a4e8f6c1d0b3a29587766554433221100ffeeddccbbaa998877" // random
        "00"                                                               // session id
        "0020c02bc02fc02cc030cca9cca8c013c014009c009d002f0035000a01000000" // suites...
        "0000150013000010616e6f746865722e6578616d706c65");                 // ...SNI
    hello.append(QByteArray(200 - hello.size(), '\0'));
    return hello;
}

} // namespace

class TestBadInput : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void rejected_data();
    void rejected();
    void targetLengthBoundary();
    void configuredLimits_data();
    void configuredLimits();

private:
    std::unique_ptr<BatonProcess> m_server;
    std::unique_ptr<BatonProcess> m_limited;
};

void TestBadInput::initTestCase()
{
    m_server = std::make_unique<BatonProcess>();
    // Default limits: 32768-byte heads, 8192-byte targets, 1 MiB bodies.
    QVERIFY2(m_server->start(),
             qPrintable(m_server->errorString() + QLatin1Char('\n') + m_server->diagnostics()));
    BATON_VERIFY_SERVING(*m_server);
}

void TestBadInput::cleanupTestCase()
{
    BATON_VERIFY_CLEAN_STOP(*m_server);
    if (m_limited)
        BATON_VERIFY_CLEAN_STOP(*m_limited);
}

void TestBadInput::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << m_server->diagnostics();
    QVERIFY2(m_server->isRunning(), "baton is no longer running");
}

void TestBadInput::rejected_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QList<int>>("allowed");

    const QList<int> badRequest = {400};

    // Message framing.
    QTest::addRow("Content-Length with Transfer-Encoding")
        << post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") << badRequest;
    QTest::addRow("Transfer-Encoding with Content-Length")
        << post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n") << badRequest;
    QTest::addRow("differing Content-Length headers")
        << post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!") << badRequest;
    QTest::addRow("differing Content-Length list")
        << post("Content-Length: 5, 6\r\n", "hello!") << badRequest;
    QTest::addRow("Content-Length not a number")
        << post("Content-Length: abc\r\n", "abc") << badRequest;
    QTest::addRow("Content-Length negative") << post("Content-Length: -1\r\n", "a") << badRequest;
    QTest::addRow("Content-Length with sign")
        << post("Content-Length: +5\r\n", "hello") << badRequest;
    QTest::addRow("Content-Length hexadecimal")
        << post("Content-Length: 0x5\r\n", "hello") << badRequest;
    QTest::addRow("Content-Length empty") << post("Content-Length: \r\n", "") << badRequest;
    QTest::addRow("Content-Length overflowing")
        << post("Content-Length: 184467440737095516170\r\n", "hello") << QList<int>{400, 413};
    QTest::addRow("chunked not last coding")
        << post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n") << badRequest;
    QTest::addRow("chunked not last, two header lines")
        << post("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", "0\r\n\r\n")
        << badRequest;
    QTest::addRow("unknown transfer coding before chunked")
        << post("Transfer-Encoding: foo, chunked\r\n", "0\r\n\r\n") << QList<int>{501, 400};
    QTest::addRow("unknown transfer coding alone")
        << post("Transfer-Encoding: foo\r\n", "0\r\n\r\n") << QList<int>{501, 400};

    // Header syntax.
    QTest::addRow("space before colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test : value\r\n\r\n") << badRequest;
    QTest::addRow("space before colon in Host")
        << QByteArray("GET / HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n") << badRequest;
    QTest::addRow("obs-fold with space")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test: first\r\n second\r\n\r\n")
        << badRequest;
    QTest::addRow("obs-fold with tab")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test: first\r\n\tsecond\r\n\r\n")
        << badRequest;
    QTest::addRow("bare CR in header value")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test: a\rb\r\n\r\n") << badRequest;
    QTest::addRow("bare CR ending the request line")
        << QByteArray("GET / HTTP/1.1\r" + host + "\r\n") << badRequest;
    QTest::addRow("header line without colon")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test value\r\n\r\n") << badRequest;
    QTest::addRow("NUL in header value")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Test: a" + '\0' + "b\r\n\r\n") << badRequest;
    QTest::addRow("missing Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << badRequest;
    QTest::addRow("repeated Host")
        << QByteArray("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n") << badRequest;
    QTest::addRow("repeated identical Host")
        << QByteArray("GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n") << badRequest;

    // Chunked bodies.
    QTest::addRow("chunk size not hex")
        << post("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n") << badRequest;
    QTest::addRow("chunk size negative")
        << post("Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n") << badRequest;
    QTest::addRow("chunk size empty")
        << post("Transfer-Encoding: chunked\r\n", "\r\nhello\r\n0\r\n\r\n") << badRequest;
    QTest::addRow("chunk size overflowing 64 bits")
        << post("Transfer-Encoding: chunked\r\n", "10000000000000000\r\nhello\r\n0\r\n\r\n")
        << badRequest;
    QTest::addRow("chunk size far too long")
        << post("Transfer-Encoding: chunked\r\n", QByteArray(40, 'f') + "\r\nhello\r\n0\r\n\r\n")
        << badRequest;
    QTest::addRow("chunk data not followed by CRLF")
        << post("Transfer-Encoding: chunked\r\n", "5\r\nhelloXX0\r\n\r\n") << badRequest;

    // Sizes (default limits).
    QByteArray manyHeaders = "GET / HTTP/1.1\r\n" + host;
    for (int i = 0; i < 40; ++i)
        manyHeaders += "X-Fill-" + QByteArray::number(i) + ": " + QByteArray(1000, 'h') + "\r\n";
    QTest::addRow("head too large, many headers")
        << QByteArray(manyHeaders + "\r\n") << QList<int>{431};
    QTest::addRow("head too large, one header")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(40000, 'h') + "\r\n\r\n")
        << QList<int>{431};
    QTest::addRow("target too long")
        << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n")
        << QList<int>{414};
    QTest::addRow("target too long in the query")
        << QByteArray("GET /sleep?ms=1&pad=" + QByteArray(9000, 'q') + " HTTP/1.1\r\n" + host +
                      "\r\n")
        << QList<int>{414};
    QTest::addRow("declared body over the limit")
        << post("Content-Length: 1048577\r\n", "only a few bytes") << QList<int>{413};
    QTest::addRow("declared body far over the limit")
        << post("Content-Length: 5000000000\r\n", "") << QList<int>{413};

    // Request line.
    QTest::addRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n")
                              << QList<int>{505};
    QTest::addRow("HTTP/3.0") << QByteArray("GET / HTTP/3.0\r\n" + host + "\r\n")
                              << QList<int>{505};
    QTest::addRow("unknown method")
        << QByteArray("FROBNICATE / HTTP/1.1\r\n" + host + "\r\n") << QList<int>{501, 400};
    QTest::addRow("lower-case method")
        << QByteArray("get / HTTP/1.1\r\n" + host + "\r\n") << QList<int>{501, 400};
    QTest::addRow("missing target") << QByteArray("GET HTTP/1.1\r\n" + host + "\r\n") << badRequest;

    // Not HTTP/1.x at all.
    QTest::addRow("TLS ClientHello") << tlsClientHello() << badRequest;
    QTest::addRow("HTTP/2 connection preface")
        << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << QList<int>{400, 501, 505};
    QTest::addRow("binary garbage")
        << QByteArray("\x00\x01\x02\x03\xff\xfe\r\n\r\n", 10) << badRequest;
}

void TestBadInput::rejected()
{
    QFETCH(QByteArray, request);
    QFETCH(QList<int>, allowed);

    RawClient neighbour;
    QVERIFY2(neighbour.connectTo(m_server->host(), m_server->port()),
             qPrintable(neighbour.errorString()));
    const auto before = neighbour.request(httpGet("/healthz"));
    BATON_VERIFY_READ(before, neighbour);
    BATON_COMPARE_STATUS(before, 200);

    RawClient client;
    QVERIFY2(client.connectTo(m_server->host(), m_server->port()),
             qPrintable(client.errorString()));
    // The server may close before taking everything (it must not read a refused body).
    client.send(request + pipelined);
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    QVERIFY2(allowed.contains(response->status),
             qPrintable(QStringLiteral("request: %1\nexpected one of %2, got ")
                            .arg(printable(request, 200), statusList(allowed)) +
                        response->describe()));
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    // The server closes, and says so (RFC 9112 section 9.6).
    QVERIFY2(response->headerTokens("connection").contains("close"),
             qPrintable(response->describe()));
    QVERIFY2(client.waitForClosed(), "connection left open after a bad request");
    QVERIFY2(client.unreadData().isEmpty(),
             qPrintable(QStringLiteral("more was sent after the error response: ") +
                        printable(client.unreadData())));

    const auto after = neighbour.request(httpGet("/healthz"));
    BATON_VERIFY_READ(after, neighbour);
    BATON_COMPARE_STATUS(after, 200);
    QVERIFY(!neighbour.isClosed());
}

void TestBadInput::targetLengthBoundary()
{
    // A target of exactly 8192 bytes is allowed (it just names no route); one more byte is 414.
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const QByteArray longest = '/' + QByteArray(8191, 'a');
    const auto allowed = client.request(httpGet(longest));
    BATON_VERIFY_READ(allowed, client);
    BATON_COMPARE_STATUS(allowed, 404);
    const auto tooLong = client.request(httpGet(longest + 'a'));
    BATON_VERIFY_READ(tooLong, client);
    BATON_COMPARE_STATUS(tooLong, 414);
    QVERIFY(client.waitForClosed());
}

void TestBadInput::configuredLimits_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("expected");

    // The server for these rows runs with --max-header-bytes 2048 --max-body-bytes 100.
    const QByteArray body100(100, 'b');
    QTest::addRow("body at the limit") << httpPost("/echo", body100) << 200;
    QTest::addRow("body one over the limit") << httpPost("/echo", body100 + 'b') << 413;
    QTest::addRow("chunked body at the limit")
        << httpPostChunked("/echo", {body100.left(50), body100.mid(50)}) << 200;
    QTest::addRow("chunked body over the limit")
        << httpPostChunked("/echo", {body100.left(50), body100.mid(50) + 'b'}) << 413;
    QTest::addRow("head under the limit")
        << httpGet("/", "X-Pad: " + QByteArray(1500, 'p') + "\r\n") << 200;
    QTest::addRow("head over the limit")
        << httpGet("/", "X-Pad: " + QByteArray(3000, 'p') + "\r\n") << 431;
}

void TestBadInput::configuredLimits()
{
    QFETCH(QByteArray, request);
    QFETCH(int, expected);

    if (!m_limited) {
        m_limited = std::make_unique<BatonProcess>();
        QVERIFY2(
            m_limited->start({QStringLiteral("--max-header-bytes"), QStringLiteral("2048"),
                              QStringLiteral("--max-body-bytes"), QStringLiteral("100")}),
            qPrintable(m_limited->errorString() + QLatin1Char('\n') + m_limited->diagnostics()));
    }
    QVERIFY2(m_limited->isRunning(), qPrintable(m_limited->diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(m_limited->host(), m_limited->port()));
    client.send(request);
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    QVERIFY2(response->status == expected,
             qPrintable(QStringLiteral("expected %1, got ").arg(expected) + response->describe() +
                        QLatin1Char('\n') + m_limited->diagnostics(10)));
    BATON_VERIFY_COMMON_HEADERS(response, m_limited->pid());
    if (expected == 200) {
        QVERIFY(!client.isClosed());
        if (request.startsWith("POST"))
            QCOMPARE(response->body.size(), 100);
    } else {
        QVERIFY2(client.waitForClosed(), "connection left open after a refused request");
    }
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
