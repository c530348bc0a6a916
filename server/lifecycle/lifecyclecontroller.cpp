#include "lifecycle/lifecyclecontroller.h"

#include "core/httpserver.h"
#include "core/logging.h"
#include "core/serverlink.h"
#include "lifecycle/childprocess.h"
#include "lifecycle/pidfile.h"
#include "lifecycle/restartchannel.h"
#include "net/listensocket.h"
#include "net/monotonicclock.h"

#include <QFileInfo>
#include <QTimer>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcLifecycle, "baton.lifecycle", QtInfoMsg)

namespace baton {

namespace {

constexpr int progressIntervalMs = 250;
constexpr int progressLogIntervalMs = 1000;
// After the drain deadline, 503s and resets get this long to leave before everything is cut.
constexpr int hardStopAfterDeadlineMs = 1000;
// Force kill promises an exit within a second, whatever the connections do.
constexpr int forceKillExitMs = 500;

QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

} // namespace

QString lifecycleStateName(LifecycleStatus::State state)
{
    switch (state) {
    case LifecycleStatus::State::Starting:
        return QStringLiteral("Starting");
    case LifecycleStatus::State::Serving:
        return QStringLiteral("Serving");
    case LifecycleStatus::State::LameDuck:
        return QStringLiteral("Lame duck");
    case LifecycleStatus::State::Draining:
        return QStringLiteral("Draining");
    case LifecycleStatus::State::Restarting:
        return QStringLiteral("Restarting");
    case LifecycleStatus::State::Stopped:
        return QStringLiteral("Stopped");
    }
    return QString();
}

LifecycleController::LifecycleController(LifecycleSettings settings,
                                         std::shared_ptr<const Router> router,
                                         std::shared_ptr<ServerLink> link,
                                         std::unique_ptr<ListenSocket> socket)
    : m_settings(std::move(settings)), m_router(std::move(router)), m_link(std::move(link)),
      m_socket(std::move(socket)), m_restartTimer(new QTimer(this)),
      m_lameDuckTimer(new QTimer(this)), m_drainDeadlineTimer(new QTimer(this)),
      m_progressTimer(new QTimer(this)), m_hardStopTimer(new QTimer(this))
{
    for (QTimer *timer : {m_restartTimer, m_lameDuckTimer, m_drainDeadlineTimer, m_hardStopTimer})
        timer->setSingleShot(true);
    m_progressTimer->setInterval(progressIntervalMs);
    connect(m_restartTimer, &QTimer::timeout, this, [this] {
        abandonRestart(QStringLiteral("it was not ready within %1")
                           .arg(seconds(m_settings.restartTimeout.count())));
    });
    connect(m_lameDuckTimer, &QTimer::timeout, this,
            [this] { beginDrain(QStringLiteral("lame duck period over")); });
    connect(m_drainDeadlineTimer, &QTimer::timeout, this, &LifecycleController::onDrainDeadline);
    connect(m_progressTimer, &QTimer::timeout, this, &LifecycleController::reportDrainProgress);
    connect(m_hardStopTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcLifecycle, "connections did not close in time; exiting anyway");
        finish(m_forced ? ExitForced : ExitDrainTimeout);
    });
    m_status.generation = m_settings.generation;
    if (m_settings.predecessorChannelFd >= 0) {
        m_predecessorChannel = new RestartChannel(m_settings.predecessorChannelFd, this);
        connect(m_predecessorChannel, &RestartChannel::lineReceived, this,
                &LifecycleController::onPredecessorLine);
        connect(m_predecessorChannel, &RestartChannel::disconnected, this, [this] {
            updateStatus([](LifecycleStatus &s) { s.predecessor.draining = false; });
        });
    }
}

LifecycleController::~LifecycleController()
{
    delete m_server; // joins the I/O threads
}

LifecycleStatus LifecycleController::status() const
{
    QMutexLocker locker(&m_statusMutex);
    return m_status;
}

