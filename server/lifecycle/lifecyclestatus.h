#pragma once

#include "core/connectioninfo.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace baton {

struct ServerSnapshot;

// What observers (logs, /metrics, the window) need of the lifecycle; a value, safe to copy
// across threads.
struct LifecycleStatus
{
    enum class State { Starting, Serving, LameDuck, Draining, Restarting, Stopped };

    State state = State::Starting;
    quint32 generation = 1;
    QString listenAddress;
    qint64 drainStartedAtMs = 0; // monotonicMs()
    qint64 drainDeadlineMs = 0;
    qint64 drainStartConnections = 0;
    qint64 successorPid = 0;         // while a restart is under way
    int exitCode = -1;               // once stopped
    bool handedOver = false;         // this process drains because a successor took over
    bool connectionHandover = false; // ...and its connections move to the successor
    bool stoppedBySignal = false;    // the stop came from a Unix signal, not from a caller

    // The report of the last drain, complete once stopped.
    qint64 drainEndedAtMs = 0;
    quint64 requestsAtDrainStart = 0;
    quint64 requestsDuringDrain = 0;
    qint64 connectionsCut = 0;
    // Connection handover: moved to the successor so far (of which after their response), and
    // taken over from the predecessor.
    qint64 connectionsMoved = 0;
    qint64 connectionsMovedAfterResponse = 0;
    qint64 connectionsAdopted = 0;

    // The previous generation, while it drains after handing over to this process.
    struct Predecessor
    {
        qint64 pid = 0; // this process's own pid after a reload (--restart-mode reload)
        quint32 generation = 0;
        qint64 connections = 0;
        qint64 busy = 0;
        qint64 msLeft = 0;
        qint64 moved = 0; // handed over to this process so far
        bool draining = false;
        int exitCode = -1;
        // What holds its drain (ServerSnapshot::drainHolders), at most holderLimit, with paths
        // cut to holderPathLimit bytes: they cross the restart channel and the control socket.
        QList<ConnectionInfo> holders;
        static constexpr int holderLimit = 50;
        static constexpr int holderPathLimit = 256;
    } predecessor;
};
QString lifecycleStateName(LifecycleStatus::State state);
// A draining generation's holders as Predecessor::holders carries them.
QList<ConnectionInfo> predecessorHolders(const ServerSnapshot &snapshot);
// "2.5 s": how lifecycle log lines give durations.
QString formatSeconds(qint64 ms);
// "1 connection", "0 connections": a count and its noun, in the plural with an "s" unless 1.
QString formatCount(qint64 count, const char *noun);

} // namespace baton

Q_DECLARE_METATYPE(baton::LifecycleStatus)
