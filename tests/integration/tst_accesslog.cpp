// --access-log with the real binary: one line per request (a hostile one included) in the
// combined format or JSON, to a file or standard output, reopened on SIGUSR1, and whole across a
// restart in which two processes write to the same file.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace baton::test;

namespace {

constexpr int logTimeoutMs = 10000;

QList<QByteArray> logLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    lines.removeLast(); // after the last line feed: empty, or a line not written whole yet
    return lines;
}

// remote - - [time] "request" status bytes "referer" "user-agent", and nothing else.
QRegularExpressionMatch matchCombined(const QByteArray &line)
{
    static const QString field = QStringLiteral("((?:[^\"\\\\]|\\\\x[0-9A-F]{2})*)");
    static const QRegularExpression combined(
        QStringLiteral("^(\\S+) - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\\] "
                       "\"") +
        field + QStringLiteral("\" (\\d{3}) (\\d+) \"") + field + QStringLiteral("\" \"") + field +
        QStringLiteral("\"$"));
    return combined.match(QString::fromLatin1(line));
}

// Printable ASCII only: no client byte can break a line or a terminal.
bool printableAscii(const QByteArray &line)
{
    return std::all_of(line.cbegin(), line.cend(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

struct Exchange
{
    QByteArray request;
    int status;
    QByteArray loggedRequestLine; // as the combined format shows it
};

// Sent on one keep-alive connection, in order; then hostile ones on connections of their own
// (a 400 closes its connection).
const QList<Exchange> &exchanges()
{
    static const QList<Exchange> list{
        {httpGet("/", "Referer: http://example.com/from\r\nUser-Agent: tester/1.0\r\n"), 200,
         "GET / HTTP/1.1"},
        {httpPost("/echo", QByteArray(100, 'e')), 200, "POST /echo HTTP/1.1"},
        {httpHead("/"), 200, "HEAD / HTTP/1.1"},
        {httpGet("/no-such-page?x=1"), 404, "GET /no-such-page?x=1 HTTP/1.1"},
        {httpGet("/quote\"back\\slash", "User-Agent: a \"quoted\" agent\r\n"), 404,
         "GET /quote\\x22back\\x5Cslash HTTP/1.1"},
        {QByteArray("GET /ctl\x01zz\"x HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "GET /ctl\\x01zz\\x22x"},
        {QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), 400, "-"},
    };
    return list;
}
constexpr int keepAliveExchanges = 5;

} // namespace

class TestAccessLog : public QObject
{
    Q_OBJECT

private slots:
    void combinedLines();
    void jsonLines();
    void reopenOnSigusr1();
    void standardOutput();
    void restartWritesEveryLineWhole();

private:
    // Runs exchanges() against `baton`; returns the responses' body sizes (0 for HEAD).
    static QList<qint64> runExchanges(const BatonProcess &baton, bool *ok);
};

QList<qint64> TestAccessLog::runExchanges(const BatonProcess &baton, bool *ok)
{
    *ok = false;
    QList<qint64> sizes;
    RawClient keepAlive;
    if (!keepAlive.connectTo(baton.host(), baton.port()))
        return {};
    for (int i = 0; i < exchanges().size(); ++i) {
        const Exchange &e = exchanges()[i];
        RawClient own;
        RawClient &client = i < keepAliveExchanges ? keepAlive : own;
        if (&client == &own && !own.connectTo(baton.host(), baton.port()))
            return {};
        if (!client.send(e.request))
            return {};
        const auto response = client.readResponse(RawClient::DefaultTimeoutMs,
                                                  e.request.startsWith("HEAD"));
        if (!response || response->status != e.status) {
            qWarning().noquote() << "exchange" << i << ":"
                                 << (response ? response->describe() : client.errorString());
            return {};
        }
        sizes.append(response->body.size());
    }
    *ok = true;
    return sizes;
}

void TestAccessLog::combinedLines()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("access.log"));
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--access-log"), path}), qPrintable(baton.diagnostics()));
    bool ok = false;
    const QList<qint64> sizes = runExchanges(baton, &ok);
    QVERIFY(ok);
    QTRY_VERIFY_WITH_TIMEOUT(logLines(path).size() >= exchanges().size(), logTimeoutMs);
    const QList<QByteArray> lines = logLines(path);
    QCOMPARE(lines.size(), exchanges().size());
    for (int i = 0; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        QVERIFY2(printableAscii(line), line.constData());
        const auto match = matchCombined(line);
        QVERIFY2(match.hasMatch(), line.constData());
        QCOMPARE(match.captured(1), QStringLiteral("127.0.0.1"));
        QCOMPARE(match.captured(2).toLatin1(), exchanges()[i].loggedRequestLine);
        QCOMPARE(match.captured(3).toInt(), exchanges()[i].status);
        QCOMPARE(match.captured(4).toLongLong(), sizes[i]);
    }
    QCOMPARE(matchCombined(lines[0]).captured(5), QStringLiteral("http://example.com/from"));
    QCOMPARE(matchCombined(lines[0]).captured(6), QStringLiteral("tester/1.0"));
    QCOMPARE(matchCombined(lines[1]).captured(4), QStringLiteral("100"));
    QCOMPARE(matchCombined(lines[1]).captured(5), QStringLiteral("-"));
    QCOMPARE(matchCombined(lines[4]).captured(6), QStringLiteral("a \\x22quoted\\x22 agent"));
    BATON_VERIFY_CLEAN_STOP(baton);
}

void TestAccessLog::jsonLines()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("access.json"));
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--access-log"), path, QStringLiteral("--log-format"),
                          QStringLiteral("json")}),
             qPrintable(baton.diagnostics()));
    bool ok = false;
    const QList<qint64> sizes = runExchanges(baton, &ok);
    QVERIFY(ok);
    RawClient slow;
    QVERIFY(slow.connectTo(baton.host(), baton.port()));
    const auto slept = slow.request(httpGet("/sleep?ms=200"));
    BATON_VERIFY_READ(slept, slow);
    const int expected = int(exchanges().size()) + 1;
    QTRY_VERIFY_WITH_TIMEOUT(logLines(path).size() >= expected, logTimeoutMs);
    const QList<QByteArray> lines = logLines(path);
    QCOMPARE(lines.size(), expected);
    static const QRegularExpression rfc3339(QStringLiteral(
        "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(?:[+-]\\d\\d:\\d\\d)$"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < lines.size(); ++i) {
        QVERIFY2(printableAscii(lines[i]), lines[i].constData());
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(lines[i], &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(),
                 qPrintable(error.errorString() + QStringLiteral(": ") +
                            QString::fromLatin1(lines[i])));
        const QJsonObject o = document.object();
        const QString time = o.value(QStringLiteral("time")).toString();
        QVERIFY2(rfc3339.match(time).hasMatch(), qPrintable(time));
        const QDateTime logged = QDateTime::fromString(time, Qt::ISODateWithMs);
        QVERIFY(logged.isValid() && logged <= now.addSecs(1) && logged >= now.addSecs(-600));
        QCOMPARE(o.value(QStringLiteral("remote")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), baton.pid());
        QCOMPARE(o.value(QStringLiteral("generation")).toInt(), 1);
        QVERIFY(o.value(QStringLiteral("duration_seconds")).toDouble(-1) >= 0);
        QVERIFY(o.value(QStringLiteral("request_bytes")).toInteger(-1) >= 0);
        for (const char *field : {"method", "target", "protocol", "referer", "user_agent"}) {
            const QJsonValue value = o.value(QLatin1String(field));
            QVERIFY2(value.isString() || value.isNull(), field);
        }
        if (i < exchanges().size()) {
            QCOMPARE(o.value(QStringLiteral("status")).toInt(), exchanges()[i].status);
            QCOMPARE(o.value(QStringLiteral("bytes_sent")).toInteger(), sizes[i]);
        }
    }
    const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
    QCOMPARE(first.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
    QCOMPARE(first.value(QStringLiteral("protocol")).toString(), QStringLiteral("HTTP/1.1"));
    QCOMPARE(first.value(QStringLiteral("referer")).toString(),
             QStringLiteral("http://example.com/from"));
    QCOMPARE(first.value(QStringLiteral("request_bytes")).toInteger(),
             exchanges()[0].request.size());
    const QJsonObject post = QJsonDocument::fromJson(lines[1]).object();
    QCOMPARE(post.value(QStringLiteral("request_bytes")).toInteger(),
             exchanges()[1].request.size());
    QVERIFY(post.value(QStringLiteral("user_agent")).isNull());
    const QJsonObject control = QJsonDocument::fromJson(lines[5]).object();
    QCOMPARE(control.value(QStringLiteral("target")).toString(),
             QStringLiteral("/ctl\\x01zz\\x22x"));
    QVERIFY(control.value(QStringLiteral("protocol")).isNull());
    const QJsonObject tls = QJsonDocument::fromJson(lines[6]).object();
    QVERIFY(tls.value(QStringLiteral("method")).isNull());
    const QJsonObject sleep = QJsonDocument::fromJson(lines[7]).object();
    QCOMPARE(sleep.value(QStringLiteral("target")).toString(), QStringLiteral("/sleep?ms=200"));
    QVERIFY(sleep.value(QStringLiteral("duration_seconds")).toDouble() >= 0.2);
    BATON_VERIFY_CLEAN_STOP(baton);
}

// logrotate's way: rename the file, SIGUSR1, and the new lines go to a new file at the path.
void TestAccessLog::reopenOnSigusr1()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("access.log"));
    const QString rotated = dir.filePath(QStringLiteral("access.log.1"));
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--access-log"), path}), qPrintable(baton.diagnostics()));
    QVERIFY(fetch(baton, "/before-rotation"));
    QTRY_COMPARE_WITH_TIMEOUT(logLines(path).size(), 1, logTimeoutMs);
    QVERIFY(QFile::rename(path, rotated));
    QVERIFY(fetch(baton, "/between"));
    QTRY_COMPARE_WITH_TIMEOUT(logLines(rotated).size(), 2, logTimeoutMs);
    QVERIFY(!QFile::exists(path));

    QVERIFY(baton.sendSignal(SIGUSR1));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(path), logTimeoutMs);
    QVERIFY(fetch(baton, "/after-rotation"));
    QTRY_COMPARE_WITH_TIMEOUT(logLines(path).size(), 1, logTimeoutMs);
    QVERIFY(logLines(path).constFirst().contains("GET /after-rotation HTTP/1.1"));
    const QList<QByteArray> old = logLines(rotated);
    QCOMPARE(old.size(), 2);
    QVERIFY(old[0].contains("/before-rotation") && old[1].contains("/between"));
    QVERIFY2(baton.waitForStderrLine(QRegularExpression(QStringLiteral("reopened")), 5000),
             qPrintable(baton.diagnostics()));
    BATON_VERIFY_CLEAN_STOP(baton);
}