ServerSnapshot LifecycleController::snapshot() const
{
    // Under the mutex: startAgain() swaps the server under it, so none is in use when deleted.
    QMutexLocker locker(&m_statusMutex);
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

void LifecycleController::start()
{
    auto *server = new HttpServer(m_settings.limits, m_router, m_settings.generation);
    connect(server, &HttpServer::listening, this, &LifecycleController::onListening);
    connect(server, &HttpServer::drained, this, &LifecycleController::onDrained);
    connect(server, &HttpServer::acceptingStopped, this,
            [] { qCInfo(lcLifecycle, "listener closed: new connections are refused"); });
    connect(server, &HttpServer::acceptFailed, this, [this](const QString &error) {
        qCCritical(lcLifecycle).noquote() << error;
        forceKill();
    });
    // Started before it is published: observers in other threads read its worker list, which
    // start() builds and never changes afterwards.
    server->start(m_socket->descriptor(), m_settings.threads);
    m_listenAddress = m_socket->localAddress();
    m_link->attach(server->context());
    HttpServer *previous = nullptr;
    {
        QMutexLocker locker(&m_statusMutex);
        previous = std::exchange(m_server, server);
        m_status.listenAddress = m_listenAddress;
    }
    delete previous; // its routes' readers hold its context, not the server
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
    qCInfo(lcLifecycle).noquote()
        << QStringLiteral("listening on http://%1 (pid %2, generation %3, %4 I/O threads)")
               .arg(m_socket->localAddress())
               .arg(::getpid())
               .arg(m_settings.generation)
               .arg(m_server->threadCount());
    if (m_predecessorChannel)
        m_predecessorChannel->send("READY " + QByteArray::number(::getpid()));
}

void LifecycleController::startAgain()
{
    if (m_status.state != State::Stopped)
        return;
    QString error;
    auto address = ListenAddress::parse(m_listenAddress, &error);
    auto socket = std::make_unique<ListenSocket>();
    if (!address || !socket->bind(*address, &error)) {
        qCWarning(lcLifecycle).noquote() << QStringLiteral("cannot start again: %1").arg(error);
        return;
    }
    m_socket = std::move(socket);
    m_forced = m_connectionsCut = m_handedOver = m_signalled = false;
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
    if (m_settings.lameDuck.count() > 0) {
        m_server->setReady(false);
        setState(State::LameDuck);
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("lame duck for %1: /readyz answers 503, still serving")
                   .arg(seconds(m_settings.lameDuck.count()));
        m_lameDuckTimer->start(m_settings.lameDuck);
        return;
    }
    beginDrain(QStringLiteral("graceful shutdown"));
}

void LifecycleController::beginDrain(const QString &why)
{
    const qint64 now = monotonicMs();
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    updateStatus([&](LifecycleStatus &s) {
        s.drainStartedAtMs = now;
        s.drainDeadlineMs = now + m_settings.drainTimeout.count();
        s.drainStartConnections = snapshot.openConnections();
        s.requestsAtDrainStart = snapshot.requestsTotal;
        s.handedOver = m_handedOver;
    });
    setState(State::Draining);
    m_server->beginDrain();
    // Our copy of the listening socket goes too; after a handover the successor holds its own.
    m_socket->close();
    qCInfo(lcLifecycle).noquote()
        << QStringLiteral("%1: draining %2 connections (%3 busy), deadline in %4")
               .arg(why)
               .arg(snapshot.openConnections())
               .arg(snapshot.connectionsByState[size_t(ConnectionState::Busy)])
               .arg(seconds(m_settings.drainTimeout.count()));
    m_drainDeadlineTimer->start(m_settings.drainTimeout);
    m_lastProgressLogMs = now;
    m_progressTimer->start();
}

void LifecycleController::extendDrain(std::chrono::milliseconds extra)
{
    if (m_status.state != State::Draining || !m_drainDeadlineTimer->isActive())
        return;
    const qint64 remaining = m_drainDeadlineTimer->remainingTime() + extra.count();
    m_drainDeadlineTimer->start(int(remaining));
    updateStatus([&](LifecycleStatus &s) { s.drainDeadlineMs += extra.count(); });
    qCInfo(lcLifecycle).noquote() << QStringLiteral("drain deadline extended by %1; now %2 away")
                                         .arg(seconds(extra.count()), seconds(remaining));
}

void LifecycleController::reportDrainProgress()
{
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    const qint64 now = monotonicMs();
    const qint64 left = qMax<qint64>(0, m_status.drainDeadlineMs - now);
    const qint64 busy = snapshot.connectionsByState[size_t(ConnectionState::Busy)];
    if (m_successorChannel) {
        m_successorChannel->send("DRAINING " + QByteArray::number(::getpid()) + ' ' +
                                 QByteArray::number(snapshot.openConnections()) + ' ' +
                                 QByteArray::number(busy) + ' ' + QByteArray::number(left));
    }
    if (now - m_lastProgressLogMs >= progressLogIntervalMs && snapshot.openConnections() > 0) {
        m_lastProgressLogMs = now;
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("draining: %1 connections left (%2 busy), %3 to deadline")
                   .arg(snapshot.openConnections())
                   .arg(busy)
                   .arg(seconds(left));
    }
}

void LifecycleController::onDrainDeadline()
{
    const ServerSnapshot snapshot = m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly);
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("drain deadline passed: cutting %1 connections (unanswered requests "
                          "get 503)")
               .arg(snapshot.openConnections());
    m_connectionsCut = true;
    updateStatus([&](LifecycleStatus &s) { s.connectionsCut = snapshot.openConnections(); });
    m_server->forceCloseRemaining();
    m_hardStopTimer->start(hardStopAfterDeadlineMs);
}

