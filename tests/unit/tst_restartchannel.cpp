// The restart channel between two generations: every line arrives, whole and in order, however
// little the socket takes at a time, and nothing blocks the sender.
#include "lifecycle/restartchannel.h"

#include <QSignalSpy>
#include <QTest>

#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace baton;

class tst_RestartChannel : public QObject
{
    Q_OBJECT

private slots:
    void linesSurviveAPeerThatReadsLate()
    {
        int pair[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
        const int small = 4096;
        QVERIFY(::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
        RestartChannel sender(pair[0]);
        RestartChannel receiver(pair[1]);
        QList<QByteArray> received;
        connect(&receiver, &RestartChannel::lineReceived, this,
                [&received](const QByteArray &line) { received.append(line); });

        // Far more than the socket buffers hold while nobody reads: send() must neither block
        // nor drop or cut a line.
        constexpr int count = 5000;
        for (int i = 0; i < count; ++i)
            sender.send("EXITED " + QByteArray::number(i) + ' ' + QByteArray(40, 'x'));
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), count, 10000);
        for (int i = 0; i < count; ++i)
            QCOMPARE(received[i], "EXITED " + QByteArray::number(i) + ' ' + QByteArray(40, 'x'));
    }

    // A DRAINING line with 50 holders is tens of kilobytes: it arrives whole. Past the line
    // limit (64 KiB) the line is dropped whole, never kept growing, and the next one arrives.
    void longLinesArriveWholeAndOverlongOnesAreDropped()
    {
        int pair[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
        RestartChannel sender(pair[0]);
        RestartChannel receiver(pair[1]);
        QList<QByteArray> received;
        connect(&receiver, &RestartChannel::lineReceived, this,
                [&received](const QByteArray &line) { received.append(line); });
        const QByteArray holders = "DRAINING 1 50 50 1000 0 " + QByteArray(40 * 1024, 'A');
        sender.send(holders);
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, 10000);
        QCOMPARE(received.constFirst(), holders);

        sender.send(QByteArray(200 * 1024, 'x'));
        sender.send("EXITED 1 0");
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, 10000);
        QCOMPARE(received[1], "EXITED 1 0");
    }

    void flushDeliversTheLastLineBeforeClose()
    {
        int pair[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
        const int small = 4096;
        QVERIFY(::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
        auto *sender = new RestartChannel(pair[0]);
        for (int i = 0; i < 200; ++i)
            sender->send("DRAINING 1 " + QByteArray::number(i) + " 0 0 0");
        sender->send("EXITED 1 0");

        // The peer reads in another thread while the sender flushes and closes, as a process
        // does right before it exits.
        QByteArray all;
        std::thread reader([&all, fd = pair[1]] {
            char buffer[4096];
            ssize_t n;
            while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
                all.append(buffer, n);
        });
        sender->flush(5000);
        delete sender; // closes
        reader.join();
        ::close(pair[1]);
        QVERIFY(all.endsWith("EXITED 1 0\n"));
        QCOMPARE(all.count('\n'), 201);
    }
};

QTEST_GUILESS_MAIN(tst_RestartChannel)
#include "tst_restartchannel.moc"
