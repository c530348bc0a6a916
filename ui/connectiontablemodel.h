#pragma once

#include "core/serversnapshot.h"

#include <QAbstractTableModel>
#include <QHash>

namespace baton::ui {

// The live connections of one server, fed by snapshots (about ten a second) and diffed by
// connection id: rows come and go with beginInsertRows/beginRemoveRows, and the rest is one
// dataChanged per snapshot, since every row's ages move anyway.
class ConnectionTableModel : public QAbstractTableModel
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
    // Raw values (numbers, not text) for sorting.
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int StateRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;

    void setSnapshot(const ServerSnapshot &snapshot);
    void clear();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<ConnectionInfo> m_rows;
    QHash<quint64, int> m_rowById;
    qint64 m_takenAtMs = 0;
};

QString formatDuration(qint64 ms);
QString formatBytes(qint64 bytes);

} // namespace baton::ui
