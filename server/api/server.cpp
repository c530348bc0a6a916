#include <baton/server.h>

#include "api/serverprivate.h"
#include "control/controlserver.h"
#include "core/accesslog.h"
#include "core/logging.h"
#include "core/logsink.h"
#include "core/serverlink.h"
#include "lifecycle/adminendpoint.h"
#include "lifecycle/adminroutes.h"
#include "lifecycle/pidfile.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QStandardPaths>

#include <fcntl.h>

namespace baton {

namespace {

// Restart hand-over details a predecessor passes in the environment; consumed so that they do
// not leak into processes this one starts.
struct Inheritance
{
    quint32 generation = 1;
    int predecessorChannelFd = -1;
    int handoverChannelFd = -1;
    int adminListenFd = -1; // the admin socket the predecessor listened on
    int controlFd = -1;     // the control socket (attached panels)
};

Inheritance takeInheritance()
{
    Inheritance inherited;
    bool ok = false;
    const uint generation = qEnvironmentVariableIntValue("BATON_GENERATION", &ok);
    if (ok && generation >= 1)
        inherited.generation = generation;
    const int fd = qEnvironmentVariableIntValue("BATON_RESTART_FD", &ok);
    if (ok && fd > 2 && ::fcntl(fd, F_GETFD) >= 0)
        inherited.predecessorChannelFd = fd;
    const int handoverFd = qEnvironmentVariableIntValue("BATON_HANDOVER_FD", &ok);
    if (ok && handoverFd > 2 && handoverFd != fd && ::fcntl(handoverFd, F_GETFD) >= 0)
        inherited.handoverChannelFd = handoverFd;
    const int adminFd = qEnvironmentVariableIntValue("BATON_ADMIN_LISTEN_FD", &ok);
    if (ok && adminFd > 3 && adminFd != fd && adminFd != handoverFd)
        inherited.adminListenFd = adminFd; // checked when adopted: it must be a listening socket
    const int controlFd = qEnvironmentVariableIntValue("BATON_CONTROL_FD", &ok);
    if (ok && controlFd > 3 && controlFd != fd && controlFd != handoverFd && controlFd != adminFd)
        inherited.controlFd = controlFd; // checked when adopted, as the admin one
    qunsetenv("BATON_GENERATION");
    qunsetenv("BATON_CONTROL_FD");
    qunsetenv("BATON_RESTART_FD");
    qunsetenv("BATON_HANDOVER_FD");
    qunsetenv("BATON_ADMIN_LISTEN_FD");
    return inherited;
}

// The admin listener: the one a previous generation passed (it wins over the setting, as the
// inherited public socket wins over the listen address: a restart never binds again), else the
// admin address bound now, else none. Sets *error when there should be one and it cannot be had.
std::unique_ptr<ListenSocket> openAdminSocket(const std::optional<ListenAddress> &address,
                                              int inheritedFd, QString *error)
{
    auto socket = std::make_unique<ListenSocket>();
    if (inheritedFd >= 0) {
        if (!socket->adoptDescriptor(inheritedFd, error)) {
            *error = QStringLiteral("admin listener: %1").arg(*error);
            return nullptr;
        }
        if (!address)
            qCWarning(lcLifecycle).noquote()
                << QStringLiteral("--admin-listen is no longer set, but the admin listener on %1 "
                                  "was handed over and stays; stop and start to drop it")
                       .arg(socket->localAddress());
        return socket;
    }
    if (!address)
        return nullptr;
    if (!socket->bind(*address, error)) {
        *error = QStringLiteral("--admin-listen: %1").arg(*error);
        return nullptr;
    }
    return socket;
}

// The path a restart will execute: where this program was started from, not /proc/self/exe,
// which keeps pointing at the old file after an upgrade replaced it.
QString startedFrom(const QString &argv0)
{
    if (argv0.contains(u'/'))
        return QFileInfo(argv0).absoluteFilePath();
    const QString found = QStandardPaths::findExecutable(argv0);
    return found.isEmpty() ? argv0 : found;
}

} // namespace

ServerPrivate::ServerPrivate(Server *server) : q(server), link(std::make_shared<ServerLink>())
{
    settings.threads = QThread::idealThreadCount();
    controlThread.setObjectName(QStringLiteral("baton-control"));
    const QStringList all = QCoreApplication::arguments();
    if (!all.isEmpty()) {
        executable = startedFrom(all.constFirst());
        arguments = all.mid(1);
    }
}

ServerPrivate::~ServerPrivate()
{
    stop();
}

void ServerPrivate::stop()
{
    controlThread.quit();
    controlThread.wait();
    controller = nullptr; // deleted with the thread's end (deleteLater on finished)
}

GenerationSetup ServerPrivate::setupFrom(const LifecycleSettings &values,
                                         const std::function<void(Router &)> &site) const
{
    auto generationRouter = std::make_shared<Router>(router);
    if (!adminListen)
        addAdminRoutes(*generationRouter, link);
    if (site)
        site(*generationRouter);
    GenerationSetup setup;
    setup.router = std::move(generationRouter);
    setup.limits = values.limits;
    setup.threads = values.threads;
    setup.lameDuck = values.lameDuck;
    setup.drainTimeout = values.drainTimeout;
    setup.restartTimeout = values.restartTimeout;
    setup.connectionHandover = values.connectionHandover;
    return setup;
}

bool ServerPrivate::start(QString *error, int *exitCode)
{
    *exitCode = ExitListenFailed;
    if (controller) {
        *error = QStringLiteral("the server was started already");
        return false;
    }
    QStringList problems = errors + router.errors();
    if (!problems.isEmpty()) {
        *error = problems.join(QStringLiteral("; "));
        *exitCode = ExitUsage;
        return false;
    }
    const Inheritance inherited = takeInheritance();
    LogSink::setGeneration(inherited.generation);

    // A successor finds its predecessor's pid there, as it should: only a first start checks.
    if (!settings.pidFile.isEmpty() && inherited.predecessorChannelFd < 0 &&
        !pidfile::checkClaim(settings.pidFile, error)) {
        *exitCode = ExitPidFile;
        return false;
    }
    std::vector<ListenSocket::Inherited> inheritedSockets = ListenSocket::adoptInherited(error);
    if (!error->isEmpty())
        return false;
    std::vector<std::unique_ptr<ListenSocket>> sockets;
    QStringList socketNames;
    for (auto &inheritedSocket : inheritedSockets) {
        socketNames.append(inheritedSocket.name);
        sockets.push_back(std::move(inheritedSocket.socket));
    }
    // A restart passes its sockets the same way; only systemd's first start is worth a line.
    if (!sockets.empty() && inherited.predecessorChannelFd < 0) {
        QStringList described;
        for (size_t i = 0; i < sockets.size(); ++i)
            described.append(QStringLiteral("%1 (%2)").arg(sockets[i]->localAddress(),
                                                           socketNames.at(qsizetype(i))));
        qCInfo(lcLifecycle).noquote()
            << QStringLiteral("socket activation: %1 passed in: %2; --listen is not used")
                   .arg(formatCount(qint64(sockets.size()), "socket"),
                        described.join(QStringLiteral(", ")));
    }
    if (sockets.empty()) {
        auto socket = std::make_unique<ListenSocket>();
        if (!socket->bind(listen, error))
            return false;
        sockets.push_back(std::move(socket));
    }
    std::unique_ptr<ListenSocket> adminSocket =
        openAdminSocket(adminListen, inherited.adminListenFd, error);
    if (!adminSocket && !error->isEmpty())
        return false;

    control::ControlAccess controlAccess;
    if (!controlAccess.setGroup(controlSocket.group, error)) {
        *error = QStringLiteral("--control-group: %1").arg(*error);
        *exitCode = ExitUsage;
        return false;
    }
    // Named after the program and its port: one per instance under $XDG_RUNTIME_DIR/baton.
    const QString instanceName =
        QStringLiteral("%1-%2").arg(QFileInfo(QCoreApplication::applicationFilePath()).fileName(),
                                    sockets.front()->localAddress().section(u':', -1));
    std::unique_ptr<ListenSocket> controlListener = control::openControlSocket(
        controlSocket, controlAccess, inherited.controlFd, instanceName, error);
    if (!controlListener && !error->isEmpty())
        return false;

    link->lifecycle().inheritFromEnvironment();
    if (!accessLogPath.isEmpty()) {
        auto accessLog = AccessLog::open(accessLogPath, accessLogFormat, error);
        if (!accessLog) {
            *exitCode = ExitUsage;
            return false;
        }
        link->setAccessLog(std::move(accessLog));
    }
    const GenerationSetup setup = setupFrom(settings, siteRoutes);
    AdminEndpoint *admin = nullptr;
    if (adminSocket) {
        auto adminRouter = std::make_shared<Router>();
        addAdminRoutes(*adminRouter, link);
        admin = new AdminEndpoint(std::move(adminSocket), adminRouter);
    }

    LifecycleSettings lifecycle = settings;
    lifecycle.executable = executable;
    lifecycle.arguments = arguments;
    lifecycle.generation = inherited.generation;
    lifecycle.predecessorChannelFd = inherited.predecessorChannelFd;
    lifecycle.handoverChannelFd = inherited.handoverChannelFd;
    lifecycle.listenNames = socketNames;
    if (reloadSetup) {
        lifecycle.reloadSetup = reloadSetup;
    } else {
        lifecycle.reloadSetup = [this](QString *) -> std::optional<GenerationSetup> {
            return setupFrom(settings, siteRoutes); // read on the control thread: fixed by now
        };
    }

    controller = new LifecycleController(lifecycle, setup.router, link, std::move(sockets), admin);
    if (controlListener)
        controller->setControlServer(new control::ControlServer(
            std::move(controlListener), std::move(controlAccess), controller));
    controller->moveToThread(&controlThread);
    QObject::connect(&controlThread, &QThread::finished, controller, &QObject::deleteLater);
    QObject::connect(controller, &LifecycleController::stateChanged, q,
                     [this](LifecycleStatus::State state) {
                         if (state == LifecycleStatus::State::Serving)
                             emit q->listening();
                         else if (state == LifecycleStatus::State::Draining)
                             emit q->drainStarted();
                     });
    QObject::connect(controller, &LifecycleController::stopped, q, &Server::stopped);
    controlThread.start();
    QMetaObject::invokeMethod(controller, &LifecycleController::start, Qt::QueuedConnection);
    return true;
}

Server::Server(QObject *parent) : QObject(parent), d(std::make_unique<ServerPrivate>(this))
{}

Server::~Server() = default;

Router &Server::router()
{
    return d->router;
}

void Server::setListenAddress(const QString &address)
{
    QString error;
    if (const auto parsed = ListenAddress::parse(address, &error))
        d->listen = *parsed;
    else
        d->errors.append(QStringLiteral("listen address \"%1\": %2").arg(address, error));
}

void Server::setAdminListenAddress(const QString &address)
{
    if (address.isEmpty()) {
        d->adminListen.reset();
        return;
    }
    QString error;
    if (const auto parsed =
            ListenAddress::parse(address, &error, ListenAddress::Accept::TcpOrUnixPath))
        d->adminListen = *parsed;
    else
        d->errors.append(QStringLiteral("admin listen address \"%1\": %2").arg(address, error));
}

void Server::setThreadCount(int count)
{
    d->settings.threads = count > 0 ? count : QThread::idealThreadCount();
}

void Server::setDrainTimeout(std::chrono::milliseconds timeout)
{
    d->settings.drainTimeout = timeout;
}

void Server::setLameDuck(std::chrono::milliseconds period)
{
    d->settings.lameDuck = period;
}

void Server::setRestartTimeout(std::chrono::milliseconds timeout)
{
    d->settings.restartTimeout = timeout;
}

void Server::setRestartMode(RestartMode mode)
{
    d->settings.restartMode = mode;
}

void Server::setConnectionHandover(bool enabled)
{
    d->settings.connectionHandover = enabled;
}

void Server::setPidFile(const QString &path)
{
    d->settings.pidFile = path.isEmpty() ? path : QFileInfo(path).absoluteFilePath();
}

void Server::setControlSocket(const QString &path)
{
    d->controlSocket.setFrom(path);
}

void Server::setControlGroup(const QString &group)
{
    d->controlSocket.group = group;
}

void Server::setServerHeader(const QByteArray &value)
{
    // A field value: visible ASCII and spaces, nothing that could end the line.
    for (char c : value) {
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            d->errors.append(QStringLiteral("server header: control characters are not allowed"));
            return;
        }
    }
    d->settings.serverHeader = value.trimmed();
}

