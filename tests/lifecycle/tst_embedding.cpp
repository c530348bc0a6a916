// The public API from a program's side (hookapp, built on include/baton/ only): the lifecycle
// hooks fire in order around a real shutdown, and the program's readiness gates /readyz and a
// restart's takeover.
#include "batonprocess.h"
#include "controltestclient.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace baton;
using namespace baton::test;

namespace {

// The order in which lines matching `patterns` first appear in the log; -1 for one missing.
QList<int> firstAppearances(const QStringList &lines, const QStringList &patterns)
{
    QList<int> positions;
    for (const QString &pattern : patterns) {
        const QRegularExpression expression(pattern);
        int found = -1;
        for (int i = 0; i < lines.size(); ++i) {
            if (expression.match(lines.at(i)).hasMatch()) {
                found = i;
                break;
            }
        }
        positions.append(found);
    }
    return positions;
}

bool touch(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly);
}

// Starts hookapp ready (its ready file made), logging to a file in `dir` so that a successor's
// lines stay readable; then removes the file, so that the successor of a restart is not ready.
bool startReadyWithUnreadySuccessor(BatonProcess &app, const QTemporaryDir &dir)
{
    const QString readyFile = dir.filePath(QStringLiteral("ready"));
    app.setStderrFile(dir.filePath(QStringLiteral("stderr.log")));
    if (!touch(readyFile) || !app.start({QStringLiteral("--ready-file"), readyFile}))
        return false;
    const bool ready = QTest::qWaitFor(
        [&] {
            const auto readyz = fetch(app, "/readyz");
            return readyz && readyz->status == 200;
        },
        10000);
    return ready && QFile::remove(readyFile);
}

} // namespace

