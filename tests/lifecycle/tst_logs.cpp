// What the real binary writes on stderr: --log-format json across a restart and a shutdown,
// journald's priority prefixes, the zone offset of text lines, and counts in the singular.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>

using namespace baton::test;

namespace {

constexpr int lineTimeoutMs = 15000;

// A file that will be the server's stderr, and its "DEV:INODE" as systemd puts it in
// JOURNAL_STREAM. The file exists before the server starts, so it keeps this inode when the
// server's stderr is opened onto it.
struct StderrFile
{
    QString path;
    QByteArray devIno;
};
StderrFile makeStderrFile(const QTemporaryDir &dir, const QString &name)
{
    StderrFile file{dir.filePath(name), {}};
    if (!writeFile(file.path, {}))
        return file;
    struct stat status
    {
    };
    if (::stat(QFile::encodeName(file.path).constData(), &status) == 0)
        file.devIno = QByteArray::number(qulonglong(status.st_dev)) + ':' +
                      QByteArray::number(qulonglong(status.st_ino));
    return file;
}

QProcessEnvironment environmentWith(const QString &name, const QString &value)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(name, value);
    return env;
}

// A line of the JSON log: empty, or why it is not one, with the object in *object.
QString jsonLineProblem(const QString &line, QJsonObject *object)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return QStringLiteral("not a JSON object (%1)").arg(error.errorString());
    *object = document.object();
    static const QRegularExpression rfc3339(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d\\d:\\d\\d$"));
    static const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"),
                                    QStringLiteral("warning"), QStringLiteral("error"),
                                    QStringLiteral("fatal")};
    if (!rfc3339.match(object->value(QStringLiteral("time")).toString()).hasMatch())
        return QStringLiteral("time is not RFC 3339 with milliseconds and an offset");
    if (!levels.contains(object->value(QStringLiteral("level")).toString()))
        return QStringLiteral("unknown level");
    if (object->value(QStringLiteral("category")).toString().isEmpty())
        return QStringLiteral("no category");
    if (!object->value(QStringLiteral("message")).isString())
        return QStringLiteral("no message");
    if (object->value(QStringLiteral("pid")).toInteger() <= 0)
        return QStringLiteral("no pid");
    if (object->value(QStringLiteral("generation")).toInteger() <= 0)
        return QStringLiteral("no generation");
    return {};
}

// The first JSON line of `pid` whose event is `event`.
QJsonObject eventOf(const QList<QJsonObject> &lines, qint64 pid, const QString &event)
{
    for (const QJsonObject &line : lines) {
        if (line.value(QStringLiteral("pid")).toInteger() == pid &&
            line.value(QStringLiteral("event")).toString() == event)
            return line;
    }
    return {};
}

// Open connections on the public port and how many of them are busy, as the admin listener's
// /metrics tells (asking there adds no connection to the public port).
std::pair<qint64, qint64> publicConnections(const AdminAddress &admin)
{
    const auto metrics = fetchAdmin(admin, "/metrics");
    if (!metrics)
        return {-1, -1};
    static const QRegularExpression sample(
        QStringLiteral("^baton_connections\\{state=\"(\\w+)\"\\} (\\d+)$"),
        QRegularExpression::MultilineOption);
    qint64 open = 0;
    qint64 busy = 0;
    for (auto it = sample.globalMatch(QString::fromUtf8(metrics->body)); it.hasNext();) {
        const auto match = it.next();
        open += match.captured(2).toLongLong();
        if (match.captured(1) == u"busy")
            busy = match.captured(2).toLongLong();
    }
    return {open, busy};
}

} // namespace

