// Range field values (RFC 9110 14.1.2, 14.2) against a representation of 1000 bytes.
#include "http/byterange.h"

#include <QTest>

using namespace baton;

class tst_ByteRange : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("field");
        QTest::addColumn<qint64>("size");
        QTest::addColumn<int>("result");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");
        const int ignore = int(RangeRequest::Ignore);
        const int ok = int(RangeRequest::Satisfiable);
        const int unsatisfiable = int(RangeRequest::Unsatisfiable);
        QTest::addRow("first bytes") << QByteArray("bytes=0-99") << 1000ll << ok << 0ll << 99ll;
        QTest::addRow("middle") << QByteArray("bytes=500-599") << 1000ll << ok << 500ll << 599ll;
        QTest::addRow("open") << QByteArray("bytes=990-") << 1000ll << ok << 990ll << 999ll;
        QTest::addRow("suffix") << QByteArray("bytes=-10") << 1000ll << ok << 990ll << 999ll;
        QTest::addRow("suffix longer than the file")
            << QByteArray("bytes=-5000") << 1000ll << ok << 0ll << 999ll;
        QTest::addRow("last past the end") << QByteArray("bytes=900-5000") << 1000ll << ok << 900ll
                                           << 999ll;
        QTest::addRow("one byte") << QByteArray("bytes=999-999") << 1000ll << ok << 999ll << 999ll;
        QTest::addRow("unit case and spaces")
            << QByteArray(" Bytes= 1 - 2 ") << 1000ll << ok << 1ll << 2ll;
        QTest::addRow("starts at the end") << QByteArray("bytes=1000-") << 1000ll << unsatisfiable
                                           << 0ll << 0ll;
        QTest::addRow("empty suffix") << QByteArray("bytes=-0") << 1000ll << unsatisfiable << 0ll
                                      << 0ll;
        QTest::addRow("any range of an empty file")
            << QByteArray("bytes=0-") << 0ll << unsatisfiable << 0ll << 0ll;
        QTest::addRow("several ranges") << QByteArray("bytes=0-1,5-6") << 1000ll << ignore << 0ll
                                        << 0ll;
        QTest::addRow("other unit") << QByteArray("items=0-1") << 1000ll << ignore << 0ll << 0ll;
        QTest::addRow("reversed") << QByteArray("bytes=5-1") << 1000ll << ignore << 0ll << 0ll;
        QTest::addRow("no dash") << QByteArray("bytes=5") << 1000ll << ignore << 0ll << 0ll;
        QTest::addRow("sign") << QByteArray("bytes=+5-9") << 1000ll << ignore << 0ll << 0ll;
        QTest::addRow("overflow")
            << QByteArray("bytes=99999999999999999999-") << 1000ll << ignore << 0ll << 0ll;
        QTest::addRow("nothing") << QByteArray("bytes=") << 1000ll << ignore << 0ll << 0ll;
    }
    void parse()
    {
        QFETCH(QByteArray, field);
        QFETCH(qint64, size);
        QFETCH(int, result);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        ByteRange range;
        QCOMPARE(int(parseRange(field, size, &range)), result);
        if (result == int(RangeRequest::Satisfiable)) {
            QCOMPARE(range.first, first);
            QCOMPARE(range.last, last);
        }
    }
};

QTEST_GUILESS_MAIN(tst_ByteRange)
#include "tst_byterange.moc"