void LifecycleController::forceDrainNow()
{
    if (m_status.state != State::Draining || m_connectionsCut || m_forced)
        return;
    m_drainDeadlineTimer->stop();
    onDrainDeadline();
}

void LifecycleController::onDrained()
{
    if (m_status.state == State::Stopped)
        return;
    const qint64 took = monotonicMs() - m_status.drainStartedAtMs;
    const int code = m_forced ? ExitForced : m_connectionsCut ? ExitDrainTimeout : ExitOk;
    if (!m_forced)
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("drained in %1 ms; exiting with status %2").arg(took).arg(code);
    finish(code);
}

void LifecycleController::finish(int exitCode)
{
    if (m_status.state == State::Stopped)
        return;
    m_progressTimer->stop();
    m_drainDeadlineTimer->stop();
    m_hardStopTimer->stop();
    m_lameDuckTimer->stop();
    if (m_successorChannel) {
        m_successorChannel->send("EXITED " + QByteArray::number(::getpid()) + ' ' +
                                 QByteArray::number(exitCode));
        m_successorChannel->close();
    }
    if (!m_settings.pidFile.isEmpty())
        pidfile::removeIfOwned(m_settings.pidFile, ::getpid());
    const quint64 requestsNow =
        m_server ? m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly).requestsTotal : 0;
    updateStatus([&](LifecycleStatus &s) {
        s.exitCode = exitCode;
        s.drainEndedAtMs = monotonicMs();
        s.requestsDuringDrain =
            requestsNow >= s.requestsAtDrainStart ? requestsNow - s.requestsAtDrainStart : 0;
        s.stoppedBySignal = m_signalled;
        s.handedOver = m_handedOver;
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
    if (m_successor && m_successor->isRunning() && !m_handedOver)
        abandonRestart(QStringLiteral("force kill"));
    m_forced = true;
    const qint64 open = m_server ? m_server->connectionCount() : 0;
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("force kill: aborting %1 connections now").arg(open);
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
    m_socket->close();
    if (m_server)
        m_server->abortAll();
    m_hardStopTimer->start(forceKillExitMs);
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
    const QFileInfo executable(m_settings.executable);
    if (!executable.isFile() || !executable.isExecutable()) {
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("restart failed: %1 is not an executable file; still serving")
                   .arg(m_settings.executable);
        return;
    }

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        qCWarning(lcLifecycle, "restart failed: socketpair: %s; still serving", strerror(errno));
        return;
    }
    delete m_successor;
    delete m_successorChannel;
    m_successor = new ChildProcess(this);
    m_successorChannel = new RestartChannel(pair[0], this);
    const quint32 nextGeneration = m_settings.generation + 1;
    QString error;
    const bool started =
        m_successor->start(m_settings.executable, m_settings.arguments,
                           {QStringLiteral("BATON_GENERATION=%1").arg(nextGeneration),
                            QStringLiteral("BATON_RESTART_FD=4")},
                           {m_socket->descriptor(), pair[1]}, 1, &error);
    ::close(pair[1]);
    if (!started) {
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("restart failed: %1; still serving").arg(error);
        delete m_successorChannel;
        m_successorChannel = nullptr;
        return;
    }
    connect(m_successor, &ChildProcess::exited, this, &LifecycleController::onSuccessorExited);
    connect(m_successorChannel, &RestartChannel::lineReceived, this,
            &LifecycleController::onSuccessorLine);
    m_restartStartedMs = monotonicMs();
    m_handedOver = false;
    updateStatus([&](LifecycleStatus &s) { s.successorPid = m_successor->pid(); });
    setState(State::Restarting);
    qCInfo(lcLifecycle).noquote() << QStringLiteral("restart: started %1 as pid %2 (generation %3)")
                                         .arg(m_settings.executable)
                                         .arg(m_successor->pid())
                                         .arg(nextGeneration);
    m_restartTimer->start(m_settings.restartTimeout);
}

