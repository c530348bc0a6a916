#include "connectionspane.h"

#include "connectiongroupmodel.h"
#include "connectiontablemodel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QSettings>
#include <QStackedWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace baton::ui {

namespace {

const QString columnsKey = QStringLiteral("window/connectionColumns");
const QString sortColumnKey = QStringLiteral("connections/sortColumn");
const QString sortOrderKey = QStringLiteral("connections/sortOrder");
const QString viewKey = QStringLiteral("connections/view");
const QString filterKey = QStringLiteral("connections/filter");
// Each grouped view's own sort, by ConnectionStore::GroupKind.
const QString groupSortColumnKeys[] = {QStringLiteral("connections/byPath/sortColumn"),
                                       QStringLiteral("connections/byClient/sortColumn")};
const QString groupSortOrderKeys[] = {QStringLiteral("connections/byPath/sortOrder"),
                                      QStringLiteral("connections/byClient/sortOrder")};

void setUpView(QTableView *view)
{
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->verticalHeader()->setVisible(false);
    // Fixed row heights: the view never asks 100,000 rows for their size.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setWordWrap(false);
}

} // namespace

ConnectionsPane::ConnectionsPane(QWidget *parent)
    : QWidget(parent), m_store(new ConnectionStore(this)),
      m_model(new ConnectionTableModel(m_store, this))
{
    m_groupModels[ConnectionStore::ByPath] =
        new ConnectionGroupModel(m_store, ConnectionStore::ByPath, this);
    m_groupModels[ConnectionStore::ByClient] =
        new ConnectionGroupModel(m_store, ConnectionStore::ByClient, this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_viewSelector = new QComboBox(this);
    m_viewSelector->setObjectName(QStringLiteral("connectionView"));
    m_viewSelector->addItems({tr("Connections"), tr("By path"), tr("By client")});
    m_viewSelector->setToolTip(tr("Every connection, or connections grouped by request path or by "
                                  "client address"));
    bar->addWidget(m_viewSelector);
    m_filters = new QButtonGroup(this);
    m_filters->setExclusive(true);
    for (int filter = 0; filter < connectionFilterCount; ++filter) {
        auto *button = new QToolButton(this);
        button->setObjectName(
            QStringLiteral("filter%1").arg(connectionFilterName(ConnectionFilter(filter))));
        button->setCheckable(true);
        button->setAutoRaise(true);
        m_filters->addButton(button, filter);
        bar->addWidget(button);
    }
    m_filters->button(int(ConnectionFilter::All))->setChecked(true);
    m_textFilter = new QLineEdit(this);
    m_textFilter->setObjectName(QStringLiteral("connectionFilter"));
    m_textFilter->setPlaceholderText(tr("Filter connections (peer, state, path…)"));
    m_textFilter->setClearButtonEnabled(true);
    bar->addWidget(m_textFilter, 1);
    layout->addLayout(bar);

    m_stack = new QStackedWidget(this);
    m_table = new QTableView(m_stack);
    m_table->setObjectName(QStringLiteral("connectionTable"));
    m_table->setModel(m_model);
    setUpView(m_table);
    const int digit = m_table->fontMetrics().horizontalAdvance(u'0');
    const int widths[ConnectionTableModel::ColumnCount] = {6, 18, 14, 18, 11, 13, 9, 9, 9};
    for (int column = 0; column < ConnectionTableModel::ColumnCount; ++column)
        m_table->setColumnWidth(column, digit * widths[column]);
    m_table->horizontalHeader()->setSortIndicator(ConnectionTableModel::defaultSortColumn,
                                                  ConnectionTableModel::defaultSortOrder);
    m_table->setSortingEnabled(true);
    m_groupTable = new QTableView(m_stack);
    m_groupTable->setObjectName(QStringLiteral("groupTable"));
    setUpView(m_groupTable);
    // One header for both groupings: setView() gives it the sort of the one shown.
    m_groupTable->setSortingEnabled(true);
    m_stack->addWidget(m_table);
    m_stack->addWidget(m_groupTable);
    layout->addWidget(m_stack, 1);

    restoreSettings();
    updateCounts();

    connect(m_store, &ConnectionStore::updated, this, &ConnectionsPane::updateCounts);
    connect(m_viewSelector, &QComboBox::currentIndexChanged, this, [this](int index) {
        setView(View(index));
        saveChoices();
    });
    connect(m_filters, &QButtonGroup::idClicked, this, [this](int id) {
        m_model->setFilter(ConnectionFilter(id));
        saveChoices();
    });
    connect(m_textFilter, &QLineEdit::textChanged, m_model, &ConnectionTableModel::setTextFilter);
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            &ConnectionsPane::saveChoices);
    // After the view's own connection, which sorts the model: what is saved is what it took.
    connect(m_groupTable->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
            &ConnectionsPane::saveGroupSort);
}