class tst_Embedding : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // BatonProcess runs whatever BATON_BINARY names: here, the program built on the API.
        qputenv("BATON_BINARY", HOOKAPP_BINARY);
    }

    // listening, then drainStarted once the shutdown begins, then aboutToExit only after the
    // request in flight was answered; exit 0.
    void hooksFireInOrder()
    {
        BatonProcess app;
        QVERIFY2(app.start(), qPrintable(app.diagnostics()));
        QVERIFY(app.waitForStderrLine(QRegularExpression(QStringLiteral("hook: listening")), 5000));
        RawClient slow;
        QVERIFY(slow.connectTo(app.host(), app.port()));
        QVERIFY(slow.send(httpGet("/slow?ms=800")));
        QTRY_VERIFY(requestsInFlight(app, 1));

        QVERIFY(app.sendSignal(SIGTERM));
        QVERIFY2(
            app.waitForStderrLine(QRegularExpression(QStringLiteral("hook: drain started")), 5000),
            qPrintable(app.diagnostics()));
        // The drain has begun and the request is still unanswered: the exit hook must wait.
        QVERIFY(!app.stderrLines().join(u'\n').contains(QStringLiteral("hook: about to exit")));
        const auto response = slow.readResponse(5000);
        QVERIFY2(response, qPrintable(slow.errorString()));
        QCOMPARE(response->status, 200);
        QCOMPARE(app.waitForExit(10000), std::optional<int>(0));

        const QList<int> order = firstAppearances(
            app.stderrLines(),
            {QStringLiteral("hook: listening"), QStringLiteral("hook: drain started"),
             QStringLiteral("drained in"), QStringLiteral("hook: about to exit")});
        QVERIFY2(!order.contains(-1), qPrintable(app.diagnostics()));
        QVERIFY2(std::is_sorted(order.cbegin(), order.cend()), qPrintable(app.diagnostics()));
    }

    // A handler that answers from a pool thread, with a request copy that outlived the call.
    void answersFromAPoolThread()
    {
        BatonProcess app;
        QVERIFY2(app.start(), qPrintable(app.diagnostics()));
        RawClient client;
        QVERIFY(client.connectTo(app.host(), app.port()));
        for (int i = 0; i < 50; ++i) {
            const auto response = client.request(httpGet("/pool/ali%20ce"));
            QVERIFY2(response, qPrintable(client.errorString()));
            QCOMPARE(response->status, 200);
            QCOMPARE(response->body, QByteArray("ali ce from 127.0.0.1\n"));
        }
        QCOMPARE(app.stop(), std::optional<int>(0));
    }

    // Not ready at the first start: served anyway (nothing else would serve), but /readyz says
    // 503 until the program says it is ready.
    void readinessAtFirstStart()
    {
        QTemporaryDir dir;
        const QString readyFile = dir.filePath(QStringLiteral("ready"));
        BatonProcess app;
        QVERIFY2(app.start({QStringLiteral("--ready-file"), readyFile}),
                 qPrintable(app.diagnostics()));
        auto readyz = fetch(app, "/readyz");
        QVERIFY(readyz);
        QCOMPARE(readyz->status, 503);
        QVERIFY2(readyz->body.contains("starting"), readyz->body.constData());
        QCOMPARE(fetch(app, "/slow?ms=0")->status, 200);

        QVERIFY(touch(readyFile));
        QTRY_COMPARE(fetch(app, "/readyz")->status, 200);
        QCOMPARE(app.stop(), std::optional<int>(0));
    }

    // A restart's successor that is not ready does not take over: the old process serves on,
    // ready, until the successor is; then the handover happens and nothing is lost.
    void readinessGatesTheTakeover()
    {
        QTemporaryDir dir;
        const QString readyFile = dir.filePath(QStringLiteral("ready"));
        BatonProcess app;
        // The successor runs the same main() with the same arguments and finds no file.
        QVERIFY2(startReadyWithUnreadySuccessor(app, dir), qPrintable(app.diagnostics()));
        RawClient keepAlive;
        QVERIFY(keepAlive.connectTo(app.host(), app.port()));
        QCOMPARE(keepAlive.request(httpGet("/slow?ms=0"))->status, 200);
        QVERIFY(app.sendSignal(SIGHUP));
        QVERIFY2(app.waitForStderrLine(
                     QRegularExpression(QStringLiteral("waiting for the application to be ready")),
                     10000),
                 qPrintable(app.diagnostics()));

        // While it waits, every new connection and the kept-alive one are the old process's.
        const QByteArray oldPid = QByteArray::number(app.pid());
        for (int i = 0; i < 20; ++i) {
            const auto response = fetch(app, "/slow?ms=0");
            QVERIFY(response);
            QCOMPARE(response->status, 200);
            QCOMPARE(response->header("X-Baton-Pid"), oldPid);
            QCOMPARE(keepAlive.request(httpGet("/slow?ms=0"))->header("X-Baton-Pid"), oldPid);
        }
        QCOMPARE(fetch(app, "/readyz")->status, 200);
        QVERIFY(!app.stderrLines().join(u'\n').contains(QStringLiteral("handing over")));

        QVERIFY(touch(readyFile));
        const qint64 successor = waitForHandover(app, 15000);
        QVERIFY2(successor > 0, qPrintable(app.diagnostics()));
        // The kept-alive connection moved with the handover and is served by the new process.
        const auto moved = keepAlive.request(httpGet("/slow?ms=0"));
        QVERIFY2(moved, qPrintable(keepAlive.errorString()));
        QCOMPARE(moved->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(app.waitForExit(15000), std::optional<int>(0));
        QVERIFY(processAlive(successor));
        stopProcess(successor);
    }

    // A successor waiting for its application can be stopped: it leaves at once (there is
    // nothing to drain), and the old process, still ready, serves on.
    void aWaitingSuccessorCanBeStopped()
    {
        QTemporaryDir dir;
        BatonProcess app;
        QVERIFY2(startReadyWithUnreadySuccessor(app, dir), qPrintable(app.diagnostics()));
        QVERIFY(app.sendSignal(SIGHUP));
        const auto started = app.waitForStderrLine(
            QRegularExpression(QStringLiteral("restart: started .* as pid (\\d+)")), 10000);
        QVERIFY2(started, qPrintable(app.diagnostics()));
        const qint64 successor = QRegularExpression(QStringLiteral("as pid (\\d+)"))
                                     .match(*started)
                                     .captured(1)
                                     .toLongLong();
        QVERIFY2(app.waitForStderrLine(
                     QRegularExpression(QStringLiteral("waiting for the application to be ready")),
                     10000),
                 qPrintable(app.diagnostics()));

        QVERIFY(::kill(pid_t(successor), SIGTERM) == 0);
        // The old process saw how its successor ended: a clean exit, not a crash.
        const auto failed =
            app.waitForStderrLine(QRegularExpression(QStringLiteral("restart failed")), 10000);
        QVERIFY2(failed, qPrintable(app.diagnostics()));
        QVERIFY2(failed->contains(QStringLiteral("exited with status 0")), qPrintable(*failed));
        QVERIFY(
            app.stderrLines().join(u'\n').contains(QStringLiteral("shutdown before taking over")));
        QVERIFY(waitForProcessGone(successor, 10000));
        const auto response = fetch(app, "/slow?ms=0");
        QVERIFY(response);
        QCOMPARE(response->header("X-Baton-Pid"), QByteArray::number(app.pid()));
        QCOMPARE(fetch(app, "/readyz")->status, 200);
        QCOMPARE(app.stop(), std::optional<int>(0));
    }

    // A Server in the program's own main loop: its settings (Server header, no identity
    // headers), a shutdown the program asks for itself that still finishes the request in
    // flight, and the stopped signal ending the program with 0.
    void serverInAMainLoopOfItsOwn()
    {
        QProcess program;
        program.setProgram(QStringLiteral(SERVERAPP_BINARY));
        program.setArguments({QStringLiteral("127.0.0.1:0")});
        program.start();
        QVERIFY(program.waitForStarted());
        QByteArray log;
        const QRegularExpression listening(
            QStringLiteral("serverapp listening on http://127.0.0.1:(\\d+)"));
        QRegularExpressionMatch match;
        QTRY_VERIFY_WITH_TIMEOUT((log += program.readAllStandardError(),
                                  (match = listening.match(QString::fromUtf8(log))).hasMatch()),
                                 10000);
        const auto port = quint16(match.captured(1).toUInt());

        RawClient slow;
        QVERIFY(slow.connectTo(QStringLiteral("127.0.0.1"), port));
        QVERIFY(slow.send(httpGet("/slow")));
        RawClient control;
        QVERIFY(control.connectTo(QStringLiteral("127.0.0.1"), port));
        const auto accepted = control.request(httpPost("/shutdown", {}));
        QVERIFY2(accepted, qPrintable(control.errorString()));
        QCOMPARE(accepted->status, 202);
        QCOMPARE(accepted->header("Server"), QByteArray("serverapp/1.0"));
        QVERIFY(!accepted->hasHeader("X-Baton-Pid"));
        QVERIFY(!accepted->hasHeader("X-Baton-Generation"));

        const auto response = slow.readResponse(5000);
        QVERIFY2(response, qPrintable(slow.errorString()));
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("slow\n"));
        QVERIFY(program.waitForFinished(10000));
        QCOMPARE(program.exitStatus(), QProcess::NormalExit);
        QCOMPARE(program.exitCode(), 0);
        log += program.readAllStandardError();
        QVERIFY2(log.contains("serverapp stopped with 0"), log.constData());
    }

    // Server::setControlSocket: a panel attaches to an embedded server where the program says,
    // and its Shutdown stops the server like the program's own call would.
    void embeddedServerTakesAPanel()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("serverapp.sock"));
        QProcess program;
        program.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        program.start(QStringLiteral(SERVERAPP_BINARY), {QStringLiteral("127.0.0.1:0"), path});
        QVERIFY(program.waitForStarted());
        ControlTestClient panel;
        QTRY_VERIFY_WITH_TIMEOUT(panel.connectTo(path, 100), 10000);
        panel.hello();
        const auto welcome = panel.waitFor(QStringLiteral("welcome"));
        QVERIFY(welcome);
        QCOMPARE(welcome->value(QLatin1StringView("pid")).toInteger(), program.processId());
        panel.command(QStringLiteral("shutdown"));
        QVERIFY(program.waitForFinished(10000));
        QCOMPARE(program.exitCode(), 0);
        QVERIFY(!QFile::exists(path));
    }

    // A setting the server cannot use is reported by start(), in one line, before anything
    // listens.
    void badSettingsAreReportedByStart()
    {
        QProcess program;
        program.start(QStringLiteral(SERVERAPP_BINARY), {QStringLiteral("nowhere")});
        QVERIFY(program.waitForFinished(10000));
        QCOMPARE(program.exitCode(), 3);
        const QByteArray log = program.readAllStandardError();
        QVERIFY2(log.startsWith("serverapp: listen address \"nowhere\""), log.constData());
    }
};

QTEST_GUILESS_MAIN(tst_Embedding)
#include "tst_embedding.moc"
