#include "http/httprequestparser.h"

#include <QTest>

#include <algorithm>

using baton::HttpRequest;
using baton::HttpRequestParser;
using Event = baton::HttpRequestParser::Event;

class tst_HttpRequestParser : public QObject
{
    Q_OBJECT

private:
    baton::ServerLimits m_limits;

    // Feeds everything (optionally one byte at a time) and collects the requests before a
    // failure; returns the status of the failure, 0 when none.
    int parseAll(const QByteArray &input, QList<HttpRequest> *requests, bool byteByByte = false,
                 bool *sawContinue = nullptr)
    {
        HttpRequestParser parser(m_limits);
        qsizetype offset = 0;
        while (offset < input.size()) {
            const qsizetype size = byteByByte ? 1 : input.size() - offset;
            qsizetype fedHere = 0;
            while (fedHere < size) {
                const auto result =
                    parser.feed(input.constData() + offset + fedHere, size - fedHere);
                fedHere += result.consumed;
                if (result.event == Event::Failed)
                    return parser.errorStatus();
                if (result.event == Event::RequestReady)
                    requests->append(parser.takeRequest());
                if (result.event == Event::ContinueExpected && sawContinue)
                    *sawContinue = true;
                if (result.event == Event::NeedMore)
                    break;
            }
            offset += size;
        }
        return 0;
    }

private slots:
    void simpleRequest()
    {
        QList<HttpRequest> requests;
        QCOMPARE(parseAll("GET /a/b?x=1&y=two%20words HTTP/1.1\r\nHost: h\r\nX-Thing:  v  \r\n\r\n",
                          &requests),
                 0);
        QCOMPARE(requests.size(), 1);
        const HttpRequest &r = requests.first();
        QCOMPARE(r.method, QByteArray("GET"));
        QCOMPARE(r.path, QByteArray("/a/b"));
        QCOMPARE(r.query, QByteArray("x=1&y=two%20words"));
        QCOMPARE(r.queryValue("y"), QByteArray("two words"));
        QVERIFY(r.queryValue("missing").isNull());
        QCOMPARE(r.header("x-thing"), QByteArray("v"));
        QCOMPARE(r.versionMinor, 1);
    }

    void pipelinedRequestsComeOneAtATime_data()
    {
        QTest::addColumn<bool>("byteByByte");
        QTest::addRow("whole buffer") << false;
        QTest::addRow("byte by byte") << true;
    }
    void pipelinedRequestsComeOneAtATime()
    {
        QFETCH(bool, byteByByte);
        QList<HttpRequest> requests;
        const QByteArray input = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                 "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                                 "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
        QCOMPARE(parseAll(input, &requests, byteByByte), 0);
        QCOMPARE(requests.size(), 3);
        QCOMPARE(requests[0].path, QByteArray("/1"));
        QCOMPARE(requests[1].body, QByteArray("hello"));
        QCOMPARE(requests[2].body, QByteArray("abcde"));
    }