void ConnectionsPane::setSnapshot(const ServerSnapshot &snapshot)
{
    m_store->setSnapshot(snapshot);
}

QAbstractButton *ConnectionsPane::filterButton(ConnectionFilter filter) const
{
    return m_filters->button(int(filter));
}

ConnectionsPane::View ConnectionsPane::view() const
{
    return View(m_viewSelector->currentIndex());
}

void ConnectionsPane::setView(View view)
{
    m_viewSelector->setCurrentIndex(int(view));
    const bool grouped = view != ConnectionsView;
    for (ConnectionGroupModel *model : m_groupModels)
        model->setActive(false);
    if (grouped) {
        ConnectionGroupModel *model =
            m_groupModels[view == ByPathView ? ConnectionStore::ByPath : ConnectionStore::ByClient];
        model->setActive(true);
        if (m_groupTable->model() != model) {
            m_groupTable->setModel(model);
            const int digit = m_groupTable->fontMetrics().horizontalAdvance(u'0');
            m_groupTable->setColumnWidth(ConnectionGroupModel::KeyColumn, digit * 40);
            for (int column = 1; column < ConnectionGroupModel::ColumnCount; ++column)
                m_groupTable->setColumnWidth(column, digit * 20);
            // The header still shows the other grouping's sort; the model is already sorted.
            m_groupTable->horizontalHeader()->setSortIndicator(model->sortColumn(),
                                                               model->sortOrder());
        }
    }
    m_stack->setCurrentWidget(grouped ? m_groupTable : m_table);
    for (QAbstractButton *button : m_filters->buttons())
        button->setEnabled(!grouped);
    m_textFilter->setEnabled(!grouped);
}

// The counts come from the store's pass over the snapshot: nothing here looks at the rows.
void ConnectionsPane::updateCounts()
{
    for (int filter = 0; filter < connectionFilterCount; ++filter) {
        const ConnectionFilter f = ConnectionFilter(filter);
        m_filters->button(filter)->setText(
            QStringLiteral("%1 (%2)").arg(connectionFilterName(f)).arg(m_store->count(f)));
    }
}

void ConnectionsPane::saveChoices() const
{
    QSettings settings;
    settings.setValue(sortColumnKey, m_model->sortColumn());
    settings.setValue(sortOrderKey, int(m_model->sortOrder()));
    settings.setValue(viewKey, int(view()));
    settings.setValue(filterKey, int(m_model->filter()));
}

void ConnectionsPane::saveGroupSort() const
{
    const auto *model = qobject_cast<const ConnectionGroupModel *>(m_groupTable->model());
    if (!model)
        return;
    QSettings settings;
    settings.setValue(groupSortColumnKeys[model->kind()], model->sortColumn());
    settings.setValue(groupSortOrderKeys[model->kind()], int(model->sortOrder()));
}

void ConnectionsPane::saveSettings() const
{
    QSettings settings;
    settings.setValue(columnsKey, m_table->horizontalHeader()->saveState());
    saveChoices();
}

void ConnectionsPane::restoreSettings()
{
    QSettings settings;
    m_table->horizontalHeader()->restoreState(settings.value(columnsKey).toByteArray());
    // After the header state, which has a sort indicator of its own (older versions sorted by id).
    const int column =
        settings.value(sortColumnKey, int(ConnectionTableModel::defaultSortColumn)).toInt();
    const int order =
        settings.value(sortOrderKey, int(ConnectionTableModel::defaultSortOrder)).toInt();
    m_table->sortByColumn(column >= 0 && column < ConnectionTableModel::ColumnCount
                              ? column
                              : int(ConnectionTableModel::defaultSortColumn),
                          order == int(Qt::DescendingOrder) ? Qt::DescendingOrder
                                                            : Qt::AscendingOrder);
    for (ConnectionGroupModel *model : m_groupModels) {
        const int groupColumn = settings
                                    .value(groupSortColumnKeys[model->kind()],
                                           int(ConnectionGroupModel::defaultSortColumn))
                                    .toInt();
        const int groupOrder = settings
                                   .value(groupSortOrderKeys[model->kind()],
                                          int(ConnectionGroupModel::defaultSortOrder))
                                   .toInt();
        model->sort(groupColumn >= 0 && groupColumn < ConnectionGroupModel::ColumnCount
                        ? groupColumn
                        : int(ConnectionGroupModel::defaultSortColumn),
                    groupOrder == int(Qt::AscendingOrder) ? Qt::AscendingOrder
                                                          : Qt::DescendingOrder);
    }
    const int filter = settings.value(filterKey, 0).toInt();
    if (filter > 0 && filter < connectionFilterCount) {
        m_filters->button(filter)->setChecked(true);
        m_model->setFilter(ConnectionFilter(filter));
    }
    const int view = settings.value(viewKey, 0).toInt();
    setView(view >= ByPathView && view <= ByClientView ? View(view) : ConnectionsView);
}

} // namespace baton::ui
