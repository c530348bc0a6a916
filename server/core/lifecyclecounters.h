#pragma once

#include <QString>

#include <atomic>

namespace baton {

// Process-level lifecycle facts for /metrics: restarts by result, the last drain's duration and
// the connections its deadline cut. They outlive server generations (a stop and Start again
// keeps them), are written by the lifecycle controller's thread and read by whichever I/O
// thread renders /metrics, hence atomics. A restart passes the restart counts on to the new
// process, so they do not start from zero at each restart as a process's own counters would.
class LifecycleCounters
{
public:
    struct Values
    {
        quint64 restartsSucceeded = 0;
        quint64 restartsFailed = 0;
        quint64 restartsAbandoned = 0;
        quint64 connectionsCut = 0;
        qint64 lastDrainMs = 0; // 0 before any drain ended
    };

    // The environment variable a successor reads them from.
    static constexpr const char *environmentVariable = "BATON_RESTART_COUNTS";

    void restartSucceeded() { m_succeeded.fetch_add(1, std::memory_order_relaxed); }
    void restartFailed() { m_failed.fetch_add(1, std::memory_order_relaxed); }
    void restartAbandoned() { m_abandoned.fetch_add(1, std::memory_order_relaxed); }
    void connectionsCut(qint64 count);
    // A drain that started at startedAtMs (monotonic; 0: there was none) ended at endedAtMs.
    void drainFinished(qint64 startedAtMs, qint64 endedAtMs);
    Values values() const;

    // "BATON_RESTART_COUNTS=S,F,A" for a successor: what it will report once it serves, its own
    // restart included.
    QString successorEnvironment() const;
    // Reads and removes the variable a predecessor set; without one, nothing changes.
    void inheritFromEnvironment();

private:
    std::atomic<quint64> m_succeeded{0};
    std::atomic<quint64> m_failed{0};
    std::atomic<quint64> m_abandoned{0};
    std::atomic<quint64> m_cut{0};
    std::atomic<qint64> m_lastDrainMs{0};
};

} // namespace baton
