#include "net/listensocket.h"

#include "net/descriptorflags.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QHostInfo>

#include <arpa/inet.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace baton {

namespace {

QString errnoText(int error = errno)
{
    return QString::fromLocal8Bit(std::strerror(error)).toLower();
}

constexpr size_t maxSocketPathBytes = sizeof(sockaddr_un::sun_path) - 1; // and a NUL

bool isWildcardHost(const QString &host)
{
    return host == u"*" || host == u"0.0.0.0" || host == u"::";
}

// The path of a Unix-domain socket address as getsockname() filled it in; empty for an
// unnamed or abstract one.
QString socketPath(const sockaddr_storage &storage, socklen_t size)
{
    const auto *local = reinterpret_cast<const sockaddr_un *>(&storage);
    const size_t room = size_t(size) > offsetof(sockaddr_un, sun_path)
                            ? size_t(size) - offsetof(sockaddr_un, sun_path)
                            : 0;
    const size_t bytes = ::strnlen(local->sun_path, room);
    return QFile::decodeName(QByteArray(local->sun_path, qsizetype(bytes)));
}

} // namespace

std::optional<ListenAddress> ListenAddress::parse(const QString &text, QString *error,
                                                  Accept accept)
{
    const bool pathsToo = accept == Accept::TcpOrUnixPath;
    if (pathsToo && (text.startsWith(u'/') || text.startsWith(QLatin1String("unix:")))) {
        const QString given = text.startsWith(u'/') ? text : text.mid(5);
        if (given.isEmpty()) {
            *error = QStringLiteral("expected a socket path after \"unix:\"");
            return std::nullopt;
        }
        ListenAddress address;
        // Absolute: the path is logged, and a later generation or a stop removes it by name.
        address.path = QDir::cleanPath(QFileInfo(given).absoluteFilePath());
        const qsizetype bytes = QFile::encodeName(address.path).size();
        if (size_t(bytes) > maxSocketPathBytes) {
            *error = QStringLiteral("socket path \"%1\" is too long (%2 bytes, at most %3)")
                         .arg(address.path)
                         .arg(bytes)
                         .arg(maxSocketPathBytes);
            return std::nullopt;
        }
        return address;
    }
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon < 0) {
        *error = QStringLiteral("expected %1, got \"%2\"")
                     .arg(pathsToo ? QStringLiteral("HOST:PORT, unix:PATH or an absolute path")
                                   : QStringLiteral("HOST:PORT"),
                          text);
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

bool ListenAddress::overlaps(const ListenAddress &other) const
{
    if (isUnixPath() || other.isUnixPath())
        return path == other.path;
    if (port == 0 || port != other.port)
        return false;
    return host.compare(other.host, Qt::CaseInsensitive) == 0 || isWildcardHost(host) ||
           isWildcardHost(other.host);
}

QString ListenAddress::toString() const
{
    if (isUnixPath())
        return QStringLiteral("unix:") + path;
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
    if (address.isUnixPath())
        return bindUnix(address.path, error);
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

std::vector<ListenSocket::Inherited> ListenSocket::adoptInherited(QString *error)
{
    const QByteArray fds = qgetenv("LISTEN_FDS");
    const QByteArray pid = qgetenv("LISTEN_PID");
    const QList<QByteArray> names = qgetenv("LISTEN_FDNAMES").split(':');
    if (fds.isEmpty())
        return {};
    // Consumed here so that processes we start do not believe the sockets are theirs.
    qunsetenv("LISTEN_FDS");
    qunsetenv("LISTEN_PID");
    qunsetenv("LISTEN_FDNAMES");
    if (!pid.isEmpty() && pid.toLongLong() != ::getpid())
        return {};
    bool ok = false;
    const int count = fds.toInt(&ok);
    // More than anyone passes (IPv4 and IPv6, perhaps a few ports); a restart passes these on
    // with three more descriptors, and at most 16 in all.
    constexpr int mostSockets = 12;
    if (!ok || count < 1 || count > mostSockets) {
        *error = QStringLiteral("LISTEN_FDS=%1 passes no usable number of sockets")
                     .arg(QString::fromLatin1(fds));
        return {};
    }
    constexpr int firstDescriptor = 3; // SD_LISTEN_FDS_START
    std::vector<Inherited> sockets;
    for (int i = 0; i < count; ++i) {
        auto socket = std::make_unique<ListenSocket>();
        if (!socket->adoptDescriptor(firstDescriptor + i, error))
            return {};
        const QByteArray name = i < names.size() ? names.at(i) : QByteArray();
        sockets.push_back({std::move(socket),
                           name.isEmpty() ? QStringLiteral("unknown") : QString::fromUtf8(name)});
    }
    return sockets;
}

bool ListenSocket::adoptDescriptor(int fd, QString *error)
{
    int acceptsConnections = 0;
    socklen_t length = sizeof acceptsConnections;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acceptsConnections, &length) != 0 ||
        !acceptsConnections) {
        *error = QStringLiteral("inherited descriptor %1 is not a listening socket").arg(fd);
        return false;
    }
    if (!makeNonBlockingCloseOnExec(fd)) {
        *error = QStringLiteral("inherited descriptor %1: fcntl: %2")
                     .arg(fd)
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    close();
    m_fd = fd;
    // A Unix-domain listener's file becomes this process's to remove, should it be the last.
    sockaddr_storage storage{};
    socklen_t size = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &size) == 0 &&
        storage.ss_family == AF_UNIX) {
        const QString path = socketPath(storage, size);
        if (!path.isEmpty())
            rememberSocketFile(path);
    }
    return true;
}

