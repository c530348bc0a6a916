#pragma once

#include "lifecycle/lifecyclestatus.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace baton::ui {

class DrainHoldersModel;
class DrainRecorder;

// "What holds the drain": while this process drains, its connections still open, longest in
// flight first, with what each is doing and when the deadline cuts it; connections moving to the
// next generation are counted apart, not listed. After a restart, the same for the previous
// generation, as it reports its longest holders (LifecycleStatus::Predecessor::holders).
class DrainHoldersView : public QWidget
{
    Q_OBJECT
public:
    explicit DrainHoldersView(QWidget *parent = nullptr);

    // Shows (and returns whether it shows) the holders of the drain under way, if any.
    // nowMs: the monotonic time on this side (the holders' times are on it too).
    bool update(const LifecycleStatus &status, const DrainRecorder &recorder, qint64 nowMs);

    DrainHoldersModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QString summary() const;

private:
    QLabel *m_summary;
    QTableView *m_table;
    DrainHoldersModel *m_model;
};

} // namespace baton::ui
