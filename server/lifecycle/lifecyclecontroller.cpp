#include "lifecycle/lifecyclecontroller.h"

#include "control/controlserver.h"
#include "core/httpserver.h"
#include "core/logevent.h"
#include "core/logging.h"
#include "core/logsink.h"
#include "core/serverlink.h"
#include "handover/handovermessage.h"
#include "lifecycle/adminendpoint.h"
#include "lifecycle/connectionhandover.h"
#include "lifecycle/draintracker.h"
#include "lifecycle/pidfile.h"
#include "lifecycle/restartcoordinator.h"
#include "lifecycle/retiringgeneration.h"
#include "lifecycle/systemdnotifier.h"
#include "net/deadlinetimer.h"
#include "net/listensocket.h"
#include "net/monotonicclock.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <csignal>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace baton {

namespace {

constexpr int progressLogIntervalMs = 1000;
// After the drain deadline, 503s and resets get this long to leave before everything is cut.
constexpr std::chrono::milliseconds hardStopAfterDeadline{1000};
// Force kill promises an exit within a second, whatever the connections do.
constexpr std::chrono::milliseconds forceKillExit{500};

// Which file a path names now, and which version of it: a package upgrade replaces the file
// (new inode), a build rewrites it (new mtime).
QByteArray fileIdentity(const QString &path)
{
    struct stat info = {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return QByteArray();
    return QByteArray::number(quint64(info.st_dev)) + ':' +
           QByteArray::number(quint64(info.st_ino)) + ':' +
           QByteArray::number(qint64(info.st_mtim.tv_sec)) + '.' +
           QByteArray::number(qint64(info.st_mtim.tv_nsec));
}

} // namespace

LifecycleController::LifecycleController(LifecycleSettings settings,
                                         std::shared_ptr<const Router> router,
                                         std::shared_ptr<ServerLink> link,
                                         std::vector<std::unique_ptr<ListenSocket>> sockets,
                                         AdminEndpoint *admin)
    : m_settings(std::move(settings)), m_router(std::move(router)), m_link(std::move(link)),
      m_sockets(std::move(sockets)), m_admin(admin), m_restart(new RestartCoordinator(this)),
      m_handover(new ConnectionHandover(this)), m_drain(new DrainTracker(this)),
      m_lameDuck(new DeadlineTimer(this)),
      m_notify(std::make_unique<SystemdNotifier>(qgetenv("NOTIFY_SOCKET")))
{
    connect(m_lameDuck, &DeadlineTimer::expired, this,
            [this] { beginDrain(QStringLiteral("lame duck period over")); });
    connect(m_drain, &DrainTracker::deadlinePassed, this, &LifecycleController::onDrainDeadline);
    connect(m_drain, &DrainTracker::progressDue, this, &LifecycleController::reportDrainProgress);
    connect(m_drain, &DrainTracker::hardStopDue, this, [this] {
        qCWarning(lcLifecycle, "connections did not close in time; exiting anyway");
        finish(m_forced ? ExitForced : ExitDrainTimeout);
    });
    connect(m_restart, &RestartCoordinator::successorReady, this,
            &LifecycleController::onSuccessorReady);
    connect(m_restart, &RestartCoordinator::successorFailed, this,
            &LifecycleController::onSuccessorFailed);
    connect(m_restart, &RestartCoordinator::successorExited, this,
            [this](const QString &description) {
                qCWarning(lcLifecycle).noquote() << QStringLiteral("new generation (pid %1) %2")
                                                        .arg(m_restart->successorPid())
                                                        .arg(description);
            });
    connect(m_handover, &ConnectionHandover::sendingFailed, this,
            [this] { updateStatus([](LifecycleStatus &s) { s.connectionHandover = false; }); });
    connect(m_handover, &ConnectionHandover::receivingFinished, this, [this] {
        if (m_status.state == State::Draining && m_server && m_server->isDrained())
            onDrained();
    });
    if (m_admin) {
        m_admin->setParent(this);
        // The process leaves once both servers have drained, whichever is last.
        connect(m_admin, &AdminEndpoint::drained, this, [this] {
            if (m_status.state == State::Draining && m_server && m_server->isDrained())
                onDrained();
        });
        connect(m_admin, &AdminEndpoint::acceptFailed, this, [this](const QString &error) {
            qCCritical(lcLifecycle).noquote() << error;
            forceKill();
        });
    }
    m_status.generation = m_settings.generation;
    if (m_settings.restartMode == RestartMode::Reload)
        m_executableIdentity = fileIdentity(m_settings.executable);
    if (m_settings.predecessorChannelFd >= 0)
        connectPredecessor();
    if (m_settings.handoverChannelFd >= 0) {
        m_handover->receive(m_settings.handoverChannelFd, [this] { return m_server; });
        m_restart->setTakesConnections(true);
    }
}

void LifecycleController::connectPredecessor()
{
    m_restart->adoptPredecessorChannel(m_settings.predecessorChannelFd);
    connect(m_restart, &RestartCoordinator::predecessorChanged, this,
            [this](const LifecycleStatus::Predecessor &predecessor) {
                updateStatus([&](LifecycleStatus &s) {
                    s.predecessor = predecessor;
                    // The restart channel does not carry it: the generation before this one.
                    s.predecessor.generation = s.generation - 1;
                });
            });
}

LifecycleController::~LifecycleController()
{
    delete m_server; // joins the I/O threads
}

void LifecycleController::setControlServer(control::ControlServer *control)
{
    m_control = control;
    m_control->setParent(this);
}

LifecycleStatus LifecycleController::status() const
{
    QMutexLocker locker(&m_statusMutex);
    return m_status;
}

ServerSnapshot LifecycleController::snapshot() const
{
    // Under m_serverMutex: the server is swapped under it, so none is in use when deleted. Not
    // under the status mutex: the join takes milliseconds at 100,000 connections, and status()
    // readers (the window) and this thread's status updates should not wait for it.
    QMutexLocker locker(&m_serverMutex);
    return m_server ? m_server->snapshot() : ServerSnapshot();
}

template<typename F> void LifecycleController::updateStatus(F &&change)
{
    QMutexLocker locker(&m_statusMutex);
    change(m_status);
}

void LifecycleController::setState(State state)
{
    {
        QMutexLocker locker(&m_statusMutex);
        if (m_status.state == state)
            return;
        m_status.state = state;
    }
    emit stateChanged(state);
}

HttpServer *LifecycleController::createServer(quint32 generation)
{
    LogSink::setGeneration(generation);
    auto *server = new HttpServer(m_settings.limits, m_router, generation);
    server->setIdentity(m_settings.serverHeader, m_settings.identityHeaders);
    connect(server, &HttpServer::drained, this, &LifecycleController::onDrained);
    connect(server, &HttpServer::acceptingStopped, this,
            [] { qCInfo(lcLifecycle, "listener closed: new connections are refused"); });
    connect(server, &HttpServer::acceptFailed, this, [this](const QString &error) {
        // A shutdown right after a reload closes the listeners before the new generation's
        // threads open their copies: they have nothing to serve, and nothing is lost.
        if (m_status.state == State::Draining || m_status.state == State::Stopped)
            return;
        qCCritical(lcLifecycle).noquote() << error;
        forceKill();
    });
    server->setAccessLog(m_link->accessLog());
    // Started before it is published: observers in other threads read its worker list, which
    // start() builds and never changes afterwards.
    server->start(listenDescriptors(), m_settings.threads);
    return server;
}

void LifecycleController::start()
{
    // A successor that serves before its application is ready would take connections from a
    // predecessor that is: it waits, and the predecessor serves on (its restart timeout still
    // runs, so one that never gets ready is given up).
    if (m_settings.predecessorChannelFd >= 0 && !m_link->isApplicationReady() && !m_server) {
        if (!m_startWhenReady)
            qCInfo(lcLifecycle, "waiting for the application to be ready before taking over");
        m_startWhenReady = true;
        return;
    }
    m_startWhenReady = false;
    HttpServer *server = createServer(m_settings.generation);
    connect(server, &HttpServer::listening, this, &LifecycleController::onListening);
    m_listenAddress = m_sockets.front()->localAddress();
    m_link->attach(server->context());
    // After the public server: until it is attached, /readyz could only say "not ready".
    if (m_admin)
        m_admin->start(m_settings.limits, m_settings.generation);
    HttpServer *previous = nullptr;
    {
        QMutexLocker serverLocker(&m_serverMutex);
        QMutexLocker locker(&m_statusMutex);
        previous = std::exchange(m_server, server);
        m_status.listenAddress = m_listenAddress;
    }
    delete previous; // its routes' readers hold its context, not the server
}

QList<qintptr> LifecycleController::listenDescriptors() const
{
    QList<qintptr> descriptors;
    for (const auto &socket : m_sockets)
        descriptors.append(socket->descriptor());
    return descriptors;
}

void LifecycleController::closeListeners()
{
    for (const auto &socket : m_sockets)
        socket->close();
}

QString LifecycleController::listenUrls() const
{
    QStringList urls;
    for (const auto &socket : m_sockets)
        urls.append(QStringLiteral("http://") + socket->localAddress());
    return urls.join(QStringLiteral(" and "));
}

void LifecycleController::onListening()
{
    // Serving before anything is announced: a SIGHUP sent by whoever read the pid file or the
    // "listening" line must find a process that can restart.
    setState(State::Serving);
    // The pid file before the line: whoever waits for the line may read the file straight away.
    if (!m_settings.pidFile.isEmpty()) {
        QString error;
        if (!pidfile::write(m_settings.pidFile, ::getpid(), &error))
            qCWarning(lcLifecycle).noquote() << error;
    }
    const QString url = listenUrls();
    QString line = QStringLiteral("listening on %1 (pid %2, generation %3, %4)")
                       .arg(url)
                       .arg(::getpid())
                       .arg(m_settings.generation)
                       .arg(formatCount(m_server->threadCount(), "I/O thread"));
    if (!m_settings.root.isEmpty())
        line += QStringLiteral(", serving files from %1").arg(m_settings.root);
    logEvent(lcLifecycle(), QtInfoMsg, "listening", line,
             {{"address", url},
              {"threads", m_server->threadCount()},
              {"root", m_settings.root.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                                 : QJsonValue(m_settings.root)}});
    // Its socket listens already (bound or inherited), so a connection made now waits in the
    // backlog even if its I/O thread has not started accepting yet.
    if (m_admin)
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("admin routes (/metrics, /healthz, /readyz) on %1, not on the "
                              "public port")
                   .arg(m_admin->address());
    m_readyAnnounced = false;
    if (m_link->isApplicationReady())
        announceReady();
    else
        qCInfo(lcLifecycle, "serving; the application is not ready yet (/readyz answers 503)");
}

void LifecycleController::announceReady()
{
    if (m_readyAnnounced)
        return;
    m_readyAnnounced = true;
    m_restart->announceReady();
    // A successor is not the unit's main process yet: its predecessor names it (MAINPID).
    if (m_settings.predecessorChannelFd < 0)
        m_notify->ready(QStringLiteral("serving on %1").arg(listenUrls()));
}

void LifecycleController::applicationReadinessChanged()
{
    if (!m_link->isApplicationReady())
        return;
    if (m_startWhenReady) {
        qCInfo(lcLifecycle, "the application is ready");
        start();
    } else if (m_status.state == State::Serving) {
        qCInfo(lcLifecycle, "the application is ready");
        announceReady();
    }
}

void LifecycleController::startAgain()
{
    if (m_status.state != State::Stopped)
        return;
    QString error;
    auto address = ListenAddress::parse(m_listenAddress, &error);
    auto socket = std::make_unique<ListenSocket>();
    if (!address || !socket->bind(*address, &error) || (m_admin && !m_admin->rebind(&error))) {
        qCWarning(lcLifecycle).noquote() << QStringLiteral("cannot start again: %1").arg(error);
        return;
    }
    m_sockets.clear();
    m_sockets.push_back(std::move(socket));
    m_forced = m_connectionsCut = m_signalled = false;
    updateStatus([](LifecycleStatus &s) {
        const quint32 generation = s.generation;
        s = LifecycleStatus();
        s.generation = generation;
    });
    setState(State::Starting);
    start();
}

void LifecycleController::handleSignal(int signalNumber)
{
    m_signalled = true;
    const QString name = QString::fromLatin1(sigabbrev_np(signalNumber));
    switch (signalNumber) {
    case SIGINT:
    case SIGTERM:
        qCInfo(lcLifecycle).noquote() << QStringLiteral("received SIG%1").arg(name);
        shutdown();
        break;
    case SIGHUP:
        qCInfo(lcLifecycle).noquote() << QStringLiteral("received SIGHUP");
        restart();
        break;
    case SIGUSR2:
        qCInfo(lcLifecycle).noquote() << QStringLiteral("received SIGUSR2");
        forceKill();
        break;
    default:
        break;
    }
}

void LifecycleController::shutdown()
{
    if (m_startWhenReady) {
        // A successor that never served has nothing to drain; its predecessor serves on.
        qCInfo(lcLifecycle, "shutdown before taking over (the application was not ready yet)");
        m_startWhenReady = false;
        finish(ExitOk);
        return;
    }
    switch (m_status.state) {
    case State::Starting:
    case State::Serving:
        break;
    case State::Restarting:
        abandonRestart(QStringLiteral("a shutdown was requested"));
        break;
    case State::LameDuck:
    case State::Draining:
        qCInfo(lcLifecycle, "second shutdown request during the drain: forcing");
        forceKill();
        return;
    case State::Stopped:
        return;
    }
    m_notify->stopping(QStringLiteral("shutting down"));
    if (m_settings.lameDuck.count() > 0) {
        m_server->setReady(false);
        setState(State::LameDuck);
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("lame duck for %1: /readyz answers 503, still serving")
                   .arg(formatSeconds(m_settings.lameDuck.count()));
        m_lameDuck->start(m_settings.lameDuck);
        return;
    }
    beginDrain(QStringLiteral("graceful shutdown"));
}

void LifecycleController::beginDrain(const QString &why, bool handOver)
{
    const qint64 now = monotonicMs();
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    updateStatus([&](LifecycleStatus &s) {
        s.drainStartedAtMs = now;
        s.drainDeadlineMs = now + m_settings.drainTimeout.count();
        s.drainStartConnections = snapshot.openConnections();
        s.requestsAtDrainStart = snapshot.requestsTotal;
        s.handedOver = m_restart->hasHandedOver();
        s.connectionHandover = handOver;
    });
    setState(State::Draining);
    if (handOver) {
        m_handover->send(m_server, m_restart->takeHandoverChannel());
    } else {
        // Shutting down: connections the previous generation still has stay there.
        m_handover->stopReceiving();
        for (RetiringGeneration *retiring : m_retiring)
            retiring->stopMoving();
        m_server->beginDrain();
    }
    // Our copy of the listening sockets goes too; after a handover the successor holds its own.
    closeListeners();
    // Admin connections are not handed over: they finish here, with Connection: close.
    if (m_admin)
        m_admin->beginDrain();
    const qint64 busy = snapshot.connectionsByState[size_t(ConnectionState::Busy)];
    logEvent(lcLifecycle(), QtInfoMsg, "drain",
             QStringLiteral("%1: %2 %3 (%4 busy), deadline in %5")
                 .arg(why)
                 .arg(handOver ? QStringLiteral("moving") : QStringLiteral("draining"))
                 .arg(formatCount(snapshot.openConnections(), "connection"))
                 .arg(busy)
                 .arg(formatSeconds(m_settings.drainTimeout.count())),
             {{"reason", why},
              {"handover", handOver},
              {"connections", snapshot.openConnections()},
              {"busy", busy},
              {"deadline_ms", qint64(m_settings.drainTimeout.count())}});
    m_drain->begin(m_settings.drainTimeout);
    m_lastProgressLogMs = now;
    m_notify->draining(snapshot.openConnections() + (m_admin ? m_admin->openConnections() : 0),
                       snapshot.connectionsByState[size_t(ConnectionState::Busy)],
                       snapshot.requestsTotal, m_settings.drainTimeout.count());
}

void LifecycleController::extendDrain(std::chrono::milliseconds extra)
{
    if (m_status.state != State::Draining || !m_drain->extend(extra))
        return;
    updateStatus([&](LifecycleStatus &s) { s.drainDeadlineMs += extra.count(); });
    qCInfo(lcLifecycle).noquote() << QStringLiteral("drain deadline extended by %1; now %2 away")
                                         .arg(formatSeconds(extra.count()),
                                              formatSeconds(m_drain->msLeft()));
}

void LifecycleController::reportDrainProgress()
{
    // A successor's window lists what holds this drain: only then are the connections gathered.
    const bool successorWatches = m_restart->hasHandedOver();
    const ServerSnapshot snapshot =
        m_server->snapshot(successorWatches ? HttpServer::SnapshotDetail::Connections
                                            : HttpServer::SnapshotDetail::CountsOnly);
    const qint64 now = monotonicMs();
    const qint64 left = qMax<qint64>(0, m_status.drainDeadlineMs - now);
    const qint64 busy = snapshot.connectionsByState[size_t(ConnectionState::Busy)];
    const qint64 moved = qint64(snapshot.connectionsHandedOver);
    updateStatus([&](LifecycleStatus &s) {
        s.connectionsMoved = moved;
        s.connectionsMovedAfterResponse = qint64(snapshot.connectionsHandedOverAfterResponse);
    });
    if (successorWatches)
        m_restart->reportDraining(snapshot.openConnections(), busy, left, moved,
                                  predecessorHolders(snapshot));
    const qint64 admin = m_admin ? m_admin->openConnections() : 0;
    if (now - m_lastProgressLogMs >= progressLogIntervalMs &&
        snapshot.openConnections() + admin > 0) {
        m_lastProgressLogMs = now;
        m_notify->draining(snapshot.openConnections() + admin, busy, snapshot.requestsTotal, left);
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("draining: %1 left (%2 busy)%3, %4 to deadline")
                   .arg(formatCount(snapshot.openConnections(), "connection"))
                   .arg(busy)
                   .arg(admin > 0 ? QStringLiteral(", %1 on the admin listener").arg(admin)
                                  : QString())
                   .arg(formatSeconds(left));
    }
}

void LifecycleController::onDrainDeadline()
{
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    const qint64 admin = m_admin ? m_admin->openConnections() : 0;
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("drain deadline passed: cutting %1%2 (unanswered requests get 503)")
               .arg(formatCount(snapshot.openConnections(), "connection"))
               .arg(admin > 0 ? QStringLiteral(" and %1 on the admin listener").arg(admin)
                              : QString());
    m_connectionsCut = true;
    m_link->lifecycle().connectionsCut(snapshot.openConnections() + admin);
    updateStatus(
        [&](LifecycleStatus &s) { s.connectionsCut = snapshot.openConnections() + admin; });
    m_server->forceCloseRemaining();
    for (RetiringGeneration *retiring : m_retiring)
        retiring->cutRemaining();
    if (m_admin)
        m_admin->forceCloseRemaining();
    m_drain->scheduleHardStop(hardStopAfterDeadline);
}

void LifecycleController::forceDrainNow()
{
    if (m_status.state != State::Draining || m_connectionsCut || m_forced)
        return;
    m_drain->cutNow();
    onDrainDeadline();
}

void LifecycleController::onDrained()
{
    if (m_status.state == State::Stopped || (m_admin && !m_admin->isDrained()) ||
        !m_retiring.empty())
        return;
    // A restart right after a restart: the generation before may still move busy connections
    // here once they are answered, and this process must be there to pass them on.
    if (m_handover->isReceiving() && m_status.connectionHandover && !m_forced &&
        !m_connectionsCut) {
        if (!std::exchange(m_waitingForPredecessor, true))
            qCInfo(lcLifecycle, "no connection left here; waiting for the previous generation, "
                                "which may still hand some over");
        return;
    }
    const qint64 took = monotonicMs() - m_status.drainStartedAtMs;
    const int code = m_forced ? ExitForced : m_connectionsCut ? ExitDrainTimeout : ExitOk;
    logHandoverResult();
    if (!m_forced)
        logEvent(lcLifecycle(), QtInfoMsg, "drained",
                 QStringLiteral("drained in %1 ms; exiting with status %2").arg(took).arg(code),
                 {{"ms", took}, {"exit_code", code}});
    finish(code);
}

void LifecycleController::logHandoverResult()
{
    if (!m_handover->isSending())
        return;
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    updateStatus([&](LifecycleStatus &s) {
        s.connectionsMoved = qint64(snapshot.connectionsHandedOver);
        s.connectionsMovedAfterResponse = qint64(snapshot.connectionsHandedOverAfterResponse);
    });
    m_handover->logResult(snapshot);
}

void LifecycleController::finish(int exitCode)
{
    if (m_status.state == State::Stopped)
        return;
    m_drain->stop();
    m_lameDuck->stop();
    m_link->lifecycle().drainFinished(m_status.drainStartedAtMs, monotonicMs());
    m_restart->reportExited(exitCode);
    if (!m_settings.pidFile.isEmpty())
        pidfile::removeIfOwned(m_settings.pidFile, ::getpid());
    // The last generation takes the admin socket file with it; a successor keeps using it, and
    // a successor that fails before its predecessor let go leaves it to the predecessor, which
    // serves on.
    if (!m_restart->hasHandedOver() && m_restart->ownsInheritedSockets()) {
        if (m_admin)
            m_admin->removeSocketFile();
        if (m_control)
            m_control->removeSocketFile();
    }
    const quint64 requestsNow =
        m_server ? m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly).requestsTotal : 0;
    updateStatus([&](LifecycleStatus &s) {
        s.exitCode = exitCode;
        s.drainEndedAtMs = monotonicMs();
        s.requestsDuringDrain =
            requestsNow >= s.requestsAtDrainStart ? requestsNow - s.requestsAtDrainStart : 0;
        s.stoppedBySignal = m_signalled;
        s.handedOver = m_restart->hasHandedOver();
        s.successorPid = 0;
    });
    setState(State::Stopped);
    emit stopped(exitCode);
}

