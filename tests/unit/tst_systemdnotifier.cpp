// SystemdNotifier: the NOTIFY_SOCKET address, the message format, and which messages a drain
// and a handover produce (read from a socket of our own).
#include "lifecycle/systemdnotifier.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstddef>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using baton::SystemdNotifier;

namespace {

class Receiver
{
public:
    ~Receiver()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool bind(const QByteArray &path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        memcpy(address.sun_path, path.constData(), size_t(path.size()));
        return m_fd >= 0 &&
               ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), socklen_t(sizeof address)) == 0;
    }
    // The datagram already queued (the sender's sendto has returned), or an empty array.
    QByteArray next()
    {
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        return n > 0 ? QByteArray(buffer, int(n)) : QByteArray();
    }

private:
    int m_fd = -1;
};

} // namespace

class TestSystemdNotifier : public QObject
{
    Q_OBJECT

private slots:
    void pathAddress()
    {
        QString error;
        const auto address = SystemdNotifier::parseAddress("/run/systemd/notify", &error);
        QVERIFY2(address, qPrintable(error));
        QCOMPARE(address->address.sun_family, sa_family_t(AF_UNIX));
        QCOMPARE(QByteArray(address->address.sun_path), QByteArray("/run/systemd/notify"));
        QCOMPARE(address->length, socklen_t(offsetof(sockaddr_un, sun_path) + 20));
    }

    void abstractAddress()
    {
        QString error;
        const auto address = SystemdNotifier::parseAddress("@baton/notify", &error);
        QVERIFY2(address, qPrintable(error));
        QCOMPARE(address->address.sun_path[0], '\0');
        QCOMPARE(QByteArray(address->address.sun_path + 1, 12), QByteArray("baton/notify"));
        // No terminating NUL: it would be part of the name.
        QCOMPARE(address->length, socklen_t(offsetof(sockaddr_un, sun_path) + 13));
    }

    void unusableAddresses_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addRow("relative") << QByteArray("run/notify");
        QTest::addRow("vsock") << QByteArray("vsock:2:1234");
        QTest::addRow("bare @") << QByteArray("@");
        QTest::addRow("too long") << QByteArray("/" + QByteArray(200, 'x'));
    }
    void unusableAddresses()
    {
        QFETCH(QByteArray, value);
        QString error;
        QVERIFY(!SystemdNotifier::parseAddress(value, &error));
        QVERIFY(!error.isEmpty());
    }

    void format()
    {
        QCOMPARE(SystemdNotifier::format({{"READY", "1"}, {"STATUS", "two\nlines"}}),
                 QByteArray("READY=1\nSTATUS=two lines\n"));
        QCOMPARE(SystemdNotifier::drainStatus(12, 17'200),
                 QStringLiteral("draining 12 connections, 18 s left"));
        QCOMPARE(SystemdNotifier::drainStatus(1, 0),
                 QStringLiteral("draining 1 connection, 0 s left"));
        QCOMPARE(SystemdNotifier::extendTimeoutUsec(10'000), 15'000'000);
        QCOMPARE(SystemdNotifier::extendTimeoutUsec(-5), 5'000'000);
    }

    void disabledWithoutAddress()
    {
        SystemdNotifier notifier{QByteArray()};
        QVERIFY(!notifier.isEnabled());
        QVERIFY(!notifier.send({{"READY", "1"}}));
    }

    // Extended only while the drain moves; silent after naming the successor.
    void drainAndHandover()
    {
        QTemporaryDir dir;
        const QByteArray path = QFile::encodeName(dir.filePath(QStringLiteral("notify")));
        Receiver systemd;
        QVERIFY(systemd.bind(path));
        SystemdNotifier notifier(path);
        QVERIFY(notifier.isEnabled());

        notifier.draining(3, 0, 100, 10'000); // the start of a drain
        QCOMPARE(systemd.next(), QByteArray("STATUS=draining 3 connections, 10 s left\n"
                                            "EXTEND_TIMEOUT_USEC=15000000\n"));
        notifier.draining(3, 0, 100, 9'000); // nothing moved, nothing in hand
        QCOMPARE(systemd.next(), QByteArray("STATUS=draining 3 connections, 9 s left\n"));
        notifier.draining(2, 0, 100, 8'000); // one closed
        QCOMPARE(systemd.next(), QByteArray("STATUS=draining 2 connections, 8 s left\n"
                                            "EXTEND_TIMEOUT_USEC=13000000\n"));
        notifier.draining(2, 1, 100, 7'000); // a request in hand
        QCOMPARE(systemd.next(), QByteArray("STATUS=draining 2 connections, 7 s left\n"
                                            "EXTEND_TIMEOUT_USEC=12000000\n"));
        notifier.draining(2, 0, 101, 0); // deadline reached: no extension
        QCOMPARE(systemd.next(), QByteArray("STATUS=draining 2 connections, 0 s left\n"));

        notifier.mainPidReady(4242, QStringLiteral("serving"));
        QCOMPARE(systemd.next(), QByteArray("MAINPID=4242\nREADY=1\nSTATUS=serving\n"));
        notifier.stopping(QStringLiteral("late"));
        QCOMPARE(systemd.next(), QByteArray());
    }

    // A socket nobody listens on: logged once, never an error for the caller's work.
    void sendFailureIsIgnored()
    {
        QTemporaryDir dir;
        SystemdNotifier notifier(QFile::encodeName(dir.filePath(QStringLiteral("nobody"))));
        QVERIFY(!notifier.send({{"READY", "1"}}));
        notifier.ready(QStringLiteral("still fine"));
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotifier)
#include "tst_systemdnotifier.moc"
