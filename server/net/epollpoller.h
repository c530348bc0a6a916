#pragma once

#include <QObject>

class QSocketNotifier;

namespace baton {

// Readiness notification for many descriptors through one epoll instance. Qt's event loop sees a
// single QSocketNotifier (on the epoll descriptor) however many connections a thread holds, so
// neither memory nor per-iteration work grows with idle connections.
class EpollPoller : public QObject
{
    Q_OBJECT
public:
    class Handler
    {
    public:
        virtual void handleEvents(quint32 events) = 0;

    protected:
        ~Handler() = default;
    };

    explicit EpollPoller(QObject *parent = nullptr);
    ~EpollPoller() override;

    bool isValid() const { return m_epollFd >= 0; }
    bool add(int fd, Handler *handler, quint32 events);
    bool modify(int fd, Handler *handler, quint32 events);
    void remove(int fd);

private:
    void dispatch();

    int m_epollFd = -1;
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace baton
