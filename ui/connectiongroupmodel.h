#pragma once

#include "connectionstore.h"
#include "orderedtablemodel.h"

namespace baton::ui {

// Connections grouped by request path or by client address: how many, how many with a request
// in flight, and the oldest (request in flight for a path, connection for a client); the
// largest group first. The store sums the groups in its pass over each snapshot; this model
// only orders them, and only while a view shows it (setActive), so a hidden grouping costs
// nothing per snapshot.
class ConnectionGroupModel : public OrderedTableModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, CountColumn, InFlightColumn, OldestColumn, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    ConnectionGroupModel(ConnectionStore *store, ConnectionStore::GroupKind kind,
                         QObject *parent = nullptr);

    ConnectionStore::GroupKind kind() const { return m_kind; }
    void setActive(bool active);
    bool isActive() const { return m_active; }

    const ConnectionGroup &groupAt(int row) const;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void update();

    ConnectionStore *m_store;
    ConnectionStore::GroupKind m_kind;
    bool m_active = false;
    int m_epoch = -1; // the store's group numbering the order refers to
};

} // namespace baton::ui
