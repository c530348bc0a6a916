#include "handover/handoversocket.h"

#include "core/logging.h"
#include "handover/handovermessage.h"
#include "net/descriptorflags.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

// Room for the largest message of the format and then some: a longer one is not ours.
constexpr size_t receiveBufferSize = handover::maxPending + 4096;

void closeDescriptors(msghdr &message)
{
    for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            ::close(fd);
        }
    }
}

} // namespace

HandoverSocket::HandoverSocket(int fd, QObject *parent) : QObject(parent), m_fd(fd)
{
    if (!makeNonBlockingCloseOnExec(fd)) {
        qCWarning(lcLifecycle, "connection handover channel unusable: fcntl: %s",
                  std::strerror(errno));
        ::close(fd);
        m_fd = -1;
        return;
    }
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &HandoverSocket::readable);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, [this] {
        m_writeNotifier->setEnabled(false);
        emit writable();
    });
}

HandoverSocket::~HandoverSocket()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void HandoverSocket::close()
{
    if (m_fd < 0)
        return;
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
}

void HandoverSocket::setWatchWritable(bool watch)
{
    if (m_fd >= 0)
        m_writeNotifier->setEnabled(watch);
}

HandoverSocket::Send HandoverSocket::send(const QByteArray &message, int descriptor)
{
    if (m_fd < 0)
        return Send::Broken;
    iovec data{const_cast<char *>(message.constData()), size_t(message.size())};
    msghdr header{};
    header.msg_iov = &data;
    header.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (descriptor >= 0) {
        std::memset(control, 0, sizeof control);
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        cmsghdr *c = CMSG_FIRSTHDR(&header);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &descriptor, sizeof descriptor);
    }
    for (;;) {
        if (::sendmsg(m_fd, &header, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
            return Send::Sent;
        switch (errno) {
        case EINTR:
            continue;
        case EAGAIN:
            return Send::WouldBlock;
        case ETOOMANYREFS:
            return Send::TooManyInFlight;
        default:
            return Send::Broken;
        }
    }
}

std::optional<HandoverSocket::Datagram> HandoverSocket::receive()
{
    if (m_fd < 0)
        return std::nullopt;
    // One buffer for every datagram: ten thousand connections are ten thousand receives.
    if (m_receiveBuffer.isEmpty())
        m_receiveBuffer.resize(qsizetype(receiveBufferSize));
    Datagram datagram;
    iovec data{m_receiveBuffer.data(), receiveBufferSize};
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    for (;;) {
        msghdr header{};
        header.msg_iov = &data;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(m_fd, &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return std::nullopt;
        if (n <= 0) {
            close();
            emit disconnected();
            return std::nullopt;
        }
        if ((header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
            // Not a message of ours: whatever descriptors came with it must not leak.
            closeDescriptors(header);
            continue;
        }
        for (cmsghdr *c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int)) && datagram.descriptor < 0) {
                std::memcpy(&datagram.descriptor, CMSG_DATA(c), sizeof(int));
            } else {
                closeDescriptors(header); // more than the one descriptor a message may carry
                datagram.descriptor = -1;
                break;
            }
        }
        datagram.data = m_receiveBuffer.first(n);
        return datagram;
    }
}

} // namespace baton
