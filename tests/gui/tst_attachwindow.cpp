// baton --attach's window against a real headless instance over its control socket: it shows
// the instance and its connections; Restart pressed there restarts the instance and the same tab
// follows to generation 2; Force kill from it ends the instance; a second tab watches another
// instance; an instance that goes away is said to be gone, its last report still on screen.
#include "attachwindow.h"
#include "batonprocess.h"
#include "connectionspane.h"
#include "connectiontablemodel.h"
#include "dialogtesting.h"
#include "mainwindow.h"
#include "processtools.h"
#include "rawclient.h"
#include "remotesource.h"
#include "statusheader.h"
#include "testhttp.h"

#include <QAbstractButton>
#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace baton;
using baton::testing::answerNextDialog;
using namespace baton::test;
using baton::ui::AttachWindow;
using baton::ui::MainWindow;
using baton::ui::RemoteSource;

namespace {

RemoteSource *remote(MainWindow *window)
{
    return qobject_cast<RemoteSource *>(window->source());
}

} // namespace

class tst_AttachWindow : public QObject
{
    Q_OBJECT

private:
    bool startInstance(BatonProcess &baton, const QString &socket)
    {
        return baton.start({QStringLiteral("--control-socket"), socket}) &&
               baton.waitForStderrLine(QRegularExpression(QStringLiteral("control socket on")),
                                       10000);
    }

    QTemporaryDir m_dir;

private slots:
    void restartAndForceKillFromTheAttachedWindow()
    {
        const QString socket = m_dir.filePath(QStringLiteral("a.sock"));
        BatonProcess baton;
        QVERIFY2(startInstance(baton, socket), qPrintable(baton.diagnostics()));

        AttachWindow window;
        MainWindow *panel = window.attach(socket);
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(remote(panel)->isAttached(), 10000);
        QCOMPARE(remote(panel)->pid(), baton.pid());
        QTRY_VERIFY(panel->windowTitle().contains(QStringLiteral("generation 1 — Serving")));
        QVERIFY(panel->windowTitle().contains(socket));
        QVERIFY(!panel->connectionNoteLabel()->isVisibleTo(panel));
        // The instance's pid, not the panel's own.
        QTRY_VERIFY(panel->statusHeader()->detailsText().startsWith(
            QStringLiteral("pid %1 · generation 1").arg(baton.pid())));

        // A client's keep-alive connection shows up in the attached table.
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        QVERIFY(client.request(httpGet("/")));
        QTRY_COMPARE_WITH_TIMEOUT(panel->connectionModel()->rowCount(), 1, 10000);

        // Restart in the attached window: the headless instance restarts, and the same tab now
        // watches generation 2 in the new process.
        QVERIFY(panel->restartButton()->isEnabled());
        QTest::mouseClick(panel->restartButton(), Qt::LeftButton);
        QCOMPARE(baton.waitForExit(30000), 0);
        QTRY_VERIFY_WITH_TIMEOUT(remote(panel)->isAttached() && remote(panel)->pid() != baton.pid(),
                                 10000);
        const qint64 successor = remote(panel)->pid();
        QTRY_VERIFY_WITH_TIMEOUT(
            panel->windowTitle().contains(QStringLiteral("generation 2 — Serving")), 10000);
        // The moved keep-alive connection is the successor's now, and in its table.
        const auto moved = client.request(httpGet("/"));
        QVERIFY(moved);
        QCOMPARE(moved->header("X-Baton-Pid").toLongLong(), successor);
        QTRY_COMPARE_WITH_TIMEOUT(panel->connectionModel()->rowCount(), 1, 10000);

        // Force kill, confirmed: the instance ends, the window stays and says so.
        answerNextDialog(QStringLiteral("Force kill"));
        QTest::mouseClick(panel->forceKillButton(), Qt::LeftButton);
        QVERIFY(waitForProcessGone(successor, 15000));
        QTRY_VERIFY_WITH_TIMEOUT(panel->connectionNoteLabel()->isVisibleTo(panel), 10000);
        QVERIFY2(panel->connectionNoteLabel()->text().contains(QLatin1String("exit status 5")),
                 qPrintable(panel->connectionNoteLabel()->text()));
        QVERIFY(panel->windowTitle().contains(QLatin1String("Stopped")));
        QVERIFY(!panel->restartButton()->isEnabled());
        QVERIFY(!panel->forceKillButton()->isEnabled());
    }

    void twoInstancesInTabs()
    {
        const QString first = m_dir.filePath(QStringLiteral("one.sock"));
        const QString second = m_dir.filePath(QStringLiteral("two.sock"));
        BatonProcess one;
        BatonProcess two;
        QVERIFY2(startInstance(one, first), qPrintable(one.diagnostics()));
        QVERIFY2(startInstance(two, second), qPrintable(two.diagnostics()));

        AttachWindow window;
        MainWindow *a = window.attach(first);
        MainWindow *b = window.attach(second);
        window.show();
        QCOMPARE(window.panelCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(remote(a)->isAttached() && remote(b)->isAttached(), 10000);
        QCOMPARE(remote(a)->pid(), one.pid());
        QCOMPARE(remote(b)->pid(), two.pid());

        // Shutdown in one tab stops that instance only.
        QTest::mouseClick(b->shutdownButton(), Qt::LeftButton);
        QCOMPARE(two.waitForExit(15000), 0);
        QTRY_VERIFY(b->windowTitle().contains(QLatin1String("Stopped")));
        QVERIFY(a->windowTitle().contains(QLatin1String("Serving")));
        QVERIFY(one.isRunning());
        QCOMPARE(one.stop(), 0);
    }

    void nothingThereYet()
    {
        AttachWindow window;
        MainWindow *panel = window.attach(m_dir.filePath(QStringLiteral("nobody-here.sock")));
        window.show();
        QVERIFY(panel->connectionNoteLabel()->isVisibleTo(panel));
        QTRY_VERIFY2(panel->connectionNoteLabel()->text().contains(QLatin1String("trying again")),
                     qPrintable(panel->connectionNoteLabel()->text()));
        QVERIFY(!panel->shutdownButton()->isEnabled());
        QVERIFY(!panel->restartButton()->isEnabled());
    }
};

QTEST_MAIN(tst_AttachWindow)
#include "tst_attachwindow.moc"
