// Percent-decoding that no malformed escape can get round (RFC 3986 2.1).
#include "http/percentencoding.h"

#include <QTest>

using namespace baton;

class tst_PercentEncoding : public QObject
{
    Q_OBJECT

private slots:
    void decode_data()
    {
        QTest::addColumn<QByteArray>("encoded");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("decoded"); // strict result, when valid
        QTest::addColumn<QByteArray>("lenient");
        QTest::addRow("plain") << QByteArray("/a/b") << true << QByteArray("/a/b")
                               << QByteArray("/a/b");
        QTest::addRow("escapes") << QByteArray("/a%20b%2Fc%e9") << true << QByteArray("/a b/c\xe9")
                                 << QByteArray("/a b/c\xe9");
        QTest::addRow("not hex") << QByteArray("/x%p0y") << false << QByteArray()
                                 << QByteArray("/x%p0y");
        QTest::addRow("half hex") << QByteArray("/a%2/b") << false << QByteArray()
                                  << QByteArray("/a%2/b");
        QTest::addRow("high byte")
            << QByteArray("/%\xe1\xd2") << false << QByteArray() << QByteArray("/%\xe1\xd2");
        QTest::addRow("lone percent at the end")
            << QByteArray("50%") << false << QByteArray() << QByteArray("50%");
        QTest::addRow("one digit at the end")
            << QByteArray("%4") << false << QByteArray() << QByteArray("%4");
        QTest::addRow("escaped percent")
            << QByteArray("%2541") << true << QByteArray("%41") << QByteArray("%41");
    }
    void decode()
    {
        QFETCH(QByteArray, encoded);
        QFETCH(bool, valid);
        QFETCH(QByteArray, decoded);
        QFETCH(QByteArray, lenient);
        const std::optional<QByteArray> strict = percent::decode(encoded);
        QCOMPARE(strict.has_value(), valid);
        if (valid)
            QCOMPARE(*strict, decoded);
        QCOMPARE(percent::decodeLenient(encoded), lenient);
    }
};

QTEST_GUILESS_MAIN(tst_PercentEncoding)
#include "tst_percentencoding.moc"
