#pragma once

#include <QAbstractTableModel>
#include <QtGlobal>

#include <vector>

namespace baton::ui {

// A flat table whose rows are "slots" (stable small integers naming an item in some store) in a
// display order the subclass computes. applyOrder() turns one order into the next with the
// fewest signals a view understands: removals and insertions in contiguous runs and one layout
// change for what moved, so a view keeps its selection and scroll position and only the rows
// that changed cost anything. A change too scattered to describe in a few runs (a filter switch
// at 100,000 rows, say) is a model reset instead: one signal rather than thousands.
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
    const std::vector<int> &order() const { return m_order; }

private:
    std::vector<int> m_order;
    // Scratch for applyOrder(), by slot, kept to spare a 100,000-row table the allocations.
    std::vector<qint8> m_mark;
    std::vector<int> m_rowOf;
};

} // namespace baton::ui
