#pragma once

#include "net/epollpoller.h"

#include <QObject>

class QTimer;

namespace baton {

// Accepts connections from a listening socket on one I/O thread's epoll. Several threads share
// one socket through EPOLLEXCLUSIVE, so a new connection wakes one thread, not all of them.
// When the process runs out of descriptors (EMFILE, ENFILE) or memory, accepting pauses and is
// retried shortly (or as soon as a connection of this thread closes): the pending connections
// wait in the kernel's backlog instead of spinning the loop or being silently dropped.
class Acceptor : public QObject, public EpollPoller::Handler
{
    Q_OBJECT
public:
    static constexpr int retryAfterResourceErrorMs = 100;

    Acceptor(EpollPoller &poller, QObject *parent = nullptr);
    ~Acceptor() override;

    // Duplicates listenFd (the original stays the caller's); false and *error when it cannot.
    bool start(int listenFd, QString *error);
    void stop();
    bool isActive() const { return m_fd >= 0; }
    // A descriptor was freed: a paused acceptor tries again now.
    void resourcesFreed();

    void handleEvents(quint32 events) override;

signals:
    // A non-blocking, close-on-exec descriptor of a new connection.
    void accepted(int fd);
    // Accepting paused for lack of descriptors or memory; the message says which.
    void paused(const QString &why);

private:
    bool arm();
    void pause(int error);

    EpollPoller &m_poller;
    QTimer *m_retryTimer;
    int m_fd = -1;
    bool m_armed = false;
};

} // namespace baton