void LifecycleController::onSuccessorLine(const QByteArray &line)
{
    if (!line.startsWith("READY") || m_status.state != State::Restarting)
        return;
    m_restartTimer->stop();
    m_handedOver = true;
    qCInfo(lcLifecycle).noquote() << QStringLiteral(
                                         "restart: pid %1 ready after %2 ms; handing over")
                                         .arg(m_successor->pid())
                                         .arg(monotonicMs() - m_restartStartedMs);
    beginDrain(QStringLiteral("handed over to pid %1").arg(m_successor->pid()));
}

void LifecycleController::onSuccessorExited(int waitStatus)
{
    if (m_handedOver) {
        qCWarning(lcLifecycle).noquote() << QStringLiteral("new generation (pid %1) %2")
                                                .arg(m_successor->pid())
                                                .arg(describeWaitStatus(waitStatus));
        return;
    }
    abandonRestart(QStringLiteral("it %1 before it was ready").arg(describeWaitStatus(waitStatus)));
}

void LifecycleController::abandonRestart(const QString &why)
{
    if (!m_successor || m_handedOver)
        return;
    m_restartTimer->stop();
    const qint64 pid = m_successor->pid();
    if (m_successor->isRunning())
        m_successor->kill(SIGKILL);
    m_successorChannel->close();
    updateStatus([](LifecycleStatus &s) { s.successorPid = 0; });
    if (m_status.state == State::Restarting) {
        setState(State::Serving);
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("restart failed: new process %1: %2; still serving")
                   .arg(pid)
                   .arg(why);
    } else {
        qCWarning(lcLifecycle).noquote()
            << QStringLiteral("restart abandoned (%1); new process %2 killed").arg(why).arg(pid);
    }
}

void LifecycleController::onPredecessorLine(const QByteArray &line)
{
    const QList<QByteArray> words = line.split(' ');
    if (words.value(0) == "DRAINING" && words.size() == 5) {
        const bool first = !m_status.predecessor.draining && m_status.predecessor.pid == 0;
        updateStatus([&](LifecycleStatus &s) {
            s.predecessor.pid = words[1].toLongLong();
            s.predecessor.connections = words[2].toLongLong();
            s.predecessor.busy = words[3].toLongLong();
            s.predecessor.msLeft = words[4].toLongLong();
            s.predecessor.draining = true;
        });
        if (first)
            qCInfo(lcLifecycle).noquote()
                << QStringLiteral("previous generation (pid %1) is draining %2 connections")
                       .arg(QString::fromLatin1(words[1]), QString::fromLatin1(words[2]));
    } else if (words.value(0) == "EXITED" && words.size() == 3) {
        updateStatus([&](LifecycleStatus &s) {
            s.predecessor.pid = words[1].toLongLong();
            s.predecessor.connections = 0;
            s.predecessor.draining = false;
            s.predecessor.exitCode = words[2].toInt();
        });
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("previous generation (pid %1) exited with status %2")
                   .arg(QString::fromLatin1(words[1]), QString::fromLatin1(words[2]));
    }
}

} // namespace baton
