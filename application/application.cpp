#include <baton/application.h>

#include "api/requestaccess.h"
#include "api/serverprivate.h"
#include "core/accesslog.h"
#include "core/logsink.h"
#include "core/serverlink.h"
#include "displayprobe.h"
#include "http/staticfiles.h"
#include "options.h"
#include "panelloader.h"
#include "panelregistry.h"
#include "restartmodechoice.h"
#include "unixsignalbridge.h"

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMutex>

#include <csignal>
#include <dlfcn.h>

Q_LOGGING_CATEGORY(lcApplication, "baton.app", QtInfoMsg)

// Present in the dynamic symbol table only when the executable exports its symbols (CMake's
// ENABLE_EXPORTS), which is what the installed panel module needs to bind to: a program without
// it is not offered the module (it would fail to load), only a linked-in panel.
extern "C" Q_DECL_EXPORT const int baton_panel_host = 1;

namespace baton {

class ApplicationPrivate
{
public:
    ApplicationPrivate(Application *application, int &argc, char **argv);

    // What the command line and config file say, onto the server.
    void configure(const AppOptions &options);
    std::function<void(Router &)> siteRoutes(const AppOptions &options) const;
    std::unique_ptr<PanelPlugin> findPanel() const;

    // The configuration value() answers from: the one read at start, replaced at a reload.
    std::shared_ptr<const AppOptions> currentOptions() const;
    void setCurrentOptions(AppOptions options);

