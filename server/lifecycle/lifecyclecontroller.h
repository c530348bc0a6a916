#pragma once

#include "core/serverconfig.h"
#include "core/serversnapshot.h"
#include "lifecycle/exitcode.h"

#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QStringList>

#include <chrono>
#include <memory>

class QTimer;

namespace baton {

class ChildProcess;
class HttpServer;
class ListenSocket;
class RestartChannel;
class Router;
class ServerLink;

struct LifecycleSettings
{
    ServerLimits limits;
    int threads = 1;
    std::chrono::milliseconds lameDuck{0};
    std::chrono::milliseconds drainTimeout{30'000};
    std::chrono::milliseconds restartTimeout{30'000};
    QString pidFile;
    QString executable;    // absolute path Baton was started from; a restart runs what is there now
    QStringList arguments; // the same arguments again
    quint32 generation = 1;
    int predecessorChannelFd = -1; // set when this process was started by a restart
};

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
    qint64 successorPid = 0;      // while a restart is under way
    int exitCode = -1;            // once stopped
    bool handedOver = false;      // this process drains because a successor took over
    bool stoppedBySignal = false; // the stop came from a Unix signal, not from a caller

    // The report of the last drain, complete once stopped.
    qint64 drainEndedAtMs = 0;
    quint64 requestsAtDrainStart = 0;
    quint64 requestsDuringDrain = 0;
    qint64 connectionsCut = 0;

    // The previous generation, while it drains after handing over to this process.
    struct Predecessor
    {
        qint64 pid = 0;
        qint64 connections = 0;
        qint64 busy = 0;
        qint64 msLeft = 0;
        bool draining = false;
        int exitCode = -1;
    } predecessor;
};
QString lifecycleStateName(LifecycleStatus::State state);

// The one owner of Baton's state machine: Serving -> (LameDuck) -> Draining -> Stopped, plus
// Restarting. Unix signals, the window's buttons and tests all call the same three slots:
// shutdown() (SIGINT/SIGTERM), restart() (SIGHUP) and forceKill() (SIGUSR2). It lives in its own
// thread beside the server; everything reaches it as queued calls.
class LifecycleController : public QObject
{
    Q_OBJECT
public:
    using State = LifecycleStatus::State;

    LifecycleController(LifecycleSettings settings, std::shared_ptr<const Router> router,
                        std::shared_ptr<ServerLink> link, std::unique_ptr<ListenSocket> socket);
    ~LifecycleController() override;

    // Thread-safe.
    LifecycleStatus status() const;
    // Thread-safe: the current server's snapshot (empty before start()).
    ServerSnapshot snapshot() const;

public slots:
    void start();
    void shutdown();
    void restart();
    void forceKill();
    // Maps a Unix signal to its operation (SIGINT/SIGTERM, SIGHUP, SIGUSR2).
    void handleSignal(int signalNumber);
    void extendDrain(std::chrono::milliseconds extra);
    // Cut what is left of a drain now, as if its deadline had passed.
    void forceDrainNow();
    // After a stop: listen on the same address again and serve with a fresh server.
    void startAgain();

signals:
    void stateChanged(baton::LifecycleStatus::State state);
    // The process has nothing left to do; exitCode is what it should exit with.
    void stopped(int exitCode);

private:
    void setState(State state);
    void onListening();
    void beginDrain(const QString &why);
    void onDrained();
    void onDrainDeadline();
    void reportDrainProgress();
    void onSuccessorLine(const QByteArray &line);
    void onSuccessorExited(int waitStatus);
    void abandonRestart(const QString &why);
    void onPredecessorLine(const QByteArray &line);
    void finish(int exitCode);
    template<typename F> void updateStatus(F &&change);

    LifecycleSettings m_settings;
    std::shared_ptr<const Router> m_router;
    std::shared_ptr<ServerLink> m_link;
    std::unique_ptr<ListenSocket> m_socket;
    HttpServer *m_server = nullptr;
    ChildProcess *m_successor = nullptr;
    RestartChannel *m_successorChannel = nullptr;
    RestartChannel *m_predecessorChannel = nullptr;
    QTimer *m_restartTimer;
    QTimer *m_lameDuckTimer;
    QTimer *m_drainDeadlineTimer;
    QTimer *m_progressTimer;
    QTimer *m_hardStopTimer;
    qint64 m_restartStartedMs = 0;
    qint64 m_lastProgressLogMs = 0;
    bool m_handedOver = false;
    bool m_connectionsCut = false;
    bool m_forced = false;
    bool m_signalled = false;
    QString m_listenAddress; // as bound, to bind the same port again after a stop

    // Written only in the controller's thread, always under the mutex; other threads read it
    // through status() under the mutex, while this thread reads it directly.
    mutable QMutex m_statusMutex;
    LifecycleStatus m_status;
};

} // namespace baton

Q_DECLARE_METATYPE(baton::LifecycleStatus)