    void absoluteFormIsRoutedByPath()
    {
        QList<HttpRequest> requests;
        QCOMPARE(parseAll("GET http://example.com/sleep?ms=5 HTTP/1.1\r\nHost: example.com\r\n\r\n"
                          "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
                          &requests),
                 0);
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests[0].path, QByteArray("/sleep"));
        QCOMPARE(requests[0].query, QByteArray("ms=5"));
        QCOMPARE(requests[1].path, QByteArray("/"));
    }

    void upgradeIsIgnored_data()
    {
        QTest::addColumn<bool>("byteByByte");
        QTest::addRow("whole buffer") << false;
        QTest::addRow("byte by byte") << true;
    }
    void upgradeIsIgnored()
    {
        // llhttp pauses once more after an upgrade request; that pause is no second request.
        QFETCH(bool, byteByByte);
        QList<HttpRequest> requests;
        QCOMPARE(parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                          "Upgrade: websocket\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n",
                          &requests, byteByByte),
                 0);
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests[0].path, QByteArray("/"));
        QCOMPARE(requests[1].path, QByteArray("/after"));
    }

    void keepAliveRules_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("keepAlive");
        QTest::addRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\r\n") << true;
        QTest::addRow("1.1 close")
            << QByteArray("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n") << false;
        QTest::addRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
        QTest::addRow("1.0 keep-alive")
            << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << true;
    }
    void keepAliveRules()
    {
        QFETCH(QByteArray, input);
        QFETCH(bool, keepAlive);
        HttpRequestParser parser(m_limits);
        const auto result = parser.feed(input.constData(), input.size());
        QCOMPARE(result.event, Event::RequestReady);
        QCOMPARE(parser.keepAlive(), keepAlive);
    }

    void expectContinueStopsBeforeTheBody()
    {
        HttpRequestParser parser(m_limits);
        const QByteArray head = "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                "Content-Length: 4\r\n\r\n";
        auto result = parser.feed(head.constData(), head.size());
        QCOMPARE(result.event, Event::ContinueExpected);
        QCOMPARE(result.consumed, head.size());
        result = parser.feed("body", 4);
        QCOMPARE(result.event, Event::RequestReady);
        QCOMPARE(parser.takeRequest().body, QByteArray("body"));
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        const QByteArray host = "Host: h\r\n";
        QTest::addRow("CL and TE")
            << QByteArray("POST / HTTP/1.1\r\n" + host +
                          "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            << 400;
        QTest::addRow("differing CL")
            << QByteArray("POST / HTTP/1.1\r\n" + host +
                          "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
            << 400;
        QTest::addRow("invalid CL")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 3x\r\n\r\nabc") << 400;
        QTest::addRow("negative CL")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n") << 400;
        QTest::addRow("chunked not last")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n")
            << 400;
        QTest::addRow("chunked twice") << QByteArray("POST / HTTP/1.1\r\n" + host +
                                                     "Transfer-Encoding: chunked, chunked\r\n\r\n")
                                       << 400;
        QTest::addRow("unknown coding")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n")
            << 501;
        QTest::addRow("space before colon")
            << QByteArray("GET / HTTP/1.1\r\nHost : h\r\n\r\n") << 400;
        QTest::addRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\n" + host +
                                                "X-A: one\r\n two\r\n\r\n")
                                  << 400;
        QTest::addRow("bare CR in header")
            << QByteArray("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n") << 400;
        QTest::addRow("bare CR in request line")
            << QByteArray("GET / HTTP/1.1\rHost: h\r\n\r\n") << 400;
        QTest::addRow("missing Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
        QTest::addRow("repeated Host")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
        QTest::addRow("bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
            << 400;
        QTest::addRow("overflowing chunk size")
            << QByteArray("POST / HTTP/1.1\r\n" + host +
                          "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")
            << 400;
        QTest::addRow("head too large")
            << QByteArray("GET / HTTP/1.1\r\n" + host + "X: " + QByteArray(40000, 'a') + "\r\n\r\n")
            << 431;
        QTest::addRow("target too long")
            << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n") << 414;
        QTest::addRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505;
        QTest::addRow("HTTP/3.0") << QByteArray("GET / HTTP/3.0\r\n" + host + "\r\n") << 505;
        QTest::addRow("h2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
        QTest::addRow("malformed version")
            << QByteArray("GET / HTTP/x.1\r\n" + host + "\r\n") << 400;
        QTest::addRow("unknown method") << QByteArray("BREW / HTTP/1.1\r\n" + host + "\r\n") << 501;
        QTest::addRow("TLS ClientHello")
            << QByteArray::fromHex("1603010200010001fc0303") + QByteArray(40, '\x01') << 400;
        QTest::addRow("declared body too large")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 2000000\r\n\r\n") << 413;
        QTest::addRow("chunked body too large")
            << QByteArray("POST / HTTP/1.1\r\n" + host +
                          "Transfer-Encoding: chunked\r\n\r\n100000\r\n" +
                          QByteArray(0x100000, 'x') + "\r\n1\r\nx\r\n0\r\n\r\n")
            << 413;
        QTest::addRow("unsupported expectation")
            << QByteArray("POST / HTTP/1.1\r\n" + host +
                          "Expect: teapot\r\nContent-Length: 1\r\n\r\nx")
            << 417;
        QTest::addRow("CONNECT")
            << QByteArray("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            << 501;
        QTest::addRow("control char in target")
            << QByteArray("GET /a\x01 HTTP/1.1\r\n" + host + "\r\n") << 400;
    }
    void badInput()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        for (bool byteByByte : {false, true}) {
            QList<HttpRequest> requests;
            QCOMPARE(parseAll(input, &requests, byteByByte), status);
            QVERIFY(requests.isEmpty());
        }
    }

    void headLimitIsExact()
    {
        m_limits.maxHeaderBytes = 256;
        const QByteArray start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
        const QByteArray exact = start + QByteArray(256 - start.size() - 4, 'a') + "\r\n\r\n";
        QCOMPARE(exact.size(), 256);
        QList<HttpRequest> requests;
        QCOMPARE(parseAll(exact, &requests), 0);
        QCOMPARE(requests.size(), 1);
        const QByteArray tooLong = start + QByteArray(256 - start.size() - 3, 'a') + "\r\n\r\n";
        QCOMPARE(parseAll(tooLong, &requests), 431);
        m_limits = baton::ServerLimits();
    }

    void failureStopsEverythingAfter()
    {
        HttpRequestParser parser(m_limits);
        const QByteArray input =
            "GET / HTTP/1.1\r\nHost : h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
        QCOMPARE(parser.feed(input.constData(), input.size()).event, Event::Failed);
        QCOMPARE(parser.feed(input.constData(), input.size()).event, Event::Failed);
    }

    // Each request knows how many bytes it took on the wire, pipelined or fed byte by byte.
    void wireBytesPerRequest()
    {
        const QByteArray first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
        const QByteArray second =
            "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabc\r\n0\r\n\r\n";
        for (const bool byteByByte : {false, true}) {
            QList<HttpRequest> requests;
            QCOMPARE(parseAll(first + second, &requests, byteByByte), 0);
            QCOMPARE(requests.size(), 2);
            QCOMPARE(requests[0].wireBytes, first.size());
            QCOMPARE(requests[1].wireBytes, second.size());
        }
    }

    // What the access log shows of a request that failed: as much as was read, the byte that
    // broke the target included.
    void requestSoFar_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("versionMinor");
        QTest::addRow("control byte in the target")
            << QByteArray("GET /a\x01zz\"q HTTP/1.1\r\nHost: h\r\n\r\n") << QByteArray("GET")
            << QByteArray("/a\x01zz\"q") << -1;
        QTest::addRow("target split across reads, then a bad byte")
            << QByteArray("GET /long/path/\x7f"
                          "end HTTP/1.1\r\n\r\n")
            << QByteArray("GET")
            << QByteArray("/long/path/\x7f"
                          "end")
            << -1;
        QTest::addRow("no method")
            << QByteArray("\x16\x03\x01\x00") << QByteArray() << QByteArray() << -1;
        QTest::addRow("bad header after the request line")
            << QByteArray("PUT /x HTTP/1.0\r\nGood: 1\r\nBad\x01: 2\r\n\r\n") << QByteArray("PUT")
            << QByteArray("/x") << 0;
        QTest::addRow("missing Host, head complete")
            << QByteArray("GET /y HTTP/1.1\r\n\r\n") << QByteArray("GET") << QByteArray("/y") << 1;
    }
    void requestSoFar()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, versionMinor);
        for (const qsizetype piece : {input.size(), qsizetype(7), qsizetype(1)}) {
            HttpRequestParser parser(m_limits);
            qsizetype offset = 0;
            bool failed = false;
            while (offset < input.size() && !failed) {
                const auto result =
                    parser.feed(input.constData() + offset, qMin(piece, input.size() - offset));
                offset += result.consumed;
                failed = result.event == Event::Failed;
                QVERIFY(result.consumed > 0 || failed);
            }
            QVERIFY(failed);
            const HttpRequest soFar = parser.requestSoFar();
            QCOMPARE(soFar.method, method);
            // Fed whole, the target runs to the next space; fed in pieces, to the end of the
            // piece that broke it (what comes later is never read).
            const qsizetype bad = std::find_if(target.cbegin(), target.cend(),
                                               [](char c) { return c < 0x20 || c >= 0x7f; }) -
                                  target.cbegin();
            if (piece == input.size())
                QCOMPARE(soFar.target, target);
            else
                QVERIFY2(target.startsWith(soFar.target) &&
                             soFar.target.size() >= qMin(target.size(), bad + 1),
                         soFar.target.constData());
            QCOMPARE(soFar.versionMinor, versionMinor);
            QCOMPARE(soFar.wireBytes, offset);
        }
    }
};

QTEST_APPLESS_MAIN(tst_HttpRequestParser)
#include "tst_httprequestparser.moc"
