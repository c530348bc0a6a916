// examples/notes as its users see it: the real binary over real sockets, driven by real signals.
// CRUD with its statuses and headers, the answers its middleware and handlers give early,
// readiness gated on the schema migration, its database across an exec restart, and a clean
// drain and exit.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace baton::test;

namespace {

const QByteArray json("application/json");

// One request on a connection of its own (Connection: close). A body gets Content-Length, and
// Content-Type when `contentType` is not empty.
std::optional<HttpResponse> call(const BatonProcess &notes, const QByteArray &method,
                                 const QByteArray &target, const QByteArray &body = {},
                                 const QByteArray &contentType = json,
                                 const QByteArray &extraHeaders = {})
{
    RawClient client;
    if (!client.connectTo(notes.host(), notes.port()))
        return std::nullopt;
    QByteArray headers = "Connection: close\r\n" + extraHeaders;
    if (method == "POST" || method == "PUT") {
        headers += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        if (!contentType.isEmpty())
            headers += "Content-Type: " + contentType + "\r\n";
    }
    if (!client.send(httpRequest(method, target, headers, body)))
        return std::nullopt;
    return client.readResponse(RawClient::DefaultTimeoutMs, method == "HEAD");
}

QJsonObject jsonObject(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray noteBody(const QString &text)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("text"), text}})
        .toJson(QJsonDocument::Compact);
}

// The status of GET `path`, or 0 when there was no answer.
int statusOf(const BatonProcess &notes, const QByteArray &path)
{
    const auto response = fetch(notes, path);
    return response ? response->status : 0;
}

bool isReady(const BatonProcess &notes)
{
    return statusOf(notes, "/readyz") == 200;
}

// The index of the first stderr line of process `pid` that contains `text`, or -1.
qsizetype lineOf(const QStringList &lines, qint64 pid, const QString &text)
{
    // Lines are named after the program: "notes[PID] ...".
    const QString tag = QStringLiteral("notes[%1] ").arg(pid);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines.at(i).contains(tag) && lines.at(i).contains(text))
            return i;
    }
    return -1;
}

// Whether process `pid` said it was draining, and closed its database only after that.
bool drainedThenClosed(const QStringList &lines, qint64 pid)
{
    const qsizetype draining = lineOf(lines, pid, QStringLiteral("notes: draining"));
    const qsizetype closed = lineOf(lines, pid, QStringLiteral("notes: database closed"));
    return draining >= 0 && closed > draining;
}

QRegularExpression lineOfPid(qint64 pid, const QString &pattern)
{
    return QRegularExpression(QStringLiteral("notes\\[%1\\] .*").arg(pid) + pattern);
}

} // namespace

