// The baton executable: Baton's own service, built on the public API like any program that
// embeds it. The library brings the command line, signals, restarts, files and the window; this
// adds the greeting and the demo routes.
#include "demoroutes.h"

#include <baton/application.h>

#include <QCommandLineOption>
#include <QCoreApplication>

namespace {

const char *const routesHelp = R"(Routes:
  GET /                 the greeting (or DIR/index.html with --root, else DIR's
                        listing with --autoindex)
  GET /sleep?ms=N       answers after N ms (0-600000) without blocking anything else
  GET /stream?seconds=N chunked response, one chunk per second
  POST /echo            echoes the request body
  With --root DIR the demo routes /sleep, /stream and /echo are off unless
  --demo-routes is given (a file named "sleep" under DIR is then served at /sleep).)";

} // namespace

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION));
    app.setHelpText(QString::fromUtf8(routesHelp));
    app.addOption({QStringLiteral("greeting"), QStringLiteral("Body text of GET /."),
                   QStringLiteral("TEXT"),
                   QStringLiteral("Hello from Baton, the graceful-restart HTTP server.")});
    app.addOption({QStringLiteral("demo-routes"),
                   QStringLiteral("Serve the demo routes /sleep, /stream and /echo even with "
                                  "--root (without --root they are on anyway).")});
    if (!app.parse())
        return app.exitCode();

    // Read for each generation, so that a reload applies a changed greeting.
    app.setRoutes([&app](baton::Router &router) {
        // With --root, "/" is the root directory like any other path: its index.html, else a
        // listing with --autoindex, else 403.
        const bool servingFiles = !app.value(QStringLiteral("root")).isEmpty();
        baton::DemoRoutesOptions routes;
        if (!servingFiles)
            routes.greeting = app.value(QStringLiteral("greeting")).toUtf8();
        const QString demo = app.value(QStringLiteral("demo-routes"));
        routes.demoRoutes = demo.isEmpty() ? !servingFiles : demo == u"true";
        baton::addDemoRoutes(router, routes);
    });
    return app.exec();
}
