#include "connectiongroupmodel.h"

#include "connectiontablemodel.h"

#include <algorithm>
#include <limits>

namespace baton::ui {

ConnectionGroupModel::ConnectionGroupModel(ConnectionStore *store, ConnectionStore::GroupKind kind,
                                           QObject *parent)
    : OrderedTableModel(parent), m_store(store), m_kind(kind)
{
    connect(m_store, &ConnectionStore::updated, this, &ConnectionGroupModel::update);
}

void ConnectionGroupModel::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (!m_active)
        return;
    // The order was left as it was when hidden: snapshots since were not followed.
    const bool renumbered = m_epoch != m_store->groupEpoch();
    resort();
    if (!renumbered && rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const ConnectionGroup &ConnectionGroupModel::groupAt(int row) const
{
    return m_store->groups(m_kind)[size_t(slotAt(row))];
}

void ConnectionGroupModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount || (column == m_sortColumn && order == m_sortOrder))
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    if (m_active)
        resort();
}

// What the sort compares, ascending, apart from the key. The oldest is compared by its timestamp
// (an older one started earlier), so that a group keeps its place as time passes; none is the
// smallest age.
qint64 ConnectionGroupModel::sortValue(const ConnectionGroup &group) const
{
    switch (m_sortColumn) {
    case CountColumn:
        return group.count;
    case InFlightColumn:
        return group.inFlight;
    case OldestColumn:
        return group.oldestAtMs > 0 ? -group.oldestAtMs : std::numeric_limits<qint64>::min();
    default:
        return 0; // the key, which never changes for a group id
    }
}

bool ConnectionGroupModel::less(int a, int b) const
{
    const std::vector<ConnectionGroup> &groups = m_store->groups(m_kind);
    const ConnectionGroup &x = groups[size_t(a)];
    const ConnectionGroup &y = groups[size_t(b)];
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    if (m_sortColumn != KeyColumn) {
        const qint64 u = sortValue(x);
        const qint64 v = sortValue(y);
        if (u != v)
            return ascending ? u < v : u > v;
        // Equal values read best A to Z, whichever the direction.
        if (x.key != y.key)
            return x.key < y.key;
    } else if (x.key != y.key) {
        return ascending ? x.key < y.key : y.key < x.key;
    }
    return a < b; // two paths can decode to one key: a total order all the same
}

void ConnectionGroupModel::resort()
{
    const std::vector<ConnectionGroup> &groups = m_store->groups(m_kind);
    m_placed.assign(groups.size(), Placed());
    std::vector<int> rows;
    for (int id = 0; id < int(groups.size()); ++id) {
        if (groups[size_t(id)].count > 0) {
            rows.push_back(id);
            m_placed[size_t(id)] = {sortValue(groups[size_t(id)]), true};
        }
    }
    std::sort(rows.begin(), rows.end(), [this](int a, int b) { return less(a, b); });
    if (m_epoch != m_store->groupEpoch()) {
        // The ids were renumbered: the old order names groups that are no more.
        m_epoch = m_store->groupEpoch();
        resetOrder(std::move(rows));
        return;
    }
    applyOrder(std::move(rows), int(groups.size()));
}

// Every group's numbers are summed anew each snapshot, but most stay the same (a client view can
// have thousands of groups): only those whose sort value changed, or that came or went, are
// taken out and merged back, and the others keep their rows.
void ConnectionGroupModel::update()
{
    if (!m_active)
        return;
    if (m_epoch != m_store->groupEpoch()) {
        resort();
        return;
    }
    const std::vector<ConnectionGroup> &groups = m_store->groups(m_kind);
    m_placed.resize(groups.size()); // within an epoch, groups are only added
    m_touched.assign(groups.size(), 0);
    std::vector<int> moved;
    bool taken = false;
    for (int id = 0; id < int(groups.size()); ++id) {
        const ConnectionGroup &group = groups[size_t(id)];
        const Placed now{group.count > 0 ? sortValue(group) : 0, group.count > 0};
        Placed &placed = m_placed[size_t(id)];
        if (now.shown == placed.shown && now.value == placed.value)
            continue;
        if (placed.shown) {
            m_touched[size_t(id)] = 1;
            taken = true;
        }
        if (now.shown)
            moved.push_back(id);
        placed = now;
    }
    if (taken || !moved.empty()) {
        m_kept.clear();
        for (const int id : order()) {
            if (!m_touched[size_t(id)])
                m_kept.push_back(id);
        }
        std::vector<int> rows;
        mergeInOrder(rows, m_kept, moved, [this](int a, int b) { return less(a, b); });
        applyOrder(std::move(rows), int(groups.size()));
    }
    // The ages moved (and maybe counts that do not decide the order): one signal for all.
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int ConnectionGroupModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionGroupModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionGroup &group = groupAt(index.row());
    const qint64 oldestAge = group.oldestAtMs > 0 ? m_store->takenAtMs() - group.oldestAtMs : -1;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            if (group.key.isEmpty())
                return m_kind == ConnectionStore::ByPath ? tr("(no request yet)") : tr("(unknown)");
            return group.key;
        case CountColumn:
            return QString::number(group.count);
        case InFlightColumn:
            return QString::number(group.inFlight);
        case OldestColumn:
            return oldestAge >= 0 ? formatDuration(oldestAge) : QString();
        }
        break;
    case SortRole:
        switch (index.column()) {
        case KeyColumn:
            return group.key;
        case CountColumn:
            return group.count;
        case InFlightColumn:
            return group.inFlight;
        case OldestColumn:
            return oldestAge;
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() != KeyColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    default:
        break;
    }
    return {};
}

QVariant ConnectionGroupModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    // A header click on a new column sorts names A to Z, numbers largest (oldest) first.
    if (orientation == Qt::Horizontal && role == Qt::InitialSortOrderRole)
        return int(section == KeyColumn ? Qt::AscendingOrder : Qt::DescendingOrder);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return OrderedTableModel::headerData(section, orientation, role);
    const bool byPath = m_kind == ConnectionStore::ByPath;
    switch (section) {
    case KeyColumn:
        return byPath ? tr("Path (current or last request)") : tr("Client address");
    case CountColumn:
        return tr("Connections");
    case InFlightColumn:
        return tr("Requests in flight");
    case OldestColumn:
        return byPath ? tr("Oldest request in flight") : tr("Oldest connection");
    }
    return {};
}

} // namespace baton::ui
