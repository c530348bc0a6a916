// DrainRecorder against scripted drains: the (status, snapshot) pairs a window would get at each
// refresh, with connections finishing, moving to the next generation and cut at the deadline.
#include "connectiontesting.h"
#include "drainrecorder.h"
#include "lifecycle/exitcode.h"

#include <QTest>

using namespace baton;
using namespace baton::testing;
using namespace baton::ui;
using State = LifecycleStatus::State;

namespace {

LifecycleStatus draining(qint64 startedAt = 1000, qint64 deadline = 11'000)
{
    LifecycleStatus status;
    status.state = State::Draining;
    status.drainStartedAtMs = startedAt;
    status.drainDeadlineMs = deadline;
    return status;
}

LifecycleStatus stopped(LifecycleStatus status, int exitCode, qint64 endedAt)
{
    status.state = State::Stopped;
    status.exitCode = exitCode;
    status.drainEndedAtMs = endedAt;
    return status;
}

ServerSnapshot handedOver(ServerSnapshot s, quint64 moved)
{
    s.connectionsHandedOver = moved;
    return s;
}

const DrainRecord *record(const DrainRecorder &recorder, quint64 id)
{
    for (const DrainRecord &r : recorder.records()) {
        if (r.id == id)
            return &r;
    }
    return nullptr;
}

QList<quint64> holderIds(const DrainRecorder &recorder)
{
    QList<quint64> ids;
    for (const DrainHolder &holder : recorder.holders())
        ids.append(holder.id);
    return ids;
}

} // namespace

class tst_DrainRecorder : public QObject
{
    Q_OBJECT

private:
    static void verifyEnd(const DrainRecorder &recorder, quint64 id, DrainOutcome outcome,
                          qint64 endedAt)
    {
        const DrainRecord *r = record(recorder, id);
        QVERIFY2(r, qPrintable(QStringLiteral("no record of connection %1").arg(id)));
        QCOMPARE(r->outcome, outcome);
        QCOMPARE(r->endedAtMs, endedAt);
    }

private slots:
    void nothingBeforeADrain()
    {
        DrainRecorder recorder;
        LifecycleStatus serving;
        serving.state = State::Serving;
        recorder.update(serving, snapshot({busy(1, 900)}, 1000), 1000);
        QVERIFY(!recorder.hasDrain());
        QVERIFY(recorder.records().empty());
        QVERIFY(recorder.holders().isEmpty());
    }

