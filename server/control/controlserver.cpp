#include "control/controlserver.h"

#include "control/controlsession.h"
#include "core/logbroadcaster.h"
#include "core/logging.h"
#include "core/logsink.h"
#include "lifecycle/lifecyclecontroller.h"
#include "net/listensocket.h"
#include "net/monotonicclock.h"

#include <QCborArray>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace baton::control {

namespace {

constexpr int updateIntervalMs = 100; // the window's refresh rate
constexpr int maxPanels = 32;
constexpr qsizetype recentLogLines = 200;
constexpr qsizetype maxPendingLogLines = 2000;
constexpr qint64 maxDrainExtensionMs = 3600 * 1000;

} // namespace

ControlServer::ControlServer(std::unique_ptr<ListenSocket> socket, ControlAccess access,
                             LifecycleController *controller)
    : m_socket(std::move(socket)), m_access(std::move(access)), m_controller(controller),
      m_updateTimer(new QTimer(this)), m_startedAtMs(monotonicMs())
{
    m_path = m_socket->localAddress();
    if (m_path.startsWith(QLatin1String("unix:")))
        m_path = m_path.mid(5);
    m_updateTimer->setInterval(updateIntervalMs);
    connect(m_updateTimer, &QTimer::timeout, this, &ControlServer::sendUpdates);
    connect(LogBroadcaster::instance(), &LogBroadcaster::lineLogged, this,
            &ControlServer::onLogLine);
    connect(controller, &LifecycleController::stateChanged, this, &ControlServer::onStateChanged);
}

ControlServer::~ControlServer()
{
    // The last word (a stop's report) goes out now if the panel's buffer takes it.
    const std::vector<ControlSession *> sessions = m_sessions;
    for (ControlSession *session : sessions) {
        disconnect(session, nullptr, this, nullptr);
        session->closeAfterSending();
    }
}

int ControlServer::descriptor() const
{
    return m_socket->descriptor();
}

QString ControlServer::path() const
{
    return m_path;
}

void ControlServer::removeSocketFile()
{
    m_socket->removeSocketFile();
}

void ControlServer::onStateChanged()
{
    const LifecycleStatus status = m_controller->status();
    // A successor attaches nobody before it serves: until then its predecessor answers.
    if (status.state == LifecycleStatus::State::Serving && !m_acceptNotifier && !m_lettingGo &&
        m_socket->isOpen())
        startAccepting();
    if (status.handedOver && !m_lettingGo) {
        letGo();
        return;
    }
    sendUpdates(); // a new state shows at once, not at the next tick
}

void ControlServer::startAccepting()
{
    m_acceptNotifier = new QSocketNotifier(m_socket->descriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &ControlServer::acceptPanels);
    qCInfo(lcLifecycle).noquote() << QStringLiteral(
                                         "control socket on %1 (%2 may attach: baton --attach %1)")
                                         .arg(m_path, m_access.describe());
}

