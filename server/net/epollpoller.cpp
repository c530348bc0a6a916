#include "net/epollpoller.h"

#include "core/logging.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

namespace baton {

EpollPoller::EpollPoller(QObject *parent) : QObject(parent)
{
    m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0) {
        qCCritical(lcServer, "epoll_create1 failed: %s", std::strerror(errno));
        return;
    }
    m_notifier = new QSocketNotifier(m_epollFd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &EpollPoller::dispatch);
}

EpollPoller::~EpollPoller()
{
    if (m_epollFd >= 0)
        ::close(m_epollFd);
}

bool EpollPoller::add(int fd, Handler *handler, quint32 events)
{
    epoll_event event{};
    event.events = events;
    event.data.ptr = handler;
    return ::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool EpollPoller::modify(int fd, Handler *handler, quint32 events)
{
    epoll_event event{};
    event.events = events;
    event.data.ptr = handler;
    return ::epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &event) == 0;
}

void EpollPoller::remove(int fd)
{
    ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
}

void EpollPoller::dispatch()
{
    // Handlers never delete themselves synchronously (connections use deleteLater), so every
    // pointer in this batch stays valid even when an earlier event closed its connection.
    epoll_event events[128];
    const int ready = ::epoll_wait(m_epollFd, events, int(std::size(events)), 0);
    for (int i = 0; i < ready; ++i)
        static_cast<Handler *>(events[i].data.ptr)->handleEvents(events[i].events);
}

} // namespace baton