class tst_Logs : public QObject
{
    Q_OBJECT

private slots:
    // Every line both generations write is one JSON object with the required fields, each
    // stamped with its own generation, and the lifecycle's events carry their fields.
    void jsonLogsAcrossRestartAndShutdown()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        BatonProcess baton;
        baton.setStderrFile(dir.filePath(QStringLiteral("stderr.log")));
        QVERIFY2(baton.start({QStringLiteral("--log-format"), QStringLiteral("json")}),
                 qPrintable(baton.diagnostics()));
        // One idle keep-alive connection, the only one on the port: it moves at the restart.
        RawClient idle;
        QVERIFY(idle.connectTo(baton.host(), baton.port()));
        QVERIFY(idle.request(httpGet("/")));

        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton, lineTimeoutMs);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QCOMPARE(baton.waitForExit(lineTimeoutMs), std::optional<int>(0));
        const auto next = idle.request(httpGet("/"));
        QVERIFY2(next, qPrintable(idle.errorString()));
        QCOMPARE(next->header("X-Baton-Generation"), QByteArray("2"));

        QVERIFY(::kill(pid_t(successor), SIGTERM) == 0);
        QVERIFY(waitForProcessGone(successor, lineTimeoutMs));
        // Everything the successor wrote is in the file now; read up to its last line.
        const QString successorDrained =
            QStringLiteral("\"pid\":%1,\"generation\":2,\"event\":\"drained\"").arg(successor);
        QVERIFY2(
            baton.waitForStderrLine(
                QRegularExpression(QRegularExpression::escape(successorDrained)), lineTimeoutMs),
            qPrintable(baton.diagnostics()));

        QList<QJsonObject> lines;
        for (const QString &line : baton.stderrLines()) {
            QJsonObject object;
            const QString problem = jsonLineProblem(line, &object);
            QVERIFY2(problem.isEmpty(), qPrintable(problem + QStringLiteral(": ") + line));
            const qint64 pid = object.value(QStringLiteral("pid")).toInteger();
            QVERIFY2(pid == baton.pid() || pid == successor, qPrintable(line));
            // Generation advances in the successor's lines, and only there.
            QCOMPARE(object.value(QStringLiteral("generation")).toInteger(),
                     pid == baton.pid() ? 1 : 2);
            lines.append(object);
        }

        const QJsonObject listening = eventOf(lines, baton.pid(), QStringLiteral("listening"));
        QCOMPARE(listening.value(QStringLiteral("address")).toString(),
                 QStringLiteral("http://%1:%2").arg(baton.host()).arg(baton.port()));
        QVERIFY(listening.value(QStringLiteral("threads")).toInteger() >= 1);
        QCOMPARE(listening.value(QStringLiteral("category")).toString(),
                 QStringLiteral("baton.lifecycle"));
        const QJsonObject restart = eventOf(lines, baton.pid(), QStringLiteral("restart"));
        QCOMPARE(restart.value(QStringLiteral("successor_pid")).toInteger(), successor);
        QCOMPARE(restart.value(QStringLiteral("successor_generation")).toInteger(), 2);
        const QJsonObject handedOver = eventOf(lines, baton.pid(), QStringLiteral("handed_over"));
        QCOMPARE(handedOver.value(QStringLiteral("connections")).toInteger(), 1);
        QVERIFY2(handedOver.value(QStringLiteral("message"))
                     .toString()
                     .startsWith(QStringLiteral("handed over 1 connection (")),
                 qPrintable(baton.diagnostics()));
        const QJsonObject drained = eventOf(lines, baton.pid(), QStringLiteral("drained"));
        QCOMPARE(drained.value(QStringLiteral("exit_code")).toInteger(-1), 0);
        QVERIFY(drained.value(QStringLiteral("ms")).toInteger(-1) >= 0);

        QCOMPARE(eventOf(lines, successor, QStringLiteral("listening"))
                     .value(QStringLiteral("generation"))
                     .toInteger(),
                 2);
        const QJsonObject adopted = eventOf(lines, successor, QStringLiteral("adopted"));
        QCOMPARE(adopted.value(QStringLiteral("connections")).toInteger(), 1);
        QCOMPARE(adopted.value(QStringLiteral("message")).toString(),
                 QStringLiteral("adopted 1 connection from the previous generation"));
        const QJsonObject shutdown = eventOf(lines, successor, QStringLiteral("drain"));
        QCOMPARE(shutdown.value(QStringLiteral("handover")).toBool(true), false);
        QCOMPARE(eventOf(lines, successor, QStringLiteral("drained"))
                     .value(QStringLiteral("exit_code"))
                     .toInteger(-1),
                 0);
    }

    // Under systemd (JOURNAL_STREAM names stderr itself) every line starts with its syslog
    // priority, and leaves the time to the journal.
    void journalPriorityPrefixes()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // A copy of the binary that can be taken away, so that a SIGHUP fails with a warning.
        const QString binary = copyExecutable(dir);
        QVERIFY(!binary.isEmpty());
        qputenv("BATON_BINARY", binary.toLocal8Bit());
        auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
        const StderrFile stderrFile = makeStderrFile(dir, QStringLiteral("journal.log"));
        QVERIFY(!stderrFile.devIno.isEmpty());

        BatonProcess baton;
        baton.setStderrFile(stderrFile.path);
        baton.setProcessEnvironment(environmentWith(QStringLiteral("JOURNAL_STREAM"),
                                                    QString::fromLatin1(stderrFile.devIno)));
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        QVERIFY(QFile::remove(binary));
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY2(baton.waitForStderrLine(QRegularExpression(QStringLiteral("restart failed")),
                                         lineTimeoutMs),
                 qPrintable(baton.diagnostics()));

        const QString me = QStringLiteral("baton[%1] ").arg(baton.pid());
        const QStringList lines = baton.stderrLines();
        QVERIFY2(lines.filter(QRegularExpression(QStringLiteral("^<6>") +
                                                 QRegularExpression::escape(me) +
                                                 QStringLiteral("listening on http://")))
                         .size() == 1,
                 qPrintable(baton.diagnostics()));
        QVERIFY2(lines.contains(QStringLiteral("<6>") + me + QStringLiteral("received SIGHUP")),
                 qPrintable(baton.diagnostics()));
        QVERIFY2(lines.filter(QRegularExpression(
                                  QStringLiteral("^<4>") + QRegularExpression::escape(me) +
                                  QStringLiteral("warning: restart failed: .* is not an "
                                                 "executable file; still serving$")))
                         .size() == 1,
                 qPrintable(baton.diagnostics()));
        static const QRegularExpression prefixed(QStringLiteral("^<[0-7]>baton\\[\\d+\\] "));
        for (const QString &line : lines)
            QVERIFY2(prefixed.match(line).hasMatch(), qPrintable(line));
        QCOMPARE(baton.stop(lineTimeoutMs), std::optional<int>(0));
    }

    // Text lines start with the local time and its offset. JOURNAL_STREAM naming some other
    // file (inherited, with stderr redirected since) must not turn prefixes on.
    void textLinesCarryTheZoneOffset()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const StderrFile elsewhere = makeStderrFile(dir, QStringLiteral("not-stderr.log"));
        QVERIFY(!elsewhere.devIno.isEmpty());
        BatonProcess baton;
        baton.setStderrFile(dir.filePath(QStringLiteral("stderr.log")));
        QProcessEnvironment env = environmentWith(QStringLiteral("JOURNAL_STREAM"),
                                                  QString::fromLatin1(elsewhere.devIno));
        env.insert(QStringLiteral("TZ"), QStringLiteral("XYZ-05:30")); // POSIX: UTC+05:30
        baton.setProcessEnvironment(env);
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        QCOMPARE(baton.stop(lineTimeoutMs), std::optional<int>(0));
        QVERIFY(baton.waitForStderrLine(QRegularExpression(QStringLiteral("drained in")),
                                        lineTimeoutMs));
        const QRegularExpression textLine(
            QStringLiteral(
                "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+05:30 baton\\[%1\\] ")
                .arg(baton.pid()));
        const QStringList lines = baton.stderrLines();
        QVERIFY(lines.size() >= 3);
        for (const QString &line : lines)
            QVERIFY2(textLine.match(line).hasMatch(), qPrintable(line));
    }

    // A drain of exactly one connection says "1 connection", and so does its deadline; no line
    // says "1 connections".
    void oneConnectionIsSingular()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--admin-listen"),
                              dir.filePath(QStringLiteral("admin.sock")),
                              QStringLiteral("--drain-timeout"), QStringLiteral("1")}),
                 qPrintable(baton.diagnostics()));
        const auto admin = waitForAdminAddress(baton);
        QVERIFY(admin);
        // Far longer than the drain may last: the deadline ends it, whatever the machine's load.
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=600000")));
        // The one connection on the public port, with its request in a handler's hands.
        QTRY_VERIFY_WITH_TIMEOUT(publicConnections(*admin) == std::make_pair(qint64(1), qint64(1)),
                                 lineTimeoutMs);
        QVERIFY(baton.sendSignal(SIGTERM));
        QVERIFY2(baton.waitForStderrLine(
                     QRegularExpression(QStringLiteral(
                         "graceful shutdown: draining 1 connection \\(1 busy\\), deadline in")),
                     lineTimeoutMs),
                 qPrintable(baton.diagnostics()));
        QVERIFY2(baton.waitForStderrLine(
                     QRegularExpression(QStringLiteral(
                         "warning: drain deadline passed: cutting 1 connection \\(unanswered")),
                     lineTimeoutMs),
                 qPrintable(baton.diagnostics()));
        const auto answer = slow.readResponse(lineTimeoutMs);
        QVERIFY2(answer, qPrintable(slow.errorString()));
        QCOMPARE(answer->status, 503);
        QCOMPARE(baton.waitForExit(lineTimeoutMs), std::optional<int>(4));
        const QStringList plural =
            baton.stderrLines().filter(QRegularExpression(QStringLiteral("\\b1 connections\\b")));
        QVERIFY2(plural.isEmpty(), qPrintable(plural.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(tst_Logs)
#include "tst_logs.moc"
