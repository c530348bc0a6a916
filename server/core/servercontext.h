#pragma once

#include "core/connectioninfo.h"
#include "core/serverconfig.h"

#include <QByteArray>

#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace baton {

class AccessLog;
class Router;

// Upper bounds of the request duration histogram's buckets (baton_http_request_duration_seconds),
// in nanoseconds: Prometheus's default buckets.
inline constexpr std::array<qint64, 11> requestDurationBoundsNs = {
    5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000,
    500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

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
    // Answered requests by duration, one slot per bucket and not cumulative (a request counts in
    // the first bucket whose bound it does not exceed; the last slot: past every bound), and
    // their sum. Summed over the threads, made cumulative and converted to seconds at a scrape.
    std::array<std::atomic<quint64>, requestDurationBoundsNs.size() + 1> requestDurations{};
    std::atomic<quint64> requestDurationSumNs{0};
    // What went over the connections' sockets, heads and framing included.
    std::atomic<quint64> bytesReceived{0};
    std::atomic<quint64> bytesSent{0};
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
    QByteArray serverHeader = QByteArrayLiteral("Baton");
    bool identityHeaders = true; // X-Baton-Pid, X-Baton-Generation
    std::atomic<bool> ready{false};
    std::atomic<int> connectionCount{0};
    std::atomic<quint64> nextConnectionId{1};
    // Workers publish connection lists only while somebody has asked recently, so a server that
    // nobody watches pays nothing for the registry.
    std::atomic<qint64> snapshotRequestedAtMs{0};
    // One per I/O thread, made before the threads start and never resized afterwards.
    std::vector<std::unique_ptr<WorkerCounters>> counters;
    // Where answered requests are logged; null without --access-log. Set before the threads
    // start.
    std::shared_ptr<AccessLog> accessLog;
};

} // namespace baton