void LifecycleController::forceKill()
{
    const State state = m_status.state;
    if (state == State::Stopped)
        return;
    if (m_restart->isWaitingForSuccessor())
        abandonRestart(QStringLiteral("force kill"));
    m_forced = true;
    const qint64 open = m_server ? m_server->connectionCount() : 0;
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("force kill: aborting %1 now").arg(formatCount(open, "connection"));
    m_notify->stopping(
        QStringLiteral("force kill: aborting %1").arg(formatCount(open, "connection")));
    if (state != State::Draining) {
        const quint64 requests =
            m_server ? m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly).requestsTotal : 0;
        updateStatus([&](LifecycleStatus &s) {
            s.drainStartedAtMs = monotonicMs();
            s.drainDeadlineMs = s.drainStartedAtMs;
            s.drainStartConnections = open;
            s.requestsAtDrainStart = requests;
        });
        setState(State::Draining);
    }
    updateStatus([&](LifecycleStatus &s) { s.connectionsCut = open; });
    m_handover->stopReceiving();
    closeListeners();
    if (m_server)
        m_server->abortAll();
    for (RetiringGeneration *retiring : m_retiring)
        retiring->abortAll();
    if (m_admin)
        m_admin->abortAll();
    m_drain->scheduleHardStop(forceKillExit);
}

