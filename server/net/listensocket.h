#pragma once

#include <QString>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace baton {

struct ListenAddress
{
    ListenAddress() = default;
    ListenAddress(QString tcpHost, quint16 tcpPort) : host(std::move(tcpHost)), port(tcpPort) {}

    QString host; // as given: an IP literal, "localhost", or "*" for every interface
    quint16 port = 0;
    // Set instead of host and port for a Unix-domain socket: an absolute path.
    QString path;

    // Whether parse() takes a Unix socket path ("unix:PATH", or a value starting with '/'): only
    // the admin listener does; the public one is TCP.
    enum class Accept { TcpOnly, TcpOrUnixPath };
    // "HOST:PORT", "[v6]:PORT", ":PORT" or "*:PORT"; nullopt (and *error) when malformed.
    static std::optional<ListenAddress> parse(const QString &text, QString *error,
                                              Accept accept = Accept::TcpOnly);
    bool isUnixPath() const { return !path.isEmpty(); }
    // Whether a socket bound to one could take the other's connections (same path, or the same
    // port on the same or a wildcard host; port 0 never clashes).
    bool overlaps(const ListenAddress &other) const;
    QString toString() const; // "unix:/path" for a Unix socket
};

// A listening socket (TCP, or Unix-domain for the admin listener), bound here or inherited
// (systemd socket activation: LISTEN_FDS and LISTEN_PID, first descriptor 3; or a descriptor a
// previous generation passed). The descriptor outlives any server reading from it, which is
// what lets a restart hand it to the next process.
class ListenSocket
{
public:
    ListenSocket() = default;
    ListenSocket(const ListenSocket &) = delete;
    ListenSocket &operator=(const ListenSocket &) = delete;
    ~ListenSocket();

    // A Unix socket path that is already a socket nobody listens on (left by a process that
    // died) is replaced; one somebody listens on, or any other file, is an error.
    bool bind(const ListenAddress &address, QString *error);
    // The listening sockets the environment passes to this process (systemd's LISTEN_FDS from
    // descriptor 3 on, each named by LISTEN_FDNAMES, e.g. one IPv4 and one IPv6 listener), in
    // order. Empty when none are passed; empty and *error set when one is unusable.
    struct Inherited;
    static std::vector<Inherited> adoptInherited(QString *error);
    // Adopts a listening socket a previous generation passed at fd; false and *error if fd is
    // not one.
    bool adoptDescriptor(int fd, QString *error);
    void close();
    // Unlinks the socket file of a Unix-domain listener, if it is still the one this process
    // bound or adopted (not a file somebody put there since). Only the last generation does
    // this: a successor given the socket keeps using the same file.
    void removeSocketFile();

    int descriptor() const { return m_fd; }
    bool isOpen() const { return m_fd >= 0; }
    // The bound address as the kernel reports it (the real port when 0 was asked for), or
    // "unix:/path".
    QString localAddress() const;

private:
    bool bindUnix(const QString &path, QString *error);
    void rememberSocketFile(const QString &path);

    int m_fd = -1;
    // A Unix-domain listener's file, identified by device and inode (kept after close(), for
    // removeSocketFile()).
    QString m_socketFile;
    quint64 m_socketFileDevice = 0;
    quint64 m_socketFileInode = 0;
};

struct ListenSocket::Inherited
{
    std::unique_ptr<ListenSocket> socket;
    QString name; // LISTEN_FDNAMES's entry ("unknown" when systemd gave none)
};

} // namespace baton
