// Access log lines: the combined format and JSON, and the escaping that keeps a client from
// ending a field or forging a line of its own.
#include "core/accesslogformatter.h"
#include "net/peeraddress.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <arpa/inet.h>
#include <cstdlib>
#include <ctime>
#include <limits>

using namespace baton;

namespace {

// 2026-11-25 10:00:00.123 UTC
constexpr qint64 someTimeMs = 1'795'600'800'123;

RequestRecord sampleRecord()
{
    RequestRecord record;
    record.method = "GET";
    record.target = "/path?q=1";
    record.versionMinor = 1;
    record.referer = "http://example.com/";
    record.userAgent = "curl/7.88.1";
    record.status = 200;
    record.bodyBytes = 1234;
    record.requestBytes = 78;
    record.durationNs = 1'500'250'000;
    record.remote = "192.0.2.7";
    return record;
}

QByteArray format(AccessLogFormat kind, const RequestRecord &record, qint64 timeMs = someTimeMs)
{
    AccessLogFormatter formatter(kind, 4242, 3);
    QByteArray line;
    formatter.append(line, record, timeMs);
    return line;
}

void setTimeZone(const char *tz)
{
    qputenv("TZ", tz);
    ::tzset();
}

// remote - - [time] "request" status bytes "referer" "user-agent", nothing else on the line.
const QString field = QStringLiteral("((?:[^\"\\\\]|\\\\x[0-9A-F]{2})*)");
const QRegularExpression combinedLine(
    QStringLiteral(
        "^(\\S+) - - \\[(\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4})\\] \"") +
    field + QStringLiteral("\" (\\d{3}) (\\d+) \"") + field + QStringLiteral("\" \"") + field +
    QStringLiteral("\"\n$"));

} // namespace

class tst_AccessLogFormatter : public QObject
{
    Q_OBJECT

private slots:
    void init() { setTimeZone("UTC"); }
    void cleanupTestCase() { setTimeZone("UTC"); }