void LifecycleController::restart()
{
    const State state = m_status.state;
    if (state != State::Serving) {
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("restart ignored: %1")
                   .arg(state == State::Restarting
                            ? QStringLiteral("a restart is already under way")
                            : QStringLiteral("state is %1")
                                  .arg(lifecycleStateName(state).toLower()));
        return;
    }
    if (m_settings.restartMode == RestartMode::Reload) {
        reload();
        return;
    }
    m_notify->reloading(QStringLiteral("restarting"));
    const QFileInfo executable(m_settings.executable);
    if (!executable.isFile() || !executable.isExecutable()) {
        const QString why =
            QStringLiteral("%1 is not an executable file").arg(m_settings.executable);
        logEvent(lcLifecycle(), QtWarningMsg, "restart_failed",
                 QStringLiteral("restart failed: %1; still serving").arg(why), {{"reason", why}});
        m_notify->restartFailed(why);
        m_link->lifecycle().restartFailed();
        return;
    }

    const quint32 nextGeneration = m_settings.generation + 1;
    QString error;
    m_restart->setSuccessorEnvironment({m_link->lifecycle().successorEnvironment()});
    QList<int> listeners;
    for (const auto &socket : m_sockets)
        listeners.append(socket->descriptor());
    if (!m_restart->startSuccessor({m_settings.executable, m_settings.arguments, nextGeneration,
                                    listeners, m_settings.listenNames, m_settings.restartTimeout,
                                    m_admin ? m_admin->descriptor() : -1,
                                    m_control ? m_control->descriptor() : -1},
                                   &error)) {
        logEvent(lcLifecycle(), QtWarningMsg, "restart_failed",
                 QStringLiteral("restart failed: %1; still serving").arg(error),
                 {{"reason", error}});
        m_notify->restartFailed(error);
        m_link->lifecycle().restartFailed();
        return;
    }
    updateStatus([&](LifecycleStatus &s) { s.successorPid = m_restart->successorPid(); });
    setState(State::Restarting);
    logEvent(lcLifecycle(), QtInfoMsg, "restart",
             QStringLiteral("restart: started %1 as pid %2 (generation %3)")
                 .arg(m_settings.executable)
                 .arg(m_restart->successorPid())
                 .arg(nextGeneration),
             {{"successor_pid", m_restart->successorPid()},
              {"successor_generation", qint64(nextGeneration)},
              {"executable", m_settings.executable}});
}

