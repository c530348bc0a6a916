#pragma once

#include "core/serverconfig.h"
#include "core/serversnapshot.h"
#include "lifecycle/exitcode.h"
#include "lifecycle/lifecyclestatus.h"

#include <baton/server.h>

#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace baton {

class AdminEndpoint;
class ConnectionHandover;
class DeadlineTimer;
class DrainTracker;
class HttpServer;
class ListenSocket;
class RestartCoordinator;
class RetiringGeneration;
class Router;
class ServerLink;
class SystemdNotifier;
namespace control {
class ControlServer;
}

// What a server generation is made of, and what a reload (--restart-mode reload) reads afresh.
struct GenerationSetup
{
    std::shared_ptr<const Router> router;
    ServerLimits limits;
    int threads = 1;
    std::chrono::milliseconds lameDuck{0};
    std::chrono::milliseconds drainTimeout{30'000};
    std::chrono::milliseconds restartTimeout{30'000};
    bool connectionHandover = true;
};

struct LifecycleSettings
{
    ServerLimits limits;
    int threads = 1;
    std::chrono::milliseconds lameDuck{0};
    std::chrono::milliseconds drainTimeout{30'000};
    std::chrono::milliseconds restartTimeout{30'000};
    QString pidFile;
    QString root;          // --root, named in the "listening" line; empty without
    QString executable;    // absolute path Baton was started from; a restart runs what is there now
    QStringList arguments; // the same arguments again
    quint32 generation = 1;
    int predecessorChannelFd = -1; // set when this process was started by a restart
    int handoverChannelFd = -1;    // the predecessor's connections arrive here
    // A restart moves open connections to the successor instead of closing them.
    bool connectionHandover = true;
    QStringList listenNames; // systemd's LISTEN_FDNAMES for the sockets, passed on at a restart
    RestartMode restartMode = RestartMode::Exec;
    QByteArray serverHeader = QByteArrayLiteral("Baton");
    bool identityHeaders = true; // X-Baton-Pid, X-Baton-Generation
    // Reload: reads the configuration again; null serves the same routes and limits anew.
    std::function<std::optional<GenerationSetup>(QString *error)> reloadSetup;
};

// The one owner of Baton's state machine: Serving -> (LameDuck) -> Draining -> Stopped, plus
// Restarting. Unix signals, the window's buttons and tests all call the same three slots:
// shutdown() (SIGINT/SIGTERM), restart() (SIGHUP) and forceKill() (SIGUSR2). It lives in its own
// thread beside the server; everything reaches it as queued calls.
class LifecycleController : public QObject
{
    Q_OBJECT
public:
    using State = LifecycleStatus::State;

    // admin: the --admin-listen endpoint, or null; the controller takes it (as a child, so it
    // moves to the controller's thread along with it).
    // sockets: the public listeners (one, or several passed by systemd), in order; the first
    // one's address is the one logs and the window name.
    LifecycleController(LifecycleSettings settings, std::shared_ptr<const Router> router,
                        std::shared_ptr<ServerLink> link,
                        std::vector<std::unique_ptr<ListenSocket>> sockets,
                        AdminEndpoint *admin = nullptr);
    ~LifecycleController() override;

    // Before the controller moves to its thread: it takes the control socket's server (as a
    // child), passes its socket on at a restart, and removes its file at the last exit.
    void setControlServer(control::ControlServer *control);

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
    // SIGHUP because the controlling terminal went away: nobody is left to serve, so this
    // shuts down gracefully instead of restarting.
    void handleTerminalHangup();
    // The application behind the routes became ready, or not (ServerLink says which): /readyz,
    // sd_notify READY=1 and a successor's takeover wait for it.
    void applicationReadinessChanged();

signals:
    void stateChanged(baton::LifecycleStatus::State state);
    // The process has nothing left to do; exitCode is what it should exit with.
    void stopped(int exitCode);

private:
    void setState(State state);
    QList<qintptr> listenDescriptors() const;
    void closeListeners();
    // "http://127.0.0.1:8080", or "http://0.0.0.0:8080 and http://[::]:8080" for several.
    QString listenUrls() const;
    HttpServer *createServer(quint32 generation);
    void reload();
    void applySetup(const GenerationSetup &setup);
    void warnIfExecutableReplaced() const;
    void onGenerationRetired(RetiringGeneration *retiring, qint64 tookMs, qint64 moved, qint64 cut);
    void publishRetiringProgress();
    void onListening();
    // Serving and the application ready: systemd and a waiting predecessor hear of it.
    void announceReady();
    // handOver: connections move to the successor instead of closing.
    void beginDrain(const QString &why, bool handOver = false);
    void onDrained();
    void onDrainDeadline();
    void reportDrainProgress();
    void onSuccessorReady(qint64 pid, qint64 afterMs, bool takesConnections);
    void logHandoverResult();
    void onSuccessorFailed(const QString &why);
    void abandonRestart(const QString &why);
    void reclaimPidFile();
    void connectPredecessor();
    void finish(int exitCode);
    template<typename F> void updateStatus(F &&change);

    LifecycleSettings m_settings;
    std::shared_ptr<const Router> m_router;
    std::shared_ptr<ServerLink> m_link;
    std::vector<std::unique_ptr<ListenSocket>> m_sockets;
    HttpServer *m_server = nullptr;
    // Reload: older generations of this process, still moving or draining their connections.
    std::vector<RetiringGeneration *> m_retiring;
    // The executable as it was at start (st_ino, st_mtim), to tell when a reload runs old code.
    QByteArray m_executableIdentity;
    AdminEndpoint *m_admin;
    control::ControlServer *m_control = nullptr;
    RestartCoordinator *m_restart;
    ConnectionHandover *m_handover;
    DrainTracker *m_drain;
    DeadlineTimer *m_lameDuck;
    std::unique_ptr<SystemdNotifier> m_notify; // sd_notify, with NOTIFY_SOCKET set
    qint64 m_lastProgressLogMs = 0;
    bool m_connectionsCut = false;
    bool m_forced = false;
    bool m_signalled = false;
    bool m_waitingForPredecessor = false; // drained, but the predecessor may still hand over
    bool m_startWhenReady = false;        // a successor waiting for its application to be ready
    bool m_readyAnnounced = false;
    QString m_listenAddress;   // as bound, to bind the same port again after a stop
    QStringList m_listenNames; // LISTEN_FDNAMES as systemd gave them, for a restart

    // Written only in the controller's thread, always under the mutex; other threads read it
    // through status() under the mutex, while this thread reads it directly.
    mutable QMutex m_statusMutex;
    LifecycleStatus m_status;
    // Held by snapshot() for its join, and by this thread while it replaces m_server (always
    // taken before m_statusMutex). This thread reads m_server directly.
    mutable QMutex m_serverMutex;
};

} // namespace baton
