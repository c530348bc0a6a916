// An attached panel at 100,000 connections: a fake instance (its own thread, real Unix socket)
// sends the first update with every connection, then updates in which every connection changed
// (100,000 busy connections whose requests all move on). The RemoteSource ends up with exactly
// the instance's connections, and the GUI thread stays free while they are read and decoded:
// the longest gap between two 5 ms ticks on the GUI thread is printed, never asserted.
#include "control/controlprotocol.h"
#include "net/monotonicclock.h"
#include "remotesource.h"

#include <QCborArray>
#include <QElapsedTimer>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

using namespace baton;
using baton::ui::RemoteSource;

namespace {

constexpr int population = 100'000;
constexpr int rounds = 10;

QByteArray update(int round, bool full)
{
    QCborArray set;
    for (int i = 0; i < population; ++i) {
        ConnectionInfo c;
        c.id = quint64(i + 1);
        c.peer = QStringLiteral("10.0.%1.%2:%3").arg(i / 65536).arg(i / 256 % 256).arg(i % 256);
        c.state = ConnectionState::Busy;
        c.method = "GET";
        c.path = "/p" + QByteArray::number(i % 50);
        c.connectedAtMs = 1000;
        c.requestStartedAtMs = 2000 + round;
        c.requestsServed = quint32(round);
        set.append(control::encodeConnection(c));
    }
    LifecycleStatus status;
    status.state = LifecycleStatus::State::Serving;
    return control::frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("update")},
                                   {QLatin1StringView("now"), monotonicMs()},
                                   {QLatin1StringView("status"), control::encodeStatus(status)},
                                   {QLatin1StringView("full"), full},
                                   {QLatin1StringView("set"), set}});
}

// The instance's side, in a thread of its own: welcome, then the updates, as fast as the socket
// takes them (the panel reads them in batches).
class FakeInstance : public QThread
{
public:
    explicit FakeInstance(QString path) : m_path(std::move(path)) {}
    // Declared before the panel, so destroyed after it: its run() ends once the panel is gone.
    ~FakeInstance() override { wait(); }

protected:
    void run() override
    {
        // Encoded first: what is measured is the panel's reading, not this thread's writing.
        QList<QByteArray> updates;
        for (int round = 1; round <= rounds; ++round)
            updates.append(update(round, round == 1));
        QLocalServer server;
        if (!server.listen(m_path) || !server.waitForNewConnection(10000))
            return;
        QLocalSocket *panel = server.nextPendingConnection();
        panel->waitForReadyRead(10000); // hello
        panel->write(control::frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("welcome")},
                                             {QLatin1StringView("pid"), 4242},
                                             {QLatin1StringView("now"), monotonicMs()},
                                             {QLatin1StringView("startedAt"), monotonicMs()}}));
        for (int round = 1; round <= rounds; ++round) {
            panel->write(updates.at(round - 1));
            while (panel->bytesToWrite() > 0 && panel->waitForBytesWritten(10000)) {
            }
        }
        panel->waitForDisconnected(30000);
    }

private:
    QString m_path;
};

} // namespace

class tst_RemoteSourceScale : public QObject
{
    Q_OBJECT

private slots:
    void everyConnectionArrivesAndTheGuiThreadStaysFree()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("fake.sock"));
        FakeInstance instance(path);
        instance.start();
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(path), 60000);

        RemoteSource source(path);
        QElapsedTimer sinceTick;
        qint64 longestGap = 0;
        QTimer ticker;
        ticker.setInterval(5);
        connect(&ticker, &QTimer::timeout, this,
                [&] { longestGap = qMax(longestGap, sinceTick.restart()); });
        sinceTick.start();
        ticker.start();
        QElapsedTimer total;
        total.start();
        // The last round's requests are what the panel must end up with.
        QTRY_VERIFY_WITH_TIMEOUT(source.snapshot().connections.size() == population &&
                                     source.snapshot().connections.constFirst().requestsServed ==
                                         quint32(rounds),
                                 60000);
        ticker.stop();
        const ServerSnapshot snapshot = source.snapshot();
        QSet<quint64> ids;
        for (const ConnectionInfo &info : snapshot.connections) {
            QCOMPARE(info.requestsServed, quint32(rounds));
            ids.insert(info.id);
        }
        QCOMPARE(ids.size(), population);
        QCOMPARE(source.pid(), 4242);
        qInfo("%d updates of %d changed connections: all read in %lld ms; the GUI thread's "
              "longest gap between two 5 ms ticks: %lld ms",
              rounds, population, total.elapsed(), longestGap);
    }
};

QTEST_MAIN(tst_RemoteSourceScale)
#include "tst_remotesourcescale.moc"
