#include "http/chunkeddecoder.h"

#include <QTest>

using namespace baton;

namespace {

const ChunkedDecoder::Limits limits{1000, 200, 64};

struct Outcome
{
    ChunkedDecoder::Status status;
    QByteArray body;
    qsizetype consumed;
    int errorStatus;
};

// Feeds `input` in slices of `step` bytes (0: all at once), as a connection would.
Outcome decode(const QByteArray &input, qsizetype step = 0)
{
    ChunkedDecoder decoder;
    QByteArray body;
    qsizetype consumed = 0;
    ChunkedDecoder::Status status = ChunkedDecoder::Status::NeedMore;
    while (consumed < input.size() && status == ChunkedDecoder::Status::NeedMore) {
        const qsizetype slice =
            step > 0 ? qMin(step, input.size() - consumed) : input.size() - consumed;
        const auto result = decoder.feed(input.constData() + consumed, slice, body, limits);
        consumed += result.consumed;
        status = result.status;
    }
    return {status, body, consumed, decoder.errorStatus()};
}

} // namespace

// The chunked coding of RFC 9112 7.1, byte by byte and whole: both must agree on everything.
class tst_ChunkedDecoder : public QObject
{
    Q_OBJECT

private slots:
    void accepted_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("body");
        QTest::addRow("one chunk") << QByteArray("5\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::addRow("hex and leading zeros")
            << QByteArray("000A\r\n0123456789\r\n00\r\n\r\n") << QByteArray("0123456789");
        QTest::addRow("extensions, token and quoted with quoted-pair")
            << QByteArray("5;a=b;c;d=\"x\\\"y\"\r\nhello\r\n0;last\r\n\r\n") << QByteArray("hello");
        QTest::addRow("BWS around ; and =")
            << QByteArray("5 ; a = b\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::addRow("trailers are read and dropped")
            << QByteArray("5\r\nhello\r\n0\r\nHost: evil\r\nX-Sum: 1\r\n\r\n")
            << QByteArray("hello");
        QTest::addRow("empty body") << QByteArray("0\r\n\r\n") << QByteArray();
        QTest::addRow("many leading zeros")
            << QByteArray("00000000000000000000005\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::addRow("many leading zeros")
            << QByteArray("00000000000000000000005\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
    }
    void accepted()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, body);
        for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(3)}) {
            const Outcome outcome = decode(input + "GET / HTTP/1.1\r\n", step);
            QCOMPARE(outcome.status, ChunkedDecoder::Status::Done);
            QCOMPARE(outcome.body, body);
            QCOMPARE(outcome.consumed, input.size()); // nothing of the next request
        }
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        QTest::addRow("no size") << QByteArray("\r\nhello\r\n") << 400;
        QTest::addRow("SP after size without extension") << QByteArray("5 \r\nhello\r\n") << 400;
        QTest::addRow("extension without name") << QByteArray("5;=b\r\nhello\r\n") << 400;
        QTest::addRow("unterminated quote") << QByteArray("5;a=\"b\r\nhello\r\n") << 400;
        QTest::addRow("bare LF after size") << QByteArray("5\nhello\r\n") << 400;
        QTest::addRow("data longer than its size") << QByteArray("5\r\nhello!\r\n") << 400;
        QTest::addRow("too many significant digits")
            << QByteArray("10000000000000005\r\nhello\r\n") << 400;
        QTest::addRow("zeros without end") << QByteArray(65, '0') << 400;
        QTest::addRow("chunk over the body limit") << QByteArray("3E9\r\n") << 413;
        QTest::addRow("total over the body limit")
            << QByteArray("3E8\r\n" + QByteArray(1000, 'x') + "\r\n1\r\n") << 413;
        QTest::addRow("extensions over their limit")
            << QByteArray("5;" + QByteArray(100, 'e') + "\r\n") << 400;
        QTest::addRow("trailers over their limit")
            << QByteArray("0\r\nX: " + QByteArray(300, 't') + "\r\n\r\n") << 431;
        QTest::addRow("trailer obs-fold") << QByteArray("0\r\nX: a\r\n b\r\n\r\n") << 400;
        QTest::addRow("trailer name with space") << QByteArray("0\r\nX Y: a\r\n\r\n") << 400;
    }
    void rejected()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        for (qsizetype step : {qsizetype(0), qsizetype(1)}) {
            const Outcome outcome = decode(input, step);
            QCOMPARE(outcome.status, ChunkedDecoder::Status::Failed);
            QCOMPARE(outcome.errorStatus, status);
        }
    }

    // 413 as soon as the size line's digits end: the client need not send the data first.
    void oversizedChunkRefusedBeforeItsData()
    {
        const Outcome outcome = decode("FFFFF\r\n");
        QCOMPARE(outcome.status, ChunkedDecoder::Status::Failed);
        QCOMPARE(outcome.errorStatus, 413);
    }
};

QTEST_GUILESS_MAIN(tst_ChunkedDecoder)
#include "tst_chunkeddecoder.moc"
