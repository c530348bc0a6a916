#include "core/lifecyclecounters.h"

#include <QByteArray>
#include <QList>

namespace baton {

void LifecycleCounters::connectionsCut(qint64 count)
{
    if (count > 0)
        m_cut.fetch_add(quint64(count), std::memory_order_relaxed);
}

void LifecycleCounters::drainFinished(qint64 startedAtMs, qint64 endedAtMs)
{
    if (startedAtMs > 0)
        m_lastDrainMs.store(qMax<qint64>(0, endedAtMs - startedAtMs), std::memory_order_relaxed);
}

LifecycleCounters::Values LifecycleCounters::values() const
{
    Values values;
    values.restartsSucceeded = m_succeeded.load(std::memory_order_relaxed);
    values.restartsFailed = m_failed.load(std::memory_order_relaxed);
    values.restartsAbandoned = m_abandoned.load(std::memory_order_relaxed);
    values.connectionsCut = m_cut.load(std::memory_order_relaxed);
    values.lastDrainMs = m_lastDrainMs.load(std::memory_order_relaxed);
    return values;
}

QString LifecycleCounters::successorEnvironment() const
{
    const Values v = values();
    return QStringLiteral("%1=%2,%3,%4")
        .arg(QLatin1String(environmentVariable))
        .arg(v.restartsSucceeded + 1)
        .arg(v.restartsFailed)
        .arg(v.restartsAbandoned);
}

void LifecycleCounters::inheritFromEnvironment()
{
    const QList<QByteArray> counts = qgetenv(environmentVariable).split(',');
    qunsetenv(environmentVariable);
    if (counts.size() != 3)
        return;
    bool ok[3] = {};
    const quint64 succeeded = counts[0].toULongLong(&ok[0]);
    const quint64 failed = counts[1].toULongLong(&ok[1]);
    const quint64 abandoned = counts[2].toULongLong(&ok[2]);
    if (!ok[0] || !ok[1] || !ok[2])
        return;
    m_succeeded.store(succeeded, std::memory_order_relaxed);
    m_failed.store(failed, std::memory_order_relaxed);
    m_abandoned.store(abandoned, std::memory_order_relaxed);
}

} // namespace baton
