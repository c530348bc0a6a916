#include "builtinroutes.h"
#include "httpserver.h"
#include "listensocket.h"
#include "options.h"
#include "router.h"
#include "staticfiles.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QThread>

#include <csignal>
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

} // namespace

int main(int argc, char **argv)
{
    // A client that disconnects mid-write must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-dd hh:mm:ss.zzz} baton[%{pid}] %{if-warning}warning: %{endif}"
        "%{if-critical}error: %{endif}%{message}"));

    const baton::ParsedOptions parsed = baton::parseOptions(argumentsFrom(argc, argv));
    if (!parsed.options)
        return parsed.exitCode;
    const baton::AppOptions &options = *parsed.options;

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("Baton"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION));

    baton::ListenSocket socket;
    QString error;
    if (!socket.adoptInherited(&error)) {
        if (!error.isEmpty() || !socket.bind(options.listen, &error)) {
            qCCritical(lcApp).noquote() << error;
            return baton::ExitListenFailed;
        }
    }

    auto link = std::make_shared<baton::ServerLink>();
    auto router = std::make_shared<baton::Router>();
    baton::BuiltinRoutesOptions routes;
    routes.greeting = options.greeting.toUtf8();
    routes.server = link;
    if (!options.root.isEmpty())
        routes.staticFiles = std::make_shared<baton::StaticFiles>(options.root);
    baton::addBuiltinRoutes(*router, routes);

    const int threads = options.threads > 0 ? options.threads : QThread::idealThreadCount();
    baton::HttpServer server(options.limits, router, 1);
    link->attach(&server);
    QObject::connect(&server, &baton::HttpServer::acceptFailed, &app, [](const QString &message) {
        qCCritical(lcApp).noquote() << message;
        QCoreApplication::exit(baton::ExitFailure);
    });
    server.start(socket.descriptor(), threads);
    qCInfo(lcApp).noquote() << QStringLiteral(
                                   "listening on http://%1 (pid %2, generation %3, %4 I/O threads)")
                                   .arg(socket.localAddress())
                                   .arg(::getpid())
                                   .arg(server.generation())
                                   .arg(threads);
    return app.exec();
}
