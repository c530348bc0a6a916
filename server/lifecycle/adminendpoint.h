#pragma once

#include "core/serverconfig.h"

#include <QObject>
#include <QString>

#include <memory>

namespace baton {

class HttpServer;
class ListenSocket;
class Router;

// The admin listener (--admin-listen): /metrics, /healthz and /readyz on an address of their
// own, so the public port does not expose them. It is a small server of its own (its own router,
// one I/O thread) beside the public one, in the same generation: its answers carry the same
// X-Baton-Generation, and the routes read the public server's state through the ServerLink.
//
// At a restart its listening socket goes to the successor like the public one, so the address
// never refuses a connection and the successor never binds it again (a Unix socket file stays
// the same file). Its connections are not handed over: admin requests are short, so they drain
// with the generation that accepted them, and the process exits only once they have.
class AdminEndpoint : public QObject
{
    Q_OBJECT
public:
    AdminEndpoint(std::unique_ptr<ListenSocket> socket, std::shared_ptr<const Router> router,
                  QObject *parent = nullptr);
    ~AdminEndpoint() override;

    // Serves on the socket with a fresh server (replacing one that has stopped).
    void start(const ServerLimits &limits, quint32 generation);
    // What a restart passes to the successor; -1 once closed.
    int descriptor() const;
    // As bound: "http://HOST:PORT" or "unix:/path".
    QString address() const;

    // Stops accepting and closes this process's copy of the listening socket (after a restart
    // the successor holds its own); in-flight requests finish with Connection: close, idle
    // connections close, and drained() follows.
    void beginDrain();
    // The drain deadline: unanswered requests get 503, the rest are reset.
    void forceCloseRemaining();
    void abortAll();
    bool isDrained() const;
    // Its connections still open (a drain counts them beside the public server's).
    qint64 openConnections() const;

    // At exit, unless a successor has the socket now: the Unix socket file goes with us.
    void removeSocketFile();
    // After a stop: binds the address it had again (the real port, if 0 was asked for).
    bool rebind(QString *error);

signals:
    void drained();
    void acceptFailed(const QString &error);

private:
    std::unique_ptr<ListenSocket> m_socket;
    std::shared_ptr<const Router> m_router;
    HttpServer *m_server = nullptr;
    QString m_boundAddress; // as the kernel reported it, for rebind()
};

} // namespace baton
