#pragma once

#include <baton/server.h>

#include "control/controlaccess.h"
#include "control/controlsocket.h"
#include "core/accesslogformatter.h"
#include "lifecycle/lifecyclecontroller.h"
#include "net/listensocket.h"

#include <QThread>

#include <functional>
#include <memory>
#include <optional>

namespace baton {

class ServerLink;

// What Server keeps, and what baton::Application sets beyond the public setters: the command
// line's limits, the access log, the site routes (static files) and a reload's fresh setup.
class ServerPrivate
{
public:
    explicit ServerPrivate(Server *server);
    ~ServerPrivate();

    static ServerPrivate *get(Server *server) { return server->d.get(); }

    // One generation's routes and limits from `values`: the application's router with the
    // admin routes (unless they have a listener of their own) and siteRoutes added.
    GenerationSetup setupFrom(const LifecycleSettings &values,
                              const std::function<void(Router &)> &siteRoutes) const;
    // False with *error and the exit code the process should give (ExitListenFailed...).
    bool start(QString *error, int *exitCode);
    // Ends the control thread: the controller goes, and with it the I/O threads.
    void stop();

    Server *q;
    Router router;
    ListenAddress listen{QStringLiteral("127.0.0.1"), 8080};
    std::optional<ListenAddress> adminListen;
    // Where attached panels connect (baton --attach), and who may.
    control::ControlSocketSettings controlSocket;
    LifecycleSettings settings;
    QString accessLogPath; // empty: none; "-": standard output
    AccessLogFormat accessLogFormat = AccessLogFormat::Combined;
    // Static files and the like, added to every generation's router after the application's.
    std::function<void(Router &)> siteRoutes;
    // A reload's setup, read afresh (the config file); null: the same settings again.
    std::function<std::optional<GenerationSetup>(QString *error)> reloadSetup;
    // Where the Unix signals' restart comes from: the executable to start again. Resolved early
    // (before anybody changes the working directory).
    QString executable;
    QStringList arguments;
    // Settings rejected by a setter, reported by start().
    QStringList errors;

    std::shared_ptr<ServerLink> link;
    QThread controlThread;
    LifecycleController *controller = nullptr;
};

} // namespace baton