bool ListenSocket::bindUnix(const QString &path, QString *error)
{
    const QString name = QStringLiteral("unix:") + path;
    const QByteArray file = QFile::encodeName(path);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (size_t(file.size()) > maxSocketPathBytes) {
        *error = QStringLiteral("cannot listen on %1: the path is too long").arg(name);
        return false;
    }
    std::memcpy(address.sun_path, file.constData(), size_t(file.size()));
    const auto *generic = reinterpret_cast<const sockaddr *>(&address);

    struct stat existing
    {
    };
    if (::lstat(file.constData(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) {
            *error = QStringLiteral("cannot listen on %1: the path exists and is not a socket")
                         .arg(name);
            return false;
        }
        // A socket file outlives a process that was killed. Nobody accepting on it (refused):
        // stale, replaced. Somebody accepting (or with a full backlog): theirs, an error.
        const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const bool answered = probe >= 0 && ::connect(probe, generic, sizeof address) == 0;
        const int probeError = errno;
        if (probe >= 0)
            ::close(probe);
        if (answered || probeError == EAGAIN) {
            *error = QStringLiteral("cannot listen on %1: address already in use (a process "
                                    "accepts connections on it)")
                         .arg(name);
            return false;
        }
        if (probeError != ECONNREFUSED) {
            *error = QStringLiteral("cannot listen on %1: %2").arg(name, errnoText(probeError));
            return false;
        }
        if (::unlink(file.constData()) != 0 && errno != ENOENT) {
            *error = QStringLiteral("cannot listen on %1: cannot remove the stale socket file: %2")
                         .arg(name, errnoText());
            return false;
        }
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = QStringLiteral("cannot listen on %1: %2").arg(name, errnoText());
        return false;
    }
    if (::bind(fd, generic, sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0) {
        *error = QStringLiteral("cannot listen on %1: %2").arg(name, errnoText());
        ::close(fd);
        return false;
    }
    close();
    m_fd = fd;
    rememberSocketFile(path);
    return true;
}

void ListenSocket::rememberSocketFile(const QString &path)
{
    struct stat status
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &status) != 0 || !S_ISSOCK(status.st_mode))
        return;
    m_socketFile = path;
    m_socketFileDevice = quint64(status.st_dev);
    m_socketFileInode = quint64(status.st_ino);
}

void ListenSocket::removeSocketFile()
{
    if (m_socketFile.isEmpty())
        return;
    const QByteArray file = QFile::encodeName(m_socketFile);
    m_socketFile.clear();
    struct stat status
    {
    };
    if (::lstat(file.constData(), &status) == 0 && S_ISSOCK(status.st_mode) &&
        quint64(status.st_dev) == m_socketFileDevice && quint64(status.st_ino) == m_socketFileInode)
        ::unlink(file.constData());
}

QString ListenSocket::localAddress() const
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (m_fd < 0 || ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
    if (storage.ss_family == AF_UNIX)
        return QStringLiteral("unix:") + socketPath(storage, length);
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
