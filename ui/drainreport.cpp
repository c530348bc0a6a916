#include "drainreport.h"

#include "drainholdersview.h"
#include "draintimeline.h"

#include <QVBoxLayout>

namespace baton::ui {

DrainReport::DrainReport(QWidget *parent)
    : QWidget(parent), m_holders(new DrainHoldersView(this)), m_timeline(new DrainTimeline(this))
{
    setObjectName(QStringLiteral("drainReport"));
    m_holders->setVisible(false);
    m_timeline->setObjectName(QStringLiteral("drainTimeline"));
    m_timeline->setVisible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_holders);
    layout->addWidget(m_timeline);
    setVisible(false);
}

void DrainReport::update(const LifecycleStatus &status, const ServerSnapshot &snapshot,
                         qint64 nowMs)
{
    m_recorder.update(status, snapshot, nowMs);
    const bool holding = m_holders->update(status, m_recorder, nowMs);
    // With the stop report: the same condition MainWindow::updateReport() shows it on.
    const bool report = status.state == LifecycleStatus::State::Stopped &&
                        status.drainEndedAtMs != 0 && m_recorder.isOver() &&
                        m_recorder.startedAtMs() == status.drainStartedAtMs;
    if (report && m_timelineOf != m_recorder.startedAtMs()) {
        m_timelineOf = m_recorder.startedAtMs();
        m_timeline->setReport(m_recorder);
    }
    m_timeline->setVisible(report);
    setVisible(holding || report);
}

} // namespace baton::ui
