#pragma once

#include "connectionstore.h"
#include "orderedtablemodel.h"

namespace baton::ui {

// The live connections of one server as the table shows them: filtered by state (and text) and
// sorted, both here rather than in a QSortFilterProxyModel, because at 100,000 rows a proxy
// re-sorts and re-filters everything on every snapshot (every row's age moves). Here the sort
// keys are the timestamps, not the ages, so a row keeps its place until its connection changes:
// each snapshot takes the changed rows out, sorts those few and merges them back, O(n + k log k).
// The default order is the operator's question: busy connections first, oldest request first.
class ConnectionTableModel : public OrderedTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        PeerColumn,
        StateColumn,
        RequestColumn,
        RequestAgeColumn,
        ConnectionAgeColumn,
        BytesInColumn,
        BytesOutColumn,
        RequestsColumn,
        ColumnCount
    };
    // Raw values (numbers, not text).
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int StateRole = Qt::UserRole + 2;
    // Busy first, then the oldest request (then the oldest connection).
    static constexpr Column defaultSortColumn = StateColumn;
    static constexpr Qt::SortOrder defaultSortOrder = Qt::AscendingOrder;

    // With a store of its own.
    explicit ConnectionTableModel(QObject *parent = nullptr);
    explicit ConnectionTableModel(ConnectionStore *store, QObject *parent = nullptr);

    ConnectionStore *store() const { return m_store; }
    void setSnapshot(const ServerSnapshot &snapshot) { m_store->setSnapshot(snapshot); }
    void clear() { m_store->clear(); }

    void setFilter(ConnectionFilter filter);
    ConnectionFilter filter() const { return m_filter; }
    // Case-insensitive, on peer, request and state.
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    quint64 idAt(int row) const { return m_store->info(slotAt(row)).id; }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void update();
    void resort();
    void show();
    bool shown(int slot) const;
    bool less(int a, int b) const;
    bool matchesText(int slot) const;

    ConnectionStore *m_store;
    ConnectionFilter m_filter = ConnectionFilter::All;
    QString m_text;
    std::vector<int> m_sorted;       // every live slot, in the sort order; the rows are those shown
    std::vector<quint8> m_textMatch; // by slot, while m_text is set
    std::vector<quint8> m_touched;   // scratch, by slot
    std::vector<int> m_kept;         // scratch
    int m_sortColumn = defaultSortColumn;
    Qt::SortOrder m_sortOrder = defaultSortOrder;
};

QString formatDuration(qint64 ms);
QString formatBytes(qint64 bytes);

} // namespace baton::ui
