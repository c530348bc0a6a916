#pragma once

#include "core/connectioninfo.h"

#include <QList>
#include <QMetaType>

#include <array>

namespace baton {

// An immutable picture of the server, cheap to pass across threads (implicitly shared list).
struct ServerSnapshot
{
    qint64 takenAtMs = 0; // monotonicMs()
    QList<ConnectionInfo> connections;
    std::array<qint64, connectionStateCount> connectionsByState{};
    quint64 requestsTotal = 0;
    quint64 connectionsAccepted = 0;
    quint64 connectionsHandedOver = 0;
    quint64 connectionsHandedOverAfterResponse = 0;
    quint64 connectionsReturned = 0;
    quint64 connectionsAdopted = 0;

    qint64 openConnections() const;
    // What a drain waits for: the open connections not on their way to a successor (not
    // Moving), longest in flight first (then those without a request, oldest first), at most
    // limit. Needs a snapshot taken with its connections.
    QList<ConnectionInfo> drainHolders(int limit) const;
};

} // namespace baton

Q_DECLARE_METATYPE(baton::ServerSnapshot)
