#pragma once

#include "core/servercontext.h"

#include <QByteArray>

#include <array>

namespace baton {

// The sum of every I/O thread's counters at one moment.
struct CounterTotals
{
    std::array<qint64, connectionStateCount> connectionsByState{};
    std::array<quint64, WorkerCounters::statusSlots> responsesByStatus{};
    quint64 connectionsAccepted = 0;
    quint64 connectionsRejected = 0;
    quint64 acceptPauses = 0;
    quint64 connectionsHandedOver = 0;
    quint64 connectionsHandedOverAfterResponse = 0;
    quint64 connectionsReturned = 0;
    quint64 connectionsAdopted = 0;
    std::array<quint64, requestDurationBoundsNs.size() + 1> requestDurations{}; // not cumulative
    quint64 requestDurationSumNs = 0;
    quint64 bytesReceived = 0;
    quint64 bytesSent = 0;

    // Responses sent (the 499s of clients that went away are not responses).
    quint64 responsesTotal() const;
};
CounterTotals totalCounters(const ServerContext &context);

class LifecycleCounters;

// The Prometheus text exposition (format 0.0.4) of a server generation, with the process's
// lifecycle counters when there are any.
QByteArray renderMetrics(const ServerContext &context,
                         const LifecycleCounters *lifecycle = nullptr);

} // namespace baton
