#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace baton {

enum class ConnectionState : quint8 {
    Idle,    // keep-alive, waiting for the next request
    Reading, // part of a request has arrived
    Busy,    // a handler owns the request and has not finished answering
    Writing, // the answer is complete but not yet on the wire
    Closing, // we sent FIN (or will) and wait for the peer's
    Moving,  // on its way to the next generation (a restart's connection handover)
};
constexpr int connectionStateCount = 6;
QString connectionStateName(ConnectionState state);

// One connection as it was when a snapshot was taken; times are milliseconds on the monotonic
// clock (baton::monotonicMs()), so ages are takenAtMs - xxxAtMs.
struct ConnectionInfo
{
    quint64 id = 0;
    QString peer;
    ConnectionState state = ConnectionState::Idle;
    QByteArray method; // current (or last) request
    QByteArray path;
    qint64 connectedAtMs = 0;
    qint64 requestStartedAtMs = 0; // 0 when no request is in progress
    qint64 bytesIn = 0;
    qint64 bytesOut = 0;
    quint32 requestsServed = 0;
    bool draining = false;
    int worker = 0;
};

} // namespace baton

Q_DECLARE_METATYPE(baton::ConnectionInfo)