    Application *q;
    QStringList arguments;
    OptionsExtension extension;
    std::optional<AppOptions> options; // as read at start
    mutable QMutex currentMutex;
    std::shared_ptr<const AppOptions> current;
    std::function<void(Router &)> buildRoutes;
    bool parsed = false;
    int exitCode = ExitOk;
    // Declared in this order so that they go in reverse: the window, then the server (its
    // threads), then the application object.
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<Server> server;
    std::unique_ptr<PanelPlugin> panel;
};

namespace {

Application *s_instance = nullptr;

QStringList argumentsFrom(int argc, char **argv)
{
    QStringList arguments;
    arguments.reserve(argc);
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

// As in log lines, --help and --version: the executable's file name.
QString programName(const QStringList &arguments)
{
    const QString name = QFileInfo(arguments.value(0)).fileName();
    return name.isEmpty() ? QStringLiteral("baton") : name;
}

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

ApplicationPrivate::ApplicationPrivate(Application *application, int &argc, char **argv)
    : q(application), arguments(argumentsFrom(argc, argv))
{
    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    // Before the first thread and the first log line; the window's log view chains to it.
    LogSink::install(earlyLogFormat(arguments),
                     programName(arguments).toLocal8Bit());
    // A successor's first lines already carry its generation (Server::start() consumes the
    // variable later).
    bool ok = false;
    const uint generation = qEnvironmentVariableIntValue("BATON_GENERATION", &ok);
    LogSink::setGeneration(ok && generation >= 1 ? generation : 1);

    QString noDisplay;
    const bool headlessAsked = hasFlag(arguments, QLatin1StringView("headless"));
    const bool headless = headlessAsked || !displayAvailable(&noDisplay);
    if (!headlessAsked && headless)
        qCInfo(lcApplication).noquote() << noDisplay + QStringLiteral(": running headless");
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

Application::Application(int &argc, char **argv)
    : d(std::make_unique<ApplicationPrivate>(this, argc, argv))
{
    s_instance = this;
}

Application::~Application()
{
    d->panel.reset(); // the window, before the server and the application object
    d->server.reset();
    s_instance = nullptr;
}

Application *Application::instance()
{
    return s_instance;
}

void Application::setDescription(const QString &text)
{
    d->extension.description = text;
}

void Application::setHelpText(const QString &text)
{
    d->extension.helpText = text;
}

void Application::addOption(const QCommandLineOption &option)
{
    d->extension.options.append(option);
}

bool Application::parse()
{
    if (d->parsed)
        return d->options.has_value();
    d->parsed = true;
    d->extension.programName = programName(d->arguments);
    if (!QCoreApplication::applicationVersion().isEmpty())
        d->extension.version = QCoreApplication::applicationVersion();
    const ParsedOptions parsed = parseOptions(d->arguments, d->extension);
    if (!parsed.options) {
        d->exitCode = parsed.exitCode;
        return false;
    }
    d->options = parsed.options;
    d->setCurrentOptions(*parsed.options);
    LogSink::setFormat(d->options->logFormat);
    d->configure(*d->options);
    return true;
}

int Application::exitCode() const
{
    return d->exitCode;
}

QString Application::value(const QString &name) const
{
    // Any of a program option's names; given values are kept under the long (last) one.
    QString key = name;
    const QCommandLineOption *programOption = nullptr;
    for (const QCommandLineOption &option : d->extension.options) {
        if (option.names().contains(name)) {
            programOption = &option;
            key = option.names().constLast();
        }
    }
    if (const auto options = d->currentOptions()) {
        const auto it = options->given.constFind(key);
        if (it != options->given.constEnd())
            return *it;
    }
    return programOption ? programOption->defaultValues().value(0) : QString();
}

bool Application::isSet(const QString &name) const
{
    QString key = name;
    for (const QCommandLineOption &option : d->extension.options) {
        if (option.names().contains(name))
            key = option.names().constLast();
    }
    const auto options = d->currentOptions();
    if (!options)
        return false;
    const auto it = options->given.constFind(key);
    return it != options->given.constEnd() && *it != u"false";
}

Router &Application::router()
{
    return d->server->router();
}

void Application::setRoutes(std::function<void(Router &)> build)
{
    d->buildRoutes = std::move(build);
    // Already configured (parse() ran): the first generation's routes must include these.
    if (d->options)
        d->configure(*d->options);
}

Server &Application::server()
{
    return *d->server;
}

void Application::setReady(bool ready)
{
    d->server->setReady(ready);
}

bool Application::isReady() const
{
    return d->server->isReady();
}

int Application::exec()
{
    if (!parse())
        return d->exitCode;
    const AppOptions &options = *d->options;
    ServerPrivate *s = ServerPrivate::get(d->server.get());

    const RestartModeChoice restartMode = chooseRestartMode(options.restartMode);
    s->settings.restartMode = restartMode.mode;
    QString error;
    int exitCode = ExitOk;
    if (!s->start(&error, &exitCode)) {
        qCCritical(lcApplication).noquote() << error;
        return exitCode;
    }
    qCInfo(lcApplication).noquote()
        << QStringLiteral("restart mode: %1 (%2)")
               .arg(restartMode.mode == RestartMode::Reload ? QStringLiteral("reload, same pid")
                                                            : QStringLiteral("exec, new process"),
                    restartMode.reason);
    connect(d->server.get(), &Server::listening, this, &Application::listening);
    connect(d->server.get(), &Server::drainStarted, this, &Application::drainStarted);
    // The config file may ask for no window too ("headless = true"): the application object is
    // made by then, but the window is not shown.
    if (d->panel && !options.headless)
        d->panel->showPanel(s->controller);
    else
        connect(d->server.get(), &Server::stopped, this,
                [](int code) { QCoreApplication::exit(code); });

    UnixSignalBridge signalBridge({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
    // Closing the terminal sends SIGHUP too; by then the terminal is gone, and so is whoever
    // could stop a new generation: that SIGHUP means "leave", not "restart". SIGUSR1 is
    // logrotate's "reopen your logs", not a lifecycle operation.
    const bool startedOnTerminal = hasControllingTerminal();
    LifecycleController *controller = s->controller;
    connect(&signalBridge, &UnixSignalBridge::signalReceived, controller,
            [controller, startedOnTerminal, accessLog = s->link->accessLog()](int signalNumber) {
                if (signalNumber == SIGUSR1) {
                    if (accessLog)
                        accessLog->reopen();
                    else
                        qCInfo(lcApplication, "received SIGUSR1: there is no access log to "
                                              "reopen");
                } else if (signalNumber == SIGHUP && startedOnTerminal &&
                           !hasControllingTerminal()) {
                    controller->handleTerminalHangup();
                } else {
                    controller->handleSignal(signalNumber);
                }
            });

    const int code = d->app->exec();
    emit aboutToExit();
    d->panel.reset();
    s->stop();
    return code;
}

} // namespace baton
