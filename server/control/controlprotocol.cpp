#include "control/controlprotocol.h"

#include <QCborArray>
#include <QCborValue>
#include <QtEndian>

#include <limits>

namespace baton::control {

namespace {

qint64 saturatedSum(qint64 a, qint64 b)
{
    qint64 sum = 0;
    if (!__builtin_add_overflow(a, b, &sum))
        return sum;
    return b > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
}

qint64 integer(const QCborMap &map, QLatin1StringView key, qint64 fallback = 0)
{
    return integerOf(map.value(key), fallback);
}

} // namespace

qint64 integerOf(const QCborValue &value, qint64 fallback)
{
    return value.isInteger() ? value.toInteger() : fallback;
}

qint64 clockShift(qint64 ourNowMs, const QCborValue &theirNow)
{
    if (!theirNow.isInteger())
        return 0;
    qint64 shift = 0;
    if (!__builtin_sub_overflow(ourNowMs, theirNow.toInteger(), &shift))
        return shift;
    return ourNowMs >= 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
}

qint64 shiftedTime(qint64 atMs, qint64 shiftMs)
{
    return atMs == 0 ? 0 : saturatedSum(atMs, shiftMs);
}

QByteArray frame(const QCborMap &message)
{
    const QByteArray body = message.toCborValue().toCbor();
    QByteArray framed(4, Qt::Uninitialized);
    qToBigEndian(quint32(body.size()), framed.data());
    framed.append(body);
    return framed;
}

std::optional<QCborMap> FrameReader::next()
{
    if (failed() || m_buffer.size() < 4)
        return std::nullopt;
    const quint32 length = qFromBigEndian<quint32>(m_buffer.constData());
    // Judged on the length alone: an oversized message is refused before its body arrives.
    if (length > quint32(m_maxMessage)) {
        m_error =
            QStringLiteral("a message of %1 bytes (at most %2)").arg(length).arg(m_maxMessage);
        return std::nullopt;
    }
    if (quint32(m_buffer.size()) - 4 < length)
        return std::nullopt;
    QCborParserError parseError;
    const QCborValue value = QCborValue::fromCbor(m_buffer.mid(4, qsizetype(length)), &parseError);
    m_buffer.remove(0, 4 + qsizetype(length));
    if (parseError.error != QCborError::NoError) {
        m_error = QStringLiteral("malformed CBOR (%1)").arg(parseError.errorString());
        return std::nullopt;
    }
    if (!value.isMap() || !value.toMap().value(QLatin1StringView("type")).isString()) {
        m_error = QStringLiteral("a message that is not a map with a type");
        return std::nullopt;
    }
    return value.toMap();
}

QCborMap encodeStatus(const LifecycleStatus &s)
{
    const LifecycleStatus::Predecessor &p = s.predecessor;
    return QCborMap{
        {QLatin1StringView("state"), int(s.state)},
        {QLatin1StringView("generation"), s.generation},
        {QLatin1StringView("listen"), s.listenAddress},
        {QLatin1StringView("drainStartedAt"), s.drainStartedAtMs},
        {QLatin1StringView("drainDeadline"), s.drainDeadlineMs},
        {QLatin1StringView("drainStartConnections"), s.drainStartConnections},
        {QLatin1StringView("successorPid"), s.successorPid},
        {QLatin1StringView("exitCode"), s.exitCode},
        {QLatin1StringView("handedOver"), s.handedOver},
        {QLatin1StringView("connectionHandover"), s.connectionHandover},
        {QLatin1StringView("stoppedBySignal"), s.stoppedBySignal},
        {QLatin1StringView("drainEndedAt"), s.drainEndedAtMs},
        {QLatin1StringView("requestsAtDrainStart"), qint64(s.requestsAtDrainStart)},
        {QLatin1StringView("requestsDuringDrain"), qint64(s.requestsDuringDrain)},
        {QLatin1StringView("connectionsCut"), s.connectionsCut},
        {QLatin1StringView("connectionsMoved"), s.connectionsMoved},
        {QLatin1StringView("connectionsMovedAfterResponse"), s.connectionsMovedAfterResponse},
        {QLatin1StringView("connectionsAdopted"), s.connectionsAdopted},
        {QLatin1StringView("predecessor"),
         QCborArray{p.pid, p.generation, p.connections, p.busy, p.msLeft, p.moved, p.draining,
                    p.exitCode, encodeHolders(p.holders)}},
    };
}

LifecycleStatus decodeStatus(const QCborMap &map, qint64 shiftMs)
{
    LifecycleStatus s;
    const qint64 state = integer(map, QLatin1StringView("state"));
    if (state >= 0 && state <= int(LifecycleStatus::State::Stopped))
        s.state = LifecycleStatus::State(state);
    s.generation = quint32(integer(map, QLatin1StringView("generation")));
    s.listenAddress = map.value(QLatin1StringView("listen")).toString();
    s.drainStartedAtMs = shiftedTime(integer(map, QLatin1StringView("drainStartedAt")), shiftMs);
    s.drainDeadlineMs = shiftedTime(integer(map, QLatin1StringView("drainDeadline")), shiftMs);
    s.drainStartConnections = integer(map, QLatin1StringView("drainStartConnections"));
    s.successorPid = integer(map, QLatin1StringView("successorPid"));
    s.exitCode = int(integer(map, QLatin1StringView("exitCode"), -1));
    s.handedOver = map.value(QLatin1StringView("handedOver")).toBool();
    s.connectionHandover = map.value(QLatin1StringView("connectionHandover")).toBool();
    s.stoppedBySignal = map.value(QLatin1StringView("stoppedBySignal")).toBool();
    s.drainEndedAtMs = shiftedTime(integer(map, QLatin1StringView("drainEndedAt")), shiftMs);
    s.requestsAtDrainStart = quint64(integer(map, QLatin1StringView("requestsAtDrainStart")));
    s.requestsDuringDrain = quint64(integer(map, QLatin1StringView("requestsDuringDrain")));
    s.connectionsCut = integer(map, QLatin1StringView("connectionsCut"));
    s.connectionsMoved = integer(map, QLatin1StringView("connectionsMoved"));
    s.connectionsMovedAfterResponse =
        integer(map, QLatin1StringView("connectionsMovedAfterResponse"));
    s.connectionsAdopted = integer(map, QLatin1StringView("connectionsAdopted"));
    const QCborArray p = map.value(QLatin1StringView("predecessor")).toArray();
    // Version 1 sent 8 values at first; the holders came later as a ninth.
    if (p.size() >= 8) {
        s.predecessor.pid = integerOf(p.at(0));
        s.predecessor.generation = quint32(integerOf(p.at(1)));
        s.predecessor.connections = integerOf(p.at(2));
        s.predecessor.busy = integerOf(p.at(3));
        s.predecessor.msLeft = integerOf(p.at(4));
        s.predecessor.moved = integerOf(p.at(5));
        s.predecessor.draining = p.at(6).toBool();
        s.predecessor.exitCode = int(integerOf(p.at(7), -1));
        s.predecessor.holders = decodeHolders(p.at(8).toArray(), shiftMs);
    }
    return s;
}

QCborArray encodeConnection(const ConnectionInfo &c)
{
    return QCborArray{
        qint64(c.id),       c.peer,           int(c.state),         QString::fromLatin1(c.method),
        QCborValue(c.path), c.connectedAtMs,  c.requestStartedAtMs, c.bytesIn,
        c.bytesOut,         c.requestsServed, c.draining,           c.worker};
}

std::optional<ConnectionInfo> decodeConnection(const QCborArray &a, qint64 shiftMs)
{
    const qint64 state = integerOf(a.at(2), -1);
    if (a.size() != 12 || !a.at(0).isInteger() || state < 0 || state >= connectionStateCount)
        return std::nullopt;
    ConnectionInfo c;
    c.id = quint64(integerOf(a.at(0)));
    c.peer = a.at(1).toString();
    c.state = ConnectionState(state);
    c.method = a.at(3).toString().toLatin1();
    c.path = a.at(4).toByteArray();
    c.connectedAtMs = shiftedTime(integerOf(a.at(5)), shiftMs);
    c.requestStartedAtMs = shiftedTime(integerOf(a.at(6)), shiftMs);
    c.bytesIn = integerOf(a.at(7));
    c.bytesOut = integerOf(a.at(8));
    c.requestsServed = quint32(integerOf(a.at(9)));
    c.draining = a.at(10).toBool();
    c.worker = int(integerOf(a.at(11)));
    return c;
}

QCborArray encodeHolders(const QList<ConnectionInfo> &holders)
{
    QCborArray array;
    for (const ConnectionInfo &holder : holders)
        array.append(encodeConnection(holder));
    return array;
}

QList<ConnectionInfo> decodeHolders(const QCborArray &array, qint64 shiftMs)
{
    using Limits = LifecycleStatus::Predecessor;
    QList<ConnectionInfo> holders;
    for (const QCborValue &value : array) {
        if (holders.size() == Limits::holderLimit)
            break;
        if (auto holder = decodeConnection(value.toArray(), shiftMs)) {
            holder->path.truncate(Limits::holderPathLimit);
            holders.append(*holder);
        }
    }
    return holders;
}

QCborMap encodeCounters(const ServerSnapshot &s)
{
    QCborArray byState;
    for (const qint64 count : s.connectionsByState)
        byState.append(count);
    return QCborMap{
        {QLatin1StringView("byState"), byState},
        {QLatin1StringView("requests"), qint64(s.requestsTotal)},
        {QLatin1StringView("accepted"), qint64(s.connectionsAccepted)},
        {QLatin1StringView("handedOver"), qint64(s.connectionsHandedOver)},
        {QLatin1StringView("handedOverAfterResponse"),
         qint64(s.connectionsHandedOverAfterResponse)},
        {QLatin1StringView("returned"), qint64(s.connectionsReturned)},
        {QLatin1StringView("adopted"), qint64(s.connectionsAdopted)},
    };
}

void decodeCounters(const QCborMap &map, ServerSnapshot *s)
{
    const QCborArray byState = map.value(QLatin1StringView("byState")).toArray();
    for (qsizetype i = 0; i < connectionStateCount && i < byState.size(); ++i)
        s->connectionsByState[size_t(i)] = integerOf(byState.at(i));
    s->requestsTotal = quint64(integer(map, QLatin1StringView("requests")));
    s->connectionsAccepted = quint64(integer(map, QLatin1StringView("accepted")));
    s->connectionsHandedOver = quint64(integer(map, QLatin1StringView("handedOver")));
    s->connectionsHandedOverAfterResponse =
        quint64(integer(map, QLatin1StringView("handedOverAfterResponse")));
    s->connectionsReturned = quint64(integer(map, QLatin1StringView("returned")));
    s->connectionsAdopted = quint64(integer(map, QLatin1StringView("adopted")));
}

QString commandName(Command command)
{
    switch (command) {
    case Command::Shutdown:
        return QStringLiteral("shutdown");
    case Command::Restart:
        return QStringLiteral("restart");
    case Command::ForceKill:
        return QStringLiteral("forceKill");
    case Command::ExtendDrain:
        return QStringLiteral("extendDrain");
    case Command::ForceDrainNow:
        return QStringLiteral("forceDrainNow");
    case Command::StartAgain:
        return QStringLiteral("startAgain");
    }
    return {};
}

std::optional<Command> commandFromName(const QString &name)
{
    for (const Command command :
         {Command::Shutdown, Command::Restart, Command::ForceKill, Command::ExtendDrain,
          Command::ForceDrainNow, Command::StartAgain}) {
        if (commandName(command) == name)
            return command;
    }
    return std::nullopt;
}

} // namespace baton::control
