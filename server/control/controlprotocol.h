#pragma once

#include "core/serversnapshot.h"
#include "lifecycle/lifecyclestatus.h"

#include <QByteArray>
#include <QCborMap>
#include <QCborValue>
#include <QString>

#include <optional>

namespace baton::control {

// The control socket's wire format (--control-socket, baton --attach). Each message is a CBOR
// map preceded by its length as 4 bytes, big-endian; every map has a "type". The panel says
// "hello" with the version it speaks first; the server answers "welcome" (or "error" and closes),
// then sends an "update" at 10 Hz (status, counters, and the connections that changed since the
// last update: a panel watching 100,000 idle connections gets almost nothing), "log" lines, and
// "handedOver" when a restart's successor took the socket. The panel sends "command"s.
constexpr int protocolVersion = 1;
// What a panel may send: commands are a few dozen bytes. Anything longer closes the connection
// before its body is read.
constexpr qint32 maxPanelMessage = 64 * 1024;
// What the server may send: a first update with 100,000 connections is a few megabytes.
constexpr qint32 maxServerMessage = 256 * 1024 * 1024;

QByteArray frame(const QCborMap &message);

// Splits a byte stream into messages. Stops at the first bad one for good: its error says why.
class FrameReader
{
public:
    explicit FrameReader(qint32 maxMessage) : m_maxMessage(maxMessage) {}

    void append(const QByteArray &bytes) { m_buffer.append(bytes); }
    // The next whole message, or nullopt: not all there yet, or failed() (then error()).
    std::optional<QCborMap> next();
    bool failed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }
    qsizetype buffered() const { return m_buffer.size(); }

private:
    QByteArray m_buffer;
    qint32 m_maxMessage;
    QString m_error;
};

// Values on the wire. Times are the sender's monotonic milliseconds; a message carries the
// sender's "now", and the receiver moves every time by (its now - sender's now), so ages and
// deadlines come out right even across machines (a socket forwarded over ssh).
// An integer field, or fallback for anything else: the protocol sends no floats, and a float too
// big for qint64 must never reach a conversion.
qint64 integerOf(const QCborValue &value, qint64 fallback = 0);
// (ourNowMs - the sender's "now"), saturated; 0 when the sender gave no integer "now".
qint64 clockShift(qint64 ourNowMs, const QCborValue &theirNow);
// A sender's time on the receiver's clock, saturated; 0 ("none") stays 0.
qint64 shiftedTime(qint64 atMs, qint64 shiftMs);

QCborMap encodeStatus(const LifecycleStatus &status);
LifecycleStatus decodeStatus(const QCborMap &map, qint64 shiftMs);
QCborArray encodeConnection(const ConnectionInfo &info);
std::optional<ConnectionInfo> decodeConnection(const QCborArray &array, qint64 shiftMs);
// A previous generation's holders (LifecycleStatus::Predecessor::holders), in the status and on
// the restart channel. Decoding keeps at most holderLimit of them, paths cut to holderPathLimit,
// whatever the sender sent.
QCborArray encodeHolders(const QList<ConnectionInfo> &holders);
QList<ConnectionInfo> decodeHolders(const QCborArray &array, qint64 shiftMs);
QCborMap encodeCounters(const ServerSnapshot &snapshot);
void decodeCounters(const QCborMap &map, ServerSnapshot *snapshot);

// The commands an attached panel may give, by their wire names.
enum class Command { Shutdown, Restart, ForceKill, ExtendDrain, ForceDrainNow, StartAgain };
QString commandName(Command command);
std::optional<Command> commandFromName(const QString &name);

} // namespace baton::control
