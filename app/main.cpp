#include "builtinroutes.h"
#include "core/accesslog.h"
#include "core/logsink.h"
#include "displayprobe.h"
#include "http/router.h"
#include "http/staticfiles.h"
#include "lifecycle/adminendpoint.h"
#include "lifecycle/lifecyclecontroller.h"
#include "lifecycle/pidfile.h"
#include "net/listensocket.h"
#include "options.h"
#include "panelloader.h"
#include "restartmodechoice.h"
#include "unixsignalbridge.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QThread>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcApp, "baton.app", QtInfoMsg)

namespace {

QStringList argumentsFrom(int argc, char **argv)
{
    QStringList arguments;
    arguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

// The path a restart will execute: where this binary was started from, resolved now (before
// anything could change the working directory), not /proc/self/exe, which keeps pointing at the
// old file after an upgrade replaced it.
QString startedFrom(const QString &argv0)
{
    if (argv0.contains(u'/'))
        return QFileInfo(argv0).absoluteFilePath();
    const QString found = QStandardPaths::findExecutable(argv0);
    return found.isEmpty() ? argv0 : found;
}

// Restart hand-over details a predecessor passes in the environment; consumed so that they do
// not leak into processes this one starts.
struct Inheritance
{
    quint32 generation = 1;
    int predecessorChannelFd = -1;
    int handoverChannelFd = -1;
    int adminListenFd = -1; // the --admin-listen socket the predecessor listened on
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
    qunsetenv("BATON_GENERATION");
    qunsetenv("BATON_RESTART_FD");
    qunsetenv("BATON_HANDOVER_FD");
    qunsetenv("BATON_ADMIN_LISTEN_FD");
    return inherited;
}

// The admin listener: the one a previous generation passed (it wins over the option, as the
// inherited public socket wins over --listen: a restart never binds again), else --admin-listen
// bound now, else none. Sets *error when there should be one and it cannot be had.
std::unique_ptr<baton::ListenSocket> openAdminSocket(const baton::AppOptions &options,
                                                     int inheritedFd, QString *error)
{
    auto socket = std::make_unique<baton::ListenSocket>();
    if (inheritedFd >= 0) {
        if (!socket->adoptDescriptor(inheritedFd, error)) {
            *error = QStringLiteral("admin listener: %1").arg(*error);
            return nullptr;
        }
        if (!options.adminListen)
            qCWarning(lcApp).noquote()
                << QStringLiteral("--admin-listen is no longer set, but the admin listener on %1 "
                                  "was handed over and stays; stop and start Baton to drop it")
                       .arg(socket->localAddress());
        return socket;
    }
    if (!options.adminListen)
        return nullptr;
    if (!socket->bind(*options.adminListen, error)) {
        *error = QStringLiteral("--admin-listen: %1").arg(*error);
        return nullptr;
    }
    return socket;
}

// Routes and limits of one server generation, from the options: at start, and again at each
// reload, so a changed config file takes effect in the new generation.
baton::GenerationSetup generationSetup(const baton::AppOptions &options,
                                       const std::shared_ptr<baton::ServerLink> &link,
                                       bool adminRoutesHere)
{
    auto router = std::make_shared<baton::Router>();
    baton::BuiltinRoutesOptions routes;
    routes.greeting = options.greeting.toUtf8();
    routes.server = link;
    routes.demoRoutes = options.demoRoutes;
    routes.adminRoutes = adminRoutesHere;
    if (!options.root.isEmpty()) {
        baton::StaticFilesSettings files;
        files.root = options.root;
        if (!options.defaultType.isEmpty())
            files.types = baton::MediaTypes(options.defaultType);
        files.cacheControl = options.cacheControl;
        files.precompressed = options.gzipStatic;
        files.autoindex = options.autoindex;
        files.cacheValidity = options.fileCacheValidity;
        routes.staticFiles = std::make_shared<baton::StaticFiles>(std::move(files));
    }
    baton::addBuiltinRoutes(*router, routes);

    baton::GenerationSetup setup;
    setup.router = router;
    setup.limits = options.limits;
    setup.threads = options.threads > 0 ? options.threads : QThread::idealThreadCount();
    setup.lameDuck = options.lameDuck;
    setup.drainTimeout = options.drainTimeout;
    setup.restartTimeout = options.restartTimeout;
    setup.connectionHandover = !options.noConnectionHandover;
    return setup;
}

// What a reload cannot change: the sockets stay (that is the point), and so does the pid file.
void warnAboutFixedOptions(const baton::AppOptions &started, const baton::AppOptions &now)
{
    const auto admin = [](const baton::AppOptions &o) {
        return o.adminListen ? o.adminListen->toString() : QString();
    };
    QStringList fixed;
    if (now.listen.toString() != started.listen.toString())
        fixed << QStringLiteral("listen");
    if (admin(now) != admin(started))
        fixed << QStringLiteral("admin-listen");
    if (now.pidFile != started.pidFile)
        fixed << QStringLiteral("pid-file");
    if (now.restartMode != started.restartMode)
        fixed << QStringLiteral("restart-mode");
    if (!fixed.isEmpty())
        qCWarning(lcApp).noquote()
            << QStringLiteral("reload: %1 changed, which takes a stop and a start; the new "
                              "generation keeps the old value")
                   .arg(fixed.join(QStringLiteral(", ")));
}

} // namespace

int main(int argc, char **argv)
{
    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);