    // A shutdown: connections finish one by one, the last two are cut at the deadline.
    void finishingOneByOneThenCutAtTheDeadline()
    {
        DrainRecorder recorder;
        LifecycleStatus status = draining();
        const ConnectionInfo a = busy(1, 500, "/a");
        const ConnectionInfo b = busy(2, 800, "/b");
        const ConnectionInfo d = busy(4, 900, "/d");
        recorder.update(status, snapshot({d, connection(3), b, a}, 1000), 1000);
        QVERIFY(recorder.hasDrain());
        QVERIFY(!recorder.isOver());
        // Longest in flight first, the idle one last.
        QCOMPARE(holderIds(recorder), (QList<quint64>{1, 2, 4, 3}));
        QCOMPARE(recorder.holderCount(), 4);
        QCOMPARE(recorder.holders().first().path, QByteArray("/a"));
        QCOMPARE(recorder.count(DrainOutcome::Open), 4);

        recorder.update(status, snapshot({d, b, a}, 1100), 1100);
        verifyEnd(recorder, 3, DrainOutcome::Finished, 1100);
        recorder.update(status, snapshot({d, a}, 2000), 2000);
        verifyEnd(recorder, 2, DrainOutcome::Finished, 2000);
        QCOMPARE(holderIds(recorder), (QList<quint64>{1, 4}));

        // The deadline: the status reports the cut before the server has closed them.
        status.connectionsCut = 2;
        recorder.update(status, snapshot({d, a}, 11'050), 11'050);
        QCOMPARE(recorder.cutAtMs(), 11'000);
        QCOMPARE(record(recorder, 1)->outcome, DrainOutcome::Open);

        recorder.update(stopped(status, ExitDrainTimeout, 11'120), ServerSnapshot(), 11'200);
        QVERIFY(recorder.isOver());
        QCOMPARE(recorder.endedAtMs(), 11'120);
        verifyEnd(recorder, 1, DrainOutcome::Cut, 11'000);
        verifyEnd(recorder, 4, DrainOutcome::Cut, 11'000);
        QCOMPARE(recorder.count(DrainOutcome::Finished), 2);
        QCOMPARE(recorder.count(DrainOutcome::Cut), 2);
        QCOMPARE(recorder.count(DrainOutcome::Open), 0);
        QCOMPARE(recorder.count(DrainOutcome::Moved), 0);
        QVERIFY(recorder.holders().isEmpty());
        // Its request is kept for the report.
        QCOMPARE(record(recorder, 1)->path, QByteArray("/a"));
        QCOMPARE(record(recorder, 1)->requestStartedAtMs, 500);
        QCOMPARE(record(recorder, 1)->startedAtMs, 1000);

        // Later refreshes of the stopped server change nothing.
        recorder.update(stopped(status, ExitDrainTimeout, 11'120), ServerSnapshot(), 12'000);
        QCOMPARE(recorder.count(DrainOutcome::Cut), 2);
    }

    // "Force now" long before the deadline: the cut is dated when it was first seen.
    void forcedCutIsDatedWhenSeen()
    {
        DrainRecorder recorder;
        LifecycleStatus status = draining(1000, 31'000);
        recorder.update(status, snapshot({busy(1, 900), busy(2, 950)}, 1000), 1000);
        recorder.update(status, snapshot({busy(1, 900)}, 1500), 1500);
        status.connectionsCut = 1;
        recorder.update(status, snapshot({busy(1, 900)}, 2000), 2000);
        recorder.update(stopped(status, ExitDrainTimeout, 2100), snapshot({}, 2150), 2150);
        verifyEnd(recorder, 2, DrainOutcome::Finished, 1500);
        verifyEnd(recorder, 1, DrainOutcome::Cut, 2000);
    }

    // A clean end: whatever the last refresh still showed finished by the end.
    void cleanEndFinishesTheRest()
    {
        DrainRecorder recorder;
        const LifecycleStatus status = draining();
        recorder.update(status, snapshot({busy(1, 900)}, 1000), 1000);
        recorder.update(stopped(status, ExitOk, 1040), snapshot({}, 1100), 1100);
        verifyEnd(recorder, 1, DrainOutcome::Finished, 1040);
    }

    // A restart with connection handover: Moving connections are counted apart from the
    // holders, and moves never seen Moving are told from the handed-over counter.
    void movedConnectionsCountedApart()
    {
        DrainRecorder recorder;
        LifecycleStatus status = draining();
        status.handedOver = status.connectionHandover = true;
        recorder.update(
            status,
            snapshot({connection(1), connection(2), busy(3, 900), busy(4, 950), busy(5, 990)},
                     1000),
            1000);
        // 1 on its way, 2 gone between two refreshes (idle: handed over at once).
        recorder.update(status,
                        handedOver(snapshot({connection(1, ConnectionState::Moving), busy(3, 900),
                                             busy(4, 950), busy(5, 990)},
                                            1100),
                                   1),
                        1100);
        verifyEnd(recorder, 2, DrainOutcome::Moved, 1100);
        QCOMPARE(recorder.movingNow(), 1);
        QCOMPARE(recorder.holderCount(), 3);
        QCOMPARE(holderIds(recorder), (QList<quint64>{3, 4, 5}));

        recorder.update(status,
                        handedOver(snapshot({busy(3, 900, "/sleep", ConnectionState::Moving),
                                             busy(4, 950), busy(5, 990)},
                                            1200),
                                   2),
                        1200);
        verifyEnd(recorder, 1, DrainOutcome::Moved, 1200);
        QCOMPARE(holderIds(recorder), (QList<quint64>{4, 5}));

        // 3 moved; 4 went without the counter growing: it finished here (a half-closed client).
        recorder.update(status, handedOver(snapshot({busy(5, 990)}, 1300), 3), 1300);
        verifyEnd(recorder, 3, DrainOutcome::Moved, 1300);
        verifyEnd(recorder, 4, DrainOutcome::Finished, 1300);

        // 5 went with the counter: moved after its response, unseen.
        recorder.update(stopped(status, ExitOk, 1450), handedOver(snapshot({}, 1400), 4), 1400);
        verifyEnd(recorder, 5, DrainOutcome::Moved, 1400);
        QCOMPARE(recorder.count(DrainOutcome::Moved), 4);
        QCOMPARE(recorder.count(DrainOutcome::Finished), 1);
        QCOMPARE(recorder.count(DrainOutcome::Cut), 0);
    }

    // A connection in transit is never cut: the handover owns it.
    void movingConnectionIsNotCut()
    {
        DrainRecorder recorder;
        LifecycleStatus status = draining();
        status.connectionHandover = true;
        recorder.update(
            status, snapshot({busy(1, 900), connection(2, ConnectionState::Moving)}, 1000), 1000);
        status.connectionsCut = 1;
        recorder.update(stopped(status, ExitDrainTimeout, 11'100),
                        handedOver(snapshot({}, 11'100), 1), 11'100);
        verifyEnd(recorder, 1, DrainOutcome::Cut, 11'000);
        verifyEnd(recorder, 2, DrainOutcome::Moved, 11'100);
    }

    void laterConnectionStartsWhenSeen()
    {
        DrainRecorder recorder;
        const LifecycleStatus status = draining();
        recorder.update(status, snapshot({busy(1, 900)}, 1000), 1000);
        recorder.update(status, snapshot({busy(1, 900), busy(2, 1150)}, 1200), 1200);
        QCOMPARE(record(recorder, 2)->startedAtMs, 1200);
        QCOMPARE(record(recorder, 1)->startedAtMs, 1000);
        QCOMPARE(recorder.connectionsSeen(), 2);
    }

    // Beyond recordLimit only counts are kept, and they stay exact; holders are capped but
    // counted, and still the longest first.
    void capKeepsCountsExact()
    {
        constexpr int total = DrainRecorder::recordLimit + 3000;
        QList<ConnectionInfo> all;
        for (int i = 1; i <= total; ++i)
            all.append(busy(quint64(i), 100'000 - i)); // the later the id, the longer in flight
        DrainRecorder recorder;
        LifecycleStatus status = draining(100'000, 130'000);
        recorder.update(status, snapshot(all, 100'000), 100'000);
        QCOMPARE(recorder.records().size(), size_t(DrainRecorder::recordLimit));
        QCOMPARE(recorder.connectionsSeen(), total);
        QCOMPARE(recorder.holderCount(), total);
        QCOMPARE(recorder.holders().size(), DrainRecorder::holderLimit);
        QCOMPARE(recorder.holders().first().id, quint64(total));
        QCOMPARE(recorder.holders().last().id, quint64(total - DrainRecorder::holderLimit + 1));

        // The first 3,000 finish, the rest is cut.
        recorder.update(status, snapshot(all.mid(3000), 101'000), 101'000);
        status.connectionsCut = total - 3000;
        recorder.update(stopped(status, ExitDrainTimeout, 130'050), snapshot({}, 130'100), 130'100);
        QCOMPARE(recorder.count(DrainOutcome::Finished), 3000);
        QCOMPARE(recorder.count(DrainOutcome::Cut), total - 3000);
        QCOMPARE(recorder.count(DrainOutcome::Open), 0);
        for (const DrainRecord &r : recorder.records())
            QCOMPARE(r.outcome, DrainOutcome::Finished); // the first 2,000 ids all finished
    }

    // Start serves again; the next drain is recorded afresh.
    void secondDrainAfterStartAgainResets()
    {
        DrainRecorder recorder;
        const LifecycleStatus first = draining(1000, 11'000);
        recorder.update(first, snapshot({busy(1, 900), busy(2, 950)}, 1000), 1000);
        recorder.update(stopped(first, ExitOk, 1500), snapshot({}, 1600), 1600);
        QVERIFY(recorder.isOver());

        LifecycleStatus serving; // what startAgain() leaves: no drain times
        serving.state = State::Serving;
        recorder.update(serving, snapshot({busy(7, 5000)}, 5000), 5000);
        QVERIFY(recorder.isOver()); // the report of the last drain stays until the next one
        QCOMPARE(recorder.startedAtMs(), 1000);
        QCOMPARE(recorder.count(DrainOutcome::Finished), 2);

        const LifecycleStatus second = draining(6000, 16'000);
        recorder.update(second, snapshot({busy(7, 5000)}, 6000), 6000);
        QVERIFY(!recorder.isOver());
        QCOMPARE(recorder.startedAtMs(), 6000);
        QCOMPARE(recorder.records().size(), size_t(1));
        QCOMPARE(recorder.records().front().id, quint64(7));
        QCOMPARE(recorder.count(DrainOutcome::Finished), 0);
        QCOMPARE(recorder.count(DrainOutcome::Open), 1);
        QCOMPARE(recorder.cutAtMs(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_DrainRecorder)
#include "tst_drainrecorder.moc"
