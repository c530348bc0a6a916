// A control-socket client for tests: speaks the wire format by hand (tests/unit checks the
// format itself), so a test can also say what a real panel never would.
#pragma once

#include "control/controlprotocol.h"

#include <QCborArray>
#include <QLocalSocket>
#include <QTest>

#include <functional>
#include <optional>

namespace baton::test {

class ControlTestClient
{
public:
    bool connectTo(const QString &path, int timeoutMs = 5000)
    {
        m_socket.connectToServer(path);
        return m_socket.waitForConnected(timeoutMs);
    }
    void hello(int version = control::protocolVersion)
    {
        send(QCborMap{{QLatin1StringView("type"), QStringLiteral("hello")},
                      {QLatin1StringView("version"), version}});
    }
    void command(const QString &name, qint64 argument = 0)
    {
        send(QCborMap{{QLatin1StringView("type"), QStringLiteral("command")},
                      {QLatin1StringView("command"), name},
                      {QLatin1StringView("argument"), argument}});
    }
    void send(const QCborMap &message) { sendRaw(control::frame(message)); }
    void sendRaw(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }

    // The next message of `type` that `accept` takes (earlier ones of the type are dropped),
    // waiting
    // up to timeoutMs.
    std::optional<QCborMap> waitFor(const QString &type, int timeoutMs = 10000,
                                    const std::function<bool(const QCborMap &)> &accept = {})
    {
        std::optional<QCborMap> found;
        (void)QTest::qWaitFor(
            [&] {
                pump();
                // Messages of other types wait for their own turn.
                for (qsizetype i = 0; i < m_received.size();) {
                    const QCborMap message = m_received.at(i);
                    if (message.value(QLatin1StringView("type")).toString() != type) {
                        ++i;
                        continue;
                    }
                    m_received.removeAt(i);
                    if (!accept || accept(message)) {
                        found = message;
                        return true;
                    }
                }
                return m_socket.state() == QLocalSocket::UnconnectedState &&
                       m_socket.bytesAvailable() == 0;
            },
            timeoutMs);
        return found;
    }
    // Whether the server closed the connection within timeoutMs.
    bool waitClosed(int timeoutMs = 10000)
    {
        return QTest::qWaitFor(
            [&] {
                pump();
                return m_socket.state() == QLocalSocket::UnconnectedState;
            },
            timeoutMs);
    }
    QLocalSocket &socket() { return m_socket; }

    // An update's connections by id, "set" entries as the server sent them.
    static QList<quint64> setIds(const QCborMap &update)
    {
        QList<quint64> ids;
        for (const QCborValue &entry : update.value(QLatin1StringView("set")).toArray())
            ids.append(quint64(entry.toArray().at(0).toInteger()));
        return ids;
    }
    static LifecycleStatus status(const QCborMap &update)
    {
        return control::decodeStatus(update.value(QLatin1StringView("status")).toMap(), 0);
    }

private:
    void pump()
    {
        m_socket.waitForReadyRead(0);
        m_reader.append(m_socket.readAll());
        while (const auto message = m_reader.next())
            m_received.append(*message);
    }

    QLocalSocket m_socket;
    control::FrameReader m_reader{control::maxServerMessage};
    QList<QCborMap> m_received;
};

} // namespace baton::test
