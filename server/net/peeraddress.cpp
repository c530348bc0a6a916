#include "net/peeraddress.h"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace baton {

PeerAddress PeerAddress::fromDescriptor(int fd)
{
    PeerAddress peer;
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return peer;
    if (storage.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&storage);
        std::memcpy(peer.address, &in6->sin6_addr, 16);
        peer.port = ntohs(in6->sin6_port);
        peer.isV4 = false;
    } else if (storage.ss_family == AF_INET) {
        const auto *in4 = reinterpret_cast<const sockaddr_in *>(&storage);
        std::memcpy(peer.address, &in4->sin_addr, 4);
        peer.port = ntohs(in4->sin_port);
    }
    return peer;
}

QByteArray PeerAddress::addressText() const
{
    char text[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(isV4 ? AF_INET : AF_INET6, address, text, sizeof text))
        return QByteArrayLiteral("-");
    return QByteArray(text);
}

QString PeerAddress::toString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(isV4 ? AF_INET : AF_INET6, address, text, sizeof text);
    const QString host = QString::fromLatin1(text);
    return (isV4 ? host : u'[' + host + u']') + u':' + QString::number(port);
}

} // namespace baton
