#include "net/connectionsocket.h"

#include <sys/socket.h>
#include <unistd.h>

namespace baton {

ConnectionSocket::ConnectionSocket(int fd) : m_fd(fd), m_peer(PeerAddress::fromDescriptor(fd))
{}

ConnectionSocket::~ConnectionSocket()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool ConnectionSocket::watch(EpollPoller &poller, EpollPoller::Handler *handler, quint32 events)
{
    if (!poller.add(m_fd, handler, events))
        return false;
    m_interest = events;
    return true;
}

bool ConnectionSocket::setInterest(EpollPoller &poller, EpollPoller::Handler *handler,
                                   quint32 events)
{
    if (m_fd < 0 || events == m_interest)
        return true;
    if (!poller.modify(m_fd, handler, events))
        return false;
    m_interest = events;
    return true;
}

ssize_t ConnectionSocket::receive(char *buffer, size_t size)
{
    return ::recv(m_fd, buffer, size, 0);
}

void ConnectionSocket::shutdownWrite()
{
    ::shutdown(m_fd, SHUT_WR);
}

void ConnectionSocket::close(EpollPoller &poller)
{
    if (m_fd < 0)
        return;
    poller.remove(m_fd);
    ::close(m_fd);
    m_fd = -1;
}

void ConnectionSocket::reset(EpollPoller &poller)
{
    if (m_fd < 0)
        return;
    const linger hard{1, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(poller);
}

void ConnectionSocket::detach(EpollPoller &poller)
{
    if (m_fd < 0)
        return;
    poller.remove(m_fd);
    m_interest = 0;
}

void ConnectionSocket::closeDetached()
{
    if (m_fd < 0)
        return;
    ::close(m_fd);
    m_fd = -1;
}

} // namespace baton
