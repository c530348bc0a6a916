#include "lifecycle/adminendpoint.h"

#include "core/httpserver.h"
#include "net/listensocket.h"

namespace baton {

AdminEndpoint::AdminEndpoint(std::unique_ptr<ListenSocket> socket,
                             std::shared_ptr<const Router> router, QObject *parent)
    : QObject(parent), m_socket(std::move(socket)), m_router(std::move(router))
{
    m_boundAddress = m_socket->localAddress();
}

AdminEndpoint::~AdminEndpoint()
{
    delete m_server; // joins its I/O thread
}

void AdminEndpoint::start(const ServerLimits &limits, quint32 generation)
{
    delete m_server;
    // One I/O thread is plenty for scrapes and probes, and keeps them off the public threads.
    m_server = new HttpServer(limits, m_router, generation, this);
    connect(m_server, &HttpServer::drained, this, &AdminEndpoint::drained);
    connect(m_server, &HttpServer::acceptFailed, this, [this](const QString &error) {
        emit acceptFailed(QStringLiteral("admin listener: %1").arg(error));
    });
    m_server->start({m_socket->descriptor()}, 1);
}

int AdminEndpoint::descriptor() const
{
    return m_socket->descriptor();
}

QString AdminEndpoint::address() const
{
    return m_boundAddress.startsWith(QLatin1String("unix:"))
               ? m_boundAddress
               : QStringLiteral("http://") + m_boundAddress;
}

void AdminEndpoint::beginDrain()
{
    if (m_server)
        m_server->beginDrain();
    m_socket->close();
}

void AdminEndpoint::forceCloseRemaining()
{
    if (m_server)
        m_server->forceCloseRemaining();
}

void AdminEndpoint::abortAll()
{
    if (m_server)
        m_server->abortAll();
    m_socket->close();
}

bool AdminEndpoint::isDrained() const
{
    return !m_server || m_server->isDrained();
}

qint64 AdminEndpoint::openConnections() const
{
    return m_server ? m_server->snapshot(HttpServer::SnapshotDetail::CountsOnly).openConnections()
                    : 0;
}

void AdminEndpoint::removeSocketFile()
{
    m_socket->removeSocketFile();
}

bool AdminEndpoint::rebind(QString *error)
{
    const auto address =
        ListenAddress::parse(m_boundAddress, error, ListenAddress::Accept::TcpOrUnixPath);
    auto socket = std::make_unique<ListenSocket>();
    if (!address || !socket->bind(*address, error))
        return false;
    m_socket = std::move(socket);
    return true;
}

} // namespace baton