void LifecycleController::onSuccessorReady(qint64 pid, qint64 afterMs, bool takesConnections)
{
    if (m_status.state != State::Restarting)
        return;
    m_link->lifecycle().restartSucceeded();
    logEvent(
        lcLifecycle(), QtInfoMsg, "restart_ready",
        QStringLiteral("restart: pid %1 ready after %2 ms; handing over").arg(pid).arg(afterMs),
        {{"successor_pid", pid}, {"ms", afterMs}});
    m_notify->mainPidReady(pid, QStringLiteral("serving on http://%1 (pid %2, generation %3)")
                                    .arg(m_listenAddress)
                                    .arg(pid)
                                    .arg(m_settings.generation + 1));
    const bool handOver = m_settings.connectionHandover && takesConnections;
    if (m_settings.connectionHandover && !takesConnections)
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("pid %1 does not take connections in handover format %2 (another "
                              "Baton version?); they drain here instead")
                   .arg(pid)
                   .arg(handover::version);
    if (!handOver) {
        const int unused = m_restart->takeHandoverChannel();
        if (unused >= 0)
            ::close(unused); // the successor learns that nothing will come
    }
    beginDrain(QStringLiteral("handed over to pid %1").arg(pid), handOver);
}

void LifecycleController::onSuccessorFailed(const QString &why)
{
    updateStatus([](LifecycleStatus &s) { s.successorPid = 0; });
    if (m_status.state != State::Restarting)
        return;
    setState(State::Serving);
    m_link->lifecycle().restartFailed();
    reclaimPidFile();
    const QString reason =
        QStringLiteral("new process %1: %2").arg(m_restart->successorPid()).arg(why);
    logEvent(lcLifecycle(), QtWarningMsg, "restart_failed",
             QStringLiteral("restart failed: %1; still serving").arg(reason), {{"reason", reason}});
    m_notify->restartFailed(reason);
}

