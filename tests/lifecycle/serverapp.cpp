// A program with its own main loop that embeds a baton::Server (include/baton/ only): no
// Application, no Unix signals of Baton's; it shuts the server down itself, from a route.
//   serverapp LISTEN_ADDRESS [CONTROL_SOCKET]
#include <baton/server.h>

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>
#include <memory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    baton::Server server;
    server.setListenAddress(app.arguments().value(1));
    server.setControlSocket(app.arguments().value(2));
    server.setThreadCount(2);
    server.setServerHeader("serverapp/1.0");
    server.setIdentityHeaders(false);
    server.router().get("/slow", [](const baton::Request &, baton::Responder responder) {
        QTimer::singleShot(500, responder.context(),
                           [held = std::make_shared<baton::Responder>(std::move(responder))] {
                               held->respond(200, QByteArrayLiteral("slow\n"));
                           });
    });
    server.router().post(
        "/shutdown", [&server](const baton::Request &, baton::Responder responder) {
            responder.respond(202, QByteArrayLiteral("shutting down\n"));
            QMetaObject::invokeMethod(&server, &baton::Server::shutdown, Qt::QueuedConnection);
        });
    QObject::connect(&server, &baton::Server::listening, &app, [&server] {
        std::fprintf(stderr, "serverapp listening on http://%s\n",
                     qPrintable(server.listenAddress()));
    });
    QObject::connect(&server, &baton::Server::stopped, &app, [](int code) {
        std::fprintf(stderr, "serverapp stopped with %d\n", code);
        QCoreApplication::exit(code);
    });
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "serverapp: %s\n", qPrintable(error));
        return 3;
    }
    return app.exec();
}
