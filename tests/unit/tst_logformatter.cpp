#include "core/logevent.h"
#include "core/logformatter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace baton;

namespace {

constexpr qint64 noonish = 1796212108123; // 2026-12-02T11:48:28.123Z

LogRecord record(QtMsgType type = QtInfoMsg, const QString &message = QStringLiteral("hello"))
{
    LogRecord r;
    r.msSinceEpoch = noonish;
    r.utcOffsetSeconds = 3600;
    r.type = type;
    r.category = "baton.lifecycle";
    r.message = message;
    r.pid = 1234;
    r.generation = 7;
    return r;
}

// The line without its final newline, parsed; an empty object (and a failure) if it is not one.
QJsonObject parseLine(const QByteArray &line)
{
    [&] {
        QVERIFY2(line.endsWith('\n'), line.constData());
        QCOMPARE(line.count('\n'), 1);
    }();
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line.chopped(1), &error);
    [&] {
        QVERIFY2(error.error == QJsonParseError::NoError,
                 qPrintable(error.errorString() + QStringLiteral(": ") + QString::fromUtf8(line)));
        QVERIFY(document.isObject());
    }();
    return document.object();
}

} // namespace

class tst_LogFormatter : public QObject
{
    Q_OBJECT

private slots:
    void timestamp_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<int>("offset");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("epoch, UTC")
            << qint64(0) << 0 << QByteArray("1970-01-01T00:00:00.000+00:00");
        QTest::addRow("UTC") << noonish << 0 << QByteArray("2026-12-02T11:48:28.123+00:00");
        QTest::addRow("east") << noonish << 3600 << QByteArray("2026-12-02T12:48:28.123+01:00");
        QTest::addRow("west, half hour")
            << noonish << -(5 * 3600 + 1800) << QByteArray("2026-12-02T06:18:28.123-05:30");
        QTest::addRow("east, half hour")
            << noonish << 5 * 3600 + 1800 << QByteArray("2026-12-02T17:18:28.123+05:30");
        QTest::addRow("into the next year")
            << qint64(1798759800999) << 3600 << QByteArray("2027-01-01T00:30:00.999+01:00");
    }
    void timestamp()
    {
        QFETCH(qint64, ms);
        QFETCH(int, offset);
        QFETCH(QByteArray, expected);
        QCOMPARE(LogFormatter::timestamp(ms, offset), expected);
    }

    void textLine()
    {
        const LogFormatter text;
        QCOMPARE(text.format(record(QtInfoMsg, QStringLiteral("listening on http://[::1]:80"))),
                 QByteArray("2026-12-02T12:48:28.123+01:00 baton[1234] listening on "
                            "http://[::1]:80\n"));
    }

    void textLevels_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("prefix");
        QTest::addRow("debug") << int(QtDebugMsg) << QByteArray("debug: ");
        QTest::addRow("info") << int(QtInfoMsg) << QByteArray();
        QTest::addRow("warning") << int(QtWarningMsg) << QByteArray("warning: ");
        QTest::addRow("critical") << int(QtCriticalMsg) << QByteArray("error: ");
        QTest::addRow("fatal") << int(QtFatalMsg) << QByteArray("fatal: ");
    }
    void textLevels()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, prefix);
        QCOMPARE(LogFormatter().format(record(QtMsgType(type))),
                 "2026-12-02T12:48:28.123+01:00 baton[1234] " + prefix + "hello\n");
    }

    // One message, one line, and no byte a terminal would act on.
    void textFoldsControlCharacters()
    {
        const QString message = QStringLiteral("a\nb\r\x1b[31mc\td") + QChar(0x7f) + QChar(0);
        const QByteArray line = LogFormatter().format(record(QtInfoMsg, message));
        QVERIFY(line.endsWith(QByteArray("baton[1234] a\\nb\\r\\x1b[31mc\td\\x7f\\x00\n")));
        QCOMPARE(line.count('\n'), 1);
    }

    void journalPriorities_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("priority");
        QTest::addRow("debug") << int(QtDebugMsg) << QByteArray("<7>");
        QTest::addRow("info") << int(QtInfoMsg) << QByteArray("<6>");
        QTest::addRow("warning") << int(QtWarningMsg) << QByteArray("<4>");
        QTest::addRow("critical") << int(QtCriticalMsg) << QByteArray("<3>");
        QTest::addRow("fatal") << int(QtFatalMsg) << QByteArray("<2>");
    }
    void journalPriorities()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, priority);
        QCOMPARE(LogFormatter::syslogPriority(QtMsgType(type)), priority.mid(1, 1).toInt());
        // The journal stamps lines itself: no time of ours, but the pid (a successor writes to
        // the stream its predecessor opened).
        const QByteArray text =
            LogFormatter(LogFormatter::Format::Text, true).format(record(QtMsgType(type)));
        QVERIFY2(text.startsWith(QByteArray(priority + "baton[1234] ")), text.constData());
        QVERIFY(text.endsWith("hello\n"));
        // journald takes the prefix off; what it stores is the JSON object.
        const QByteArray json =
            LogFormatter(LogFormatter::Format::Json, true).format(record(QtMsgType(type)));
        QVERIFY2(json.startsWith(QByteArray(priority + '{')), json.constData());
        QCOMPARE(parseLine(json.mid(priority.size())).value(QStringLiteral("level")).toString(),
                 QString::fromLatin1(LogFormatter::levelName(QtMsgType(type))));
        // Without the journal, no prefix.
        QVERIFY(LogFormatter().format(record(QtMsgType(type))).startsWith("2026-"));
        QVERIFY(LogFormatter(LogFormatter::Format::Json).format(record()).startsWith('{'));
    }

    void jsonLine()
    {
        const QByteArray line = LogFormatter(LogFormatter::Format::Json)
                                    .format(record(QtWarningMsg, QStringLiteral("restart failed")));
        // The fields an operator scans first come first.
        QVERIFY2(line.startsWith("{\"time\":\"2026-12-02T12:48:28.123+01:00\",\"level\":"),
                 line.constData());
        const QJsonObject object = parseLine(line);
        QCOMPARE(object.value(QStringLiteral("time")).toString(),
                 QStringLiteral("2026-12-02T12:48:28.123+01:00"));
        QCOMPARE(object.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
        QCOMPARE(object.value(QStringLiteral("category")).toString(),
                 QStringLiteral("baton.lifecycle"));
        QCOMPARE(object.value(QStringLiteral("message")).toString(),
                 QStringLiteral("restart failed"));
        QCOMPARE(object.value(QStringLiteral("pid")).toInteger(), 1234);
        QCOMPARE(object.value(QStringLiteral("generation")).toInteger(), 7);
        QVERIFY(!object.contains(QStringLiteral("event")));
        QCOMPARE(object.size(), 6);
    }

    void jsonLevels_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("level");
        QTest::addRow("debug") << int(QtDebugMsg) << QStringLiteral("debug");
        QTest::addRow("info") << int(QtInfoMsg) << QStringLiteral("info");
        QTest::addRow("warning") << int(QtWarningMsg) << QStringLiteral("warning");
        QTest::addRow("critical") << int(QtCriticalMsg) << QStringLiteral("error");
        QTest::addRow("fatal") << int(QtFatalMsg) << QStringLiteral("fatal");
    }
    void jsonLevels()
    {
        QFETCH(int, type);
        QFETCH(QString, level);
        const QJsonObject object =
            parseLine(LogFormatter(LogFormatter::Format::Json).format(record(QtMsgType(type))));
        QCOMPARE(object.value(QStringLiteral("level")).toString(), level);
    }

    void jsonEscaping_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("expected"); // what a JSON reader gets back
        const auto same = [](const QString &text) {
            QTest::addRow("%s", text.toUtf8().toPercentEncoding().constData()) << text << text;
        };
        same(QStringLiteral("say \"hi\""));
        same(QStringLiteral("C:\\path\\"));
        same(QStringLiteral("two\nlines\r\n"));
        same(QStringLiteral("tab\there"));
        same(QStringLiteral("bell\x07 escape\x1b[0m unit\x1f"));
        same(QStringLiteral("del") + QChar(0x7f));
        same(QStringLiteral("nul") + QChar(0) + QStringLiteral("after"));
        same(QStringLiteral("caf\u00e9 \u65e5\u672c \u2028"));
        same(QString::fromUtf8("emoji \xf0\x9f\x98\x80"));
        QTest::addRow("lone high surrogate")
            << (QStringLiteral("a") + QChar(0xd800) + QStringLiteral("b"))
            << (QStringLiteral("a") + QChar(0xfffd) + QStringLiteral("b"));
        QTest::addRow("lone low surrogate")
            << (QStringLiteral("a") + QChar(0xdc00)) << (QStringLiteral("a") + QChar(0xfffd));
    }
    void jsonEscaping()
    {
        QFETCH(QString, message);
        QFETCH(QString, expected);
        const QByteArray line =
            LogFormatter(LogFormatter::Format::Json).format(record(QtInfoMsg, message));
        for (qsizetype i = 0; i + 1 < line.size(); ++i)
            QVERIFY2(uchar(line[i]) >= 0x20 && line[i] != 0x7f,
                     qPrintable(QStringLiteral("raw control byte at %1").arg(i)));
        QCOMPARE(parseLine(line).value(QStringLiteral("message")).toString(), expected);
    }

    void jsonEventFields()
    {
        const LogEvent event{"drained",
                             {{"ms", 1184},
                              {"exit_code", 0},
                              {"big", qint64(1) << 40},
                              {"ratio", 1.5},
                              {"handover", true},
                              {"root", QStringLiteral("/srv/\"www\"")},
                              {"nothing", QJsonValue()},
                              {"absent", QJsonValue(QJsonValue::Undefined)},
                              {"pid", 99}}};
        LogRecord r = record();
        r.event = &event;
        const QByteArray line = LogFormatter(LogFormatter::Format::Json).format(r);
        // Counts are written as integers, as a reader of the raw line expects.
        QVERIFY2(line.contains(",\"event\":\"drained\",\"ms\":1184,\"exit_code\":0,"
                               "\"big\":1099511627776,\"ratio\":1.5,"),
                 line.constData());
        const QJsonObject object = parseLine(line);
        QCOMPARE(object.value(QStringLiteral("event")).toString(), QStringLiteral("drained"));
        QCOMPARE(object.value(QStringLiteral("ms")).toInteger(), 1184);
        QCOMPARE(object.value(QStringLiteral("exit_code")).toInteger(), 0);
        QCOMPARE(object.value(QStringLiteral("big")).toInteger(), qint64(1) << 40);
        QCOMPARE(object.value(QStringLiteral("ratio")).toDouble(), 1.5);
        QCOMPARE(object.value(QStringLiteral("handover")).toBool(), true);
        QCOMPARE(object.value(QStringLiteral("root")).toString(), QStringLiteral("/srv/\"www\""));
        QVERIFY(object.value(QStringLiteral("nothing")).isNull());
        QVERIFY(!object.contains(QStringLiteral("absent")));
        // An event cannot overwrite the record's own fields.
        QCOMPARE(object.value(QStringLiteral("pid")).toInteger(), 1234);
        QCOMPARE(line.count("\"pid\""), 1);
        // The text format shows the message only.
        QCOMPARE(LogFormatter().format(r), LogFormatter().format(record()));
    }

    void missingCategory()
    {
        LogRecord r = record();
        r.category = nullptr;
        const QJsonObject object = parseLine(LogFormatter(LogFormatter::Format::Json).format(r));
        QCOMPARE(object.value(QStringLiteral("category")).toString(), QStringLiteral("default"));
    }

    void parseFormat()
    {
        QVERIFY(LogFormatter::parseFormat(QStringLiteral("text")) == LogFormatter::Format::Text);
        QVERIFY(LogFormatter::parseFormat(QStringLiteral("json")) == LogFormatter::Format::Json);
        QVERIFY(!LogFormatter::parseFormat(QStringLiteral("JSON")));
        QVERIFY(!LogFormatter::parseFormat(QString()));
        QVERIFY(!LogFormatter::parseFormat(QStringLiteral("logfmt")));
    }
};

QTEST_APPLESS_MAIN(tst_LogFormatter)
#include "tst_logformatter.moc"
