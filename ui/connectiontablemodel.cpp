#include "connectiontablemodel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

namespace baton::ui {

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 3'600'000)
        return QStringLiteral("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60);
    return QStringLiteral("%1 h %2 min").arg(ms / 3'600'000).arg((ms / 60'000) % 60);
}

QString formatBytes(qint64 bytes)
{
    return QLocale::system().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

void ConnectionTableModel::setSnapshot(const ServerSnapshot &snapshot)
{
    m_takenAtMs = snapshot.takenAtMs;
    QHash<quint64, const ConnectionInfo *> incoming;
    incoming.reserve(snapshot.connections.size());
    for (const ConnectionInfo &info : snapshot.connections)
        incoming.insert(info.id, &info);

    // Remove vanished rows back to front, a contiguous run at a time.
    bool removed = false;
    for (int row = int(m_rows.size()) - 1; row >= 0;) {
        if (incoming.contains(m_rows[row].id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !incoming.contains(m_rows[first - 1].id))
            --first;
        beginRemoveRows({}, first, row);
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        removed = true;
        row = first - 1;
    }
    if (removed) {
        m_rowById.clear();
        for (int row = 0; row < m_rows.size(); ++row)
            m_rowById.insert(m_rows[row].id, row);
    }

    // Update survivors in place; collect the newcomers in snapshot order.
    QList<ConnectionInfo> added;
    for (const ConnectionInfo &info : snapshot.connections) {
        const auto it = m_rowById.constFind(info.id);
        if (it == m_rowById.constEnd())
            added.append(info);
        else
            m_rows[*it] = info;
    }
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (const ConnectionInfo &info : std::as_const(added)) {
            m_rowById.insert(info.id, int(m_rows.size()));
            m_rows.append(info);
        }
        endInsertRows();
    }
}

void ConnectionTableModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    endResetModel();
}

int ConnectionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConnectionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionInfo &info = m_rows[index.row()];
    const qint64 requestAge =
        info.requestStartedAtMs > 0 ? m_takenAtMs - info.requestStartedAtMs : -1;
    const qint64 connectionAge = m_takenAtMs - info.connectedAtMs;
    const bool busy = info.state == ConnectionState::Busy || info.state == ConnectionState::Writing;

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return QString::number(info.id);
        case PeerColumn:
            return info.peer;
        case StateColumn:
            return info.draining ? connectionStateName(info.state) + QStringLiteral(" (draining)")
                                 : connectionStateName(info.state);
        case RequestColumn:
            return info.method.isEmpty()
                       ? QString()
                       : QString::fromLatin1(info.method) + u' ' + QString::fromUtf8(info.path);
        case RequestAgeColumn:
            return requestAge >= 0 ? formatDuration(requestAge) : QString();
        case ConnectionAgeColumn:
            return formatDuration(connectionAge);
        case BytesInColumn:
            return formatBytes(info.bytesIn);
        case BytesOutColumn:
            return formatBytes(info.bytesOut);
        case RequestsColumn:
            return QString::number(info.requestsServed);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case IdColumn:
            return info.id;
        case PeerColumn:
            return info.peer;
        case StateColumn:
            return int(info.state);
        case RequestColumn:
            return QString::fromUtf8(info.method + ' ' + info.path);
        case RequestAgeColumn:
            return requestAge;
        case ConnectionAgeColumn:
            return connectionAge;
        case BytesInColumn:
            return info.bytesIn;
        case BytesOutColumn:
            return info.bytesOut;
        case RequestsColumn:
            return info.requestsServed;
        }
        break;
    case StateRole:
        return int(info.state);
    case Qt::TextAlignmentRole:
        if (index.column() >= RequestAgeColumn || index.column() == IdColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::BackgroundRole:
        if (busy)
            return QBrush(QColor(255, 236, 179)); // amber: a request is being answered
        if (info.state == ConnectionState::Closing)
            return QBrush(QColor(236, 236, 236));
        break;
    case Qt::FontRole:
        if (info.draining) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        break;
    case Qt::ToolTipRole:
        return QStringLiteral("Connection %1 from %2, worker thread %3")
            .arg(info.id)
            .arg(info.peer)
            .arg(info.worker);
    default:
        break;
    }
    return {};
}

QVariant ConnectionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case PeerColumn:
        return tr("Peer");
    case StateColumn:
        return tr("State");
    case RequestColumn:
        return tr("Request");
    case RequestAgeColumn:
        return tr("Request age");
    case ConnectionAgeColumn:
        return tr("Connection age");
    case BytesInColumn:
        return tr("In");
    case BytesOutColumn:
        return tr("Out");
    case RequestsColumn:
        return tr("Requests");
    }
    return {};
}

} // namespace baton::ui
