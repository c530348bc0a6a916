#include "lifecycle/restartchannel.h"

#include "core/logging.h"
#include "net/descriptorflags.h"
#include "net/monotonicclock.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace baton {

namespace {
// A DRAINING line lists up to 50 of the predecessor's connections (a few hundred bytes each).
constexpr qsizetype maxLine = 64 * 1024;
constexpr qsizetype maxPending = 64 * 1024;
} // namespace

RestartChannel::RestartChannel(int fd, QObject *parent)
    : QObject(parent), m_fd(fd), m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this)),
      m_writeNotifier(new QSocketNotifier(fd, QSocketNotifier::Write, this))
{
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &RestartChannel::writePending);
    // A channel that could block would stall the lifecycle thread on a stuck peer.
    if (!makeNonBlockingCloseOnExec(fd)) {
        qCWarning(lcLifecycle, "restart channel unusable: fcntl: %s", std::strerror(errno));
        close();
    }
    connect(m_notifier, &QSocketNotifier::activated, this, &RestartChannel::readAvailable);
}

RestartChannel::~RestartChannel()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void RestartChannel::send(const QByteArray &line)
{
    if (m_fd < 0)
        return;
    // A peer that stopped reading cannot grow us without bound: progress lines are the ones to
    // drop, the next one says it all again.
    if (m_pending.size() > maxPending && line.startsWith("DRAINING "))
        return;
    m_pending += line + '\n';
    writePending();
}

void RestartChannel::writePending()
{
    while (m_fd >= 0 && !m_pending.isEmpty()) {
        const ssize_t sent = ::send(m_fd, m_pending.constData(), size_t(m_pending.size()),
                                    MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) {
            m_pending.remove(0, sent);
            continue;
        }
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && errno == EAGAIN) {
            m_writeNotifier->setEnabled(true);
            return;
        }
        m_pending.clear(); // the peer is gone; its end of the story is told by disconnected()
        return;
    }
    m_writeNotifier->setEnabled(false);
}

void RestartChannel::flush(int timeoutMs)
{
    if (m_fd < 0 || m_pending.isEmpty())
        return;
    pollfd writable{m_fd, POLLOUT, 0};
    const qint64 deadline = monotonicMs() + timeoutMs;
    while (!m_pending.isEmpty() && m_fd >= 0) {
        const qint64 left = deadline - monotonicMs();
        if (left <= 0 || ::poll(&writable, 1, int(left)) <= 0)
            return;
        writePending();
    }
}

void RestartChannel::close()
{
    if (m_fd < 0)
        return;
    m_notifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
}

void RestartChannel::readAvailable()
{
    char buffer[16 * 1024];
    const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        close();
        emit disconnected();
        return;
    }
    m_buffer.append(buffer, n);
    qsizetype newline;
    while ((newline = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(newline);
        m_buffer.remove(0, newline + 1);
        // An overlong line is not our protocol: dropped whole, up to its end.
        if (std::exchange(m_discarding, false) || line.size() > maxLine)
            continue;
        emit lineReceived(line);
    }
    if (m_buffer.size() > maxLine) {
        m_buffer.clear();
        m_discarding = true;
    }
}

} // namespace baton
