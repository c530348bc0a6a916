#include "orderedtablemodel.h"

namespace baton::ui {

namespace {

// More runs than this and one reset is cheaper for a view than that many signals (each removal
// or insertion moves the tail of the order and every persistent index).
constexpr int maxRuns = 64;

} // namespace

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

void OrderedTableModel::applyOrder(std::vector<int> newOrder, int slotLimit)
{
    // By slot: -1 not in the new order, 0 new, 1 in both. The old order may name slots a
    // store has since given up (a shrunk group table): they are simply gone.
    for (const int slot : m_order)
        slotLimit = qMax(slotLimit, slot + 1);
    m_mark.assign(size_t(slotLimit), -1);
    for (const int slot : newOrder)
        m_mark[size_t(slot)] = 0;
    const auto stays = [this](int slot) { return m_mark[size_t(slot)] != -1; };
    int runs = 0;
    for (size_t row = 0; row < m_order.size(); ++row) {
        if (!stays(m_order[row]) && (row == 0 || stays(m_order[row - 1])))
            ++runs;
    }
    for (const int slot : m_order) {
        if (stays(slot))
            m_mark[size_t(slot)] = 1;
    }
    const auto wasShown = [this](int slot) { return m_mark[size_t(slot)] == 1; };
    for (size_t row = 0; row < newOrder.size(); ++row) {
        if (!wasShown(newOrder[row]) && (row == 0 || wasShown(newOrder[row - 1])))
            ++runs;
    }
    if (runs > maxRuns) {
        resetOrder(std::move(newOrder));
        return;
    }

    // Removals, back to front, a contiguous run at a time.
    for (int row = int(m_order.size()) - 1; row >= 0;) {
        if (stays(m_order[size_t(row)])) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !stays(m_order[size_t(first - 1)]))
            --first;
        beginRemoveRows({}, first, row);
        m_order.erase(m_order.begin() + first, m_order.begin() + row + 1);
        endRemoveRows();
        row = first - 1;
    }

    // What remains, in its new relative order: a layout change if that differs. Without
    // removals or insertions (the usual snapshot) that is the new order itself.
    std::vector<int> survivors;
    if (runs == 0) {
        survivors = std::move(newOrder);
        newOrder.clear();
    } else {
        survivors.reserve(m_order.size());
        for (const int slot : newOrder) {
            if (wasShown(slot))
                survivors.push_back(slot);
        }
    }
    if (survivors != m_order) {
        emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        // Only the persistent indexes (a view's current row and selection, a few) move.
        const QModelIndexList from = persistentIndexList();
        QModelIndexList to;
        to.reserve(from.size());
        if (!from.isEmpty()) {
            m_rowOf.assign(size_t(slotLimit), -1);
            for (size_t row = 0; row < survivors.size(); ++row)
                m_rowOf[size_t(survivors[row])] = int(row);
            for (const QModelIndex &index : from) {
                const int slot = m_order[size_t(index.row())];
                to.append(createIndex(m_rowOf[size_t(slot)], index.column()));
            }
        }
        changePersistentIndexList(from, to);
        m_order = std::move(survivors);
        emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
    }

    // Insertions, front to back: everything before a run is already in its final place.
    for (size_t row = 0; row < newOrder.size();) {
        if (wasShown(newOrder[row])) {
            ++row;
            continue;
        }
        size_t last = row;
        while (last + 1 < newOrder.size() && !wasShown(newOrder[last + 1]))
            ++last;
        beginInsertRows({}, int(row), int(last));
        m_order.insert(m_order.begin() + qsizetype(row), newOrder.begin() + qsizetype(row),
                       newOrder.begin() + qsizetype(last) + 1);
        endInsertRows();
        row = last + 1;
    }
}

} // namespace baton::ui