    const QStringList arguments = argumentsFrom(argc, argv);
    const baton::ParsedOptions parsed = baton::parseOptions(arguments);
    if (!parsed.options)
        return parsed.exitCode;
    const baton::AppOptions &options = *parsed.options;
    const Inheritance inherited = takeInheritance();
    // Before the first thread and the first log line; the window's log view chains to it.
    baton::LogSink::install(options.logFormat);
    baton::LogSink::setGeneration(inherited.generation);

    QString noDisplay;
    const bool headless = options.headless || !baton::displayAvailable(&noDisplay);
    if (!options.headless && headless)
        qCInfo(lcApp).noquote() << noDisplay + QStringLiteral(": running headless");
    // The window is a module of its own; without it (not installed, not loadable) Baton says so
    // in one line and serves headless.
    std::unique_ptr<baton::PanelPlugin> panel = headless ? nullptr : baton::loadPanelPlugin();
    std::unique_ptr<QCoreApplication> app = panel ? panel->createApplication(argc, argv)
                                                  : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION));

    QString error;
    // A successor finds its predecessor's pid there, as it should: only a first start checks.
    if (!options.pidFile.isEmpty() && inherited.predecessorChannelFd < 0 &&
        !baton::pidfile::checkClaim(options.pidFile, &error)) {
        qCCritical(lcApp).noquote() << error;
        return baton::ExitPidFile;
    }
    std::vector<baton::ListenSocket::Inherited> inheritedSockets =
        baton::ListenSocket::adoptInherited(&error);
    if (!error.isEmpty()) {
        qCCritical(lcApp).noquote() << error;
        return baton::ExitListenFailed;
    }
    std::vector<std::unique_ptr<baton::ListenSocket>> sockets;
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
        qCInfo(lcApp).noquote() << QStringLiteral("socket activation: %1 passed in: %2; --listen "
                                                  "is not used")
                                       .arg(sockets.size() == 1
                                                ? QStringLiteral("1 socket")
                                                : QStringLiteral("%1 sockets").arg(sockets.size()),
                                            described.join(QStringLiteral(", ")));
    }
    if (sockets.empty()) {
        auto socket = std::make_unique<baton::ListenSocket>();
        if (!socket->bind(options.listen, &error)) {
            qCCritical(lcApp).noquote() << error;
            return baton::ExitListenFailed;
        }
        sockets.push_back(std::move(socket));
    }
    std::unique_ptr<baton::ListenSocket> adminSocket =
        openAdminSocket(options, inherited.adminListenFd, &error);
    if (!adminSocket && !error.isEmpty()) {
        qCCritical(lcApp).noquote() << error;
        return baton::ExitListenFailed;
    }

    auto link = std::make_shared<baton::ServerLink>();
    link->lifecycle().inheritFromEnvironment();
    if (!options.accessLog.isEmpty()) {
        const auto format = options.logFormat == baton::LogFormatter::Format::Json
                                ? baton::AccessLogFormat::Json
                                : baton::AccessLogFormat::Combined;
        auto accessLog = baton::AccessLog::open(options.accessLog, format, &error);
        if (!accessLog) {
            qCCritical(lcApp).noquote() << error;
            return baton::ExitUsage;
        }
        link->setAccessLog(std::move(accessLog));
    }
    const bool adminRoutesHere = !adminSocket;
    const baton::GenerationSetup setup = generationSetup(options, link, adminRoutesHere);
    baton::AdminEndpoint *admin = nullptr;
    if (adminSocket) {
        auto adminRouter = std::make_shared<baton::Router>();
        baton::addAdminRoutes(*adminRouter, link);
        admin = new baton::AdminEndpoint(std::move(adminSocket), adminRouter);
    }

    const baton::RestartModeChoice restartMode = baton::chooseRestartMode(options.restartMode);
    qCInfo(lcApp).noquote() << QStringLiteral("restart mode: %1 (%2)")
                                   .arg(restartMode.mode == baton::RestartMode::Reload
                                            ? QStringLiteral("reload, same pid")
                                            : QStringLiteral("exec, new process"),
                                        restartMode.reason);

    baton::LifecycleSettings settings;
    settings.limits = setup.limits;
    settings.threads = setup.threads;
    settings.lameDuck = setup.lameDuck;
    settings.drainTimeout = setup.drainTimeout;
    settings.restartTimeout = setup.restartTimeout;
    settings.connectionHandover = setup.connectionHandover;
    settings.pidFile = options.pidFile;
    // Absolute, so the line names the directory whatever the working directory was.
    if (!options.root.isEmpty())
        settings.root = QFileInfo(options.root).absoluteFilePath();
    settings.executable = startedFrom(arguments.constFirst());
    settings.arguments = arguments.mid(1);
    settings.generation = inherited.generation;
    settings.predecessorChannelFd = inherited.predecessorChannelFd;
    settings.handoverChannelFd = inherited.handoverChannelFd;
    settings.restartMode = restartMode.mode;
    settings.listenNames = socketNames;
    settings.reloadSetup = [arguments, link, adminRoutesHere, started = options](
                               QString *error) -> std::optional<baton::GenerationSetup> {
        const baton::ParsedOptions reread = baton::parseOptionsQuietly(arguments);
        if (!reread.options) {
            *error = reread.error;
            return std::nullopt;
        }
        warnAboutFixedOptions(started, *reread.options);
        return generationSetup(*reread.options, link, adminRoutesHere);
    };

    // The controller and the server's coordinator live in their own thread, so the thread that
    // will host the window never runs server code.
    QThread controlThread;
    controlThread.setObjectName(QStringLiteral("baton-control"));
    auto *controller =
        new baton::LifecycleController(settings, setup.router, link, std::move(sockets), admin);
    controller->moveToThread(&controlThread);
    QObject::connect(&controlThread, &QThread::finished, controller, &QObject::deleteLater);
    if (panel)
        panel->showPanel(controller);
    else
        QObject::connect(controller, &baton::LifecycleController::stopped, app.get(),
                         [](int exitCode) { QCoreApplication::exit(exitCode); });

    baton::UnixSignalBridge signalBridge({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
    // Closing the terminal sends SIGHUP too; by then the terminal is gone, and so is whoever
    // could stop a new generation: that SIGHUP means "leave", not "restart". SIGUSR1 is
    // logrotate's "reopen your logs", not a lifecycle operation.
    const bool startedOnTerminal = baton::hasControllingTerminal();
    QObject::connect(
        &signalBridge, &baton::UnixSignalBridge::signalReceived, controller,
        [controller, startedOnTerminal, accessLog = link->accessLog()](int signalNumber) {
            if (signalNumber == SIGUSR1) {
                if (accessLog)
                    accessLog->reopen();
                else
                    qCInfo(lcApp, "received SIGUSR1: there is no access log to "
                                  "reopen");
            } else if (signalNumber == SIGHUP && startedOnTerminal &&
                       !baton::hasControllingTerminal()) {
                controller->handleTerminalHangup();
            } else {
                controller->handleSignal(signalNumber);
            }
        });

    controlThread.start();
    QMetaObject::invokeMethod(controller, &baton::LifecycleController::start, Qt::QueuedConnection);
    const int exitCode = app->exec();
    panel.reset(); // the window, before the application object
    controlThread.quit();
    controlThread.wait();
    return exitCode;
}
