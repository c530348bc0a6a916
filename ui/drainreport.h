#pragma once

#include "core/serversnapshot.h"
#include "drainrecorder.h"
#include "lifecycle/lifecyclestatus.h"

#include <QWidget>

namespace baton::ui {

class DrainHoldersView;
class DrainTimeline;

// The window's drain detail: while a drain runs, what holds it (DrainHoldersView); once it is
// over, its timeline beside the stop report (DrainTimeline). Fed only with what each refresh has
// (status, snapshot, time), so it works the same whether the window shares the server's process
// or reads it over a control socket.
class DrainReport : public QWidget
{
    Q_OBJECT
public:
    explicit DrainReport(QWidget *parent = nullptr);

    void update(const LifecycleStatus &status, const ServerSnapshot &snapshot, qint64 nowMs);

    const DrainRecorder &recorder() const { return m_recorder; }
    DrainHoldersView *holdersView() const { return m_holders; }
    DrainTimeline *timeline() const { return m_timeline; }

private:
    DrainRecorder m_recorder;
    DrainHoldersView *m_holders;
    DrainTimeline *m_timeline;
    qint64 m_timelineOf = 0; // drainStartedAtMs of the drain the timeline shows
};

} // namespace baton::ui
