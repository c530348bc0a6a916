// The connection handover's wire format: what one generation writes, the next reads back
// exactly; anything else — another version, a short or padded datagram — is recognised as such.
#include "handover/handovermessage.h"

#include <QTest>

using namespace baton;

class tst_HandoverMessage : public QObject
{
    Q_OBJECT

private slots:
    void connectionRoundTrips()
    {
        HandoverRecord record;
        record.id = 0x0102030405060708ULL;
        record.ageMs = 123456789;
        record.requestsServed = 42;
        record.bytesIn = 1 << 20;
        record.bytesOut = (qint64(1) << 40) + 7;
        record.afterResponse = true;
        record.pending = "GET /next HTTP/1.1\r\nHost: a\r\n\r\nGET /half";
        const auto message = handover::decode(handover::encodeConnection(record));
        QVERIFY(message);
        QCOMPARE(message->version, handover::version);
        QCOMPARE(message->type, handover::Type::Connection);
        QCOMPARE(message->record.id, record.id);
        QCOMPARE(message->record.ageMs, record.ageMs);
        QCOMPARE(message->record.requestsServed, record.requestsServed);
        QCOMPARE(message->record.bytesIn, record.bytesIn);
        QCOMPARE(message->record.bytesOut, record.bytesOut);
        QCOMPARE(message->record.afterResponse, true);
        QCOMPARE(message->record.pending, record.pending);
    }

    void largestPendingInputFits()
    {
        HandoverRecord record;
        record.pending = QByteArray(handover::maxPending, 'p');
        const auto message = handover::decode(handover::encodeConnection(record));
        QVERIFY(message);
        QCOMPARE(message->record.pending.size(), handover::maxPending);
    }

    void idsRoundTrip()
    {
        QList<quint64> ids;
        for (int i = 0; i < handover::maxIdsPerMessage; ++i)
            ids.append(quint64(i) * 7919);
        for (auto type : {handover::Type::Adopted, handover::Type::Refused}) {
            const auto message = handover::decode(handover::encodeIds(type, ids));
            QVERIFY(message);
            QCOMPARE(message->type, type);
            QCOMPARE(message->ids, ids);
        }
    }

    void anotherVersionIsRecognisedNotRead()
    {
        HandoverRecord record;
        record.id = 9;
        QByteArray datagram = handover::encodeConnection(record);
        datagram[2] = char(handover::version + 1);
        const auto message = handover::decode(datagram);
        QVERIFY(message);
        QCOMPARE(message->version, quint8(handover::version + 1));
        QCOMPARE(message->record.id, quint64(0));
    }

    void malformedDatagramsAreRejected()
    {
        HandoverRecord record;
        record.pending = "abc";
        const QByteArray good = handover::encodeConnection(record);
        QVERIFY(!handover::decode(QByteArray()));
        QVERIFY(!handover::decode("XH\x01\x01"));
        for (qsizetype size = 0; size < good.size(); ++size)
            QVERIFY2(!handover::decode(good.left(size)), qPrintable(QString::number(size)));
        QVERIFY(!handover::decode(good + 'x'));
        QByteArray unknownType = good;
        unknownType[3] = char(77);
        QVERIFY(!handover::decode(unknownType));
        // A pending length past the format's bound is refused before anything is copied.
        QByteArray huge = handover::encodeConnection(HandoverRecord());
        huge[huge.size() - 1] = char(0x7f);
        QVERIFY(!handover::decode(huge));
        QByteArray tooManyIds = handover::encodeIds(handover::Type::Adopted, {1});
        tooManyIds[4] = char(0xff);
        tooManyIds[5] = char(0xff);
        QVERIFY(!handover::decode(tooManyIds));
    }
};

QTEST_GUILESS_MAIN(tst_HandoverMessage)
#include "tst_handovermessage.moc"
