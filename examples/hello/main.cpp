// The service from the article Baton grew from: GET /hello answers after five seconds. Send
// SIGINT while a request is in flight and it is still answered before the process exits; send
// SIGHUP and a new process takes over the listening socket and the open connections, while the
// old one finishes the request. Nobody sees an error.
//
//   ./hello --listen 127.0.0.1:8080 &
//   curl localhost:8080/hello & kill -HUP %1
#include <baton/application.h>

#include <QCoreApplication>
#include <QTimer>

#include <memory>

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    app.setDescription(QStringLiteral("hello: a five-second handler that survives restarts."));

    app.router().get("/hello", [](const baton::Request &, baton::Responder responder) {
        // Not a sleep: the I/O thread serves other connections meanwhile. The timer is bound to
        // the request's context, so it goes if the client does.
        QObject *context = responder.context();
        QTimer::singleShot(std::chrono::seconds(5), context,
                           [held = std::make_shared<baton::Responder>(std::move(responder))] {
                               held->respond(200, "hello world, after 5 s from pid " +
                                                      QByteArray::number(
                                                          QCoreApplication::applicationPid()) +
                                                      '\n');
                           });
    });
    return app.exec();
}
