// Graceful shutdown, zero-loss restart and force kill, driven by real Unix signals.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace baton::test;

class tst_Lifecycle : public QObject
{
    Q_OBJECT

private slots:
    // The seed's scenario: a slow request in flight, SIGINT, the response still arrives (with
    // Connection: close), new connections are refused, exit 0.
    void shutdownFinishesInFlightRequests()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=1500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));

        QVERIFY(baton.sendSignal(SIGINT));
        QVERIFY(
            baton.waitForStderrLine(QRegularExpression(QStringLiteral("listener closed")), 5000));
        RawClient late;
        QVERIFY2(!late.connectTo(baton.host(), baton.port(), 2000),
                 "a new connection was accepted after the listener closed");

        const auto response = slow.readResponse(5000);
        QVERIFY2(response, qPrintable(slow.errorString()));
        QCOMPARE(response->status, 200);
        QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
        QVERIFY(slow.waitForClosed(2000));
        // 0, not 4: the process left once the request was answered, well before the deadline.
        QCOMPARE(baton.waitForExit(20000), std::optional<int>(0));
    }

    void idleOnlyShutdownIsQuick()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        std::vector<std::unique_ptr<RawClient>> idle;
        for (int i = 0; i < 20; ++i) {
            idle.push_back(std::make_unique<RawClient>());
            QVERIFY(idle.back()->connectTo(baton.host(), baton.port()));
            QCOMPARE(idle.back()->request(httpGet("/"))->status, 200);
        }
        // Idle keep-alives are closed at once: the drain neither waits for --idle-timeout nor
        // runs into --drain-timeout (both a minute, far beyond the wait below).
        QVERIFY(baton.sendSignal(SIGTERM));
        QCOMPARE(baton.waitForExit(20000), std::optional<int>(0));
        for (const auto &client : idle)
            QVERIFY(client->waitForClosed(1000));
    }

    void drainDeadlineAnswers503AndExitsNonZero()
    {
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--drain-timeout"), QStringLiteral("0.5")}),
                 qPrintable(baton.diagnostics()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=20000")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGINT));
        const auto response = slow.readResponse(5000);
        QVERIFY2(response, qPrintable(slow.errorString()));
        QCOMPARE(response->status, 503);
        QVERIFY(response->hasHeader("Retry-After"));
        QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
        QCOMPARE(baton.waitForExit(5000), std::optional<int>(4));
    }

    void secondSignalForcesAtOnce()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=20000")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGINT));
        QVERIFY(
            baton.waitForStderrLine(QRegularExpression(QStringLiteral("listener closed")), 5000));
        // 5 and well before the 20 s request could finish: forced, not drained.
        QVERIFY(baton.sendSignal(SIGINT));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(5));
        QVERIFY(slow.waitForClosed(1000));
    }

    void sigusr2AbortsWhileServing()
    {
        BatonProcess baton;
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=20000")));
        RawClient idle;
        QVERIFY(idle.connectTo(baton.host(), baton.port()));
        QCOMPARE(idle.request(httpGet("/"))->status, 200);
        QTRY_VERIFY(requestsInFlight(baton, 1));

        QVERIFY(baton.sendSignal(SIGUSR2));
        QCOMPARE(baton.waitForExit(10000), std::optional<int>(5));
        QVERIFY(slow.waitForClosed(1000));
        QVERIFY(!slow.readResponse(500)); // aborted, not answered
        QVERIFY(idle.waitForClosed(1000));
    }

    void lameDuckFailsReadinessButKeepsServing()
    {
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--lame-duck"), QStringLiteral("1.5")}),
                 qPrintable(baton.diagnostics()));
        QCOMPARE(fetch(baton, "/readyz")->status, 200);
        QVERIFY(baton.sendSignal(SIGTERM));
        QVERIFY(baton.waitForStderrLine(QRegularExpression(QStringLiteral("lame duck")), 5000));
        QCOMPARE(fetch(baton, "/readyz")->status, 503);
        const auto page = fetch(baton, "/");
        QVERIFY(page);
        QCOMPARE(page->status, 200); // new connections are still accepted and served
        QCOMPARE(fetch(baton, "/healthz")->status, 200);
        QCOMPARE(baton.waitForExit(5000), std::optional<int>(0));
    }

    // SIGHUP with a changed config: the old request is answered by the old process, keeping its
    // connection, and everything after it by the new process (generation 2) with the new
    // greeting, on new connections and on that same one; the pid file follows.
    void restartPicksUpChangedConfig()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("baton.ini"));
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        QVERIFY(writeFile(config, "greeting = before restart\n"));
        BatonProcess baton;
        QVERIFY2(baton.start(
                     {QStringLiteral("--config"), config, QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));
        QCOMPARE(readFile(pidFile), QByteArray::number(baton.pid()));
        QVERIFY(fetch(baton, "/")->body.contains("before restart"));

        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=1000")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(writeFile(config, "greeting = after restart\n"));
        QVERIFY(baton.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });

        const auto fresh = fetch(baton, "/");
        QVERIFY(fresh);
        QVERIFY(fresh->body.contains("after restart"));
        QCOMPARE(fresh->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(fresh->header("X-Baton-Pid"), QByteArray::number(successor));

        const auto old = slow.readResponse(5000);
        QVERIFY2(old, qPrintable(slow.errorString()));
        QCOMPARE(old->status, 200);
        QCOMPARE(old->header("X-Baton-Pid"), QByteArray::number(baton.pid()));
        QCOMPARE(old->header("X-Baton-Generation"), QByteArray("1"));
        QVERIFY(old->header("Connection").isEmpty());
        const auto next = slow.request(httpGet("/"));
        QVERIFY2(next, qPrintable(slow.errorString()));
        QCOMPARE(next->header("X-Baton-Pid"), QByteArray::number(successor));
        QVERIFY(next->body.contains("after restart"));
        QCOMPARE(baton.waitForExit(5000), std::optional<int>(0));
        QCOMPARE(readFile(pidFile), QByteArray::number(successor));

        stopProcess(successor);
        QVERIFY(!processAlive(successor));
        QVERIFY2(!QFile::exists(pidFile), "the last process did not remove the pid file");
    }

    // The point of Baton: restarts under continuous load lose nothing.
    void restartUnderLoadDropsNothing()
    {
        const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
        if (wrk.isEmpty())
            QSKIP("wrk is not installed (scripts/install-deps installs it)");
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));
        QProcess load;
        // Stopped with SIGINT (wrk then prints its summary) once the restarts are done, not by a
        // duration: restarts on a loaded machine may take longer than any fixed run.
        load.start(wrk, {QStringLiteral("-t2"), QStringLiteral("-c64"), QStringLiteral("-d300s"),
                         QStringLiteral("http://%1:%2/").arg(baton.host()).arg(baton.port())});
        QVERIFY(load.waitForStarted());
        qint64 current = baton.pid();
        QList<qint64> generations{current};
        // Whatever generation is current when the test ends (passing or not) is stopped.
        auto cleanup = qScopeGuard([&current, &baton] {
            if (current != baton.pid())
                stopProcess(current);
        });
        for (int i = 0; i < 4; ++i) {
            QTest::qWait(1200); // let load build up on the current generation
            QVERIFY(::kill(pid_t(current), SIGHUP) == 0);
            QTRY_VERIFY_WITH_TIMEOUT(readFile(pidFile).toLongLong() != current, 10000);
            current = readFile(pidFile).toLongLong();
            generations.append(current);
        }
        QTest::qWait(1200); // and on the last one
        QCOMPARE(load.state(), QProcess::Running);
        QVERIFY(::kill(pid_t(load.processId()), SIGINT) == 0);
        QVERIFY(load.waitForFinished(30000));
        const QString output = QString::fromLocal8Bit(load.readAllStandardOutput());
        const QRegularExpression total(QStringLiteral("(\\d+) requests in"));
        QVERIFY2(total.match(output).hasMatch(), qPrintable(output));
        QVERIFY2(total.match(output).captured(1).toLongLong() > 1000, qPrintable(output));
        QVERIFY2(!output.contains(QStringLiteral("Socket errors")), qPrintable(output));
        QVERIFY2(!output.contains(QStringLiteral("Non-2xx")), qPrintable(output));
        for (qsizetype i = 0; i + 1 < generations.size(); ++i)
            QVERIFY2(waitForProcessGone(generations[i], 10000), "an old generation lingers");
        const auto last = fetch(baton, "/");
        QVERIFY(last);
        QCOMPARE(last->header("X-Baton-Generation"), QByteArray("5"));
    }

    void failedRestartKeepsServing_data()
    {
        QTest::addColumn<QByteArray>("replacement");
        QTest::addColumn<QString>("reason");
        QTest::addRow("exits at once")
            << QByteArray("#!/bin/sh\nexit 1\n") << QStringLiteral("exited with status 1");
        QTest::addRow("never ready")
            << QByteArray("#!/bin/sh\nexec sleep 60\n") << QStringLiteral("not ready within");
    }
    void failedRestartKeepsServing()
    {
        QFETCH(QByteArray, replacement);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        const QString original = BatonProcess::binaryPath();
        const QString binary = copyExecutable(dir);
        QVERIFY(!binary.isEmpty());
        qputenv("BATON_BINARY", binary.toLocal8Bit());
        auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
        BatonProcess server;
        QVERIFY2(server.start({QStringLiteral("--restart-timeout"), QStringLiteral("1")}),
                 qPrintable(server.diagnostics()));

        QVERIFY(writeFile(binary, replacement, true));
        QVERIFY(server.sendSignal(SIGHUP));
        const auto failure =
            server.waitForStderrLine(QRegularExpression(QStringLiteral("restart failed: .*") +
                                                        QRegularExpression::escape(reason)),
                                     10000);
        QVERIFY2(failure, qPrintable(server.diagnostics()));
        const auto still = fetch(server, "/");
        QVERIFY(still);
        QCOMPARE(still->header("X-Baton-Pid"), QByteArray::number(server.pid()));
        QCOMPARE(still->header("X-Baton-Generation"), QByteArray("1"));

        // The same process can restart again once a working binary is back.
        QVERIFY(QFile::remove(binary));
        QVERIFY(QFile::copy(original, binary));
        QVERIFY(server.sendSignal(SIGHUP));
        const qint64 successor = waitForHandover(server);
        QVERIFY2(successor > 0, qPrintable(server.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QCOMPARE(fetch(server, "/")->header("X-Baton-Generation"), QByteArray("2"));
        QCOMPARE(server.waitForExit(5000), std::optional<int>(0));
    }

    // --pid-file is checked before anything is bound: a file that cannot be written, or one that
    // names a Baton still running, stops the start with exit 6 and one line; a stale file (its
    // pid gone, or reused by a process that is not Baton) is simply replaced.
    void pidFileIsClaimedAtStart()
    {
        QTemporaryDir dir;
        {
            BatonProcess unwritable;
            QVERIFY(!unwritable.start(
                {QStringLiteral("--pid-file"), dir.filePath(QStringLiteral("missing/baton.pid"))}));
            QCOMPARE(unwritable.waitForExit(10000), std::optional<int>(6));
            const QStringList lines = nonEmptyLines(unwritable.stderrLines());
            QVERIFY2(lines.filter(QStringLiteral("cannot write pid file")).size() == 1,
                     qPrintable(unwritable.diagnostics()));
        }

        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        BatonProcess first;
        QVERIFY2(first.start({QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(first.diagnostics()));
        QTRY_COMPARE_WITH_TIMEOUT(readFile(pidFile), QByteArray::number(first.pid()), 10000);
        {
            BatonProcess second;
            QVERIFY(!second.start({QStringLiteral("--pid-file"), pidFile}));
            QCOMPARE(second.waitForExit(10000), std::optional<int>(6));
            QVERIFY2(second.stderrLines()
                             .filter(QStringLiteral("names pid %1, a Baton that is still running")
                                         .arg(first.pid()))
                             .size() == 1,
                     qPrintable(second.diagnostics()));
        }
        QCOMPARE(readFile(pidFile), QByteArray::number(first.pid()));
        QVERIFY(fetch(first, "/"));
        QCOMPARE(first.stop(), std::optional<int>(0));

        // This test's own pid: alive, but not a Baton.
        QVERIFY(writeFile(pidFile, QByteArray::number(QCoreApplication::applicationPid()) + '\n'));
        BatonProcess afterStale;
        QVERIFY2(afterStale.start({QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(afterStale.diagnostics()));
        QTRY_COMPARE_WITH_TIMEOUT(readFile(pidFile), QByteArray::number(afterStale.pid()), 10000);
        QCOMPARE(afterStale.stop(), std::optional<int>(0));
    }

    // No --headless and no display: one line says so, and Baton serves anyway.
    void fallsBackToHeadlessWithoutADisplay()
    {
        BatonProcess baton;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(QString::fromLatin1(name));
        baton.setProcessEnvironment(env);
        QVERIFY(baton.startRaw({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}));
        const QRegularExpression listening(
            QStringLiteral("listening on http://127\\.0\\.0\\.1:(\\d+)"));
        const auto line = baton.waitForStderrLine(listening, 15000);
        QVERIFY2(line, qPrintable(baton.diagnostics()));
        QCOMPARE(baton.stderrLines().filter(QStringLiteral("running headless")).size(), 1);
        QVERIFY(baton.stderrLines()
                    .filter(QStringLiteral("no display available"))
                    .constFirst()
                    .contains(QStringLiteral("running headless")));
        // From the address, not the first ":digits " (the time's zone offset has one too).
        const quint16 port = quint16(listening.match(*line).captured(1).toUInt());
        RawClient client;
        QVERIFY(client.connectTo(QStringLiteral("127.0.0.1"), port));
        const auto response = client.request(httpGet("/"));
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QVERIFY(baton.sendSignal(SIGTERM));
        QCOMPARE(baton.waitForExit(5000), std::optional<int>(0));
    }

    void burstOfSighupsLeavesOneProcess()
    {
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(QStringLiteral("baton.pid"));
        BatonProcess baton;
        QVERIFY2(baton.start({QStringLiteral("--pid-file"), pidFile}),
                 qPrintable(baton.diagnostics()));
        // Signals sent back to back coalesce in the kernel; the burst that matters is the one
        // that lands while a restart is under way or the old process drains (a slow request
        // keeps it draining).
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=1500")));
        QTRY_VERIFY(requestsInFlight(baton, 1));
        QVERIFY(baton.sendSignal(SIGHUP));
        QVERIFY(
            baton.waitForStderrLine(QRegularExpression(QStringLiteral("restart: started")), 5000));
        for (int i = 0; i < 4; ++i) {
            QVERIFY(baton.sendSignal(SIGHUP));
            QTest::qWait(5);
        }
        const qint64 successor = waitForHandover(baton);
        QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
        auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
        QCOMPARE(slow.readResponse(5000)->status, 200);
        QCOMPARE(baton.waitForExit(5000), std::optional<int>(0));
        const QStringList lines = baton.stderrLines();
        QCOMPARE(lines.filter(QStringLiteral("restart: started")).size(), 1);
        QVERIFY(!lines.filter(QStringLiteral("restart ignored")).isEmpty());
        QTRY_COMPARE(readFile(pidFile), QByteArray::number(successor));
        QVERIFY(processAlive(successor));
        // Nothing else of ours holds the port: a fresh connection is answered by the successor.
        QCOMPARE(fetch(baton, "/")->header("X-Baton-Pid"), QByteArray::number(successor));
    }
};

QTEST_GUILESS_MAIN(tst_Lifecycle)
#include "tst_lifecycle.moc"
