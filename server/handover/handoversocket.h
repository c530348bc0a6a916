#pragma once

#include <QByteArray>
#include <QObject>

#include <optional>

class QSocketNotifier;

namespace baton {

// One end of the connection-handover socketpair (SOCK_SEQPACKET: every message is one datagram,
// delivered whole or not at all, and may carry one descriptor). Non-blocking: a send that does
// not fit says so, and the owner retries when writable() comes.
class HandoverSocket : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of the descriptor.
    explicit HandoverSocket(int fd, QObject *parent = nullptr);
    ~HandoverSocket() override;

    enum class Send {
        Sent,
        WouldBlock,      // the socket buffer is full; wait for writable()
        TooManyInFlight, // the kernel's limit of descriptors in flight; wait for the peer to read
        Broken,          // the peer is gone or the socket failed
    };
    // descriptor, if not -1, travels with the message (the kernel duplicates it into the peer).
    Send send(const QByteArray &message, int descriptor = -1);
    void setWatchWritable(bool watch);

    struct Datagram
    {
        QByteArray data;
        int descriptor = -1; // owned by the caller now
    };
    // The next waiting message, or nullopt when none is (after the peer closed, disconnected()
    // has been emitted by then).
    std::optional<Datagram> receive();

    bool isOpen() const { return m_fd >= 0; }
    void close();

signals:
    void readable();
    void writable();
    void disconnected();

private:
    int m_fd;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_receiveBuffer;
};

} // namespace baton
