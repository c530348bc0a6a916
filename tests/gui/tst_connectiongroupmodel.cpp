#include "connectiongroupmodel.h"
#include "connectionstore.h"
#include "connectiontesting.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionGroupModel;
using baton::ui::ConnectionStore;

class tst_ConnectionGroupModel : public QObject
{
    Q_OBJECT

private:
    // key, count, in flight, oldest age as shown
    using Row = std::tuple<QString, QString, QString, QString>;
    static QList<Row> rows(const ConnectionGroupModel &model)
    {
        QList<Row> result;
        const auto text = [&model](int row, int column) {
            return model.data(model.index(row, column)).toString();
        };
        for (int row = 0; row < model.rowCount(); ++row)
            result.append({text(row, ConnectionGroupModel::KeyColumn),
                           text(row, ConnectionGroupModel::CountColumn),
                           text(row, ConnectionGroupModel::InFlightColumn),
                           text(row, ConnectionGroupModel::OldestColumn)});
        return result;
    }
    static QStringList keys(const ConnectionGroupModel &model)
    {
        QStringList result;
        for (int row = 0; row < model.rowCount(); ++row)
            result.append(model.data(model.index(row, ConnectionGroupModel::KeyColumn)).toString());
        return result;
    }
    static ConnectionInfo at(ConnectionInfo info, const QString &peer, qint64 connectedAtMs)
    {
        info.peer = peer;
        info.connectedAtMs = connectedAtMs;
        return info;
    }
    static ConnectionInfo lastRequest(quint64 id, const QByteArray &path)
    {
        ConnectionInfo info = connection(id);
        info.method = "GET";
        info.path = path;
        return info;
    }
    // Taken at 5000 ms.
    static ServerSnapshot scripted()
    {
        return snapshot({
            at(busy(1, 4000, "/a"), QStringLiteral("10.0.0.1:1001"), 1000),
            at(busy(2, 2000, "/a"), QStringLiteral("10.0.0.2:1002"), 500),
            at(lastRequest(3, "/b"), QStringLiteral("10.0.0.1:1003"), 3000),
            at(busy(4, 3000, "/b"), QStringLiteral("10.0.0.1:1004"), 2500),
            at(connection(5), QStringLiteral("10.0.0.3:1005"), 4000),
            at(lastRequest(6, "/a"), QStringLiteral("[::1]:1006"), 100),
        });
    }

private slots:
    void byPathCountsAndOldestRequestInFlight()
    {
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByPath);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        store.setSnapshot(scripted());
        QCOMPARE(model.rowCount(), 0); // not shown: not computed
        model.setActive(true);
        QCOMPARE(rows(model), (QList<Row>{
                                  {QStringLiteral("/a"), QStringLiteral("3"), QStringLiteral("2"),
                                   QStringLiteral("3.0 s")},
                                  {QStringLiteral("/b"), QStringLiteral("2"), QStringLiteral("1"),
                                   QStringLiteral("2.0 s")},
                                  {QStringLiteral("(no request yet)"), QStringLiteral("1"),
                                   QStringLiteral("0"), QString()},
                              }));