void TestAccessLog::standardOutput()
{
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--access-log"), QStringLiteral("-")}),
             qPrintable(baton.diagnostics()));
    QVERIFY(fetch(baton, "/to-stdout"));
    QTRY_VERIFY_WITH_TIMEOUT(baton.stdoutData().contains('\n'), logTimeoutMs);
    const QList<QByteArray> lines = baton.stdoutData().split('\n');
    const auto match = matchCombined(lines.constFirst());
    QVERIFY2(match.hasMatch(), lines.constFirst().constData());
    QCOMPARE(match.captured(2), QStringLiteral("GET /to-stdout HTTP/1.1"));
    QVERIFY(baton.stderrLines().filter(QStringLiteral("/to-stdout")).isEmpty());
    BATON_VERIFY_CLEAN_STOP(baton);
}

// Old and new process append to the same file across a restart: every request sent is there
// exactly once, every line is a whole JSON object, and both processes wrote some.
void TestAccessLog::restartWritesEveryLineWhole()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("access.json"));
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--access-log"), path, QStringLiteral("--log-format"),
                          QStringLiteral("json")}),
             qPrintable(baton.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(baton.host(), baton.port()));
    QSet<QString> sent;
    qint64 successor = 0;
    auto cleanup = qScopeGuard([&successor] { stopProcess(successor); });
    // Requests before, during and after the handover, on a connection that moves along.
    for (int i = 0; successor == 0 || i < 400; ++i) {
        const QByteArray target = "/?n=" + QByteArray::number(i);
        const auto response = client.request(httpGet(target));
        BATON_VERIFY_READ(response, client);
        sent.insert(QString::fromLatin1(target));
        if (i == 100)
            QVERIFY(baton.sendSignal(SIGHUP));
        if (i > 100 && successor == 0)
            successor = response->header("X-Baton-Pid").toLongLong() == baton.pid()
                            ? 0
                            : response->header("X-Baton-Pid").toLongLong();
        QVERIFY2(i < 100'000, "the restart did not happen");
    }
    QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    stopProcess(successor);
    QVERIFY(waitForProcessGone(successor, 10000));

    QSet<QString> logged;
    QSet<qint64> pids;
    for (const QByteArray &line : logLines(path)) {
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        const QString target = o.value(QStringLiteral("target")).toString();
        QVERIFY2(!logged.contains(target), qPrintable(target));
        logged.insert(target);
        pids.insert(o.value(QStringLiteral("pid")).toInteger());
    }
    QCOMPARE(logged, sent);
    QCOMPARE(pids, (QSet<qint64>{baton.pid(), successor}));
}

QTEST_GUILESS_MAIN(TestAccessLog)
#include "tst_accesslog.moc"
