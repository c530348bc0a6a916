#pragma once

#include "net/epollpoller.h"
#include "net/peeraddress.h"

#include <sys/types.h>

namespace baton {

// The descriptor of one accepted connection and its place on an I/O thread's epoll: what it
// asks epoll for, reading, half-closing, and closing with a FIN or a reset. The protocol above
// it (HttpConnection) never touches the descriptor otherwise, except to hand it to sendfile and
// sendmsg through its output queue.
class ConnectionSocket
{
public:
    explicit ConnectionSocket(int fd);
    ~ConnectionSocket();
    ConnectionSocket(const ConnectionSocket &) = delete;
    ConnectionSocket &operator=(const ConnectionSocket &) = delete;

    int descriptor() const { return m_fd; }
    bool isOpen() const { return m_fd >= 0; }
    const PeerAddress &peer() const { return m_peer; }

    // Registers with the poller; false (errno) when it cannot.
    bool watch(EpollPoller &poller, EpollPoller::Handler *handler, quint32 events);
    // Changes what epoll reports; false (errno) when epoll refused the change.
    bool setInterest(EpollPoller &poller, EpollPoller::Handler *handler, quint32 events);
    ssize_t receive(char *buffer, size_t size);
    // Sends FIN; reading goes on.
    void shutdownWrite();
    // Leaves the poller and closes: a FIN (a reset when unread input remains).
    void close(EpollPoller &poller);
    // Leaves the poller and closes with a reset (RST), whatever is pending.
    void reset(EpollPoller &poller);
    // Leaves the poller but keeps the descriptor: the connection is on its way to another process.
    void detach(EpollPoller &poller);
    // Closes a detached descriptor without touching the connection: the process it moved to
    // holds its own reference, so the kernel sends nothing.
    void closeDetached();

private:
    int m_fd;
    quint32 m_interest = 0; // events currently registered
    PeerAddress m_peer;
};

} // namespace baton