void Server::setIdentityHeaders(bool enabled)
{
    d->settings.identityHeaders = enabled;
}

bool Server::start(QString *errorMessage)
{
    QString error;
    int exitCode = 0;
    const bool started = d->start(&error, &exitCode);
    if (!started && errorMessage)
        *errorMessage = error;
    return started;
}

void Server::setReady(bool ready)
{
    d->link->setApplicationReady(ready);
    if (d->controller)
        QMetaObject::invokeMethod(d->controller, &LifecycleController::applicationReadinessChanged,
                                  Qt::QueuedConnection);
}

bool Server::isReady() const
{
    return d->link->isApplicationReady();
}

QString Server::listenAddress() const
{
    return d->controller ? d->controller->status().listenAddress : QString();
}

quint32 Server::generation() const
{
    return d->controller ? d->controller->status().generation : 0;
}

void Server::shutdown()
{
    if (d->controller)
        QMetaObject::invokeMethod(d->controller, &LifecycleController::shutdown,
                                  Qt::QueuedConnection);
}

void Server::restart()
{
    if (d->controller)
        QMetaObject::invokeMethod(d->controller, &LifecycleController::restart,
                                  Qt::QueuedConnection);
}

void Server::forceKill()
{
    if (d->controller)
        QMetaObject::invokeMethod(d->controller, &LifecycleController::forceKill,
                                  Qt::QueuedConnection);
}

} // namespace baton
