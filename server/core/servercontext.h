#pragma once

#include "core/connectioninfo.h"
#include "core/serverconfig.h"

#include <QByteArray>

#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace baton {

class Router;

// Counters one I/O thread writes and anyone may read (single writer, relaxed atomics).
struct WorkerCounters
{
    static constexpr int statusSlots = 600;
    std::array<std::atomic<qint64>, connectionStateCount> connectionsByState{};
    std::array<std::atomic<quint64>, statusSlots> responsesByStatus{};
    std::atomic<quint64> connectionsAccepted{0};
    std::atomic<quint64> connectionsRejected{0};
    std::atomic<quint64> acceptPauses{0};
    // Connection handover: moved to the successor (and how many of them after a response),
    // offered but kept (the successor refused or failed), and taken from the predecessor.
    std::atomic<quint64> connectionsHandedOver{0};
    std::atomic<quint64> connectionsHandedOverAfterResponse{0};
    std::atomic<quint64> connectionsReturned{0};
    std::atomic<quint64> connectionsAdopted{0};
};

// nginx's code for "the client closed the connection before the response": counted like a
// status, never sent.
constexpr int statusClientClosedRequest = 499;

// What every I/O thread of one server generation shares, and what outlives the generation for
// as long as anybody reads it (routes answering /metrics hold it by shared_ptr, so a server
// being replaced can never be read after it is gone).
struct ServerContext
{
    ServerLimits limits;
    std::shared_ptr<const Router> router;
    qint64 pid = 0;
    quint32 generation = 1;
    std::atomic<bool> ready{false};
    std::atomic<int> connectionCount{0};
    std::atomic<quint64> nextConnectionId{1};
    // Workers publish connection lists only while somebody has asked recently, so a server that
    // nobody watches pays nothing for the registry.
    std::atomic<qint64> snapshotRequestedAtMs{0};
    // One per I/O thread, made before the threads start and never resized afterwards.
    std::vector<std::unique_ptr<WorkerCounters>> counters;
};

} // namespace baton
