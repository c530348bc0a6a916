#include "drainholdersmodel.h"

#include "connectiontablemodel.h"

namespace baton::ui {

void DrainHoldersModel::setHolders(const QList<DrainHolder> &holders, qint64 nowMs,
                                   qint64 deadlineMs)
{
    m_nowMs = nowMs;
    m_deadlineMs = deadlineMs;
    const int before = int(m_holders.size());
    const int after = int(holders.size());
    if (after < before) {
        beginRemoveRows({}, after, before - 1);
        m_holders.resize(after);
        endRemoveRows();
    }
    // Every age moves each refresh, so every kept row changes anyway.
    const int kept = qMin(before, after);
    for (int row = 0; row < kept; ++row)
        m_holders[row] = holders[row];
    if (kept > 0)
        emit dataChanged(index(0, 0), index(kept - 1, ColumnCount - 1));
    if (after > before) {
        beginInsertRows({}, before, after - 1);
        m_holders.append(holders.mid(before));
        endInsertRows();
    }
}

int DrainHoldersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_holders.size());
}

int DrainHoldersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DrainHoldersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DrainHolder &holder = m_holders[index.row()];
    if (role == IdRole)
        return holder.id;
    if (role == Qt::TextAlignmentRole && index.column() == InFlightColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case RequestColumn:
        // An idle connection's method and path are its last request's: not what holds it.
        return holder.requestStartedAtMs != 0
                   ? QString::fromLatin1(holder.method + ' ' + holder.path)
                   : tr("(no request)");
    case InFlightColumn:
        return holder.requestStartedAtMs != 0
                   ? formatDuration(qMax<qint64>(0, m_nowMs - holder.requestStartedAtMs))
                   : QString();
    case StateColumn:
        return connectionStateName(holder.state);
    case PeerColumn:
        return holder.peer;
    case DeadlineColumn: {
        // Whatever is still open at the deadline is cut, whatever it is doing: no guess here
        // about whether the request will be answered first.
        const qint64 left = m_deadlineMs - m_nowMs;
        return left > 0 ? tr("cut in %1 if still open").arg(formatDuration(left)) : tr("being cut");
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant DrainHoldersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case RequestColumn:
        return tr("Request");
    case InFlightColumn:
        return tr("In flight");
    case StateColumn:
        return tr("State");
    case PeerColumn:
        return tr("Client");
    case DeadlineColumn:
        return tr("At the deadline");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace baton::ui