    void escaping_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("plain") << QByteArray("/a/b?c=d&e") << QByteArray("/a/b?c=d&e");
        QTest::addRow("empty") << QByteArray() << QByteArray();
        QTest::addRow("quote") << QByteArray("a\"b") << QByteArray("a\\x22b");
        QTest::addRow("backslash") << QByteArray("a\\x22") << QByteArray("a\\x5Cx22");
        QTest::addRow("NUL") << QByteArray("a\0b", 3) << QByteArray("a\\x00b");
        QTest::addRow("line break") << QByteArray("a\r\nb") << QByteArray("a\\x0D\\x0Ab");
        QTest::addRow("tab") << QByteArray("\t") << QByteArray("\\x09");
        QTest::addRow("DEL") << QByteArray("\x7f") << QByteArray("\\x7F");
        QTest::addRow("high bytes") << QByteArray("\x80\xff") << QByteArray("\\x80\\xFF");
        QTest::addRow("UTF-8") << QByteArray("caf\xc3\xa9") << QByteArray("caf\\xC3\\xA9");
        QTest::addRow("printable ASCII kept") << QByteArray(" !#$%&'()*+,-./:;<=>?@[]^_`{|}~")
                                              << QByteArray(" !#$%&'()*+,-./:;<=>?@[]^_`{|}~");
    }
    void escaping()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QByteArray out("prefix:");
        AccessLogFormatter::appendEscaped(out, input);
        QCOMPARE(out, "prefix:" + expected);
    }

    void everyByteStaysOnOneLine()
    {
        QByteArray all;
        for (int b = 0; b < 256; ++b)
            all.append(char(b));
        QByteArray out;
        AccessLogFormatter::appendEscaped(out, all);
        for (char c : std::as_const(out)) {
            const auto byte = static_cast<unsigned char>(c);
            QVERIFY2(byte >= 0x20 && byte < 0x7f && c != '"', qPrintable(QString::number(byte)));
        }
    }

    void combined()
    {
        QCOMPARE(format(AccessLogFormat::Combined, sampleRecord()),
                 QByteArray("192.0.2.7 - - [25/Nov/2026:10:00:00 +0000] \"GET /path?q=1 HTTP/1.1\" "
                            "200 1234 \"http://example.com/\" \"curl/7.88.1\"\n"));
    }

    void combinedWithoutOptionalFields()
    {
        RequestRecord record = sampleRecord();
        record.referer = QByteArray();
        record.userAgent = QByteArray();
        record.versionMinor = 0;
        record.bodyBytes = 0;
        QCOMPARE(format(AccessLogFormat::Combined, record),
                 QByteArray("192.0.2.7 - - [25/Nov/2026:10:00:00 +0000] \"GET /path?q=1 HTTP/1.0\" "
                            "200 0 \"-\" \"-\"\n"));
    }

    void remoteAddress()
    {
        PeerAddress v6;
        v6.isV4 = false;
        ::inet_pton(AF_INET6, "2001:db8::1", v6.address);
        RequestRecord record = sampleRecord();
        record.remote = v6.addressText();
        QVERIFY(format(AccessLogFormat::Combined, record).startsWith("2001:db8::1 - - ["));
        PeerAddress v4;
        ::inet_pton(AF_INET, "10.1.2.3", v4.address);
        QCOMPARE(v4.addressText(), QByteArray("10.1.2.3"));
        record.remote = QByteArray();
        QVERIFY(format(AccessLogFormat::Combined, record).startsWith("- - - ["));
    }

    // A request refused before it was read whole shows what there was of its request line.
    void partialRequestLine_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("versionMinor");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("nothing read") << QByteArray() << QByteArray() << -1 << QByteArray("\"-\"");
        QTest::addRow("no version")
            << QByteArray("GET") << QByteArray("/a\x01z") << -1 << QByteArray("\"GET /a\\x01z\"");
        QTest::addRow("complete") << QByteArray("PUT") << QByteArray("/x") << 1
                                  << QByteArray("\"PUT /x HTTP/1.1\"");
    }
    void partialRequestLine()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, versionMinor);
        QFETCH(QByteArray, expected);
        RequestRecord record = sampleRecord();
        record.method = method;
        record.target = target;
        record.versionMinor = versionMinor;
        record.status = 400;
        const QByteArray line = format(AccessLogFormat::Combined, record);
        QVERIFY2(line.contains(QByteArray("] " + expected + " 400 ")), line.constData());
        QVERIFY(combinedLine.match(QString::fromLatin1(line)).hasMatch());
    }

    // A target and a user agent written to look like the end of a line and a line of their own.
    void forgedLineStaysOneLine()
    {
        RequestRecord record = sampleRecord();
        record.target =
            "/x HTTP/1.1\" 200 1 \"-\" \"-\"\n10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "
            "\"GET /admin";
        record.userAgent = "ua\\\"\r\nforged";
        const QByteArray line = format(AccessLogFormat::Combined, record);
        QCOMPARE(line.count('\n'), 1);
        QVERIFY(line.endsWith('\n'));
        const auto match = combinedLine.match(QString::fromLatin1(line));
        QVERIFY2(match.hasMatch(), line.constData());
        QCOMPARE(match.captured(1), QStringLiteral("192.0.2.7"));
        QCOMPARE(match.captured(4), QStringLiteral("200"));
        QVERIFY(match.captured(3).startsWith(QStringLiteral("GET /x HTTP/1.1\\x22 200 1 ")));
        QCOMPARE(match.captured(7), QStringLiteral("ua\\x5C\\x22\\x0D\\x0Aforged"));
    }

    void timeZoneOffset()
    {
        // POSIX: "IST-5:30" is 5 h 30 min east of UTC.
        setTimeZone("IST-5:30");
        RequestRecord record = sampleRecord();
        QVERIFY(format(AccessLogFormat::Combined, record).contains("[25/Nov/2026:15:30:00 +0530]"));
        const QJsonObject json =
            QJsonDocument::fromJson(format(AccessLogFormat::Json, record)).object();
        QCOMPARE(json.value(QStringLiteral("time")).toString(),
                 QStringLiteral("2026-11-25T15:30:00.123+05:30"));
        setTimeZone("XST+8");
        QVERIFY(format(AccessLogFormat::Combined, record).contains("[25/Nov/2026:02:00:00 -0800]"));
    }

    void json()
    {
        const QByteArray line = format(AccessLogFormat::Json, sampleRecord());
        QCOMPARE(line.count('\n'), 1);
        QVERIFY(line.endsWith('\n'));
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject o = document.object();
        const QDateTime time =
            QDateTime::fromString(o.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
        QVERIFY(time.isValid());
        QCOMPARE(time.toMSecsSinceEpoch(), someTimeMs);
        QCOMPARE(o.value(QStringLiteral("time")).toString(),
                 QStringLiteral("2026-11-25T10:00:00.123+00:00"));
        QCOMPARE(o.value(QStringLiteral("remote")).toString(), QStringLiteral("192.0.2.7"));
        QCOMPARE(o.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
        QCOMPARE(o.value(QStringLiteral("target")).toString(), QStringLiteral("/path?q=1"));
        QCOMPARE(o.value(QStringLiteral("protocol")).toString(), QStringLiteral("HTTP/1.1"));
        QCOMPARE(o.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(o.value(QStringLiteral("bytes_sent")).toInt(), 1234);
        QCOMPARE(o.value(QStringLiteral("request_bytes")).toInt(), 78);
        QCOMPARE(o.value(QStringLiteral("duration_seconds")).toDouble(), 1.50025);
        QCOMPARE(o.value(QStringLiteral("referer")).toString(),
                 QStringLiteral("http://example.com/"));
        QCOMPARE(o.value(QStringLiteral("user_agent")).toString(), QStringLiteral("curl/7.88.1"));
        QCOMPARE(o.value(QStringLiteral("generation")).toInt(), 3);
        QCOMPARE(o.value(QStringLiteral("pid")).toInt(), 4242);
        QCOMPARE(o.size(), 13);
    }

    void jsonAbsentFieldsAreNull()
    {
        RequestRecord record = sampleRecord();
        record.method = QByteArray();
        record.target = QByteArray();
        record.versionMinor = -1;
        record.referer = QByteArray();
        record.userAgent = QByteArray();
        record.status = 400;
        const QJsonObject o =
            QJsonDocument::fromJson(format(AccessLogFormat::Json, record)).object();
        for (const char *field : {"method", "target", "protocol", "referer", "user_agent"})
            QVERIFY2(o.value(QLatin1String(field)).isNull(), field);
        QCOMPARE(o.value(QStringLiteral("status")).toInt(), 400);
    }

    // Whatever the client sent, the line is valid JSON (hence valid UTF-8) and the values hold
    // the same escaped text as the combined format.
    void jsonHostileBytes()
    {
        RequestRecord record = sampleRecord();
        QByteArray all;
        for (int b = 0; b < 256; ++b)
            all.append(char(b));
        record.target = "/\"}\n{\"status\":999," + all;
        record.userAgent = all;
        const QByteArray line = format(AccessLogFormat::Json, record);
        QCOMPARE(line.count('\n'), 1);
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QByteArray escapedTarget;
        AccessLogFormatter::appendEscaped(escapedTarget, record.target);
        QCOMPARE(o.value(QStringLiteral("target")).toString(), QString::fromLatin1(escapedTarget));
        QByteArray escapedAgent;
        AccessLogFormatter::appendEscaped(escapedAgent, all);
        QCOMPARE(o.value(QStringLiteral("user_agent")).toString(),
                 QString::fromLatin1(escapedAgent));
        QCOMPARE(o.value(QStringLiteral("status")).toInt(), 200);
    }

    void durationIsExact_data()
    {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QByteArray>("text");
        QTest::addRow("zero") << qint64(0) << QByteArray("\"duration_seconds\":0.000000,");
        QTest::addRow("microseconds")
            << qint64(123'456) << QByteArray("\"duration_seconds\":0.000123,");
        QTest::addRow("seconds") << qint64(12'000'001'000)
                                 << QByteArray("\"duration_seconds\":12.000001,");
        QTest::addRow("negative clamps")
            << qint64(-5) << QByteArray("\"duration_seconds\":0.000000,");
    }
    void durationIsExact()
    {
        QFETCH(qint64, ns);
        QFETCH(QByteArray, text);
        RequestRecord record = sampleRecord();
        record.durationNs = ns;
        QVERIFY(format(AccessLogFormat::Json, record).contains(text));
    }

    // The longest numbers and every string field absent or hostile: the room reserved for a line
    // holds it (the ASan build would see a write past it).
    void extremeValues()
    {
        RequestRecord record;
        record.status = std::numeric_limits<int>::min();
        record.bodyBytes = std::numeric_limits<qint64>::min();
        record.requestBytes = std::numeric_limits<qint64>::max();
        record.durationNs = std::numeric_limits<qint64>::max();
        for (const AccessLogFormat kind : {AccessLogFormat::Combined, AccessLogFormat::Json}) {
            QByteArray line = format(kind, record);
            QCOMPARE(line.count('\n'), 1);
            record.method = record.target = record.referer = record.userAgent =
                QByteArray(3000, '"');
            line = format(kind, record);
            QCOMPARE(line.count('\n'), 1);
            const QByteArray escaped =
                QByteArray(kind == AccessLogFormat::Json ? "\\\\x22" : "\\x22").repeated(3000);
            QCOMPARE(line.count(escaped), 4);
            record = RequestRecord();
            record.durationNs = std::numeric_limits<qint64>::max();
        }
        const QJsonObject o =
            QJsonDocument::fromJson(format(AccessLogFormat::Json, record)).object();
        QCOMPARE(o.value(QStringLiteral("duration_seconds")).toDouble(), 9223372036.854775);
    }

    // Lines of one formatter in successive seconds carry their own second (the cached text is
    // renewed).
    void timeAdvances()
    {
        AccessLogFormatter formatter(AccessLogFormat::Combined, 1, 1);
        QByteArray out;
        formatter.append(out, sampleRecord(), someTimeMs);
        formatter.append(out, sampleRecord(), someTimeMs + 1000);
        formatter.append(out, sampleRecord(), someTimeMs + 61'000);
        const QList<QByteArray> lines = out.split('\n');
        QVERIFY(lines[0].contains("10:00:00 +0000"));
        QVERIFY(lines[1].contains("10:00:01 +0000"));
        QVERIFY(lines[2].contains("10:01:01 +0000"));
    }
};

QTEST_GUILESS_MAIN(tst_AccessLogFormatter)
#include "tst_accesslogformatter.moc"
