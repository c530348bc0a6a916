#include "connectiongroupmodel.h"

#include "connectiontablemodel.h"

#include <algorithm>

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
    update();
}

const ConnectionGroup &ConnectionGroupModel::groupAt(int row) const
{
    return m_store->groups(m_kind)[size_t(slotAt(row))];
}

void ConnectionGroupModel::update()
{
    if (!m_active)
        return;
    const std::vector<ConnectionGroup> &groups = m_store->groups(m_kind);
    std::vector<int> rows;
    for (int id = 0; id < int(groups.size()); ++id) {
        if (groups[size_t(id)].count > 0)
            rows.push_back(id);
    }
    std::sort(rows.begin(), rows.end(), [&groups](int a, int b) {
        const ConnectionGroup &x = groups[size_t(a)];
        const ConnectionGroup &y = groups[size_t(b)];
        if (x.count != y.count)
            return x.count > y.count;
        return x.key < y.key;
    });
    if (m_epoch != m_store->groupEpoch()) {
        // The ids were renumbered: the old order names groups that are no more.
        m_epoch = m_store->groupEpoch();
        resetOrder(std::move(rows));
        return;
    }
    applyOrder(std::move(rows), int(groups.size()));
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
