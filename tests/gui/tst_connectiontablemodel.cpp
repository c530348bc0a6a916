#include "connectiontablemodel.h"
#include "connectiontesting.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionFilter;
using baton::ui::ConnectionTableModel;

class tst_ConnectionTableModel : public QObject
{
    Q_OBJECT

private:
    static QList<quint64> ids(const ConnectionTableModel &model)
    {
        QList<quint64> result;
        for (int row = 0; row < model.rowCount(); ++row)
            result.append(model
                              .data(model.index(row, ConnectionTableModel::IdColumn),
                                    ConnectionTableModel::SortRole)
                              .toULongLong());
        return result;
    }

private slots:
    void diffsByIdWithFineGrainedSignals()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);

        model.setSnapshot(snapshot({connection(1), connection(2), connection(3), connection(4)}));
        QCOMPARE(ids(model), (QList<quint64>{1, 2, 3, 4}));
        QCOMPARE(inserted.size(), 1);

        // 2 and 3 close (one contiguous removal), 5 opens, 4 becomes busy and moves up front.
        model.setSnapshot(snapshot({connection(1), busy(4, 4000), connection(5)}));
        QCOMPARE(ids(model), (QList<quint64>{4, 1, 5}));
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(layout.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::StateColumn)).toString(),
                 QStringLiteral("busy"));

        // Nothing changed but the clock: no rows move.
        model.setSnapshot(snapshot({connection(1), busy(4, 4000), connection(5)}, 6000));
        QCOMPARE(layout.size(), 1);

        // Non-contiguous removals.
        model.setSnapshot(snapshot({connection(4)}));
        QCOMPARE(ids(model), (QList<quint64>{4}));
        model.setSnapshot(snapshot({}));
        QCOMPARE(model.rowCount(), 0);
    }

    // A view pays for each removal and insertion signal with a walk over all its rows: scattered
    // closes and opens are one removal and one insertion, with layout changes around them.
    void scatteredChangesAreOneRemovalAndOneInsertion()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(snapshot({connection(1), connection(2), connection(3), connection(4),
                                    connection(5), connection(6)}));
        const QPersistentModelIndex three = model.index(2, 0);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        // 2 and 5 close; 7 and 8 open, one busy (first), one idle (last).
        model.setSnapshot(snapshot({connection(1), connection(3), connection(4), connection(6),
                                    busy(7, 4000), connection(8, ConnectionState::Idle, 2000)}));
        QCOMPARE(ids(model), (QList<quint64>{7, 1, 3, 4, 6, 8}));
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(three.row(), 2); // a selected row follows its connection
        QCOMPARE(model.idAt(three.row()), 3u);
    }

    void busyFirstThenOldestRequestByDefault()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.sortColumn(), int(ConnectionTableModel::StateColumn));
        model.setSnapshot(snapshot({
            connection(1),
            busy(2, 4000),
            busy(3, 2000),                                      // the oldest request
            busy(4, 3000, "/upload", ConnectionState::Reading), // reading after busy ones
            connection(5, ConnectionState::Idle, 500),          // idle: the oldest connection
            busy(6, 4500, "/big", ConnectionState::Writing),
        }));
        QCOMPARE(ids(model), (QList<quint64>{3, 2, 6, 4, 5, 1}));

        // A request that starts moves its row to where it belongs; one that ends moves it back.
        model.setSnapshot(snapshot({connection(1), busy(2, 4000), connection(3), busy(5, 1000)}));
        QCOMPARE(ids(model), (QList<quint64>{5, 2, 1, 3}));
    }

    void sortsByAnyColumnBothWays()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ConnectionInfo a = busy(1, 3000);
        a.bytesIn = 10;
        ConnectionInfo b = connection(2, ConnectionState::Idle, 200);
        b.bytesIn = 30;
        ConnectionInfo c = busy(3, 1000);
        c.bytesIn = 20;
        model.setSnapshot(snapshot({a, b, c}));
        model.sort(ConnectionTableModel::BytesInColumn, Qt::AscendingOrder);
        QCOMPARE(ids(model), (QList<quint64>{1, 3, 2}));
        model.sort(ConnectionTableModel::BytesInColumn, Qt::DescendingOrder);
        QCOMPARE(ids(model), (QList<quint64>{2, 3, 1}));
        model.sort(ConnectionTableModel::RequestAgeColumn, Qt::DescendingOrder);
        QCOMPARE(ids(model), (QList<quint64>{3, 1, 2}));
        model.sort(ConnectionTableModel::ConnectionAgeColumn, Qt::DescendingOrder);
        QCOMPARE(ids(model), (QList<quint64>{2, 1, 3}));
        // Survives a snapshot where a row changes.
        c.bytesIn = 5;
        model.sort(ConnectionTableModel::BytesInColumn, Qt::AscendingOrder);
        model.setSnapshot(snapshot({a, b, c}));
        QCOMPARE(ids(model), (QList<quint64>{3, 1, 2}));
    }

    void filterCountsAndRows()
    {
        ConnectionTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ConnectionInfo draining = busy(4, 4000);
        draining.draining = true;
        model.setSnapshot(snapshot({connection(1), busy(2, 4000), connection(3), draining,
                                    busy(5, 100, "/up", ConnectionState::Reading)}));
        const ui::ConnectionStore *store = model.store();
        QCOMPARE(store->count(ConnectionFilter::All), 5);
        QCOMPARE(store->count(ConnectionFilter::Busy), 2);
        QCOMPARE(store->count(ConnectionFilter::Idle), 2);
        QCOMPARE(store->count(ConnectionFilter::Reading), 1);
        QCOMPARE(store->count(ConnectionFilter::Writing), 0);
        QCOMPARE(store->count(ConnectionFilter::Draining), 1);

        model.setFilter(ConnectionFilter::Busy);
        QCOMPARE(ids(model), (QList<quint64>{2, 4}));
        // A connection that becomes busy appears, one that finishes goes.
        model.setSnapshot(snapshot({busy(1, 4500), connection(2), connection(3), draining}));
        QCOMPARE(ids(model), (QList<quint64>{4, 1}));
        model.setFilter(ConnectionFilter::Draining);
        QCOMPARE(ids(model), (QList<quint64>{4}));
        model.setFilter(ConnectionFilter::All);
        model.setTextFilter(QStringLiteral("40003"));
        QCOMPARE(ids(model), (QList<quint64>{3}));
        model.setTextFilter(QStringLiteral("SLEEP"));
        QCOMPARE(ids(model), (QList<quint64>{4, 1}));
        model.setTextFilter({});
        QCOMPARE(model.rowCount(), 4);
    }

    void showsAgesAndMarksBusyAndDrainingRows()
    {
        ConnectionTableModel model;
        ConnectionInfo slow = busy(7, 3500);
        slow.draining = true;
        model.setSnapshot(snapshot({slow, connection(8)}, 5000));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::RequestColumn)).toString(),
                 QStringLiteral("GET /sleep"));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::RequestAgeColumn)).toString(),
                 QStringLiteral("1.5 s"));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::ConnectionAgeColumn)).toString(),
                 QStringLiteral("4.0 s"));
        QCOMPARE(model.data(model.index(0, ConnectionTableModel::StateColumn)).toString(),
                 QStringLiteral("busy (draining)"));
        QVERIFY(model.data(model.index(0, 0), Qt::BackgroundRole).isValid());
        QVERIFY(!model.data(model.index(1, 0), Qt::BackgroundRole).isValid());
        QVERIFY(model.data(model.index(0, 0), Qt::FontRole).value<QFont>().italic());
        QVERIFY(model.data(model.index(1, ConnectionTableModel::RequestAgeColumn))
                    .toString()
                    .isEmpty());
    }
};

QTEST_MAIN(tst_ConnectionTableModel)
#include "tst_connectiontablemodel.moc"
