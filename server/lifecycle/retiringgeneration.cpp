#include "lifecycle/retiringgeneration.h"

#include "core/httpserver.h"
#include "core/logging.h"
#include "lifecycle/connectionhandover.h"
#include "lifecycle/draintracker.h"
#include "lifecycle/exitcode.h"
#include "net/monotonicclock.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

// After the deadline, 503s and resets get this long to leave, as in a process's own drain.
constexpr std::chrono::milliseconds hardStopAfterDeadline{1000};
constexpr qint64 progressLogIntervalMs = 1000;

} // namespace

RetiringGeneration::RetiringGeneration(HttpServer *server,
                                       std::function<HttpServer *()> currentServer,
                                       std::chrono::milliseconds drainTimeout, bool moveConnections,
                                       QObject *parent)
    : QObject(parent), m_server(server), m_sender(new ConnectionHandover(this)),
      m_receiver(new ConnectionHandover(this)), m_drain(new DrainTracker(this)),
      m_startedAtMs(monotonicMs()), m_lastProgressLogMs(m_startedAtMs)
{
    m_server->setParent(this);
    connect(m_server, &HttpServer::drained, this, &RetiringGeneration::finish);
    connect(m_drain, &DrainTracker::progressDue, this, &RetiringGeneration::reportProgress);
    connect(m_drain, &DrainTracker::deadlinePassed, this, &RetiringGeneration::onDeadline);
    connect(m_drain, &DrainTracker::hardStopDue, this, [this] {
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("generation %1: connections did not close in time; dropping them")
                   .arg(generation());
        m_server->abortAll();
    });
    m_drain->begin(drainTimeout);

    int pair[2] = {-1, -1};
    if (moveConnections && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("generation %1: socketpair: %2; its connections drain instead of "
                              "moving")
                   .arg(generation())
                   .arg(QString::fromLocal8Bit(std::strerror(errno)));
        moveConnections = false;
    }
    if (!moveConnections) {
        m_server->beginDrain();
        return;
    }
    m_receiver->receive(pair[1], std::move(currentServer));
    m_sender->send(m_server, pair[0]);
}

RetiringGeneration::~RetiringGeneration() = default;

quint32 RetiringGeneration::generation() const
{
    return m_server->generation();
}

LifecycleStatus::Predecessor RetiringGeneration::progress() const
{
    const ServerSnapshot snapshot =
        m_server->snapshot(m_finished ? HttpServer::SnapshotDetail::CountsOnly
                                      : HttpServer::SnapshotDetail::Connections);
    LifecycleStatus::Predecessor progress;
    progress.pid = ::getpid();
    progress.generation = generation();
    progress.connections = snapshot.openConnections();
    progress.busy = snapshot.connectionsByState[size_t(ConnectionState::Busy)];
    progress.msLeft = m_drain->msLeft();
    progress.moved = qint64(snapshot.connectionsHandedOver);
    progress.draining = !m_finished;
    progress.exitCode = m_finished ? (m_cut > 0 ? ExitDrainTimeout : ExitOk) : -1;
    progress.holders = predecessorHolders(snapshot);
    return progress;
}

void RetiringGeneration::stopMoving()
{
    m_receiver->stopReceiving();
}

void RetiringGeneration::cutRemaining()
{
    if (m_finished)
        return;
    m_drain->cutNow();
    onDeadline();
}

void RetiringGeneration::abortAll()
{
    m_receiver->stopReceiving();
    m_server->abortAll();
}

void RetiringGeneration::reportProgress()
{
    const qint64 now = monotonicMs();
    const qint64 open = m_server->connectionCount();
    if (now - m_lastProgressLogMs >= progressLogIntervalMs && open > 0) {
        m_lastProgressLogMs = now;
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("generation %1 draining: %2 left, %3 to deadline")
                   .arg(generation())
                   .arg(formatCount(open, "connection"))
                   .arg(formatSeconds(m_drain->msLeft()));
    }
    emit progressed();
}

void RetiringGeneration::onDeadline()
{
    m_cut = m_server->connectionCount();
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("generation %1: drain deadline passed: cutting %2")
               .arg(generation())
               .arg(formatCount(m_cut, "connection"));
    m_server->forceCloseRemaining();
    m_drain->scheduleHardStop(hardStopAfterDeadline);
}

void RetiringGeneration::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_drain->stop();
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    emit finished(generation(), monotonicMs() - m_startedAtMs,
                  qint64(snapshot.connectionsHandedOver), m_cut);
}

} // namespace baton
