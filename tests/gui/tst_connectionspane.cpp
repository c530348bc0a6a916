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
using baton::ui::ConnectionGroupModel;
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
    // Three clients: 10.0.0.1 with three connections and no request, 10.0.0.2 with two
    // requests in flight, 10.0.0.3 with one; paths /a (three), /b (two), none yet (one).
    static ServerSnapshot clients()
    {
        const auto from = [](ConnectionInfo info, int client) {
            info.peer = QStringLiteral("10.0.0.%1:%2").arg(client).arg(40000 + info.id);
            return info;
        };
        const auto answeredA = [](quint64 id) {
            ConnectionInfo info = connection(id);
            info.method = "GET";
            info.path = "/a";
            return info;
        };
        return snapshot({from(connection(1), 1), from(answeredA(2), 1), from(answeredA(3), 1),
                         from(busy(4, 4000, "/b"), 2), from(busy(5, 4500, "/b"), 2),
                         from(busy(6, 2000, "/a"), 3)});
    }
    static QStringList groupKeys(const ConnectionsPane &pane)
    {
        QStringList result;
        const QAbstractItemModel *model = pane.groupTable()->model();
        for (int row = 0; row < model->rowCount(); ++row)
            result.append(model->index(row, ConnectionGroupModel::KeyColumn).data().toString());
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

    // Each grouped view sorts by any column from its header, on its own, and remembers it.
    void groupHeaderClickSortsPerViewAndIsRemembered()
    {
        auto pane = std::make_unique<ConnectionsPane>();
        pane->resize(1000, 400);
        pane->show();
        QVERIFY(QTest::qWaitForWindowExposed(pane.get()));
        pane->setSnapshot(clients());
        pane->setView(ConnectionsPane::ByPathView);
        QHeaderView *header = pane->groupTable()->horizontalHeader();
        QVERIFY(header->isSortIndicatorShown());
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionGroupModel::CountColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        const QString none = QStringLiteral("(no request yet)");
        QCOMPARE(groupKeys(*pane), (QStringList{QStringLiteral("/a"), QStringLiteral("/b"), none}));

        // A name sorts A to Z first, a number largest first.
        clickHeader(pane->groupTable(), ConnectionGroupModel::KeyColumn);
        QCOMPARE(groupKeys(*pane), (QStringList{none, QStringLiteral("/a"), QStringLiteral("/b")}));
        clickHeader(pane->groupTable(), ConnectionGroupModel::KeyColumn);
        QCOMPARE(groupKeys(*pane), (QStringList{QStringLiteral("/b"), QStringLiteral("/a"), none}));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);

        pane->setView(ConnectionsPane::ByClientView);
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionGroupModel::CountColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(groupKeys(*pane),
                 (QStringList{QStringLiteral("10.0.0.1"), QStringLiteral("10.0.0.2"),
                              QStringLiteral("10.0.0.3")}));
        clickHeader(pane->groupTable(), ConnectionGroupModel::InFlightColumn);
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(groupKeys(*pane),
                 (QStringList{QStringLiteral("10.0.0.2"), QStringLiteral("10.0.0.3"),
                              QStringLiteral("10.0.0.1")}));

        // Back to by path: its own sort, in the model and on the header.
        pane->setView(ConnectionsPane::ByPathView);
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionGroupModel::KeyColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(groupKeys(*pane), (QStringList{QStringLiteral("/b"), QStringLiteral("/a"), none}));
        pane.reset();

        // A new window sorts each view as it was left; the main table keeps its default.
        ConnectionsPane second;
        second.show();
        second.setSnapshot(clients());
        QCOMPARE(second.view(), ConnectionsPane::ByPathView);
        QCOMPARE(second.model()->sortColumn(), int(ConnectionTableModel::defaultSortColumn));
        header = second.groupTable()->horizontalHeader();
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionGroupModel::KeyColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(groupKeys(second),
                 (QStringList{QStringLiteral("/b"), QStringLiteral("/a"), none}));
        second.setView(ConnectionsPane::ByClientView);
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionGroupModel::InFlightColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(groupKeys(second),
                 (QStringList{QStringLiteral("10.0.0.2"), QStringLiteral("10.0.0.3"),
                              QStringLiteral("10.0.0.1")}));
    }
};

QTEST_MAIN(tst_ConnectionsPane)
#include "tst_connectionspane.moc"
