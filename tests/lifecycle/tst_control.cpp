// The control socket (--control-socket) from the outside, on the real binary: a panel attaches
// and sees the instance and its connections change; its commands restart and stop it; the
// socket moves to a restart's successor and an attached panel follows; only the right users may
// attach; and clients that break the protocol are shut out while requests keep being served.
#include "batonprocess.h"
#include "controltestclient.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <csignal>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace baton;
using namespace baton::test;

namespace {

const QRegularExpression controlSocketLine(QStringLiteral("control socket on (\\S+)"));

// The controller's first "Serving" update (the first one may come before the listener).
bool isServing(const QCborMap &update, quint32 generation)
{
    const LifecycleStatus status = ControlTestClient::status(update);
    return status.state == LifecycleStatus::State::Serving && status.generation == generation;
}

} // namespace

class tst_Control : public QObject
{
    Q_OBJECT

private:
    QString socketPath() const { return m_dir->filePath(QStringLiteral("control.sock")); }

    bool startBaton(BatonProcess &baton, const QStringList &extra = {})
    {
        if (!baton.start(QStringList{QStringLiteral("--control-socket"), socketPath()} + extra))
            return false;
        return baton.waitForStderrLine(controlSocketLine, 10000).has_value();
    }

    bool attach(ControlTestClient &client, qint64 expectedPid = 0)
    {
        if (!client.connectTo(socketPath()))
            return false;
        client.hello();
        const auto welcome = client.waitFor(QStringLiteral("welcome"));
        return welcome && (expectedPid == 0 ||
                           welcome->value(QLatin1StringView("pid")).toInteger() == expectedPid);
    }

    // Why the probe cannot be run as nobody here, or empty when it can.
    QString whyNoProbe() const
    {
        if (::geteuid() != 0)
            return QStringLiteral("needs root to run the probe as another user");
        if (QStandardPaths::findExecutable(QStringLiteral("runuser")).isEmpty() ||
            !::getpwnam("nobody"))
            return QStringLiteral("needs runuser and a user nobody");
        return {};
    }

