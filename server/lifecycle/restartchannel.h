#pragma once

#include <QByteArray>
#include <QObject>

class QSocketNotifier;

namespace baton {

// The private line-based channel between two generations during a restart (one end of a Unix
// socketpair each). The new process says "READY <pid>"; the old one then reports its drain,
// "DRAINING <pid> <connections> <busy> <ms-left>", and finally "EXITED <pid> <status>", so the
// new generation (and its window) can show the old one draining.
class RestartChannel : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of the descriptor.
    explicit RestartChannel(int fd, QObject *parent = nullptr);
    ~RestartChannel() override;

    bool isOpen() const { return m_fd >= 0; }
    // Never blocks: what the socket does not take now is kept, in order, and written when it
    // becomes writable. Only progress lines ("DRAINING") are dropped, when a peer that stopped
    // reading has let 64 KiB pile up.
    void send(const QByteArray &line);
    // Writes what is still queued, blocking at most timeoutMs (the last line before exit).
    void flush(int timeoutMs);
    void close();

signals:
    void lineReceived(const QByteArray &line);
    void disconnected();

private:
    void readAvailable();
    void writePending();

    int m_fd;
    QSocketNotifier *m_notifier;
    QSocketNotifier *m_writeNotifier;
    QByteArray m_buffer;
    bool m_discarding = false; // inside an overlong line, until its newline
    QByteArray m_pending;      // accepted by send(), not yet taken by the socket
};

} // namespace baton
