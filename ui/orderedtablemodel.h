#pragma once

#include <QAbstractTableModel>
#include <QtGlobal>

#include <algorithm>
#include <vector>

namespace baton::ui {

// A flat table whose rows are "slots" (stable small integers naming an item in some store) in a
// display order the subclass computes. applyOrder() turns one order into the next with signals a
// view understands (removals, insertions, layout changes), so a view keeps its selection and
// scroll position, and with few of them whatever changed (see applyOrder()).
class OrderedTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    // The slot shown in a row (no bounds check beyond an assertion).
    int slotAt(int row) const { return m_order[size_t(row)]; }

protected:
    // newOrder: distinct slots, each below slotLimit.
    void applyOrder(std::vector<int> newOrder, int slotLimit);
    void resetOrder(std::vector<int> newOrder);
    // The same slots in another order: one layout change.
    void rearrange(std::vector<int> order, int slotLimit);
    const std::vector<int> &order() const { return m_order; }

private:
    std::vector<int> m_order;
    // Scratch for applyOrder(), by slot, kept to spare a 100,000-row table the allocations.
    std::vector<qint8> m_mark;
    std::vector<int> m_rowOf;
};

// How a sorted table takes in a snapshot without sorting it again: the slots whose sort key did
// not change (kept, still in order) and those that are new or changed (moved, in any order) into
// one order. The moved are sorted among themselves and each put where a binary search in kept
// says: O(n + k log n), and no comparison at all between two kept slots. less must be a total
// order, so that the result does not depend on the order the rows came in.
template<typename Less>
void mergeInOrder(std::vector<int> &out, const std::vector<int> &kept, std::vector<int> &moved,
                  Less less)
{
    std::sort(moved.begin(), moved.end(), less);
    out.clear();
    out.reserve(kept.size() + moved.size());
    auto from = kept.cbegin();
    for (const int slot : moved) {
        const auto at = std::lower_bound(from, kept.cend(), slot, less);
        out.insert(out.end(), from, at);
        out.push_back(slot);
        from = at;
    }
    out.insert(out.end(), from, kept.cend());
}

} // namespace baton::ui
