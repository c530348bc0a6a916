// The drain panel during a restart with connection handover: moved connections are counted apart
// from those that finished, in the old generation's window and in the new one's.
#include "drainpanel.h"

#include <QProgressBar>
#include <QTest>

using namespace baton;
using namespace baton::ui;

class tst_DrainPanel : public QObject
{
    Q_OBJECT

private slots:
    void oldGenerationCountsMovedApart()
    {
        DrainPanel panel;
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Draining;
        status.handedOver = true;
        status.connectionHandover = true;
        status.drainStartConnections = 10;
        status.drainDeadlineMs = 30'000;
        status.connectionsMoved = 5;
        QVERIFY(panel.update(status, 4, 0));
        QCOMPARE(panel.progressBar()->text(),
                 QStringLiteral("4 of 10 connections left: 5 moved, 1 finished here"));
        QCOMPARE(panel.progressBar()->value(), 6);
    }

    void shutdownShowsNoMovedCount()
    {
        DrainPanel panel;
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Draining;
        status.drainStartConnections = 3;
        QVERIFY(panel.update(status, 2, 0));
        QCOMPARE(panel.progressBar()->text(), QStringLiteral("2 of 3 connections left"));
    }

    void newGenerationFollowsThePredecessor()
    {
        DrainPanel panel;
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Serving;
        status.predecessor.pid = 4242;
        status.predecessor.draining = true;
        status.predecessor.connections = 10; // the first report sets the bar's length
        QVERIFY(panel.update(status, 0, 0));
        status.predecessor.connections = 3;
        status.predecessor.busy = 1;
        status.predecessor.moved = 6;
        QVERIFY(panel.update(status, 0, 0));
        QCOMPARE(panel.progressBar()->text(),
                 QStringLiteral("3 connections left (1 busy): 6 moved here, 1 finished there"));
        status.predecessor.draining = false;
        QVERIFY(!panel.update(status, 0, 0));
    }

    // A reload: the previous generation drains in this very process, and each reload's bar
    // starts afresh although the pid stays.
    void reloadedGenerationsDrainInThisProcess()
    {
        DrainPanel panel;
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Serving;
        status.predecessor.pid = QCoreApplication::applicationPid();
        status.predecessor.generation = 1;
        status.predecessor.draining = true;
        status.predecessor.connections = 10;
        QVERIFY(panel.update(status, 0, 0));
        QCOMPARE(panel.title(),
                 QStringLiteral("Previous generation (1, in this process) is draining"));
        status.predecessor.generation = 2;
        status.predecessor.connections = 4;
        QVERIFY(panel.update(status, 0, 0));
        QCOMPARE(panel.progressBar()->maximum(), 4);
        QCOMPARE(panel.title(),
                 QStringLiteral("Previous generation (2, in this process) is draining"));
    }
};

QTEST_MAIN(tst_DrainPanel)
#include "tst_drainpanel.moc"
