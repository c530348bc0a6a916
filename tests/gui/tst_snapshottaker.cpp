// SnapshotTaker: pairs are taken in a thread of their own and arrive in order, requests made
// while one is taken fold into one more take started after them, and deleting the taker waits
// for the take in progress and delivers nothing after.
#include "snapshottaker.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using baton::ConnectionInfo;
using baton::ui::PanelView;
using baton::ui::SnapshotTaker;

namespace {

// What the takes see: `version` is what the test changes, `gate` holds a take until released.
struct Scene
{
    std::atomic<qint64> version{0};
    std::atomic<int> takes{0};
    std::atomic<bool> inTake{false};
    std::atomic<QThread *> thread{nullptr};
    QSemaphore gate{1'000'000};
};

SnapshotTaker::Take taking(const std::shared_ptr<Scene> &scene)
{
    return [scene] {
        scene->inTake = true;
        scene->thread = QThread::currentThread();
        scene->gate.acquire();
        PanelView view;
        view.snapshot.takenAtMs = scene->version.load();
        view.status.generation = quint32(++scene->takes);
        scene->inTake = false;
        return view;
    };
}

} // namespace

class tst_SnapshotTaker : public QObject
{
    Q_OBJECT

private slots:
    void takesInItsOwnThreadInOrderAndFolds()
    {
        auto scene = std::make_shared<Scene>();
        SnapshotTaker taker(taking(scene));
        QSignalSpy spy(&taker, &SnapshotTaker::taken);
        scene->gate.acquire(scene->gate.available()); // hold the first take
        QCOMPARE(taker.request(), 1u);
        QTRY_VERIFY(scene->inTake.load());
        QVERIFY(scene->thread.load() != QThread::currentThread());
        QVERIFY(taker.isBusy());
        // Three more while it runs: one more take, after it.
        QCOMPARE(taker.request(), 2u);
        QCOMPARE(taker.request(), 2u);
        QCOMPARE(taker.request(), 2u);
        scene->gate.release(2);
        QTRY_COMPARE(spy.size(), 2);
        QVERIFY(!taker.isBusy());
        QCOMPARE(scene->takes.load(), 2);
        for (int i = 0; i < 2; ++i) {
            const QList<QVariant> args = spy.at(i);
            QCOMPARE(args.at(1).toULongLong(), quint64(i + 1));
            QCOMPARE(args.at(0).value<PanelView>().status.generation, quint32(i + 1));
        }
        // Idle again: the next request starts a take at once.
        scene->gate.release(1);
        QCOMPARE(taker.request(), 3u);
        QTRY_COMPARE(spy.size(), 3);
        QCOMPARE(spy.at(2).at(1).toULongLong(), 3u);
    }

    // Whoever asks after a change gets a pair numbered at least its ticket, taken after the
    // change, even when a take that started before it was still running.
    void aTicketMeansTakenAfterTheRequest()
    {
        auto scene = std::make_shared<Scene>();
        SnapshotTaker taker(taking(scene));
        QSignalSpy spy(&taker, &SnapshotTaker::taken);
        scene->gate.acquire(scene->gate.available());
        scene->version = 1;
        taker.request();
        QTRY_VERIFY(scene->inTake.load());
        scene->version = 2; // the change, while the first take still runs
        const quint64 ticket = taker.request();
        scene->gate.release(2);
        QTRY_VERIFY(!spy.isEmpty() && spy.last().at(1).toULongLong() >= ticket);
        for (const QList<QVariant> &args : std::as_const(spy)) {
            if (args.at(1).toULongLong() >= ticket)
                QCOMPARE(args.at(0).value<PanelView>().snapshot.takenAtMs, 2);
        }
    }

    // A disposed list is let go of in the taker's thread, after the take in progress: while a
    // take holds that thread, the list's rows are still referenced; once it ends, they are not.
    void disposedListsAreLetGoOfInTheTakersThread()
    {
        auto scene = std::make_shared<Scene>();
        SnapshotTaker taker(taking(scene));
        scene->gate.acquire(scene->gate.available());
        taker.request();
        QTRY_VERIFY(scene->inTake.load());

        const QByteArray path = QByteArrayLiteral("/watched");
        QByteArray watched = path;
        watched.detach(); // a buffer of its own, shared only with the row below
        QList<ConnectionInfo> list(1);
        list[0].path = watched;
        QVERIFY(!watched.isDetached());
        taker.dispose(std::move(list));
        QVERIFY(list.isEmpty());
        QVERIFY(!watched.isDetached()); // the row lives on, in the queue of the busy thread
        scene->gate.release(1);
        QTRY_VERIFY(watched.isDetached());
    }

    void deletingWaitsForTheTakeAndDeliversNothingAfter()
    {
        auto scene = std::make_shared<Scene>();
        auto taker = std::make_unique<SnapshotTaker>(taking(scene));
        int delivered = 0;
        QObject receiver;
        connect(taker.get(), &SnapshotTaker::taken, &receiver, [&delivered] { ++delivered; });
        scene->gate.acquire(scene->gate.available());
        taker->request();
        QTRY_VERIFY(scene->inTake.load());
        taker->request(); // one more asked for: it must not start after the taker is gone
        scene->gate.release(1);
        taker.reset(); // waits for the take in progress
        QVERIFY(!scene->inTake.load());
        QCOMPARE(scene->takes.load(), 1);
        QCoreApplication::processEvents(); // its queued delivery went with the taker
        QCoreApplication::sendPostedEvents();
        QCOMPARE(delivered, 0);
        QCOMPARE(scene->takes.load(), 1);
    }
};

QTEST_MAIN(tst_SnapshotTaker)
#include "tst_snapshottaker.moc"
