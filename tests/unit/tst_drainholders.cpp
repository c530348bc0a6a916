// What a drain waits for, as ServerSnapshot::drainHolders picks it and as a previous generation
// reports it after a restart (predecessorHolders): requests in flight first, the longest first,
// then connections without a request, the oldest first; never one already on its way to the
// successor; at most the limit, with paths cut so that the report stays small.
#include "core/serversnapshot.h"
#include "lifecycle/lifecyclestatus.h"

#include <QTest>

using namespace baton;

namespace {

ConnectionInfo connection(quint64 id, ConnectionState state, qint64 connectedAtMs,
                          qint64 requestStartedAtMs = 0)
{
    ConnectionInfo info;
    info.id = id;
    info.state = state;
    info.connectedAtMs = connectedAtMs;
    info.requestStartedAtMs = requestStartedAtMs;
    return info;
}

QList<quint64> ids(const QList<ConnectionInfo> &connections)
{
    QList<quint64> result;
    for (const ConnectionInfo &info : connections)
        result.append(info.id);
    return result;
}

} // namespace

class tst_DrainHolders : public QObject
{
    Q_OBJECT

private slots:
    void longestInFlightFirstThenOldestWithoutARequest()
    {
        ServerSnapshot snapshot;
        snapshot.connections = {
            connection(1, ConnectionState::Idle, 300),
            connection(2, ConnectionState::Busy, 500, 900),
            connection(3, ConnectionState::Moving, 100, 200), // on its way: holds nothing
            connection(4, ConnectionState::Reading, 400, 600),
            connection(5, ConnectionState::Idle, 100),
            connection(6, ConnectionState::Writing, 50, 900), // same start as 2, older
        };
        QCOMPARE(ids(snapshot.drainHolders(10)), (QList<quint64>{4, 6, 2, 5, 1}));
        QCOMPARE(ids(snapshot.drainHolders(2)), (QList<quint64>{4, 6}));
        QVERIFY(snapshot.drainHolders(0).isEmpty());
        QVERIFY(ServerSnapshot{}.drainHolders(10).isEmpty());
    }

    void aPredecessorReportsAtMostItsLimitWithShortPaths()
    {
        using Predecessor = LifecycleStatus::Predecessor;
        ServerSnapshot snapshot;
        for (int i = 0; i < Predecessor::holderLimit + 30; ++i) {
            ConnectionInfo info = connection(quint64(i + 1), ConnectionState::Busy, 10, 1000 - i);
            info.path = '/' + QByteArray(8000, 'a');
            snapshot.connections.append(info);
        }
        const QList<ConnectionInfo> holders = predecessorHolders(snapshot);
        QCOMPARE(holders.size(), Predecessor::holderLimit);
        QCOMPARE(holders.constFirst().id, quint64(Predecessor::holderLimit + 30)); // started first
        for (const ConnectionInfo &holder : holders)
            QCOMPARE(holder.path.size(), Predecessor::holderPathLimit);
    }
};

QTEST_GUILESS_MAIN(tst_DrainHolders)
#include "tst_drainholders.moc"
