#include "net/acceptor.h"

#include "net/descriptorflags.h"

#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

// Connections taken per wake-up, so one busy listener cannot starve the thread's connections.
constexpr int acceptBatch = 64;

} // namespace

Acceptor::Acceptor(EpollPoller &poller, QObject *parent)
    : QObject(parent), m_poller(poller), m_retryTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    m_retryTimer->setInterval(retryAfterResourceErrorMs);
    connect(m_retryTimer, &QTimer::timeout, this, &Acceptor::resourcesFreed);
}

Acceptor::~Acceptor()
{
    stop();
}

bool Acceptor::start(int listenFd, QString *error)
{
    if (m_fd >= 0)
        return true;
    const int fd = ::fcntl(listenFd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        *error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    if (!makeNonBlockingCloseOnExec(fd)) {
        *error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return false;
    }
    m_fd = fd;
    if (!arm()) {
        *error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    return true;
}

bool Acceptor::arm()
{
    // EPOLLEXCLUSIVE cannot be modified, only added and removed: pausing removes it.
    m_armed = m_poller.add(m_fd, this, EPOLLIN | EPOLLEXCLUSIVE);
    return m_armed;
}

void Acceptor::stop()
{
    m_retryTimer->stop();
    if (m_fd < 0)
        return;
    if (m_armed)
        m_poller.remove(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_armed = false;
}

void Acceptor::resourcesFreed()
{
    if (m_fd < 0 || m_armed)
        return;
    m_retryTimer->stop();
    if (!arm())
        m_retryTimer->start();
}

void Acceptor::pause(int error)
{
    if (m_armed) {
        m_poller.remove(m_fd);
        m_armed = false;
    }
    m_retryTimer->start();
    emit paused(QString::fromLocal8Bit(std::strerror(error)));
}

void Acceptor::handleEvents(quint32)
{
    for (int i = 0; i < acceptBatch && m_armed; ++i) {
        const int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            emit accepted(fd);
            continue;
        }
        switch (errno) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
            return;
        case EINTR:
        case ECONNABORTED: // the client gave up while in the backlog
        case EPROTO:
        case EPERM: // a firewall rule refused it
            continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            pause(errno);
            return;
        default:
            // Unexpected (EBADF, EINVAL after a close): do not spin on it; try again later.
            pause(errno);
            return;
        }
    }
}

} // namespace baton
