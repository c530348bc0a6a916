#pragma once

#include "drainrecorder.h"

#include <QAbstractTableModel>

namespace baton::ui {

// The connections holding a drain up, as DrainRecorder lists them (longest in flight first).
// At most DrainRecorder::holderLimit rows: rows keep their places between refreshes (changes are
// dataChanged, the count changes insert or remove at the end), so the view keeps its scroll.
class DrainHoldersModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        RequestColumn,
        InFlightColumn,
        StateColumn,
        PeerColumn,
        DeadlineColumn,
        ColumnCount
    };
    static constexpr int IdRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    // nowMs: when the holders were seen; deadlineMs: when whatever is still open is cut.
    void setHolders(const QList<DrainHolder> &holders, qint64 nowMs, qint64 deadlineMs);
    const DrainHolder &holder(int row) const { return m_holders[row]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<DrainHolder> m_holders;
    qint64 m_nowMs = 0;
    qint64 m_deadlineMs = 0;
};

} // namespace baton::ui
