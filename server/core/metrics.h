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

    // Responses sent (the 499s of clients that went away are not responses).
    quint64 responsesTotal() const;
};
CounterTotals totalCounters(const ServerContext &context);

// The Prometheus text exposition of a server generation.
QByteArray renderMetrics(const ServerContext &context);

} // namespace baton
