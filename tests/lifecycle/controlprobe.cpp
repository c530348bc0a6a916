// Attaches to a control socket as whoever runs it (a test runs it as nobody) and prints what
// the server said first: "welcome", "error: ...", or "closed" when it hung up without a word.
#include "controltestclient.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: control_probe SOCKET\n");
        return 2;
    }
    baton::test::ControlTestClient client;
    if (!client.connectTo(QString::fromLocal8Bit(argv[1]))) {
        std::printf("cannot connect: %s\n", qPrintable(client.socket().errorString()));
        return 0;
    }
    client.hello();
    if (client.waitFor(QStringLiteral("welcome")))
        std::printf("welcome\n");
    else
        std::printf("closed\n");
    return 0;
}
