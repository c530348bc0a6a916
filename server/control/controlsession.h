#pragma once

#include "control/controlaccess.h"
#include "control/controlprotocol.h"

#include <QHash>
#include <QObject>
#include <QStringList>

class QSocketNotifier;

namespace baton::control {

// One attached panel on the control socket, in the controller's thread. It reads the panel's
// messages (hello first, then commands) and writes what the control server gives it. A panel
// that breaks the protocol (garbage, an oversized or unknown message, a version we do not speak)
// is closed with a log line; nothing it sends reaches the server but the commands.
class ControlSession : public QObject
{
    Q_OBJECT
public:
    ControlSession(int fd, PeerCredentials peer, QObject *parent = nullptr);
    ~ControlSession() override;

    const PeerCredentials &peer() const { return m_peer; }
    bool isWelcomed() const { return m_welcomed; }
    // Output not yet taken by the panel: updates wait for it (a slow panel gets fewer, never
    // a growing queue).
    bool isWriting() const { return !m_out.isEmpty(); }

    void send(const QCborMap &message);
    // The connections that changed since the last update this panel got (all, the first time).
    void sendUpdate(const LifecycleStatus &status, const ServerSnapshot &snapshot, qint64 nowMs);
    // Sends what is pending (best effort, without waiting), then closes.
    void closeAfterSending();

signals:
    void helloReceived();
    void commandReceived(baton::control::Command command, qint64 argument);
    void closed();

private:
    void onReadable();
    void onWritable();
    void handle(const QCborMap &message);
    void flush();
    void fail(const QString &why);
    void closeNow();

    struct Sent
    {
        quint64 fingerprint = 0;
        quint32 round = 0;
    };

    int m_fd;
    PeerCredentials m_peer;
    QSocketNotifier *m_readNotifier;
    QSocketNotifier *m_writeNotifier;
    FrameReader m_reader{maxPanelMessage};
    QByteArray m_out;
    bool m_welcomed = false;
    bool m_closing = false;
    QHash<quint64, Sent> m_sent; // by connection id
    quint32 m_round = 0;
};

} // namespace baton::control
