#pragma once

// Scripted connections and snapshots for the table and group model tests.
#include "core/serversnapshot.h"

#include <QString>

namespace baton::testing {

inline ConnectionInfo connection(quint64 id, ConnectionState state = ConnectionState::Idle,
                                 qint64 connectedAtMs = 1000)
{
    ConnectionInfo info;
    info.id = id;
    info.peer = QStringLiteral("127.0.0.1:%1").arg(40000 + id);
    info.state = state;
    info.connectedAtMs = connectedAtMs;
    return info;
}

// A request in flight since startedAtMs.
inline ConnectionInfo busy(quint64 id, qint64 startedAtMs, const QByteArray &path = "/sleep",
                           ConnectionState state = ConnectionState::Busy)
{
    ConnectionInfo info = connection(id, state);
    info.method = "GET";
    info.path = path;
    info.requestStartedAtMs = startedAtMs;
    return info;
}

inline ServerSnapshot snapshot(const QList<ConnectionInfo> &connections, qint64 at = 5000)
{
    ServerSnapshot s;
    s.takenAtMs = at;
    s.connections = connections;
    return s;
}

} // namespace baton::testing
