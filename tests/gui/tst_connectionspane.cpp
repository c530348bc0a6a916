#include "connectiongroupmodel.h"
#include "connectionspane.h"
#include "connectiontablemodel.h"
#include "connectiontesting.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QHeaderView>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionFilter;
using baton::ui::ConnectionsPane;
using baton::ui::ConnectionStore;
using baton::ui::ConnectionTableModel;

class tst_ConnectionsPane : public QObject
{
    Q_OBJECT

private:
    static ServerSnapshot mixed()
    {
        ConnectionInfo big = connection(3);
        big.bytesIn = 900;
        ConnectionInfo draining = busy(4, 4200);
        draining.draining = true;
        return snapshot({connection(1), busy(2, 3000), big, draining,
                         busy(5, 4900, "/up", ConnectionState::Reading),
                         busy(6, 4000, "/big", ConnectionState::Writing)});
    }
    static QList<quint64> ids(const ConnectionTableModel *model)
    {
        QList<quint64> result;
        for (int row = 0; row < model->rowCount(); ++row)
            result.append(model->idAt(row));
        return result;
    }
    static void clickHeader(QTableView *table, int column)
    {
        QHeaderView *header = table->horizontalHeader();
        const QPoint at(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                        header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
    }

private slots:
    void initTestCase()
    {
        // A scratch settings location: nothing here reads or writes the user's.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("Baton"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_connectionspane"));
    }
    void init() { QSettings().clear(); }

    void headerClickSortsAndIsRemembered()
    {
        auto pane = std::make_unique<ConnectionsPane>();
        pane->resize(1000, 400);
        pane->show();
        QVERIFY(QTest::qWaitForWindowExposed(pane.get()));
        QAbstractItemModelTester tester(pane->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        pane->setSnapshot(mixed());
        QCOMPARE(pane->model()->sortColumn(), int(ConnectionTableModel::StateColumn));
        QCOMPARE(ids(pane->model()), (QList<quint64>{2, 6, 4, 5, 1, 3}));

        clickHeader(pane->table(), ConnectionTableModel::BytesInColumn);
        QCOMPARE(pane->model()->sortColumn(), int(ConnectionTableModel::BytesInColumn));
        const Qt::SortOrder order = pane->model()->sortOrder();
        QCOMPARE(pane->table()->horizontalHeader()->sortIndicatorOrder(), order);
        QCOMPARE(ids(pane->model()).first(), order == Qt::AscendingOrder ? 1u : 3u);
        clickHeader(pane->table(), ConnectionTableModel::BytesInColumn);
        QVERIFY(pane->model()->sortOrder() != order);
        QCOMPARE(ids(pane->model()).first(), order == Qt::AscendingOrder ? 3u : 1u);
        const Qt::SortOrder chosen = pane->model()->sortOrder();
        pane.reset();

        // A new window (a new generation) sorts the same way.
        ConnectionsPane second;
        QCOMPARE(second.model()->sortColumn(), int(ConnectionTableModel::BytesInColumn));
        QCOMPARE(second.model()->sortOrder(), chosen);
        QCOMPARE(second.table()->horizontalHeader()->sortIndicatorSection(),
                 int(ConnectionTableModel::BytesInColumn));
    }

    void filterButtonsCountAndFilter()
    {
        ConnectionsPane pane;
        pane.show();
        const ServerSnapshot s = mixed();
        pane.setSnapshot(s);
        for (int f = 0; f < ui::connectionFilterCount; ++f) {
            const auto filter = ConnectionFilter(f);
            const qint64 direct = std::count_if(
                s.connections.cbegin(), s.connections.cend(),
                [filter](const ConnectionInfo &info) { return ui::matchesFilter(info, filter); });
            QCOMPARE(pane.store()->count(filter), direct);
            QVERIFY2(pane.filterButton(filter)->text().endsWith(QStringLiteral("(%1)").arg(direct)),
                     qPrintable(pane.filterButton(filter)->text()));
        }
        QCOMPARE(pane.filterButton(ConnectionFilter::Busy)->text(), QStringLiteral("Busy (2)"));

        pane.filterButton(ConnectionFilter::Busy)->click();
        QCOMPARE(ids(pane.model()), (QList<quint64>{2, 4}));
        pane.filterButton(ConnectionFilter::Writing)->click();
        QCOMPARE(ids(pane.model()), (QList<quint64>{6}));
        // The counts follow the next snapshot.
        pane.setSnapshot(snapshot({connection(1), busy(2, 3000)}));
        QCOMPARE(pane.filterButton(ConnectionFilter::All)->text(), QStringLiteral("All (2)"));
        QCOMPARE(pane.filterButton(ConnectionFilter::Writing)->text(),
                 QStringLiteral("Writing (0)"));
        QCOMPARE(pane.model()->rowCount(), 0);
    }

    void viewSwitchShowsGroups()
    {
        ConnectionsPane pane;
        pane.show();
        pane.setSnapshot(mixed());
        QVERIFY(!pane.groupModel(ConnectionStore::ByPath)->isActive());
        pane.viewSelector()->setCurrentIndex(ConnectionsPane::ByPathView);
        QCOMPARE(pane.groupTable()->model(), pane.groupModel(ConnectionStore::ByPath));
        QVERIFY(pane.groupTable()->isVisible());
        QVERIFY(!pane.table()->isVisible());
        // Two without a request yet (1 and 3), /sleep (2 and 4), then /big and /up.
        const QAbstractItemModel *groups = pane.groupTable()->model();
        QCOMPARE(groups->rowCount(), 4);
        QCOMPARE(groups->index(0, 0).data().toString(), QStringLiteral("(no request yet)"));
        QCOMPARE(groups->index(1, 0).data().toString(), QStringLiteral("/sleep"));
        QCOMPARE(groups->index(1, 1).data().toString(), QStringLiteral("2"));
        QCOMPARE(groups->index(3, 0).data().toString(), QStringLiteral("/up"));
        pane.viewSelector()->setCurrentIndex(ConnectionsPane::ByClientView);
        QCOMPARE(pane.groupTable()->model(), pane.groupModel(ConnectionStore::ByClient));
        QVERIFY(!pane.groupModel(ConnectionStore::ByPath)->isActive());
        QCOMPARE(pane.groupTable()->model()->rowCount(), 1);
        QCOMPARE(pane.groupTable()->model()->index(0, 1).data().toString(), QStringLiteral("6"));

        ConnectionsPane second; // the view is remembered too
        QCOMPARE(second.view(), ConnectionsPane::ByClientView);
    }
};

QTEST_MAIN(tst_ConnectionsPane)
#include "tst_connectionspane.moc"
