// The table at 100,000 connections: the models stay consistent (QAbstractItemModelTester on the
// table and both groupings) through snapshots that add, remove and change rows, filter and sort
// switches; and how long a snapshot takes with a view on top (printed, never asserted).
#include "connectiongroupmodel.h"
#include "connectionstore.h"
#include "connectiontablemodel.h"
#include "snapshottaker.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QHash>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <limits>
#include <random>

using namespace baton;
using baton::ui::ConnectionFilter;
using baton::ui::ConnectionGroupModel;
using baton::ui::ConnectionStore;
using baton::ui::ConnectionTableModel;
using baton::ui::PanelView;
using baton::ui::SnapshotTaker;

namespace {

constexpr int population = 100'000;

ConnectionInfo make(quint64 id)
{
    ConnectionInfo info;
    info.id = id;
    info.peer = QStringLiteral("127.0.0.%1:%2").arg(id % 4 + 1).arg(1024 + id / 4);
    info.connectedAtMs = 1000 + qint64(id);
    info.method = "GET";
    info.path = "/p" + QByteArray::number(id % 50);
    info.requestsServed = 1;
    if (id % 100 == 0) {
        info.state = ConnectionState::Busy;
        info.requestStartedAtMs = 200'000 - qint64(id);
    }
    return info;
}

ServerSnapshot initial()
{
    ServerSnapshot s;
    s.takenAtMs = 300'000;
    s.connections.reserve(population);
    for (quint64 id = 1; id <= population; ++id)
        s.connections.append(make(id));
    return s;
}

// One 100 ms tick under load: `flips` connections start or finish a request, a few close and
// a few arrive.
void tick(ServerSnapshot &s, int round, int flips, int churn)
{
    s.takenAtMs += 100;
    for (int i = 0; i < flips; ++i) {
        ConnectionInfo &info =
            s.connections[(qsizetype(round) * 7919 + qsizetype(i) * 104729) % s.connections.size()];
        if (info.requestStartedAtMs > 0) {
            info.state = ConnectionState::Idle;
            info.requestStartedAtMs = 0;
            ++info.requestsServed;
            info.bytesOut += 120;
        } else {
            info.state = i % 3 == 0 ? ConnectionState::Reading : ConnectionState::Busy;
            info.requestStartedAtMs = s.takenAtMs - i;
            info.bytesIn += 80;
        }
    }
    const qsizetype at = (qsizetype(round) * 3571) % (s.connections.size() - churn);
    s.connections.remove(at, churn);
    quint64 next = 0;
    for (const ConnectionInfo &info : std::as_const(s.connections))
        next = qMax(next, info.id);
    for (int i = 0; i < churn; ++i) {
        ConnectionInfo info = make(next + 1 + quint64(i));
        info.connectedAtMs = s.takenAtMs;
        s.connections.append(info);
    }
}

int rank(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Busy:
    case ConnectionState::Writing:
        return 0;
    case ConnectionState::Reading:
        return 1;
    case ConnectionState::Idle:
        return 3;
    default:
        return 2;
    }
}

// The spec of the default order, written out independently of the model.
bool busyFirstOldestFirst(const ConnectionInfo &a, const ConnectionInfo &b)
{
    const qint64 none = std::numeric_limits<qint64>::max();
    const auto key = [none](const ConnectionInfo &c) {
        return std::make_tuple(rank(c.state),
                               c.requestStartedAtMs > 0 ? c.requestStartedAtMs : none,
                               c.connectedAtMs, c.id);
    };
    return key(a) < key(b);
}

} // namespace