class tst_Notes : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // BatonProcess runs whatever BATON_BINARY names: here, the example.
        const QByteArray fromEnv = qgetenv("NOTES_BINARY");
        qputenv("BATON_BINARY", fromEnv.isEmpty() ? QByteArray(NOTES_BINARY) : fromEnv);
        QVERIFY2(QFileInfo(BatonProcess::binaryPath()).isExecutable(),
                 qPrintable(BatonProcess::binaryPath()));
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_database = m_dir->filePath(QStringLiteral("notes.sqlite"));
    }

    void crudRoundTrip()
    {
        BatonProcess notes;
        QVERIFY2(start(notes), qPrintable(notes.diagnostics()));
        QTRY_VERIFY_WITH_TIMEOUT(isReady(notes), 10000);

        const auto created = call(notes, "POST", "/notes", noteBody(QStringLiteral("buy milk")),
                                  json, "X-Request-Id: crud-1\r\n");
        QVERIFY(created);
        BATON_COMPARE_STATUS(created, 201);
        BATON_VERIFY_COMMON_HEADERS(created, notes.pid());
        QCOMPARE(created->header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(created->header("X-Request-Id"), QByteArray("crud-1"));
        const QJsonObject note = jsonObject(created->body);
        const qint64 id = note.value(QStringLiteral("id")).toInteger();
        QVERIFY2(id > 0, created->body.constData());
        QCOMPARE(note.value(QStringLiteral("text")).toString(), QStringLiteral("buy milk"));
        QVERIFY(!note.value(QStringLiteral("created")).toString().isEmpty());
        const QByteArray location = "/notes/" + QByteArray::number(id);
        QCOMPARE(created->header("Location"), location);

        const auto read = call(notes, "GET", location);
        QVERIFY(read);
        BATON_COMPARE_STATUS(read, 200);
        QCOMPARE(read->header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(jsonObject(read->body), note);
        // Made up when the client sends none: a UUID.
        QCOMPARE(read->header("X-Request-Id").size(), 36);

        const auto updated = call(notes, "PUT", location, noteBody(QStringLiteral("buy oat milk")));
        QVERIFY(updated);
        BATON_COMPARE_STATUS(updated, 200);
        const QJsonObject changed = jsonObject(updated->body);
        QCOMPARE(changed.value(QStringLiteral("id")).toInteger(), id);
        QCOMPARE(changed.value(QStringLiteral("text")).toString(), QStringLiteral("buy oat milk"));
        QCOMPARE(changed.value(QStringLiteral("created")), note.value(QStringLiteral("created")));

        const auto listed = call(notes, "GET", "/notes");
        QVERIFY(listed);
        BATON_COMPARE_STATUS(listed, 200);
        const QJsonArray all = jsonObject(listed->body).value(QStringLiteral("notes")).toArray();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().toObject(), changed);

        // HEAD is the GET handler's answer without the body; OPTIONS and 405 name the methods.
        const auto head = call(notes, "HEAD", "/notes");
        QVERIFY(head);
        BATON_COMPARE_STATUS(head, 200);
        QVERIFY(head->body.isEmpty());
        QCOMPARE(head->header("Content-Length"), QByteArray::number(listed->body.size()));
        const auto options = call(notes, "OPTIONS", location);
        QVERIFY(options);
        BATON_COMPARE_STATUS(options, 204);
        const QByteArrayList allowed = options->headerTokens("Allow");
        for (const char *method : {"get", "put", "delete"})
            QVERIFY2(allowed.contains(method), options->header("Allow").constData());
        const auto patch = call(notes, "PATCH", location);
        QVERIFY(patch);
        BATON_COMPARE_STATUS(patch, 405);
        QVERIFY(patch->hasHeader("Allow"));

        const auto deleted = call(notes, "DELETE", location);
        QVERIFY(deleted);
        BATON_COMPARE_STATUS(deleted, 204);
        QVERIFY(deleted->body.isEmpty());
        QVERIFY(!deleted->hasHeader("Content-Type"));
        const auto gone = call(notes, "GET", location);
        QVERIFY(gone);
        BATON_COMPARE_STATUS(gone, 404);
        QVERIFY(!jsonObject(gone->body).value(QStringLiteral("error")).toString().isEmpty());
        const auto deletedAgain = call(notes, "DELETE", location);
        QVERIFY(deletedAgain);
        BATON_COMPARE_STATUS(deletedAgain, 404);
        BATON_VERIFY_CLEAN_STOP(notes);
    }

    void earlyAnswers_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");

        const QByteArray valid = R"({"text": "x"})";
        // The middleware's 415, before any handler.
        QTest::newRow("POST without Content-Type")
            << QByteArray("POST") << QByteArray("/notes") << valid << QByteArray() << 415;
        QTest::newRow("POST text/plain") << QByteArray("POST") << QByteArray("/notes") << valid
                                         << QByteArray("text/plain") << 415;
        QTest::newRow("PUT form") << QByteArray("PUT") << QByteArray("/notes/1") << valid
                                  << QByteArray("application/x-www-form-urlencoded") << 415;
        QTest::newRow("415 before the id is looked at")
            << QByteArray("PUT") << QByteArray("/notes/abc") << valid << QByteArray("text/plain")
            << 415;
        // The handlers' 400s, on the I/O thread.
        QTest::newRow("not JSON") << QByteArray("POST") << QByteArray("/notes")
                                  << QByteArray("{\"text\": ") << json << 400;
        QTest::newRow("JSON array")
            << QByteArray("POST") << QByteArray("/notes") << QByteArray(R"(["x"])") << json << 400;
        QTest::newRow("no text") << QByteArray("POST") << QByteArray("/notes")
                                 << QByteArray(R"({"title": "x"})") << json << 400;
        QTest::newRow("text not a string") << QByteArray("POST") << QByteArray("/notes")
                                           << QByteArray(R"({"text": 5})") << json << 400;
        QTest::newRow("empty body")
            << QByteArray("POST") << QByteArray("/notes") << QByteArray() << json << 400;
        QTest::newRow("GET non-numeric id")
            << QByteArray("GET") << QByteArray("/notes/abc") << QByteArray() << QByteArray() << 400;
        QTest::newRow("DELETE non-numeric id") << QByteArray("DELETE") << QByteArray("/notes/1x")
                                               << QByteArray() << QByteArray() << 400;
        QTest::newRow("PUT non-numeric id")
            << QByteArray("PUT") << QByteArray("/notes/one") << valid << json << 400;
        QTest::newRow("PUT bad JSON")
            << QByteArray("PUT") << QByteArray("/notes/1") << QByteArray("nope") << json << 400;
        // The database thread's 404s.
        QTest::newRow("GET unknown id")
            << QByteArray("GET") << QByteArray("/notes/999") << QByteArray() << QByteArray() << 404;
        QTest::newRow("PUT unknown id")
            << QByteArray("PUT") << QByteArray("/notes/999") << valid << json << 404;
        QTest::newRow("DELETE unknown id") << QByteArray("DELETE") << QByteArray("/notes/999")
                                           << QByteArray() << QByteArray() << 404;
        // Media type parameters and case do not matter.
        QTest::newRow("JSON with charset") << QByteArray("POST") << QByteArray("/notes") << valid
                                           << QByteArray("Application/JSON; charset=utf-8") << 201;
    }

    void earlyAnswers()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);

        BatonProcess notes;
        QVERIFY2(start(notes), qPrintable(notes.diagnostics()));
        QTRY_VERIFY_WITH_TIMEOUT(isReady(notes), 10000);
        const auto response =
            call(notes, method, target, body, contentType, "X-Request-Id: early\r\n");
        QVERIFY(response);
        BATON_COMPARE_STATUS(response, status);
        QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
        // The request-id middleware runs first, so even the 415 carries it.
        QCOMPARE(response->header("X-Request-Id"), QByteArray("early"));
        if (status >= 400)
            QVERIFY2(
                !jsonObject(response->body).value(QStringLiteral("error")).toString().isEmpty(),
                response->body.constData());
        BATON_VERIFY_CLEAN_STOP(notes);
    }

    // While the schema is not migrated the process serves, but says it is not ready, and the
    // notes routes answer 503 rather than wait. A shutdown then is still clean.
    void notReadyWhileMigrating()
    {
        BatonProcess notes;
        QVERIFY2(start(notes, {QStringLiteral("--migration-delay-ms"), QStringLiteral("60000")}),
                 qPrintable(notes.diagnostics()));
        QVERIFY(notes.waitForStderrLine(
            QRegularExpression(QStringLiteral("migration delayed by 60000 ms")), 15000));
        QCOMPARE(statusOf(notes, "/readyz"), 503);
        QCOMPARE(statusOf(notes, "/healthz"), 200);
        for (const QByteArray &method : {QByteArray("GET"), QByteArray("POST")}) {
            const auto response = call(notes, method, "/notes", noteBody(QStringLiteral("early")));
            QVERIFY(response);
            BATON_COMPARE_STATUS(response, 503);
            QCOMPARE(response->header("Retry-After"), QByteArray("1"));
            QCOMPARE(response->header("Content-Type"), QByteArray("application/json"));
        }
        BATON_VERIFY_CLEAN_STOP(notes);
        const QStringList lines = notes.stderrLines();
        QVERIFY(lineOf(lines, notes.pid(), QStringLiteral("notes: database closed")) >= 0);
        QCOMPARE(lineOf(lines, notes.pid(), QStringLiteral("at schema version")), -1);
    }

    // /readyz answers 503 until the migration is done, then 200 for good.
    void readinessFollowsMigration()
    {
        constexpr int delayMs = 3000;
        QElapsedTimer sinceLaunch;
        sinceLaunch.start();
        BatonProcess notes;
        QVERIFY2(start(notes, {QStringLiteral("--migration-delay-ms"), QString::number(delayMs)}),
                 qPrintable(notes.diagnostics()));

        QList<int> statuses;
        qint64 firstAnswerMs = -1;
        const QDeadlineTimer deadline(delayMs + 20000);
        while (statuses.isEmpty() || statuses.constLast() != 200) {
            QVERIFY2(!deadline.hasExpired(), "/readyz never answered 200");
            const auto ready = fetch(notes, "/readyz");
            QVERIFY(ready);
            if (firstAnswerMs < 0)
                firstAnswerMs = sinceLaunch.elapsed();
            QVERIFY2(ready->status == 200 || ready->status == 503, qPrintable(ready->describe()));
            statuses.append(ready->status);
            if (ready->status == 503)
                QTest::qWait(20); // polling pace, not synchronisation
        }
        // Ready for good once ready.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(statusOf(notes, "/readyz"), 200);
        // The migration's line was written before setReady(true), so before the first 200.
        QVERIFY(notes.waitForStderrLine(
            lineOfPid(notes.pid(), QStringLiteral("at schema version 1")), 15000));
        // The delay runs from some time after the launch; an answer received before `delayMs`
        // had passed since the launch was given before the migration. Later, it proves nothing.
        if (firstAnswerMs < delayMs)
            QCOMPARE(statuses.constFirst(), 503);
        else
            qWarning("first /readyz answer came %lld ms after the launch, after the %d ms delay: "
                     "the 503 phase was not observed",
                     firstAnswerMs, delayMs);
        BATON_VERIFY_CLEAN_STOP(notes);
    }

    // SIGHUP: the successor opens the same file and serves what the old process wrote; the old
    // one drains and closes its connection first.
    void notesSurviveRestart()
    {
        BatonProcess notes;
        notes.setStderrFile(m_dir->filePath(QStringLiteral("stderr.log")));
        QVERIFY2(start(notes), qPrintable(notes.diagnostics()));
        QTRY_VERIFY_WITH_TIMEOUT(isReady(notes), 10000);
        QList<qint64> ids;
        for (const QString &text : {QStringLiteral("first"), QStringLiteral("second")}) {
            const auto created = call(notes, "POST", "/notes", noteBody(text));
            QVERIFY(created);
            BATON_COMPARE_STATUS(created, 201);
            ids.append(jsonObject(created->body).value(QStringLiteral("id")).toInteger());
        }

        QVERIFY(notes.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(notes, 15000);
        QVERIFY2(successor > 0, qPrintable(notes.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        const auto first = call(notes, "GET", "/notes/" + QByteArray::number(ids.at(0)));
        QVERIFY(first);
        BATON_COMPARE_STATUS(first, 200);
        QCOMPARE(first->header("X-Baton-Pid"), QByteArray::number(successor));
        QCOMPARE(jsonObject(first->body).value(QStringLiteral("text")).toString(),
                 QStringLiteral("first"));
        const auto listed = call(notes, "GET", "/notes");
        QVERIFY(listed);
        QCOMPARE(listed->header("X-Baton-Pid"), QByteArray::number(successor));
        QCOMPARE(jsonObject(listed->body).value(QStringLiteral("notes")).toArray().size(), 2);
        const auto third = call(notes, "POST", "/notes", noteBody(QStringLiteral("third")));
        QVERIFY(third);
        BATON_COMPARE_STATUS(third, 201);
        QVERIFY(jsonObject(third->body).value(QStringLiteral("id")).toInteger() > ids.at(1));

        QCOMPARE(notes.waitForExit(15000), std::optional<int>(0));
        QVERIFY2(drainedThenClosed(notes.stderrLines(), notes.pid()),
                 qPrintable(notes.diagnostics(60)));

        stopProcess(successor);
        QVERIFY(!processAlive(successor));
        QVERIFY2(notes.waitForStderrLine(lineOfPid(successor, QStringLiteral("notes: database "
                                                                             "closed")),
                                         15000),
                 qPrintable(notes.diagnostics(60)));
    }

    // A request that arrived before SIGTERM (its body still coming) is answered during the
    // drain; then the database is closed, and the process exits 0.
    void sigtermAnswersRequestInFlight()
    {
        BatonProcess notes;
        QVERIFY2(start(notes), qPrintable(notes.diagnostics()));
        QTRY_VERIFY_WITH_TIMEOUT(isReady(notes), 10000);

        const QByteArray body = noteBody(QStringLiteral("written while draining"));
        const QByteArray request = httpPost(
            "/notes", body, "Content-Type: application/json\r\nX-Request-Id: in-flight\r\n");
        const qsizetype half = request.size() - body.size() / 2;
        RawClient client;
        QVERIFY(client.connectTo(notes.host(), notes.port()));
        QVERIFY(client.send(request.left(half)));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto metrics = fetch(notes, "/metrics");
                return metrics && metrics->body.contains("baton_connections{state=\"reading\"} 1");
            }(),
            15000);

        QVERIFY(notes.sendSignal(SIGTERM));
        QVERIFY(notes.waitForStderrLine(lineOfPid(notes.pid(), QStringLiteral("notes: draining")),
                                        15000));
        QVERIFY(client.send(request.mid(half)));
        const auto response = client.readResponse(10000);
        QVERIFY2(response, qPrintable(client.errorString() + notes.diagnostics()));
        BATON_COMPARE_STATUS(response, 201);
        QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
        QCOMPARE(response->header("X-Request-Id"), QByteArray("in-flight"));
        QCOMPARE(jsonObject(response->body).value(QStringLiteral("text")).toString(),
                 QStringLiteral("written while draining"));

        QCOMPARE(notes.waitForExit(15000), std::optional<int>(0));
        QVERIFY2(drainedThenClosed(notes.stderrLines(), notes.pid()),
                 qPrintable(notes.diagnostics(60)));
    }

    // A successor whose migration takes long does not take over: the old process serves on,
    // reads and writes, until the restart is abandoned.
    void successorWaitsForMigration()
    {
        const QString config = m_dir->filePath(QStringLiteral("notes.ini"));
        const QByteArray database = "database = " + m_database.toUtf8() + '\n';
        // A restart timeout far beyond the test, so that only the test ends the wait.
        const QByteArray settings = database + "restart-timeout = 300\n";
        QVERIFY(writeFile(config, settings + "migration-delay-ms = 0\n"));
        BatonProcess notes;
        notes.setStderrFile(m_dir->filePath(QStringLiteral("stderr.log")));
        QVERIFY2(notes.start({QStringLiteral("--config"), config}),
                 qPrintable(notes.diagnostics()));
        QTRY_VERIFY_WITH_TIMEOUT(isReady(notes), 10000);
        const auto created = call(notes, "POST", "/notes", noteBody(QStringLiteral("kept")));
        QVERIFY(created);
        BATON_COMPARE_STATUS(created, 201);
        const QByteArray location = created->header("Location");

        // The successor rereads the config file: only it migrates slowly.
        QVERIFY(writeFile(config, settings + "migration-delay-ms = 60000\n"));
        QVERIFY(notes.sendSignal(SIGHUP));
        static const QRegularExpression started(
            QStringLiteral("restart: started .* as pid (\\d+)"));
        const auto startedLine = notes.waitForStderrLine(started, 10000);
        QVERIFY2(startedLine, qPrintable(notes.diagnostics()));
        const qint64 successor = started.match(*startedLine).captured(1).toLongLong();
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QVERIFY2(notes.waitForStderrLine(
                     lineOfPid(successor, QStringLiteral("waiting for the application to be "
                                                         "ready before taking over")),
                     15000),
                 qPrintable(notes.diagnostics()));
        QVERIFY(notes.waitForStderrLine(
            lineOfPid(successor, QStringLiteral("migration delayed by 60000 ms")), 15000));

        const QByteArray oldPid = QByteArray::number(notes.pid());
        for (int i = 0; i < 5; ++i) {
            const auto read = call(notes, "GET", location);
            QVERIFY(read);
            BATON_COMPARE_STATUS(read, 200);
            QCOMPARE(read->header("X-Baton-Pid"), oldPid);
            const auto written =
                call(notes, "POST", "/notes", noteBody(QStringLiteral("during the restart")));
            QVERIFY(written);
            BATON_COMPARE_STATUS(written, 201);
            QCOMPARE(written->header("X-Baton-Pid"), oldPid);
            const auto ready = fetch(notes, "/readyz");
            QVERIFY(ready);
            QCOMPARE(ready->status, 200);
            QCOMPARE(ready->header("X-Baton-Pid"), oldPid);
        }
        QVERIFY(processAlive(successor));
        QVERIFY2(!notes.waitForStderrLine(QRegularExpression(QStringLiteral("restart: pid \\d+ "
                                                                            "ready")),
                                          0),
                 "the successor took over before its migration");

        // A shutdown now abandons the restart: the successor is stopped, the old process drains.
        QVERIFY(notes.sendSignal(SIGTERM));
        QCOMPARE(notes.waitForExit(15000), std::optional<int>(0));
        QVERIFY(waitForProcessGone(successor, 10000));
        QVERIFY(lineOf(notes.stderrLines(), notes.pid(), QStringLiteral("restart abandoned")) >= 0);
        QVERIFY(lineOf(notes.stderrLines(), notes.pid(),
                       QStringLiteral("notes: database closed")) >= 0);
    }

private:
    bool start(BatonProcess &notes, const QStringList &extra = {})
    {
        notes.setWorkingDirectory(m_dir->path());
        return notes.start(QStringList{QStringLiteral("--database"), m_database} + extra);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_database;
};

QTEST_GUILESS_MAIN(tst_Notes)
#include "tst_notes.moc"
