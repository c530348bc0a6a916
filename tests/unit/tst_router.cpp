#include <baton/router.h>
#include "recordingsink.h"

#include <QTest>

using namespace baton;

class tst_Router : public QObject
{
    Q_OBJECT

private:
    static HttpRequest request(const QByteArray &method, const QByteArray &path)
    {
        HttpRequest r;
        r.method = method;
        r.target = path;
        r.path = path;
        return r;
    }

    Router m_router;

private slots:
    void initTestCase()
    {
        m_router.addRoute("GET", "/thing", [](const HttpRequest &, HttpResponder &&r) {
            r.respond(200, QByteArrayLiteral("thing"));
        });
        m_router.addRoute("POST", "/thing", [](const HttpRequest &r, HttpResponder &&out) {
            out.respond(201, r.body);
        });
        m_router.addRoute("GET", "/forgetful", [](const HttpRequest &, HttpResponder &&) {});
    }

    void dispatch_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("allow");
        QTest::addRow("GET") << QByteArray("GET") << QByteArray("/thing") << 200 << QByteArray();
        QTest::addRow("HEAD uses GET")
            << QByteArray("HEAD") << QByteArray("/thing") << 200 << QByteArray();
        QTest::addRow("POST") << QByteArray("POST") << QByteArray("/thing") << 201 << QByteArray();
        QTest::addRow("encoded path")
            << QByteArray("GET") << QByteArray("/%74hing") << 200 << QByteArray();
        QTest::addRow("wrong method") << QByteArray("DELETE") << QByteArray("/thing") << 405
                                      << QByteArray("GET, HEAD, POST, OPTIONS");
        QTest::addRow("OPTIONS") << QByteArray("OPTIONS") << QByteArray("/thing") << 204
                                 << QByteArray("GET, HEAD, POST, OPTIONS");
        // Qt's decoder reads "%7$" as 't' (0x70 | 0x24): a malformed escape names no route.
        QTest::addRow("malformed escape")
            << QByteArray("GET") << QByteArray("/%7$hing") << 404 << QByteArray();
        QTest::addRow("unknown path")
            << QByteArray("GET") << QByteArray("/nothing") << 404 << QByteArray();
        QTest::addRow("prefix is not a match")
            << QByteArray("GET") << QByteArray("/thing/x") << 404 << QByteArray();
    }
    void dispatch()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QByteArray, allow);
        RecordingSink sink;
        m_router.handle(request(method, path), HttpResponder(&sink, sink.serial));
        QVERIFY(sink.answered);
        QCOMPARE(sink.response.status(), status);
        QCOMPARE(sink.header("Allow"), allow);
    }

    void handlerThatForgetsToAnswerIsNoticed()
    {
        RecordingSink sink;
        m_router.handle(request("GET", "/forgetful"), HttpResponder(&sink, sink.serial));
        QVERIFY(sink.dropped);
    }

    void lateAnswerToASettledRequestIsDropped()
    {
        RecordingSink sink;
        HttpResponder responder(&sink, sink.serial);
        sink.serial = 2; // the connection moved on (e.g. answered 503 at a drain deadline)
        QVERIFY(!responder.isActive());
        responder.respond(200, QByteArrayLiteral("late"));
        QVERIFY(!sink.answered);
    }

    void fallbackTakesUnknownPaths()
    {
        Router router;
        router.setFallback(
            [](const HttpRequest &r, HttpResponder &&out) { out.respond(299, r.path); });
        RecordingSink sink;
        router.handle(request("GET", "/some/file"), HttpResponder(&sink, sink.serial));
        QCOMPARE(sink.response.status(), 299);
        QCOMPARE(sink.response.body(), QByteArray("/some/file"));
    }
};

QTEST_GUILESS_MAIN(tst_Router)
#include "tst_router.moc"
