#include "lifecycle/restartchannel.h"

#include "core/logging.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {
constexpr qsizetype maxLine = 4096;
}

RestartChannel::RestartChannel(int fd, QObject *parent)
    : QObject(parent), m_fd(fd), m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this))
{
    // A channel that could block would stall the lifecycle thread on a stuck peer.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
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
    const QByteArray message = line + '\n';
    [[maybe_unused]] const ssize_t sent =
        ::send(m_fd, message.constData(), size_t(message.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void RestartChannel::close()
{
    if (m_fd < 0)
        return;
    m_notifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
}

void RestartChannel::readAvailable()
{
    char buffer[1024];
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
        emit lineReceived(line);
    }
    if (m_buffer.size() > maxLine)
        m_buffer.clear(); // not our protocol; drop rather than grow
}

} // namespace baton