class tst_ConnectionScale : public QObject
{
    Q_OBJECT

private:
    static void verifyTable(const ConnectionTableModel &model, const ServerSnapshot &s,
                            ConnectionFilter filter)
    {
        QHash<quint64, const ConnectionInfo *> byId;
        byId.reserve(s.connections.size());
        qint64 expected = 0;
        for (const ConnectionInfo &info : s.connections) {
            byId.insert(info.id, &info);
            expected += ui::matchesFilter(info, filter) ? 1 : 0;
        }
        QCOMPARE(model.rowCount(), expected);
        QCOMPARE(model.store()->count(filter), expected);
        for (int row = 0; row < model.rowCount(); ++row) {
            const ConnectionInfo *info = byId.value(model.idAt(row));
            QVERIFY(info);
            QVERIFY(ui::matchesFilter(*info, filter));
            if (row > 0 && model.sortColumn() == ConnectionTableModel::StateColumn)
                QVERIFY(busyFirstOldestFirst(*byId.value(model.idAt(row - 1)), *info));
        }
    }
    static void verifyGroups(const ConnectionGroupModel &model, const ServerSnapshot &s)
    {
        QHash<QString, qint64> counts;
        for (const ConnectionInfo &info : s.connections) {
            ++counts[model.kind() == ConnectionStore::ByPath
                         ? QString::fromUtf8(info.path)
                         : ConnectionStore::clientAddress(info.peer)];
        }
        QCOMPARE(model.rowCount(), counts.size());
        for (int row = 0; row < model.rowCount(); ++row) {
            QCOMPARE(model.groupAt(row).count, counts.value(model.groupAt(row).key));
            if (row > 0)
                QVERIFY(model.groupAt(row - 1).count >= model.groupAt(row).count);
        }
    }

private slots:
    void hundredThousandRowsStayConsistent()
    {
        ConnectionStore store;
        ConnectionTableModel table(&store);
        ConnectionGroupModel paths(&store, ConnectionStore::ByPath);
        ConnectionGroupModel clients(&store, ConnectionStore::ByClient);
        paths.setActive(true);
        clients.setActive(true);
        using Mode = QAbstractItemModelTester::FailureReportingMode;
        QAbstractItemModelTester tableTester(&table, Mode::QtTest);
        QAbstractItemModelTester pathTester(&paths, Mode::QtTest);
        QAbstractItemModelTester clientTester(&clients, Mode::QtTest);

        ServerSnapshot s = initial();
        store.setSnapshot(s);
        QCOMPARE(table.rowCount(), population);
        verifyTable(table, s, ConnectionFilter::All);
        verifyGroups(paths, s);
        verifyGroups(clients, s);

        for (int round = 1; round <= 5; ++round) {
            tick(s, round, 60, 40);
            store.setSnapshot(s);
            verifyTable(table, s, ConnectionFilter::All);
            verifyGroups(paths, s);
            verifyGroups(clients, s);
        }
        // A scattered mass close (a drain cutting every 50th connection): a reset.
        QList<ConnectionInfo> kept;
        for (qsizetype i = 0; i < s.connections.size(); ++i) {
            if (i % 50 != 7)
                kept.append(s.connections[i]);
        }
        s.connections = kept;
        store.setSnapshot(s);
        verifyTable(table, s, ConnectionFilter::All);
        verifyGroups(clients, s);

        table.setFilter(ConnectionFilter::Busy);
        verifyTable(table, s, ConnectionFilter::Busy);
        tick(s, 9, 80, 10);
        store.setSnapshot(s);
        verifyTable(table, s, ConnectionFilter::Busy);
        table.setFilter(ConnectionFilter::All);
        table.sort(ConnectionTableModel::PeerColumn, Qt::DescendingOrder);
        tick(s, 10, 80, 10);
        store.setSnapshot(s);
        verifyTable(table, s, ConnectionFilter::All);
        for (int row = 1; row < 2000; ++row)
            QVERIFY(table.index(row - 1, ConnectionTableModel::PeerColumn).data().toString() >=
                    table.index(row, ConnectionTableModel::PeerColumn).data().toString());
    }

    // A table view on top, as in the window: what one snapshot costs the GUI thread.
    void timingWithAView()
    {
        ConnectionStore store;
        // As in the window: replaced lists are let go of in another thread (PanelSource::dispose).
        SnapshotTaker disposal([] { return PanelView{}; });
        store.setDisposer(
            [&disposal](QList<ConnectionInfo> &&list) { disposal.dispose(std::move(list)); });
        ConnectionTableModel table(&store);
        QTableView view;
        view.setModel(&table);
        view.setSortingEnabled(true);
        view.resize(1000, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        // The server publishes its connections in hash order: slots, snapshot positions and rows
        // of the table are three different permutations, as in the real window.
        ServerSnapshot s = initial();
        std::mt19937 random(12);
        std::shuffle(s.connections.begin(), s.connections.end(), random);
        QElapsedTimer timer;
        timer.start();
        store.setSnapshot(s);
        view.viewport()->repaint();
        const qint64 first = timer.elapsed();

        QList<qint64> ticks;
        QList<qint64> models;      // the part before the view repaints
        QList<qint64> joins;       // HttpServer::snapshot() joining two workers' published lists
        QList<qint64> joinedTicks; // both, as the GUI thread did before LocalSource's taker
        for (int round = 1; round <= 50; ++round) {
            tick(s, round, 100, 20);
            // What two I/O workers publish (their strings shared with the snapshot's), joined
            // as HttpServer::snapshot() does; the window now gets it from SnapshotTaker's thread.
            const QList<ConnectionInfo> first = s.connections.first(s.connections.size() / 2);
            const QList<ConnectionInfo> second = s.connections.sliced(first.size());
            timer.restart();
            ServerSnapshot joined = s;
            joined.connections = {};
            joined.connections += first;
            joined.connections += second;
            const qint64 join = timer.elapsed();
            joins.append(join);
            timer.restart();
            store.setSnapshot(joined);
            models.append(timer.elapsed());
            QCoreApplication::processEvents();
            view.viewport()->repaint();
            ticks.append(timer.elapsed());
            joinedTicks.append(join + ticks.last());
        }
        for (QList<qint64> *list : {&ticks, &models, &joins, &joinedTicks})
            std::sort(list->begin(), list->end());
        timer.restart();
        view.sortByColumn(ConnectionTableModel::PeerColumn, Qt::AscendingOrder);
        view.viewport()->repaint();
        const qint64 resort = timer.elapsed();
        timer.restart();
        table.setFilter(ConnectionFilter::Idle);
        view.viewport()->repaint();
        const qint64 refilter = timer.elapsed();
        qInfo("%d connections: first snapshot %lld ms; a 10 Hz snapshot (100 requests start or "
              "end, 20 connections close, 20 open) median %lld ms, worst %lld ms (the models "
              "alone: median %lld ms, worst %lld ms); sort by peer %lld ms; filter to idle %lld ms",
              population, first, ticks.at(ticks.size() / 2), ticks.last(),
              models.at(models.size() / 2), models.last(), resort, refilter);
        qInfo("joining two workers' lists of %d (off the GUI thread since SnapshotTaker): "
              "median %lld ms, worst %lld ms; with the join on the GUI thread a 10 Hz snapshot "
              "would be median %lld ms, worst %lld ms",
              population / 2, joins.at(joins.size() / 2), joins.last(),
              joinedTicks.at(joinedTicks.size() / 2), joinedTicks.last());
    }
};

QTEST_MAIN(tst_ConnectionScale)
#include "tst_connectionscale.moc"
