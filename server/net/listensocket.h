#pragma once

#include <QString>

#include <optional>

namespace baton {

struct ListenAddress
{
    QString host; // as given: an IP literal, "localhost", or "*" for every interface
    quint16 port = 0;

    // "HOST:PORT", "[v6]:PORT", ":PORT" or "*:PORT"; nullopt (and *error) when malformed.
    static std::optional<ListenAddress> parse(const QString &text, QString *error);
    QString toString() const;
};

// The listening TCP socket, bound here or inherited (systemd socket activation: LISTEN_FDS and
// LISTEN_PID, first descriptor 3). The descriptor outlives any QTcpServer reading from it, which
// is what lets a restart hand it to the next process.
class ListenSocket
{
public:
    ListenSocket() = default;
    ListenSocket(const ListenSocket &) = delete;
    ListenSocket &operator=(const ListenSocket &) = delete;
    ~ListenSocket();

    bool bind(const ListenAddress &address, QString *error);
    // True and adopted when the environment passes a listening socket to this process.
    bool adoptInherited(QString *error);
    void close();

    int descriptor() const { return m_fd; }
    bool isOpen() const { return m_fd >= 0; }
    // The bound address as the kernel reports it (the real port when 0 was asked for).
    QString localAddress() const;

private:
    int m_fd = -1;
};

} // namespace baton
