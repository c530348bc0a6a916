#include "applicationprivate.h"

#include "api/requestaccess.h"
#include "api/serverprivate.h"
#include "core/logsink.h"
#include "displayprobe.h"
#include "http/staticfiles.h"
#include "panelloader.h"
#include "panelregistry.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLoggingCategory>

#include <csignal>
#include <dlfcn.h>

Q_DECLARE_LOGGING_CATEGORY(lcApplication)

namespace baton {

namespace {

QStringList argumentsFrom(int argc, char **argv)
{
    QStringList arguments;
    arguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

} // namespace

QString ApplicationPrivate::programName(const QStringList &arguments)
{
    const QString name = QFileInfo(arguments.value(0)).fileName();
    return name.isEmpty() ? QStringLiteral("baton") : name;
}

namespace {

// Before the command line is parsed properly (which needs the program's options, added after
// the constructor), the few things the constructor must know: whether a window is wanted, and
// the log format of the first lines.
bool hasFlag(const QStringList &arguments, QLatin1StringView name)
{
    for (const QString &argument : arguments.mid(1)) {
        if (argument == u"--" + name || argument == u"-" + name)
            return true;
    }
    return false;
}

LogFormatter::Format earlyLogFormat(const QStringList &arguments)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        QString value;
        if (argument == u"--log-format" && i + 1 < arguments.size())
            value = arguments.at(i + 1);
        else if (argument.startsWith(u"--log-format="))
            value = argument.mid(13);
        if (const auto format = LogFormatter::parseFormat(value))
            return *format;
    }
    return LogFormatter::Format::Text;
}

// What a reload cannot change: the sockets stay (that is the point), and so does the pid file.
void warnAboutFixedOptions(const AppOptions &started, const AppOptions &now)
{
    const auto admin = [](const AppOptions &o) {
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
        qCWarning(lcApplication).noquote()
            << QStringLiteral("reload: %1 changed, which takes a stop and a start; the new "
                              "generation keeps the old value")
                   .arg(fixed.join(QStringLiteral(", ")));
}

void applyLimits(LifecycleSettings &settings, const AppOptions &options)
{
    settings.limits = options.limits;
    settings.threads = options.threads > 0 ? options.threads : QThread::idealThreadCount();
    settings.lameDuck = options.lameDuck;
    settings.drainTimeout = options.drainTimeout;
    settings.restartTimeout = options.restartTimeout;
    settings.connectionHandover = !options.noConnectionHandover;
}

} // namespace

ApplicationPrivate::ApplicationPrivate(int &argc, char **argv)
    : arguments(argumentsFrom(argc, argv))
{
    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    // Before the first thread and the first log line; the window's log view chains to it.
    LogSink::install(earlyLogFormat(arguments), programName(arguments).toLocal8Bit());
    // A successor's first lines already carry its generation (Server::start() consumes the
    // variable later).
    bool ok = false;
    const uint generation = qEnvironmentVariableIntValue("BATON_GENERATION", &ok);
    LogSink::setGeneration(ok && generation >= 1 ? generation : 1);

    // --help and --version only print: no window, and no line about the display either.
    const bool headlessAsked = hasFlag(arguments, QLatin1StringView("headless")) ||
                               hasFlag(arguments, QLatin1StringView("help")) ||
                               hasFlag(arguments, QLatin1StringView("h")) ||
                               hasFlag(arguments, QLatin1StringView("version"));
    const bool headless = headlessAsked || !displayAvailable(&noDisplay);
    // Said once the command line is known to be good: a usage error stays one line.
    if (!headlessAsked && headless)
        headlessReason = noDisplay + QStringLiteral(": running headless");
    panel = headless ? nullptr : findPanel();
    app = panel ? panel->createApplication(argc, argv)
                : std::make_unique<QCoreApplication>(argc, argv);
    // After the application object: the server reads the arguments through it.
    server = std::make_unique<Server>();
}

std::unique_ptr<PanelPlugin> ApplicationPrivate::findPanel() const
{
    if (PanelFactory factory = registeredPanelFactory())
        return std::unique_ptr<PanelPlugin>(factory());
    if (!::dlsym(RTLD_DEFAULT, "baton_panel_host")) {
        qCInfo(lcApplication, "no control panel in this program (link Baton::Widgets for one): "
                              "running headless");
        return nullptr;
    }
    return loadPanelPlugin();
}

int ApplicationPrivate::attach(const QStringList &controlSockets)
{
    if (!panel) {
        qCCritical(lcApplication).noquote()
            << QStringLiteral("--attach opens a window: %1")
                   .arg(noDisplay.isEmpty() ? QStringLiteral("this program has no control panel, "
                                                             "or --headless was given")
                                            : noDisplay);
        return ExitUsage;
    }
    panel->showAttached(controlSockets);
    const int code = app->exec();
    panel.reset();
    return code;
}

std::shared_ptr<const AppOptions> ApplicationPrivate::currentOptions() const
{
    QMutexLocker locker(&currentMutex);
    return current;
}

void ApplicationPrivate::setCurrentOptions(AppOptions options)
{
    auto next = std::make_shared<const AppOptions>(std::move(options));
    QMutexLocker locker(&currentMutex);
    current = std::move(next);
}

std::function<void(Router &)> ApplicationPrivate::siteRoutes(const AppOptions &options) const
{
    // The program's configured routes first, then static files for what nobody else takes.
    std::function<void(Router &)> program = buildRoutes;
    if (options.root.isEmpty())
        return program;
    StaticFilesSettings files;
    files.root = options.root;
    if (!options.defaultType.isEmpty())
        files.types = MediaTypes(options.defaultType);
    files.cacheControl = options.cacheControl;
    files.precompressed = options.gzipStatic;
    files.autoindex = options.autoindex;
    files.cacheValidity = options.fileCacheValidity;
    auto staticFiles = std::make_shared<const StaticFiles>(std::move(files));
    return [staticFiles, program](Router &router) {
        if (program)
            program(router);
        if (router.hasFallback())
            return; // the program's own fallback wins
        router.setFallback([staticFiles](const Request &request, Responder responder) {
            staticFiles->serve(RequestAccess::http(request), std::move(responder));
        });
    };
}

void ApplicationPrivate::configure(const AppOptions &options)
{
    ServerPrivate *s = ServerPrivate::get(server.get());
    s->listen = options.listen;
    s->adminListen = options.adminListen;
    s->controlSocket = options.controlSocket;
    applyLimits(s->settings, options);
    s->settings.pidFile = options.pidFile;
    // Absolute, so the "listening" line names the directory whatever the working directory.
    s->settings.root =
        options.root.isEmpty() ? QString() : QFileInfo(options.root).absoluteFilePath();
    s->accessLogPath = options.accessLog;
    s->accessLogFormat = options.logFormat == LogFormatter::Format::Json
                             ? AccessLogFormat::Json
                             : AccessLogFormat::Combined;
    s->siteRoutes = siteRoutes(options);
    s->reloadSetup = [this, s,
                      started = options](QString *error) -> std::optional<GenerationSetup> {
        const ParsedOptions reread = parseOptionsQuietly(arguments, extension);
        if (!reread.options) {
            *error = reread.error;
            return std::nullopt;
        }
        warnAboutFixedOptions(started, *reread.options);
        setCurrentOptions(*reread.options);
        LifecycleSettings values = s->settings;
        applyLimits(values, *reread.options);
        return s->setupFrom(values, siteRoutes(*reread.options));
    };
}

} // namespace baton
