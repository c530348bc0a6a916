#pragma once

#include <baton/router.h>
#include <baton/server.h>

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QCommandLineOption;

namespace baton {

class ApplicationPrivate;

// A whole Baton service in one object: Baton's command line and config file (plus the
// program's own options), a Server configured from them, SIGINT/SIGTERM (shutdown), SIGHUP
// (restart), SIGUSR2 (force kill) and SIGUSR1 (reopen the access log), the pid file, sd_notify,
// /healthz, /readyz and /metrics, and the control panel when there is a display and the panel
// is available (link Baton::Widgets), headless otherwise.
//
//     baton::Application app(argc, argv);
//     app.router().get("/hello/{name}", [](const baton::Request &request,
//                                          baton::Responder responder) {
//         responder.respond(200, "hello " + request.param("name") + '\n');
//     });
//     return app.exec();
//
// A restart (exec mode) starts this executable again with the same arguments: the new process
// runs the same main(), gets the listening sockets and open connections, and the old one exits
// once its requests are answered.
class Application : public QObject
{
    Q_OBJECT
public:
    // Creates the QCoreApplication (or, for the window, the QApplication) the process runs
    // on; argc and argv must outlive it, as for QCoreApplication.
    Application(int &argc, char **argv);
    ~Application() override;

    static Application *instance();

    // --help: the first paragraph, and text after the options (routes, examples).
    void setDescription(const QString &text);
    void setHelpText(const QString &text);
    // An option of the program's own, accepted on the command line and, by its long name, in
    // the config file. Before parse().
    void addOption(const QCommandLineOption &option);
    // Reads the command line and the config file. False after --help, --version or a usage
    // error (printed): then exec() returns exitCode() at once. exec() calls it when needed.
    // Call it before the program starts threads of its own: it settles the log format, which
    // is not switched while other threads may be logging.
    bool parse();
    int exitCode() const;
    // After parse(): an option as given (the program's by any of its names, Baton's by its long
    // name), from the command line, else the config file; else a program option's default
    // (Baton's own options give an empty string when not given). A flag is "true" or "false"
    // when given, else empty. Thread-safe; after a reload, the new configuration's value.
    QString value(const QString &name) const;
    // A flag given on the command line, or true in the config file; or a value given.
    bool isSet(const QString &name) const;

    // The program's routes, served by every generation; build them before exec().
    Router &router();
    // Routes that depend on the configuration: `build` is called for the first generation and
    // again at each reload (--restart-mode reload, same pid) after the config file was read
    // again, and value() answers from that configuration while it runs. It runs on Baton's
    // control thread, after the routes of router() were copied in (so it may add to them).
    void setRoutes(std::function<void(Router &router)> build);
    // Settings the command line has no option for (the Server header, identity headers); the
    // command line and config file decide the rest.
    Server &server();

    // Thread-safe; see Server::setReady(). Set it false before exec() when the program has
    // warm-up to do, and true once done.
    void setReady(bool ready);
    bool isReady() const;

    // Serves until shut down; returns the process's exit status (0 after a graceful shutdown
    // or a handover to a successor).
    int exec();

signals:
    // Serving (at the start, and in a successor once it takes over).
    void listening();
    // A shutdown or handover began: no new connections; in-flight requests still finish.
    void drainStarted();
    // Every request is answered and the event loop has ended: close databases, flush queues.
    void aboutToExit();

private:
    std::unique_ptr<ApplicationPrivate> d;
};

} // namespace baton
