#include "http/responsehead.h"

#include <QTest>

using namespace baton;

// Response heads as the connection writes them: framing is the connection's, and a handler's
// field cannot split the response.
class tst_ResponseHead : public QObject
{
    Q_OBJECT

private slots:
    void invalidFieldsAreDropped()
    {
        const Headers headers{{"X-Good", "fine"}, {"X-Split", "a\r\nSet-Cookie: stolen=1"},
                                  {"X-Lf", "a\nb"},   {"X-Nul", QByteArray("a\0b", 3)},
                                  {"Bad Name", "x"},  {"", "x"}};
        const ResponseHead head(headers);
        QCOMPARE(head.droppedFields(), 5);
        const QByteArray bytes = head.build(200, "Date: x\r\n", {BodyFraming::Kind::Length, 2},
                                            ResponseHead::Persistence::KeepAlive);
        QVERIFY(bytes.contains("X-Good: fine\r\n"));
        QVERIFY(!bytes.contains("Set-Cookie"));
        QVERIFY(!bytes.contains("X-Lf"));
        QVERIFY(!bytes.contains("X-Nul"));
        QVERIFY(!bytes.contains("Bad Name"));
        QCOMPARE(bytes.count("\r\n\r\n"), 1);
        QVERIFY(bytes.endsWith("Content-Length: 2\r\n\r\n"));
    }

    void framingFieldsAreTheConnections()
    {
        const Headers headers{
            {"Content-Length", "999"}, {"transfer-encoding", "gzip"}, {"Connection", "close"}};
        const ResponseHead head(headers);
        QVERIFY(head.closeRequested());
        QCOMPARE(head.droppedFields(), 0);
        const QByteArray bytes =
            head.build(200, {}, {BodyFraming::Kind::Chunked, 0}, ResponseHead::Persistence::Close);
        QCOMPARE(bytes.count("Content-Length"), 0);
        QCOMPARE(bytes.count("Transfer-Encoding: chunked\r\n"), 1);
        QCOMPARE(bytes.count("gzip"), 0);
        QCOMPARE(bytes.count("Connection: close\r\n"), 1);
    }

    void framingKinds_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("expected");
        QTest::addColumn<QByteArray>("absent");
        QTest::addRow("none (204)") << int(BodyFraming::Kind::None) << QByteArray("\r\n\r\n")
                                    << QByteArray("Content-Length");
        QTest::addRow("until close (HTTP/1.0 stream)")
            << int(BodyFraming::Kind::UntilClose) << QByteArray("\r\n\r\n")
            << QByteArray("Transfer-Encoding");
        QTest::addRow("HEAD keeps the length")
            << int(BodyFraming::Kind::LengthNoBody) << QByteArray("Content-Length: 7\r\n")
            << QByteArray("Transfer-Encoding");
    }
    void framingKinds()
    {
        QFETCH(int, kind);
        QFETCH(QByteArray, expected);
        QFETCH(QByteArray, absent);
        const Headers none;
        const QByteArray bytes = ResponseHead(none).build(
            200, {}, {BodyFraming::Kind(kind), 7}, ResponseHead::Persistence::KeepAliveHttp10);
        QVERIFY(bytes.contains(expected));
        QVERIFY(!bytes.contains(absent));
        QVERIFY(bytes.contains("Connection: keep-alive\r\n"));
    }
};

QTEST_GUILESS_MAIN(tst_ResponseHead)
#include "tst_responsehead.moc"
