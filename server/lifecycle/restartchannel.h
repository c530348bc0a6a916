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
    // Best effort: messages are tiny and a peer that stopped reading is no reason to block.
    void send(const QByteArray &line);
    void close();

signals:
    void lineReceived(const QByteArray &line);
    void disconnected();

private:
    void readAvailable();

    int m_fd;
    QSocketNotifier *m_notifier;
    QByteArray m_buffer;
};

} // namespace baton
