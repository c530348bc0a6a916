// The control socket's wire format: frames split anywhere reassemble; an oversized length is
// refused from the header alone; garbage, a non-map or a typeless map fail for good; status and
// connections survive the trip with times moved onto the receiver's clock.
#include "control/controlprotocol.h"

#include <QCborArray>
#include <QTest>

#include <cmath>
#include <limits>

using namespace baton;
using namespace baton::control;

class tst_ControlProtocol : public QObject
{
    Q_OBJECT

private slots:
    void framesSplitAnywhereReassemble()
    {
        const QByteArray stream =
            frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("hello")},
                           {QLatin1StringView("version"), protocolVersion}}) +
            frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("command")},
                           {QLatin1StringView("command"), QStringLiteral("restart")}});
        FrameReader reader(maxPanelMessage);
        QStringList types;
        for (const char byte : stream) {
            reader.append(QByteArray(1, byte));
            while (const auto message = reader.next())
                types << message->value(QLatin1StringView("type")).toString();
        }
        QCOMPARE(types, (QStringList{QStringLiteral("hello"), QStringLiteral("command")}));
        QVERIFY(!reader.failed());
        QCOMPARE(reader.buffered(), 0);
    }

    void oversizedLengthFailsBeforeTheBody()
    {
        FrameReader reader(maxPanelMessage);
        reader.append(QByteArray::fromHex("06400000")); // 100 MiB announced, nothing sent
        QVERIFY(!reader.next());
        QVERIFY(reader.failed());
        QVERIFY2(reader.error().contains(QLatin1String("104857600 bytes")),
                 qPrintable(reader.error()));
    }

    void httpIsNotAMessage()
    {
        FrameReader reader(maxPanelMessage);
        reader.append("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(!reader.next());
        QVERIFY(reader.failed());
    }

    void malformedCborFails()
    {
        FrameReader reader(maxPanelMessage);
        reader.append(QByteArray::fromHex("00000002ffff"));
        QVERIFY(!reader.next());
        QVERIFY2(reader.error().contains(QLatin1String("malformed")), qPrintable(reader.error()));
    }

    void aMapNeedsAType()
    {
        QByteArray body = QCborValue(QCborArray{1, 2}).toCbor();
        QByteArray framed(4, 0);
        framed[3] = char(body.size());
        FrameReader reader(maxPanelMessage);
        reader.append(framed + body);
        QVERIFY(!reader.next());
        QVERIFY(reader.failed());

        FrameReader typeless(maxPanelMessage);
        typeless.append(frame(QCborMap{{QLatin1StringView("command"), 1}}));
        QVERIFY(!typeless.next());
        QVERIFY(typeless.failed());
    }

    void statusRoundTripsOnTheReceiversClock()
    {
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Draining;
        status.generation = 7;
        status.listenAddress = QStringLiteral("127.0.0.1:8080");
        status.drainStartedAtMs = 10'000;
        status.drainDeadlineMs = 40'000;
        status.drainStartConnections = 12;
        status.exitCode = -1;
        status.handedOver = true;
        status.connectionHandover = true;
        status.connectionsMoved = 9;
        status.predecessor.pid = 4242;
        status.predecessor.generation = 6;
        status.predecessor.msLeft = 1500;
        status.predecessor.draining = true;
        ConnectionInfo holder;
        holder.id = 77;
        holder.state = ConnectionState::Busy;
        holder.method = "GET";
        holder.path = "/slow";
        holder.connectedAtMs = 8'000;
        holder.requestStartedAtMs = 9'000;
        status.predecessor.holders = {holder, ConnectionInfo{}};
        const LifecycleStatus back = decodeStatus(encodeStatus(status), 5'000);
        QCOMPARE(back.state, status.state);
        QCOMPARE(back.generation, 7u);
        QCOMPARE(back.listenAddress, status.listenAddress);
        QCOMPARE(back.drainStartedAtMs, 15'000);
        QCOMPARE(back.drainDeadlineMs, 45'000);
        QCOMPARE(back.drainEndedAtMs, 0); // "never" stays never
        QCOMPARE(back.exitCode, -1);
        QCOMPARE(back.handedOver, true);
        QCOMPARE(back.connectionsMoved, 9);
        QCOMPARE(back.predecessor.pid, 4242);
        QCOMPARE(back.predecessor.generation, 6u);
        QCOMPARE(back.predecessor.msLeft, 1500); // a duration, not a time: not moved
        QCOMPARE(back.predecessor.holders.size(), 2);
        QCOMPARE(back.predecessor.holders[0].id, 77u);
        QCOMPARE(back.predecessor.holders[0].path, QByteArray("/slow"));
        QCOMPARE(back.predecessor.holders[0].requestStartedAtMs, 14'000);
        QCOMPARE(back.predecessor.holders[1].requestStartedAtMs, 0);
        QCOMPARE(back.predecessor.draining, true);
    }

    void connectionRoundTrips()
    {
        ConnectionInfo info;
        info.id = 123456789012ULL;
        info.peer = QStringLiteral("[::1]:51234");
        info.state = ConnectionState::Busy;
        info.method = "POST";
        info.path = "/upload?name=%C3%A9";
        info.connectedAtMs = 1000;
        info.requestStartedAtMs = 2000;
        info.bytesIn = qint64(1) << 40;
        info.bytesOut = 17;
        info.requestsServed = 3;
        info.draining = true;
        info.worker = 1;
        const auto back = decodeConnection(encodeConnection(info), -500);
        QVERIFY(back);
        QCOMPARE(back->id, info.id);
        QCOMPARE(back->peer, info.peer);
        QCOMPARE(back->state, info.state);
        QCOMPARE(back->method, info.method);
        QCOMPARE(back->path, info.path);
        QCOMPARE(back->connectedAtMs, 500);
        QCOMPARE(back->requestStartedAtMs, 1500);
        QCOMPARE(back->bytesIn, info.bytesIn);
        QCOMPARE(back->requestsServed, 3u);
        QCOMPARE(back->draining, true);
        QCOMPARE(back->worker, 1);
    }

    void aBadConnectionIsSkipped()
    {
        QVERIFY(!decodeConnection(QCborArray{1, 2, 3}, 0));
        QCborArray badState = encodeConnection(ConnectionInfo{});
        badState[2] = 99;
        QVERIFY(!decodeConnection(badState, 0));
    }

    // A hostile panel or a forged server may put a float where an integer belongs: 1e300 does
    // not fit a qint64, and converting it would be undefined (UBSan caught it in the fuzzer).
    void numbersThatAreNotIntegersReadAsAbsent()
    {
        const QCborValue odd[] = {QCborValue(1e300), QCborValue(-qInf()), QCborValue(qQNaN()),
                                  QCborValue(2.5)};
        for (const QCborValue &value : odd)
            QCOMPARE(integerOf(value, -7), -7);
        QCOMPARE(integerOf(QCborValue(42)), 42);

        QCborMap status = encodeStatus(LifecycleStatus{});
        for (auto it = status.begin(); it != status.end(); ++it)
            if (it.value().isInteger())
                it.value() = 1e300;
        status[QLatin1StringView("predecessor")] =
            QCborArray{1e300, 1e300, 1e300, 1e300, 1e300, 1e300, false, 1e300};
        const LifecycleStatus back = decodeStatus(status, 0);
        QCOMPARE(back.generation, 0u);
        QCOMPARE(back.drainDeadlineMs, 0);
        QCOMPARE(back.exitCode, -1);
        QCOMPARE(back.predecessor.pid, 0);
        QCOMPARE(back.predecessor.exitCode, -1);

        QCborArray connection = encodeConnection(ConnectionInfo{});
        for (int i : {5, 6, 7, 8, 9, 11})
            connection[i] = -1e300;
        const auto info = decodeConnection(connection, 0);
        QVERIFY(info);
        QCOMPARE(info->connectedAtMs, 0);
        QCOMPARE(info->bytesIn, 0);
        QCOMPARE(info->worker, 0);
    }

    // Times and "now" at the ends of the range saturate rather than overflow.
    void extremeTimesSaturate()
    {
        constexpr qint64 max = std::numeric_limits<qint64>::max();
        constexpr qint64 min = std::numeric_limits<qint64>::min();
        QCOMPARE(clockShift(1000, QCborValue(min)), max);
        QCOMPARE(clockShift(-1000, QCborValue(max)), min);
        QCOMPARE(clockShift(1000, QCborValue(400)), 600);
        QCOMPARE(clockShift(1000, QCborValue(1e300)), 0); // no "now": no shift
        QCOMPARE(shiftedTime(max - 1, 1000), max);
        QCOMPARE(shiftedTime(min + 1, -1000), min);
        QCOMPARE(shiftedTime(0, 1000), 0); // "none" stays none

        ConnectionInfo far;
        far.connectedAtMs = max;
        far.requestStartedAtMs = -5;
        const auto back = decodeConnection(encodeConnection(far), max);
        QVERIFY(back);
        QCOMPARE(back->connectedAtMs, max);
        QCOMPARE(back->requestStartedAtMs, max - 5);
    }

    void commandsByName()
    {
        for (const Command command :
             {Command::Shutdown, Command::Restart, Command::ForceKill, Command::ExtendDrain,
              Command::ForceDrainNow, Command::StartAgain})
            QCOMPARE(commandFromName(commandName(command)), command);
        QVERIFY(!commandFromName(QStringLiteral("rm -rf")));
    }
};

QTEST_GUILESS_MAIN(tst_ControlProtocol)
#include "tst_controlprotocol.moc"