    // What control_probe, run as nobody, says of the socket: welcome, closed, cannot connect.
    QString probeAsNobody()
    {
        if (m_probe.isEmpty())
            m_probe = copyExecutable(*m_dir, QStringLiteral(CONTROL_PROBE));
        QProcess process;
        process.start(QStandardPaths::findExecutable(QStringLiteral("runuser")),
                      {QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"),
                       m_probe, socketPath()});
        if (!process.waitForFinished(15000))
            return QStringLiteral("probe did not finish");
        return QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_probe; // a copy of control_probe that nobody may run

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_probe.clear();
        QVERIFY(m_dir->isValid());
        // nobody must reach the socket for the credentials test: the socket's own mode guards it.
        QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                 QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                                 QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                 QFileDevice::ExeOther);
    }

    void attachedPanelSeesConnectionsComeAndGo()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        struct stat info
        {
        };
        QCOMPARE(::stat(QFile::encodeName(socketPath()).constData(), &info), 0);
        QVERIFY(S_ISSOCK(info.st_mode));
        QCOMPARE(info.st_mode & 0777, 0600u);

        ControlTestClient panel;
        QVERIFY2(attach(panel, baton.pid()), qPrintable(baton.diagnostics()));
        const auto first = panel.waitFor(QStringLiteral("update"));
        QVERIFY(first);
        QVERIFY(first->value(QLatin1StringView("full")).toBool());
        QCOMPARE(ControlTestClient::status(*first).state, LifecycleStatus::State::Serving);

        // Three keep-alive connections, one request each: the panel gets them.
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(baton.host(), baton.port()));
            QVERIFY(clients.back()->request(httpGet("/")));
        }
        QSet<quint64> seen;
        QVERIFY(panel.waitFor(QStringLiteral("update"), 10000, [&](const QCborMap &update) {
            for (const quint64 id : ControlTestClient::setIds(update))
                seen.insert(id);
            return seen.size() >= 3;
        }));
        // An idle connection that does not change is not sent again.
        QVERIFY(panel.waitFor(QStringLiteral("update"), 10000, [](const QCborMap &update) {
            return ControlTestClient::setIds(update).isEmpty();
        }));
        // One closes: its id comes back as removed.
        clients.front().reset();
        QVERIFY(panel.waitFor(QStringLiteral("update"), 10000, [&](const QCborMap &update) {
            return !update.value(QLatin1StringView("removed")).toArray().isEmpty();
        }));
        // The log comes too: the instance's own lines.
        QVERIFY(panel.waitFor(QStringLiteral("log"), 10000, [](const QCborMap &log) {
            return log.value(QLatin1StringView("lines")).toArray().toVariantList().size() > 0;
        }));

        QCOMPARE(baton.stop(), 0);
        // The last process takes the socket file with it.
        QVERIFY(!QFile::exists(socketPath()));
    }

    void restartFromThePanelMovesTheSocketAndThePanelFollows()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        ControlTestClient panel;
        QVERIFY(attach(panel, baton.pid()));
        RawClient keptAlive;
        QVERIFY(keptAlive.connectTo(baton.host(), baton.port()));
        QVERIFY(keptAlive.request(httpGet("/")));

        panel.command(QStringLiteral("restart"));
        const auto handedOver = panel.waitFor(QStringLiteral("handedOver"), 30000);
        QVERIFY2(handedOver, qPrintable(baton.diagnostics()));
        const qint64 successor = handedOver->value(QLatin1StringView("successorPid")).toInteger();
        QVERIFY(successor > 0 && successor != baton.pid());
        QVERIFY(panel.waitClosed());
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("restart requested|restart: started")), 10000));

        // The same path, now the successor's: a panel attaching again gets generation 2.
        ControlTestClient again;
        QVERIFY2(attach(again, successor), qPrintable(baton.diagnostics()));
        QVERIFY(again.waitFor(QStringLiteral("update"), 10000,
                              [](const QCborMap &update) { return isServing(update, 2); }));
        QCOMPARE(baton.waitForExit(30000), 0);
        QVERIFY(QFile::exists(socketPath())); // the old process left it to the successor
        // The kept-alive connection moved and is served by the successor.
        const auto moved = keptAlive.request(httpGet("/"));
        QVERIFY(moved);
        QCOMPARE(moved->header("X-Baton-Pid").toLongLong(), successor);

        // Shutdown from the panel: the successor drains and exits, the file goes with it.
        again.command(QStringLiteral("shutdown"));
        QVERIFY(again.waitFor(QStringLiteral("update"), 10000, [](const QCborMap &update) {
            return ControlTestClient::status(update).state == LifecycleStatus::State::Stopped;
        }));
        QVERIFY(waitForProcessGone(successor, 30000));
        QVERIFY(!QFile::exists(socketPath()));
    }

    // After a restart, what holds the previous generation's drain reaches the new generation's
    // panel one connection at a time: over the restart channel after an exec, from the retiring
    // server after a reload.
    void previousGenerationsHoldersReachThePanel_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("exec") << QStringLiteral("exec");
        QTest::newRow("reload") << QStringLiteral("reload");
    }

    void previousGenerationsHoldersReachThePanel()
    {
        QFETCH(QString, mode);
        BatonProcess baton;
        QVERIFY2(startBaton(baton, {QStringLiteral("--restart-mode"), mode}),
                 qPrintable(baton.diagnostics()));
        ControlTestClient panel;
        QVERIFY(attach(panel, baton.pid()));
        // A busy connection moves only after its response: this one stays behind.
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=60000&holder=yes")));
        QTRY_VERIFY_WITH_TIMEOUT(requestsInFlight(baton, 1), 10000);

        panel.command(QStringLiteral("restart"));
        ControlTestClient next;
        if (mode == u"exec") {
            const auto handedOver = panel.waitFor(QStringLiteral("handedOver"), 30000);
            QVERIFY2(handedOver, qPrintable(baton.diagnostics()));
            QVERIFY2(attach(next, handedOver->value(QLatin1StringView("successorPid")).toInteger()),
                     qPrintable(baton.diagnostics()));
        }
        ControlTestClient &watcher = mode == u"exec" ? next : panel;
        LifecycleStatus::Predecessor seen;
        QVERIFY2(watcher.waitFor(QStringLiteral("update"), 20000,
                                 [&](const QCborMap &update) {
                                     seen = ControlTestClient::status(update).predecessor;
                                     return seen.draining && !seen.holders.isEmpty();
                                 }),
                 qPrintable(baton.diagnostics()));
        QCOMPARE(seen.generation, 1u);
        QCOMPARE(seen.holders.size(), 1);
        const ConnectionInfo &holder = seen.holders.constFirst();
        QCOMPARE(holder.method, QByteArray("GET"));
        QCOMPARE(holder.path, QByteArray("/sleep")); // the query is not kept
        QCOMPARE(holder.state, ConnectionState::Busy);
        QVERIFY(holder.requestStartedAtMs > 0);
        QVERIFY(seen.msLeft > 0);

        // Force kill ends the process that holds it (both generations, after a reload).
        QVERIFY(baton.sendSignal(SIGUSR2));
        QCOMPARE(baton.waitForExit(15000), 5);
        if (mode == u"exec") {
            QVERIFY2(next.waitFor(QStringLiteral("update"), 10000,
                                  [](const QCborMap &update) {
                                      const auto previous =
                                          ControlTestClient::status(update).predecessor;
                                      return !previous.draining && previous.holders.isEmpty();
                                  }),
                     "the successor still shows the previous generation's holders");
            next.command(QStringLiteral("shutdown"));
            QVERIFY(next.waitClosed(30000));
        }
    }

    void forceKillFromThePanel()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        ControlTestClient panel;
        QVERIFY(attach(panel));
        panel.command(QStringLiteral("forceKill"));
        QCOMPARE(baton.waitForExit(15000), 5); // ExitForced
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("control: forceKill from a panel \\(uid \\d+")),
            1000));
    }

    void extendAndForceNowFromThePanel()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton, {QStringLiteral("--drain-timeout"), QStringLiteral("20")}),
                 qPrintable(baton.diagnostics()));
        ControlTestClient panel;
        QVERIFY(attach(panel, baton.pid()));
        RawClient slow;
        QVERIFY(slow.connectTo(baton.host(), baton.port()));
        QVERIFY(slow.send(httpGet("/sleep?ms=60000")));
        QTRY_VERIFY_WITH_TIMEOUT(requestsInFlight(baton, 1), 10000);

        panel.command(QStringLiteral("shutdown"));
        qint64 deadline = 0;
        QVERIFY(panel.waitFor(QStringLiteral("update"), 10000, [&](const QCborMap &update) {
            const LifecycleStatus status = ControlTestClient::status(update);
            deadline = status.drainDeadlineMs;
            return status.state == LifecycleStatus::State::Draining;
        }));
        panel.command(QStringLiteral("extendDrain"), 30000);
        QVERIFY2(panel.waitFor(QStringLiteral("update"), 10000,
                               [&](const QCborMap &update) {
                                   return ControlTestClient::status(update).drainDeadlineMs >=
                                          deadline + 30000;
                               }),
                 qPrintable(baton.diagnostics()));
        // Force now: the request in flight gets its 503 at once, and the drain ends cut.
        panel.command(QStringLiteral("forceDrainNow"));
        const auto answer = slow.readResponse(10000);
        QVERIFY(answer);
        QCOMPARE(answer->status, 503);
        QCOMPARE(baton.waitForExit(15000), 4); // ExitDrainTimeout: connections were cut
    }

    void foreignUserIsRefused()
    {
        if (const QString why = whyNoProbe(); !why.isEmpty())
            QSKIP(qPrintable(why));
        const uid_t nobody = ::getpwnam("nobody")->pw_uid;
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        // The file's mode keeps nobody out first...
        const QString keptOut = probeAsNobody();
        QVERIFY2(keptOut.startsWith(QLatin1String("cannot connect")), qPrintable(keptOut));
        // ...and where the mode would let anyone in, the server's own check still refuses.
        QVERIFY(QFile::setPermissions(socketPath(), QFileDevice::Permissions(0x7777)));
        QCOMPARE(probeAsNobody(), QStringLiteral("closed"));
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(
                QStringLiteral("control: refused a panel from uid %1 \\(pid \\d+\\)").arg(nobody)),
            5000));
        // The instance's own user is still welcome.
        ControlTestClient owner;
        QVERIFY(attach(owner, baton.pid()));
        QCOMPARE(baton.stop(), 0);
    }

    void controlGroupMayAttach()
    {
        if (const QString why = whyNoProbe(); !why.isEmpty())
            QSKIP(qPrintable(why));
        passwd *nobody = ::getpwnam("nobody");
        group *nobodysGroup = ::getgrgid(nobody->pw_gid);
        QVERIFY(nobodysGroup);
        const QString groupName = QString::fromLocal8Bit(nobodysGroup->gr_name);

        BatonProcess baton;
        QVERIFY2(startBaton(baton, {QStringLiteral("--control-group"), groupName}),
                 qPrintable(baton.diagnostics()));
        struct stat info
        {
        };
        QCOMPARE(::stat(QFile::encodeName(socketPath()).constData(), &info), 0);
        QCOMPARE(info.st_mode & 0777, 0660u);
        QCOMPARE(info.st_gid, nobody->pw_gid);
        QCOMPARE(probeAsNobody(), QStringLiteral("welcome"));
        QCOMPARE(baton.stop(), 0);
    }

    void unknownGroupIsAUsageError()
    {
        BatonProcess baton;
        QVERIFY(baton.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0"), QStringLiteral("--control-socket"),
                                socketPath(), QStringLiteral("--control-group"),
                                QStringLiteral("no-such-group-here")}));
        QCOMPARE(baton.waitForExit(15000), 2);
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("--control-group: no group \"no-such-group-here\"")),
            1000));
    }

    void explicitPathInUseIsAnError()
    {
        BatonProcess first;
        QVERIFY2(startBaton(first), qPrintable(first.diagnostics()));
        BatonProcess second;
        QVERIFY(second.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"),
                                 QStringLiteral("127.0.0.1:0"), QStringLiteral("--control-socket"),
                                 socketPath()}));
        QCOMPARE(second.waitForExit(15000), 3);
        QVERIFY(second.waitForStderrLine(
            QRegularExpression(QStringLiteral("--control-socket: .*control.sock")), 1000));
        // The first instance keeps its socket.
        ControlTestClient panel;
        QVERIFY(attach(panel, first.pid()));
        QCOMPARE(first.stop(), 0);
    }

    void defaultPaths_data()
    {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("expected"); // %1: the variable's directory, %2: the port
        QTest::newRow("systemd RuntimeDirectory=")
            << QStringLiteral("RUNTIME_DIRECTORY") << QStringLiteral("%1/control.sock");
        QTest::newRow("XDG_RUNTIME_DIR")
            << QStringLiteral("XDG_RUNTIME_DIR") << QStringLiteral("%1/baton/baton-%2.sock");
    }

    void defaultPaths()
    {
        QFETCH(QString, variable);
        QFETCH(QString, expected);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("RUNTIME_DIRECTORY"));
        environment.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        environment.insert(variable, m_dir->path());
        BatonProcess baton;
        baton.setProcessEnvironment(environment);
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        const auto line = baton.waitForStderrLine(controlSocketLine, 10000);
        QVERIFY2(line, qPrintable(baton.diagnostics()));
        const QString path = QString(expected)
                                 .replace(QLatin1StringView("%1"), m_dir->path())
                                 .replace(QLatin1StringView("%2"), QString::number(baton.port()));
        QCOMPARE(controlSocketLine.match(*line).captured(1), path);
        ControlTestClient panel;
        QVERIFY(panel.connectTo(path));
        panel.hello();
        QVERIFY(panel.waitFor(QStringLiteral("welcome")));
        QCOMPARE(baton.stop(), 0);
        QVERIFY(!QFile::exists(path));
    }

    void noRuntimeDirectoryNoSocket()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("RUNTIME_DIRECTORY"));
        environment.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        BatonProcess baton;
        baton.setProcessEnvironment(environment);
        QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
        QCOMPARE(baton.stop(), 0);
        QVERIFY2(!baton.stderrLines().join(u'\n').contains(QLatin1String("control socket")),
                 qPrintable(baton.diagnostics()));
    }

    void silentClientIsClosed()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        ControlTestClient silent;
        QVERIFY(silent.connectTo(socketPath()));
        QVERIFY(silent.waitClosed(30000));
        QVERIFY(baton.waitForStderrLine(
            QRegularExpression(QStringLiteral("control: closed the panel connection of uid \\d+ "
                                              "\\(pid \\d+\\): no hello within 10 s")),
            1000));
        QCOMPARE(baton.stop(), 0);
    }

    void badClientsAreShutOutWhileServing()
    {
        BatonProcess baton;
        QVERIFY2(startBaton(baton), qPrintable(baton.diagnostics()));
        RawClient http;
        QVERIFY(http.connectTo(baton.host(), baton.port()));
        int served = 0;
        const auto serve = [&] {
            const auto response = http.request(httpGet("/"));
            if (response && response->status == 200)
                ++served;
        };

        // An HTTP request on the control socket is no message.
        ControlTestClient garbage;
        QVERIFY(garbage.connectTo(socketPath()));
        garbage.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(garbage.waitClosed());
        serve();

        // Malformed CBOR in a well-formed frame.
        ControlTestClient malformed;
        QVERIFY(malformed.connectTo(socketPath()));
        malformed.sendRaw(QByteArray::fromHex("00000003ffffff"));
        QVERIFY(malformed.waitClosed());
        serve();

        // 100 MB: refused from its length, long before the body has been read.
        ControlTestClient huge;
        QVERIFY(huge.connectTo(socketPath()));
        QByteArray header(4, 0);
        qToBigEndian(quint32(100 * 1000 * 1000), header.data());
        huge.sendRaw(header + QByteArray(1024 * 1024, 'x'));
        QVERIFY(huge.waitClosed());
        serve();

        // A version this Baton does not speak gets a reason, then the door.
        ControlTestClient future;
        QVERIFY(future.connectTo(socketPath()));
        future.hello(99);
        const auto error = future.waitFor(QStringLiteral("error"));
        QVERIFY(error);
        QVERIFY(
            error->value(QLatin1StringView("message")).toString().contains(QLatin1String("99")));
        QVERIFY(future.waitClosed());

        // A command before hello, and an unknown command after it.
        ControlTestClient rude;
        QVERIFY(rude.connectTo(socketPath()));
        rude.command(QStringLiteral("shutdown"));
        QVERIFY(rude.waitClosed());
        ControlTestClient unknown;
        QVERIFY(attach(unknown));
        unknown.command(QStringLiteral("format-disk"));
        QVERIFY(unknown.waitClosed());
        serve();

        QCOMPARE(served, 4);
        for (const char *why :
             {"malformed CBOR", "a message of 100000000 bytes", "protocol version 99",
              "\"command\" before hello", "an unknown command \"format-disk\""})
            QVERIFY2(
                baton.waitForStderrLine(
                    QRegularExpression(QRegularExpression::escape(QString::fromLatin1(why))), 1000),
                why);
        // Still serving, still attachable, and no command got through.
        ControlTestClient good;
        QVERIFY(attach(good, baton.pid()));
        QVERIFY(good.waitFor(QStringLiteral("update"), 10000,
                             [](const QCborMap &update) { return isServing(update, 1); }));
        QCOMPARE(baton.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Control)
#include "tst_control.moc"
