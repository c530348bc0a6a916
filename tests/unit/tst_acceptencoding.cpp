// Accept-Encoding weights (RFC 9110 12.5.3).
#include "http/acceptencoding.h"

#include <QTest>

using namespace baton;

class tst_AcceptEncoding : public QObject
{
    Q_OBJECT

private slots:
    void weights_data()
    {
        QTest::addColumn<QByteArray>("field");
        QTest::addColumn<QByteArray>("coding");
        QTest::addColumn<int>("weight");
        QTest::addRow("absent field") << QByteArray() << QByteArray("gzip") << 0;
        QTest::addRow("listed") << QByteArray("gzip, deflate") << QByteArray("gzip") << 1000;
        QTest::addRow("not listed") << QByteArray("deflate") << QByteArray("gzip") << 0;
        QTest::addRow("case-insensitive") << QByteArray("GZip") << QByteArray("gzip") << 1000;
        QTest::addRow("weighted") << QByteArray("gzip;q=0.5") << QByteArray("gzip") << 500;
        QTest::addRow("spaces") << QByteArray(" br ; q=0.25 ,gzip") << QByteArray("br") << 250;
        QTest::addRow("refused") << QByteArray("gzip;q=0") << QByteArray("gzip") << 0;
        QTest::addRow("refused with zeros")
            << QByteArray("gzip;q=0.000") << QByteArray("gzip") << 0;
        QTest::addRow("wildcard") << QByteArray("*") << QByteArray("br") << 1000;
        QTest::addRow("own entry beats wildcard")
            << QByteArray("*;q=0.9, br;q=0") << QByteArray("br") << 0;
        QTest::addRow("wildcard refused") << QByteArray("*;q=0") << QByteArray("gzip") << 0;
        QTest::addRow("q=1.000") << QByteArray("gzip;q=1.000") << QByteArray("gzip") << 1000;
        QTest::addRow("q over 1") << QByteArray("gzip;q=1.5") << QByteArray("gzip") << 0;
        QTest::addRow("q malformed") << QByteArray("gzip;q=high") << QByteArray("gzip") << 0;
        QTest::addRow("too many digits") << QByteArray("gzip;q=0.5555") << QByteArray("gzip") << 0;
        QTest::addRow("other parameter") << QByteArray("gzip;level=9") << QByteArray("gzip") << 0;
        QTest::addRow("prefix is not a match") << QByteArray("gzipx") << QByteArray("gzip") << 0;
        QTest::addRow("empty elements") << QByteArray(",, gzip ,") << QByteArray("gzip") << 1000;
    }
    void weights()
    {
        QFETCH(QByteArray, field);
        QFETCH(QByteArray, coding);
        QFETCH(int, weight);
        QCOMPARE(AcceptEncoding(field).weight(coding), weight);
    }
};

QTEST_GUILESS_MAIN(tst_AcceptEncoding)
#include "tst_acceptencoding.moc"
