// qt-httpserver-hello: Qt's own QHttpServer (Qt 6.4) as a benchmark peer.
// Usage: qt-httpserver-hello PORT   (listens on 127.0.0.1:PORT)
#include <QCoreApplication>
#include <QHostAddress>
#include <QHttpServer>
#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    bool ok = false;
    const quint16 port = QString::fromLocal8Bit(argv[1]).toUShort(&ok);
    if (!ok || port == 0) {
        std::fprintf(stderr, "bad port: %s\n", argv[1]);
        return 2;
    }

    QHttpServer server;
    server.route("/", [] { return "hello"; });
    if (server.listen(QHostAddress::LocalHost, port) != port) {
        std::fprintf(stderr, "qt-httpserver-hello: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    std::fprintf(stderr, "qt-httpserver-hello listening on http://127.0.0.1:%u\n", port);
    return app.exec();
}
