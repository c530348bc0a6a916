#include "connectiontablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace baton;
using baton::ui::ConnectionTableModel;

class tst_ConnectionTableModel : public QObject
{
    Q_OBJECT

private:
    static ConnectionInfo connection(quint64 id, ConnectionState state = ConnectionState::Idle)
    {
        ConnectionInfo info;
        info.id = id;
        info.peer = QStringLiteral("127.0.0.1:%1").arg(40000 + id);
        info.state = state;
        info.connectedAtMs = 1000;
        return info;
    }
    static ServerSnapshot snapshot(const QList<ConnectionInfo> &connections, qint64 at = 5000)
    {
        ServerSnapshot s;
        s.takenAtMs = at;
        s.connections = connections;
        return s;
    }
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

        model.setSnapshot(snapshot({connection(1), connection(2), connection(3), connection(4)}));
        QCOMPARE(ids(model), (QList<quint64>{1, 2, 3, 4}));
        QCOMPARE(inserted.size(), 1);

        // 2 and 3 close (one contiguous removal), 5 opens, 4 becomes busy.
        model.setSnapshot(
            snapshot({connection(1), connection(4, ConnectionState::Busy), connection(5)}));
        QCOMPARE(ids(model), (QList<quint64>{1, 4, 5}));
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.data(model.index(1, ConnectionTableModel::StateColumn)).toString(),
                 QStringLiteral("busy"));

        // Non-contiguous removals.
        model.setSnapshot(snapshot({connection(4)}));
        QCOMPARE(ids(model), (QList<quint64>{4}));
        model.setSnapshot(snapshot({}));
        QCOMPARE(model.rowCount(), 0);
    }

    void showsAgesAndMarksBusyAndDrainingRows()
    {
        ConnectionTableModel model;
        ConnectionInfo busy = connection(7, ConnectionState::Busy);
        busy.method = "GET";
        busy.path = "/sleep";
        busy.requestStartedAtMs = 3500;
        busy.draining = true;
        model.setSnapshot(snapshot({busy, connection(8)}, 5000));
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
