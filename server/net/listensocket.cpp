#include "net/listensocket.h"

#include "net/descriptorflags.h"

#include <QHostAddress>
#include <QHostInfo>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno)).toLower();
}

} // namespace

std::optional<ListenAddress> ListenAddress::parse(const QString &text, QString *error)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon < 0) {
        *error = QStringLiteral("expected HOST:PORT, got \"%1\"").arg(text);
        return std::nullopt;
    }
    ListenAddress address;
    address.host = text.left(colon);
    if (address.host.startsWith(u'[') && address.host.endsWith(u']'))
        address.host = address.host.mid(1, address.host.size() - 2);
    if (address.host.isEmpty())
        address.host = QStringLiteral("*");
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535) {
        *error = QStringLiteral("invalid port in \"%1\" (expected 0-65535)").arg(text);
        return std::nullopt;
    }
    address.port = quint16(port);
    return address;
}

QString ListenAddress::toString() const
{
    return (host.contains(u':') ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

ListenSocket::~ListenSocket()
{
    close();
}

void ListenSocket::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool ListenSocket::bind(const ListenAddress &address, QString *error)
{
    QHostAddress host;
    if (address.host == u"*") {
        host = QHostAddress(QHostAddress::AnyIPv6);
    } else if (!host.setAddress(address.host)) {
        const QHostInfo info = QHostInfo::fromName(address.host);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            *error = QStringLiteral("cannot listen on %1: unknown host").arg(address.toString());
            return false;
        }
        host = info.addresses().constFirst();
    }

    sockaddr_storage storage{};
    socklen_t length = 0;
    const bool v6 = host.protocol() == QAbstractSocket::IPv6Protocol;
    if (v6) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(address.port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&in6->sin6_addr, bytes.c, 16);
        length = sizeof(sockaddr_in6);
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(address.port);
        in4->sin_addr.s_addr = htonl(host.toIPv4Address());
        length = sizeof(sockaddr_in);
    }

    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = QStringLiteral("cannot listen on %1: %2").arg(address.toString(), errnoText());
        return false;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6 && address.host == u"*") {
        const int zero = 0; // "*" means IPv4 too
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0 ||
        ::listen(fd, SOMAXCONN) != 0) {
        *error = QStringLiteral("cannot listen on %1: %2").arg(address.toString(), errnoText());
        ::close(fd);
        return false;
    }
    close();
    m_fd = fd;
    return true;
}

bool ListenSocket::adoptInherited(QString *error)
{
    const QByteArray fds = qgetenv("LISTEN_FDS");
    const QByteArray pid = qgetenv("LISTEN_PID");
    if (fds.isEmpty())
        return false;
    // Consumed here so that processes we start do not believe the sockets are theirs.
    qunsetenv("LISTEN_FDS");
    qunsetenv("LISTEN_PID");
    qunsetenv("LISTEN_FDNAMES");
    if (!pid.isEmpty() && pid.toLongLong() != ::getpid())
        return false;
    if (fds.toInt() < 1) {
        *error = QStringLiteral("LISTEN_FDS=%1 passes no socket").arg(QString::fromLatin1(fds));
        return false;
    }
    constexpr int firstDescriptor = 3; // SD_LISTEN_FDS_START
    int acceptsConnections = 0;
    socklen_t length = sizeof acceptsConnections;
    if (::getsockopt(firstDescriptor, SOL_SOCKET, SO_ACCEPTCONN, &acceptsConnections, &length) !=
            0 ||
        !acceptsConnections) {
        *error = QStringLiteral("inherited descriptor 3 is not a listening socket");
        return false;
    }
    if (!makeNonBlockingCloseOnExec(firstDescriptor)) {
        *error = QStringLiteral("inherited descriptor 3: fcntl: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    close();
    m_fd = firstDescriptor;
    return true;
}

QString ListenSocket::localAddress() const
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (m_fd < 0 || ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&storage);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        return u'[' + QString::fromLatin1(text) + u"]:" + QString::number(ntohs(in6->sin6_port));
    }
    const auto *in4 = reinterpret_cast<const sockaddr_in *>(&storage);
    ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
    return QString::fromLatin1(text) + u':' + QString::number(ntohs(in4->sin_port));
}

} // namespace baton
