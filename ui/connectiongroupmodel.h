#pragma once

#include "connectionstore.h"
#include "orderedtablemodel.h"

namespace baton::ui {

// Connections grouped by request path or by client address: how many, how many with a request
// in flight, and the oldest (request in flight for a path, connection for a client); the
// largest group first unless sorted otherwise (sort(), a header click). The store sums the
// groups in its pass over each snapshot; this model only orders them, and only while a view
// shows it (setActive), so a hidden grouping costs nothing per snapshot.
class ConnectionGroupModel : public OrderedTableModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, CountColumn, InFlightColumn, OldestColumn, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    // The operator's first question of a grouping: where are most connections?
    static constexpr Column defaultSortColumn = CountColumn;
    static constexpr Qt::SortOrder defaultSortOrder = Qt::DescendingOrder;

    ConnectionGroupModel(ConnectionStore *store, ConnectionStore::GroupKind kind,
                         QObject *parent = nullptr);

    ConnectionStore::GroupKind kind() const { return m_kind; }
    void setActive(bool active);
    bool isActive() const { return m_active; }

    const ConnectionGroup &groupAt(int row) const;

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    // A group as the order last placed it, by group id.
    struct Placed
    {
        qint64 value = 0; // sortValue() then
        bool shown = false;
    };

    void update();
    void resort();
    qint64 sortValue(const ConnectionGroup &group) const;
    bool less(int a, int b) const;

    ConnectionStore *m_store;
    ConnectionStore::GroupKind m_kind;
    bool m_active = false;
    int m_epoch = -1; // the store's group numbering the order refers to
    int m_sortColumn = defaultSortColumn;
    Qt::SortOrder m_sortOrder = defaultSortOrder;
    std::vector<Placed> m_placed;
    std::vector<quint8> m_touched; // scratch, by group id
    std::vector<int> m_kept;       // scratch
};

} // namespace baton::ui