void LifecycleController::abandonRestart(const QString &why)
{
    if (!m_restart->isWaitingForSuccessor())
        return;
    const qint64 pid = m_restart->successorPid();
    m_restart->abandon();
    m_link->lifecycle().restartAbandoned();
    updateStatus([](LifecycleStatus &s) { s.successorPid = 0; });
    if (m_status.state == State::Restarting)
        setState(State::Serving);
    reclaimPidFile();
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("restart abandoned (%1); new process %2 killed").arg(why).arg(pid);
}

// A successor writes its pid when it starts listening, before it is ready; one that fails
// leaves the file naming it (or removes it), while this process serves on.
void LifecycleController::reclaimPidFile()
{
    if (m_settings.pidFile.isEmpty())
        return;
    QString error;
    if (!pidfile::write(m_settings.pidFile, ::getpid(), &error))
        qCWarning(lcLifecycle).noquote() << error;
}

} // namespace baton

namespace baton {

void LifecycleController::reload()
{
    m_notify->reloading(QStringLiteral("reloading"));
    QString error;
    std::optional<GenerationSetup> setup;
    if (m_settings.reloadSetup) {
        setup = m_settings.reloadSetup(&error);
        if (!setup) {
            // Counted before the line, so whoever reads the line finds the count.
            m_link->lifecycle().restartFailed();
            qCWarning(lcLifecycle).noquote()
                << QStringLiteral("reload failed: %1; generation %2 serves on")
                       .arg(error)
                       .arg(m_settings.generation);
            m_notify->restartFailed(error);
            return;
        }
        applySetup(*setup);
    }
    warnIfExecutableReplaced();

    const quint32 nextGeneration = m_settings.generation + 1;
    HttpServer *server = createServer(nextGeneration);
    HttpServer *previous = m_server;
    // Counted now: once they start moving, the new generation owns some of them.
    const qint64 open = previous->connectionCount();
    // The old generation's signals now reach its RetiringGeneration, not the lifecycle.
    disconnect(previous, nullptr, this, nullptr);
    connect(server, &HttpServer::listening, this, [this, nextGeneration] {
        m_notify->ready(QStringLiteral("serving on http://%1 (generation %2)")
                            .arg(m_listenAddress)
                            .arg(nextGeneration));
    });
    m_settings.generation = nextGeneration;
    m_link->attach(server->context());
    auto *retiring = new RetiringGeneration(
        previous, [this] { return m_server; }, m_settings.drainTimeout,
        m_settings.connectionHandover, this);
    connect(retiring, &RetiringGeneration::progressed, this,
            &LifecycleController::publishRetiringProgress);
    connect(retiring, &RetiringGeneration::finished, this,
            [this, retiring](quint32, qint64 tookMs, qint64 moved, qint64 cut) {
                onGenerationRetired(retiring, tookMs, moved, cut);
            });
    {
        QMutexLocker serverLocker(&m_serverMutex);
        QMutexLocker locker(&m_statusMutex);
        m_server = server;
        m_retiring.push_back(retiring);
        m_status.generation = nextGeneration;
    }
    publishRetiringProgress();
    m_link->lifecycle().restartSucceeded();
    logEvent(
        lcLifecycle(), QtInfoMsg, "reload",
        QStringLiteral("reload: generation %1 serves in this process (pid %2, %3); "
                       "generation %4 %5 %6, deadline in %7")
            .arg(nextGeneration)
            .arg(::getpid())
            .arg(formatCount(server->threadCount(), "I/O thread"))
            .arg(nextGeneration - 1)
            .arg(m_settings.connectionHandover ? QStringLiteral("moves") : QStringLiteral("drains"))
            .arg(formatCount(open, "connection"))
            .arg(formatSeconds(m_settings.drainTimeout.count())),
        {{"previous_generation", qint64(nextGeneration - 1)},
         {"threads", server->threadCount()},
         {"connections", open}});
}

void LifecycleController::applySetup(const GenerationSetup &setup)
{
    m_router = setup.router;
    m_settings.limits = setup.limits;
    m_settings.threads = setup.threads;
    m_settings.lameDuck = setup.lameDuck;
    m_settings.drainTimeout = setup.drainTimeout;
    m_settings.restartTimeout = setup.restartTimeout;
    m_settings.connectionHandover = setup.connectionHandover;
}

void LifecycleController::warnIfExecutableReplaced() const
{
    if (fileIdentity(m_settings.executable) == m_executableIdentity)
        return;
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("%1 changed on disk since this process started; a reload goes on "
                          "running the code already loaded (--restart-mode exec runs the new "
                          "file)")
               .arg(m_settings.executable);
}

void LifecycleController::publishRetiringProgress()
{
    if (m_retiring.empty())
        return;
    // The panel shows one previous generation, as after a process restart: the oldest one
    // still working, with the others' connections counted in.
    LifecycleStatus::Predecessor summary;
    ServerSnapshot holders; // the others' holders, to be merged with the oldest one's
    for (const RetiringGeneration *retiring : m_retiring) {
        const LifecycleStatus::Predecessor progress = retiring->progress();
        if (!progress.draining)
            continue;
        if (!summary.draining) {
            summary = progress;
            continue;
        }
        summary.connections += progress.connections;
        summary.busy += progress.busy;
        summary.moved += progress.moved;
        summary.msLeft = std::max(summary.msLeft, progress.msLeft);
        holders.connections += progress.holders;
    }
    if (summary.draining && !holders.connections.isEmpty()) {
        holders.connections += summary.holders;
        summary.holders = predecessorHolders(holders);
    }
    if (!summary.draining)
        summary = m_retiring.back()->progress();
    updateStatus([&](LifecycleStatus &s) { s.predecessor = summary; });
}

void LifecycleController::onGenerationRetired(RetiringGeneration *retiring, qint64 tookMs,
                                              qint64 moved, qint64 cut)
{
    logEvent(lcLifecycle(), QtInfoMsg, "retired",
             QStringLiteral("generation %1 retired after %2 ms: %3 moved to generation %4%5")
                 .arg(retiring->generation())
                 .arg(tookMs)
                 .arg(formatCount(moved, "connection"))
                 .arg(m_settings.generation)
                 .arg(cut > 0 ? QStringLiteral(", %1 cut at the deadline").arg(cut) : QString()),
             {{"retired_generation", qint64(retiring->generation())},
              {"ms", tookMs},
              {"moved", moved},
              {"cut", cut}});
    publishRetiringProgress();
    if (cut > 0)
        m_link->lifecycle().connectionsCut(cut);
    {
        QMutexLocker locker(&m_statusMutex);
        m_retiring.erase(std::remove(m_retiring.begin(), m_retiring.end(), retiring),
                         m_retiring.end());
    }
    retiring->deleteLater(); // its server's threads are joined there, not inside its own signal
    if (m_status.state == State::Draining && m_server && m_server->isDrained())
        onDrained();
}

void LifecycleController::handleTerminalHangup()
{
    m_signalled = true;
    qCInfo(lcLifecycle, "received SIGHUP: the controlling terminal hung up, so this is a "
                        "graceful shutdown, not a restart");
    shutdown();
}

} // namespace baton