void ControlServer::acceptPanels()
{
    for (;;) {
        const int fd =
            ::accept4(m_socket->descriptor(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; // EAGAIN, or out of descriptors: the next readiness tries again
        }
        const auto peer = peerCredentials(fd);
        if (!peer || !m_access.allows(*peer)) {
            qCWarning(lcLifecycle).noquote()
                << QStringLiteral("control: refused a panel from uid %1 (pid %2): %3 may attach")
                       .arg(peer ? QString::number(peer->uid) : QStringLiteral("?"))
                       .arg(peer ? QString::number(peer->pid) : QStringLiteral("?"))
                       .arg(m_access.describe());
            ::close(fd);
            continue;
        }
        if (m_sessions.size() >= size_t(maxPanels)) {
            qCWarning(lcLifecycle).noquote()
                << QStringLiteral("control: refused a panel from uid %1 (pid %2): %3 panels "
                                  "are attached already")
                       .arg(peer->uid)
                       .arg(peer->pid)
                       .arg(maxPanels);
            ::close(fd);
            continue;
        }
        admit(fd, *peer);
    }
}

void ControlServer::admit(int fd, const PeerCredentials &peer)
{
    auto *session = new ControlSession(fd, peer, this);
    m_sessions.push_back(session);
    connect(session, &ControlSession::helloReceived, this, [this, session] {
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("control: a panel attached (uid %1, pid %2)")
                   .arg(session->peer().uid)
                   .arg(session->peer().pid);
        session->send(welcome());
        // The pending lines are the history's tail, and go to every panel with the next update.
        const QStringList history =
            m_recentLog.mid(0, qMax<qsizetype>(0, m_recentLog.size() - m_pendingLog.size()));
        if (!history.isEmpty())
            session->send(
                QCborMap{{QLatin1StringView("type"), QStringLiteral("log")},
                         {QLatin1StringView("lines"), QCborArray::fromStringList(history)}});
        session->sendUpdate(m_controller->status(), m_controller->snapshot(), monotonicMs());
        m_updateTimer->start();
    });
    connect(session, &ControlSession::commandReceived, this,
            [this, session](Command command, qint64 argument) {
                onCommand(session, command, argument);
            });
    connect(session, &ControlSession::closed, this, [this, session] {
        m_sessions.erase(std::remove(m_sessions.begin(), m_sessions.end(), session),
                         m_sessions.end());
        session->deleteLater();
        if (m_sessions.empty())
            m_updateTimer->stop();
    });
}

QCborMap ControlServer::welcome() const
{
    return QCborMap{{QLatin1StringView("type"), QStringLiteral("welcome")},
                    {QLatin1StringView("version"), protocolVersion},
                    {QLatin1StringView("pid"), QCoreApplication::applicationPid()},
                    {QLatin1StringView("program"), QCoreApplication::applicationName()},
                    {QLatin1StringView("path"), m_path},
                    {QLatin1StringView("now"), monotonicMs()},
                    {QLatin1StringView("startedAt"), m_startedAtMs}};
}

void ControlServer::sendUpdates()
{
    std::vector<ControlSession *> ready;
    for (ControlSession *session : m_sessions) {
        if (session->isWelcomed())
            ready.push_back(session);
    }
    if (ready.empty())
        return;
    sendLog();
    const LifecycleStatus status = m_controller->status();
    const ServerSnapshot snapshot = m_controller->snapshot();
    const qint64 now = monotonicMs();
    for (ControlSession *session : ready) {
        if (!session->isWriting())
            session->sendUpdate(status, snapshot, now);
    }
}

void ControlServer::sendLog()
{
    if (m_pendingLog.isEmpty())
        return;
    if (m_droppedLogLines > 0)
        m_pendingLog.prepend(QStringLiteral("(%1 log lines not shown)").arg(m_droppedLogLines));
    const QCborMap message{{QLatin1StringView("type"), QStringLiteral("log")},
                           {QLatin1StringView("lines"), QCborArray::fromStringList(m_pendingLog)}};
    for (ControlSession *session : m_sessions) {
        if (session->isWelcomed())
            session->send(message);
    }
    m_pendingLog.clear();
    m_droppedLogLines = 0;
}

void ControlServer::onLogLine(const QString &line)
{
    m_recentLog.append(line);
    if (m_recentLog.size() > recentLogLines)
        m_recentLog.removeFirst();
    if (m_sessions.empty())
        return;
    if (m_pendingLog.size() < maxPendingLogLines)
        m_pendingLog.append(line);
    else
        ++m_droppedLogLines;
}

void ControlServer::onCommand(ControlSession *session, Command command, qint64 argument)
{
    qCInfo(lcLifecycle).noquote() << QStringLiteral("control: %1 from a panel (uid %2, pid %3)")
                                         .arg(commandName(command))
                                         .arg(session->peer().uid)
                                         .arg(session->peer().pid);
    LifecycleController *c = m_controller;
    // Queued, as the window's buttons do: the controller acts after this message is handled.
    switch (command) {
    case Command::Shutdown:
        QMetaObject::invokeMethod(c, &LifecycleController::shutdown, Qt::QueuedConnection);
        break;
    case Command::Restart:
        QMetaObject::invokeMethod(c, &LifecycleController::restart, Qt::QueuedConnection);
        break;
    case Command::ForceKill:
        QMetaObject::invokeMethod(c, &LifecycleController::forceKill, Qt::QueuedConnection);
        break;
    case Command::ForceDrainNow:
        QMetaObject::invokeMethod(c, &LifecycleController::forceDrainNow, Qt::QueuedConnection);
        break;
    case Command::StartAgain:
        QMetaObject::invokeMethod(c, &LifecycleController::startAgain, Qt::QueuedConnection);
        break;
    case Command::ExtendDrain: {
        const std::chrono::milliseconds extra{std::clamp<qint64>(argument, 1, maxDrainExtensionMs)};
        QMetaObject::invokeMethod(
            c, [c, extra] { c->extendDrain(extra); }, Qt::QueuedConnection);
        break;
    }
    }
}

void ControlServer::letGo()
{
    m_lettingGo = true;
    delete m_acceptNotifier;
    m_acceptNotifier = nullptr;
    m_updateTimer->stop();
    // Only this process's copy: the successor accepts on the same socket from now on.
    m_socket->close();
    const LifecycleStatus status = m_controller->status();
    for (ControlSession *session : m_sessions) {
        if (!session->isWelcomed())
            continue;
        session->sendUpdate(status, m_controller->snapshot(), monotonicMs());
        session->send(QCborMap{{QLatin1StringView("type"), QStringLiteral("handedOver")},
                               {QLatin1StringView("successorPid"), status.successorPid},
                               {QLatin1StringView("generation"), status.generation + 1}});
    }
    const std::vector<ControlSession *> sessions = m_sessions; // closing may remove them
    for (ControlSession *session : sessions)
        session->closeAfterSending();
}

} // namespace baton::control
