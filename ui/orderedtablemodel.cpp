#include "orderedtablemodel.h"

namespace baton::ui {

int OrderedTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_order.size());
}

void OrderedTableModel::resetOrder(std::vector<int> newOrder)
{
    beginResetModel();
    m_order = std::move(newOrder);
    endResetModel();
}

// QHeaderView pays O(rows) for every rowsRemoved (it renumbers its hidden sections by walking all
// of them): at 100,000 rows, twenty scattered closes as twenty removals were 20 ms. So whatever
// changed, a snapshot is at most one layout change that gathers the gone rows at the end (and
// puts the rest in their new order), one removal, one insertion (at the end if the new rows are
// scattered) and one layout change that puts them in place.
void OrderedTableModel::applyOrder(std::vector<int> newOrder, int slotLimit)
{
    // By slot: -1 not in the new order, 0 new, 1 in both. The old order may name slots a
    // store has since given up (a shrunk group table): they are simply gone.
    for (const int slot : m_order)
        slotLimit = qMax(slotLimit, slot + 1);
    m_mark.assign(size_t(slotLimit), -1);
    for (const int slot : newOrder)
        m_mark[size_t(slot)] = 0;
    size_t gone = 0;
    size_t firstGone = m_order.size();
    size_t lastGone = 0;
    for (size_t row = 0; row < m_order.size(); ++row) {
        qint8 &mark = m_mark[size_t(m_order[row])];
        if (mark == -1) {
            ++gone;
            firstGone = qMin(firstGone, row);
            lastGone = row;
        } else {
            mark = 1;
        }
    }
    const auto wasShown = [this](int slot) { return m_mark[size_t(slot)] == 1; };
    size_t added = 0;
    int addedRuns = 0;
    for (size_t row = 0; row < newOrder.size(); ++row) {
        if (!wasShown(newOrder[row])) {
            ++added;
            if (row == 0 || wasShown(newOrder[row - 1]))
                ++addedRuns;
        }
    }

    // The rows that stay, in their new relative order.
    std::vector<int> survivors;
    if (added == 0) {
        survivors = std::move(newOrder);
        newOrder.clear();
    } else {
        survivors.reserve(newOrder.size() - added);
        for (const int slot : newOrder) {
            if (wasShown(slot))
                survivors.push_back(slot);
        }
    }
    if (gone > 0) {
        if (lastGone - firstGone + 1 != gone) {
            std::vector<int> gathered = survivors;
            gathered.reserve(m_order.size());
            for (const int slot : m_order) {
                if (m_mark[size_t(slot)] == -1)
                    gathered.push_back(slot);
            }
            rearrange(std::move(gathered), slotLimit);
            firstGone = survivors.size();
            lastGone = m_order.size() - 1;
        }
        beginRemoveRows({}, int(firstGone), int(lastGone));
        m_order.erase(m_order.begin() + qsizetype(firstGone),
                      m_order.begin() + qsizetype(lastGone) + 1);
        endRemoveRows();
    }
    if (survivors != m_order)
        rearrange(std::move(survivors), slotLimit);
    if (added == 0)
        return;

    if (addedRuns == 1) {
        size_t first = 0;
        while (wasShown(newOrder[first]))
            ++first;
        beginInsertRows({}, int(first), int(first + added - 1));
        m_order.insert(m_order.begin() + qsizetype(first), newOrder.begin() + qsizetype(first),
                       newOrder.begin() + qsizetype(first + added));
        endInsertRows();
        return;
    }
    const int end = int(m_order.size());
    beginInsertRows({}, end, end + int(added) - 1);
    for (const int slot : newOrder) {
        if (!wasShown(slot))
            m_order.push_back(slot);
    }
    endInsertRows();
    rearrange(std::move(newOrder), slotLimit);
}

void OrderedTableModel::rearrange(std::vector<int> order, int slotLimit)
{
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    // Only the persistent indexes (a view's current row and selection, a few) move.
    const QModelIndexList from = persistentIndexList();
    QModelIndexList to;
    to.reserve(from.size());
    if (!from.isEmpty()) {
        m_rowOf.assign(size_t(slotLimit), -1);
        for (size_t row = 0; row < order.size(); ++row)
            m_rowOf[size_t(order[row])] = int(row);
        for (const QModelIndex &index : from) {
            const int slot = m_order[size_t(index.row())];
            to.append(createIndex(m_rowOf[size_t(slot)], index.column()));
        }
    }
    changePersistentIndexList(from, to);
    m_order = std::move(order);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

} // namespace baton::ui
