#include "net/deadlinetimer.h"

#include "net/monotonicclock.h"

#include <QTimer>

namespace baton {

namespace {

constexpr qint64 maxStepMs = 24 * 3600 * 1000;

} // namespace

DeadlineTimer::DeadlineTimer(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &DeadlineTimer::step);
}

void DeadlineTimer::start(std::chrono::milliseconds duration)
{
    m_deadlineMs = monotonicMs() + qMax<qint64>(0, duration.count());
    arm();
}

void DeadlineTimer::extend(std::chrono::milliseconds amount)
{
    if (!isActive())
        return;
    m_deadlineMs += amount.count();
    arm();
}

void DeadlineTimer::stop()
{
    m_timer->stop();
}

bool DeadlineTimer::isActive() const
{
    return m_timer->isActive();
}

qint64 DeadlineTimer::remainingMs() const
{
    return isActive() ? qMax<qint64>(0, m_deadlineMs - monotonicMs()) : 0;
}

void DeadlineTimer::arm()
{
    const qint64 left = qBound<qint64>(0, m_deadlineMs - monotonicMs(), maxStepMs);
    m_timer->start(int(left));
}

void DeadlineTimer::step()
{
    if (monotonicMs() < m_deadlineMs) {
        arm();
        return;
    }
    emit expired();
}

} // namespace baton
