#include "lifecycle/draintracker.h"

#include "net/deadlinetimer.h"

#include <QTimer>

namespace baton {

DrainTracker::DrainTracker(QObject *parent)
    : QObject(parent), m_deadline(new DeadlineTimer(this)), m_progress(new QTimer(this)),
      m_hardStop(new QTimer(this))
{
    m_progress->setInterval(progressIntervalMs);
    m_hardStop->setSingleShot(true);
    connect(m_deadline, &DeadlineTimer::expired, this, &DrainTracker::deadlinePassed);
    connect(m_progress, &QTimer::timeout, this, &DrainTracker::progressDue);
    connect(m_hardStop, &QTimer::timeout, this, &DrainTracker::hardStopDue);
}

void DrainTracker::begin(std::chrono::milliseconds timeout)
{
    m_deadline->start(timeout);
    m_progress->start();
}

bool DrainTracker::extend(std::chrono::milliseconds extra)
{
    if (!m_deadline->isActive())
        return false;
    m_deadline->extend(extra);
    return true;
}

void DrainTracker::cutNow()
{
    m_deadline->stop();
}

void DrainTracker::scheduleHardStop(std::chrono::milliseconds after)
{
    m_hardStop->start(after);
}

void DrainTracker::stop()
{
    m_deadline->stop();
    m_progress->stop();
    m_hardStop->stop();
}

qint64 DrainTracker::msLeft() const
{
    return m_deadline->remainingMs();
}

} // namespace baton