        // 1 and 2 close, 6 starts a request on /c: /a has one connection left, no request.
        ServerSnapshot next = scripted();
        next.takenAtMs = 6000;
        next.connections.removeFirst();
        next.connections.removeFirst();
        next.connections.last().path = "/c";
        next.connections.last().requestStartedAtMs = 5500;
        next.connections.last().state = ConnectionState::Busy;
        next.connections.append(at(lastRequest(7, "/a"), QStringLiteral("10.0.0.3:1007"), 5900));
        store.setSnapshot(next);
        QCOMPARE(rows(model),
                 (QList<Row>{
                     {QStringLiteral("/b"), QStringLiteral("2"), QStringLiteral("1"),
                      QStringLiteral("3.0 s")},
                     {QStringLiteral("(no request yet)"), QStringLiteral("1"), QStringLiteral("0"),
                      QString()},
                     {QStringLiteral("/a"), QStringLiteral("1"), QStringLiteral("0"), QString()},
                     {QStringLiteral("/c"), QStringLiteral("1"), QStringLiteral("1"),
                      QStringLiteral("500 ms")},
                 }));
        // Paths with no request in flight have the smallest age, whichever the direction.
        model.sort(ConnectionGroupModel::OldestColumn, Qt::DescendingOrder);
        QCOMPARE(keys(model),
                 (QStringList{QStringLiteral("/b"), QStringLiteral("/c"),
                              QStringLiteral("(no request yet)"), QStringLiteral("/a")}));
        model.sort(ConnectionGroupModel::OldestColumn, Qt::AscendingOrder);
        QCOMPARE(keys(model), (QStringList{QStringLiteral("(no request yet)"), QStringLiteral("/a"),
                                           QStringLiteral("/c"), QStringLiteral("/b")}));
        store.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void byClientCountsAndOldestConnection()
    {
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByClient);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setActive(true);
        store.setSnapshot(scripted());
        QCOMPARE(rows(model), (QList<Row>{
                                  {QStringLiteral("10.0.0.1"), QStringLiteral("3"),
                                   QStringLiteral("2"), QStringLiteral("4.0 s")},
                                  {QStringLiteral("10.0.0.2"), QStringLiteral("1"),
                                   QStringLiteral("1"), QStringLiteral("4.5 s")},
                                  {QStringLiteral("10.0.0.3"), QStringLiteral("1"),
                                   QStringLiteral("0"), QStringLiteral("1.0 s")},
                                  {QStringLiteral("[::1]"), QStringLiteral("1"),
                                   QStringLiteral("0"), QStringLiteral("4.9 s")},
                              }));
        QCOMPARE(ConnectionStore::clientAddress(QStringLiteral("[::1]:8080")),
                 QStringLiteral("[::1]"));
    }

    void sortsByEveryColumn_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::addColumn<QStringList>("expected");
        const QString one = QStringLiteral("10.0.0.1"), two = QStringLiteral("10.0.0.2"),
                      three = QStringLiteral("10.0.0.3"), local = QStringLiteral("[::1]");
        // Ties go by address, whichever the direction.
        QTest::addRow("count, descending (the default)")
            << int(ConnectionGroupModel::CountColumn) << Qt::DescendingOrder
            << QStringList{one, two, three, local};
        QTest::addRow("count, ascending")
            << int(ConnectionGroupModel::CountColumn) << Qt::AscendingOrder
            << QStringList{two, three, local, one};
        QTest::addRow("address, ascending")
            << int(ConnectionGroupModel::KeyColumn) << Qt::AscendingOrder
            << QStringList{one, two, three, local};
        QTest::addRow("address, descending")
            << int(ConnectionGroupModel::KeyColumn) << Qt::DescendingOrder
            << QStringList{local, three, two, one};
        QTest::addRow("in flight, descending")
            << int(ConnectionGroupModel::InFlightColumn) << Qt::DescendingOrder
            << QStringList{one, two, three, local};
        QTest::addRow("in flight, ascending")
            << int(ConnectionGroupModel::InFlightColumn) << Qt::AscendingOrder
            << QStringList{three, local, two, one};
        // Ages 4.0 s, 4.5 s, 1.0 s, 4.9 s.
        QTest::addRow("oldest, descending")
            << int(ConnectionGroupModel::OldestColumn) << Qt::DescendingOrder
            << QStringList{local, two, one, three};
        QTest::addRow("oldest, ascending")
            << int(ConnectionGroupModel::OldestColumn) << Qt::AscendingOrder
            << QStringList{three, one, two, local};
    }
    void sortsByEveryColumn()
    {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        QFETCH(QStringList, expected);
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByClient);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setActive(true);
        store.setSnapshot(scripted());
        model.sort(column, order);
        QCOMPARE(keys(model), expected);
        // The same order from the first snapshot on, when sorted before it.
        ConnectionStore other;
        ConnectionGroupModel sortedFirst(&other, ConnectionStore::ByClient);
        sortedFirst.sort(column, order);
        sortedFirst.setActive(true);
        other.setSnapshot(scripted());
        QCOMPARE(keys(sortedFirst), expected);
    }

    // A snapshot in which no group's sort key changed moves no row: ages grow, but the oldest
    // column is ordered by timestamps. One that changes a group moves that group alone.
    void rowsStayInPlaceUntilTheirGroupChanges()
    {
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByClient);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setActive(true);
        model.sort(ConnectionGroupModel::OldestColumn, Qt::DescendingOrder);
        ServerSnapshot s = scripted();
        store.setSnapshot(s);
        const QStringList before = keys(model);
        QCOMPARE(before, (QStringList{QStringLiteral("[::1]"), QStringLiteral("10.0.0.2"),
                                      QStringLiteral("10.0.0.1"), QStringLiteral("10.0.0.3")}));
        const QPersistentModelIndex selected = model.index(2, 0); // 10.0.0.1

        QSignalSpy layouts(&model, &QAbstractItemModel::layoutChanged);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        s.takenAtMs = 9000;
        s.connections[0].requestStartedAtMs = 0; // in flight changes, the sort key does not
        s.connections[0].state = ConnectionState::Idle;
        store.setSnapshot(s);
        QCOMPARE(keys(model), before);
        QCOMPARE(layouts.count() + resets.count() + inserted.count() + removed.count(), 0);
        QCOMPARE(changed.count(), 1); // the ages, in one signal
        QCOMPARE(model.data(model.index(0, ConnectionGroupModel::OldestColumn)).toString(),
                 QStringLiteral("8.9 s"));

        // [::1]'s one connection closes and 10.0.0.1 gets an older one: [::1] goes, 10.0.0.1
        // comes first, and the selection follows it.
        s.connections.removeLast();
        s.connections.append(at(connection(8), QStringLiteral("10.0.0.1:1008"), 50));
        store.setSnapshot(s);
        QCOMPARE(keys(model), (QStringList{QStringLiteral("10.0.0.1"), QStringLiteral("10.0.0.2"),
                                           QStringLiteral("10.0.0.3")}));
        QCOMPARE(selected.row(), 0);
        QCOMPARE(resets.count(), 0);
    }

    // Snapshot after snapshot, each model (every grouping, column and direction) re-places only
    // the groups that changed; its order must be the one a full sort gives.
    void followingSnapshotsGivesTheOrderOfAFullSort()
    {
        ConnectionStore store;
        std::vector<std::unique_ptr<ConnectionGroupModel>> models;
        for (const auto kind : {ConnectionStore::ByPath, ConnectionStore::ByClient}) {
            for (int column = 0; column < ConnectionGroupModel::ColumnCount; ++column) {
                for (const auto order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                    models.push_back(std::make_unique<ConnectionGroupModel>(&store, kind));
                    models.back()->sort(column, order);
                    models.back()->setActive(true);
                }
            }
        }
        QRandomGenerator random(12);
        QList<ConnectionInfo> open;
        quint64 nextId = 1;
        qint64 now = 1000;
        for (int step = 0; step < 200; ++step) {
            now += 100;
            for (qsizetype i = open.size() - 1; i >= 0; --i) {
                ConnectionInfo &info = open[i];
                const quint32 dice = random.bounded(20);
                if (dice == 0) {
                    open.removeAt(i);
                } else if (dice < 4) { // a request starts or ends
                    const bool starts = info.requestStartedAtMs == 0;
                    info.requestStartedAtMs = starts ? now : 0;
                    info.state = starts ? ConnectionState::Busy : ConnectionState::Idle;
                    info.method = "GET";
                    info.path = "/p" + QByteArray::number(random.bounded(8));
                }
            }
            for (quint32 n = random.bounded(4); n > 0; --n, ++nextId) {
                const QString peer =
                    QStringLiteral("10.0.0.%1:%2").arg(random.bounded(12)).arg(nextId);
                open.append(at(connection(nextId), peer, now));
            }
            store.setSnapshot(snapshot(open, now));
            for (const auto &model : models) {
                ConnectionGroupModel fresh(&store, model->kind());
                fresh.sort(model->sortColumn(), model->sortOrder());
                fresh.setActive(true);
                QCOMPARE(keys(*model), keys(fresh));
            }
        }
        QVERIFY(nextId > 100);
    }
};

QTEST_MAIN(tst_ConnectionGroupModel)
#include "tst_connectiongroupmodel.moc"
