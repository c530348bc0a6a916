#include <baton/application.h>

#include "api/serverprivate.h"
#include "applicationprivate.h"
#include "core/accesslog.h"
#include "core/logsink.h"
#include "core/serverlink.h"
#include "restartmodechoice.h"
#include "unixsignalbridge.h"

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QLoggingCategory>

#include <csignal>

Q_LOGGING_CATEGORY(lcApplication, "baton.app", QtInfoMsg)

// Present in the dynamic symbol table only when the executable exports its symbols (CMake's
// ENABLE_EXPORTS), which is what the installed panel module needs to bind to: a program without
// it is not offered the module (it would fail to load), only a linked-in panel.
extern "C" Q_DECL_EXPORT const int baton_panel_host = 1;

namespace baton {

namespace {
Application *s_instance = nullptr;
} // namespace

Application::Application(int &argc, char **argv)
    : d(std::make_unique<ApplicationPrivate>(argc, argv))
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
    d->extension.programName = ApplicationPrivate::programName(d->arguments);
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
    if (!d->headlessReason.isEmpty() && d->options->attach.isEmpty())
        qCInfo(lcApplication).noquote() << d->headlessReason;
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
    if (!options.attach.isEmpty())
        return d->attach(options.attach);
    ServerPrivate *s = ServerPrivate::get(d->server.get());

    const RestartModeChoice restartMode = chooseRestartMode(options.restartMode);
    s->settings.restartMode = restartMode.mode;
    // Before the server starts: whoever reads the "listening" line may signal at once, and a
    // signal that arrives before the loop runs waits in the bridge's socket until it does.
    UnixSignalBridge signalBridge({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
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