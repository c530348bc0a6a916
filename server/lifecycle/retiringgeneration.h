#pragma once

#include "lifecycle/lifecyclestatus.h"

#include <QObject>

#include <chrono>
#include <functional>

namespace baton {

class ConnectionHandover;
class DrainTracker;
class HttpServer;

// A reload (--restart-mode reload): a server generation that a newer one replaced inside this
// same process. It moves its connections to whatever server is current, each as soon as it is
// between requests, through the same handover channel a restart uses between two processes (here
// a socketpair within the process), and drains what it cannot move, within its own deadline.
// finished() tells the owner it may delete this; the server it took goes with it.
class RetiringGeneration : public QObject
{
    Q_OBJECT
public:
    // Takes server (stops its accepting now). currentServer names the generation that adopts
    // the connections, at the moment each one moves; null refuses them, so they drain here.
    RetiringGeneration(HttpServer *server, std::function<HttpServer *()> currentServer,
                       std::chrono::milliseconds drainTimeout, bool moveConnections,
                       QObject *parent = nullptr);
    ~RetiringGeneration() override;

    quint32 generation() const;
    // As a restart's predecessor reports itself, so observers show both the same way.
    LifecycleStatus::Predecessor progress() const;
    // Nothing more moves: the process is shutting down, so what is left drains here.
    void stopMoving();
    // Cut now, as at the deadline (a shutdown's own deadline passed).
    void cutRemaining();
    void abortAll();
    bool isFinished() const { return m_finished; }

signals:
    // A drain tick (every DrainTracker::progressIntervalMs): progress() has moved on.
    void progressed();
    // Every connection moved, finished or was cut. exitCode is what a process generation
    // would have exited with (ExitOk, or ExitDrainTimeout if some were cut).
    void finished(quint32 generation, qint64 tookMs, qint64 moved, qint64 cut);

private:
    void onDeadline();
    void reportProgress();
    void finish();

    HttpServer *m_server;
    ConnectionHandover *m_sender;
    ConnectionHandover *m_receiver;
    DrainTracker *m_drain;
    qint64 m_startedAtMs;
    qint64 m_cut = 0;
    qint64 m_lastProgressLogMs;
    bool m_finished = false;
};

} // namespace baton
