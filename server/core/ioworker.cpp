#include "core/ioworker.h"

#include "core/logging.h"
#include "http/httpconnection.h"
#include "http/httpdate.h"
#include "net/epollpoller.h"
#include "net/monotonicclock.h"
#include "net/tcpacceptor.h"

#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

constexpr int sweepIntervalMs = 100;
constexpr qint64 publishWhileWatchedMs = 2000;

void relaxedIncrement(std::atomic<qint64> &counter, qint64 delta)
{
    counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

void relaxedIncrement(std::atomic<quint64> &counter)
{
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

} // namespace

IoWorker::IoWorker(int index, std::shared_ptr<ServerContext> context)
    : m_index(index), m_context(std::move(context)), m_poller(new EpollPoller(this)),
      m_sweepTimer(new QTimer(this)), m_readBuffer(new char[readBufferSize])
{
    m_sweepTimer->setInterval(sweepIntervalMs);
    connect(m_sweepTimer, &QTimer::timeout, this, &IoWorker::sweep);
}

IoWorker::~IoWorker()
{
    const QList<HttpConnection *> connections = m_connections.values();
    m_connections.clear();
    qDeleteAll(connections);
}

const QByteArray &IoWorker::commonHeaders()
{
    const qint64 second = ::time(nullptr);
    if (second != m_commonHeadersSecond) {
        m_commonHeadersSecond = second;
        m_commonHeaders =
            "Date: " + httpDate(second) +
            "\r\nServer: Baton\r\nX-Baton-Pid: " + QByteArray::number(m_context->pid) +
            "\r\nX-Baton-Generation: " + QByteArray::number(m_context->generation) + "\r\n";
    }
    return m_commonHeaders;
}

void IoWorker::countResponse(int status)
{
    if (status >= 0 && status < WorkerCounters::statusSlots)
        relaxedIncrement(m_counters.responsesByStatus[size_t(status)]);
}

void IoWorker::connectionStateChanged(ConnectionState from, ConnectionState to)
{
    relaxedIncrement(m_counters.connectionsByState[size_t(from)], -1);
    relaxedIncrement(m_counters.connectionsByState[size_t(to)], 1);
}

void IoWorker::startAccepting(qintptr listenDescriptor)
{
    if (m_acceptor)
        return;
    if (!m_poller->isValid()) {
        emit acceptFailed(m_index, QStringLiteral("cannot create an epoll instance"));
        return;
    }
    // Each worker accepts from its own duplicate of the one listening socket: the kernel spreads
    // connections across threads, and the original stays open for a restart to hand over.
    const int fd = ::fcntl(int(listenDescriptor), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        emit acceptFailed(m_index, QString::fromLocal8Bit(std::strerror(errno)));
        return;
    }
    m_acceptor = new TcpAcceptor(this);
    m_acceptor->setMaxPendingConnections(INT_MAX);
    connect(m_acceptor, &TcpAcceptor::descriptorAccepted, this, &IoWorker::acceptDescriptor);
    if (!m_acceptor->setSocketDescriptor(fd)) {
        const QString error = m_acceptor->errorString();
        ::close(fd);
        delete m_acceptor;
        m_acceptor = nullptr;
        emit acceptFailed(m_index, error);
        return;
    }
    m_sweepTimer->start();
    emit acceptingStarted(m_index);
}

void IoWorker::stopAccepting()
{
    if (!m_acceptor)
        return;
    m_acceptor->close();
    delete m_acceptor;
    m_acceptor = nullptr;
    emit acceptingStopped(m_index);
}

void IoWorker::acceptDescriptor(qintptr descriptor)
{
    const int fd = int(descriptor);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (m_context->connectionCount.fetch_add(1, std::memory_order_relaxed) >=
        m_context->limits.maxConnections) {
        m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
        relaxedIncrement(m_counters.connectionsRejected);
        // Best effort and never blocking: a client over the limit hears why instead of a reset.
        const QByteArray busy = "HTTP/1.1 503 Service Unavailable\r\n" + commonHeaders() +
                                "Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                "Content-Length: 24\r\nConnection: close\r\n\r\n"
                                "too many connections\r\n\r\n";
        [[maybe_unused]] const ssize_t ignored =
            ::send(fd, busy.constData(), size_t(busy.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    const quint64 id = m_context->nextConnectionId.fetch_add(1, std::memory_order_relaxed);
    auto *connection = new HttpConnection(fd, id, *this);
    if (!connection->start()) {
        qCWarning(lcServer, "cannot poll connection %llu: %s", id, std::strerror(errno));
        m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
        delete connection;
        return;
    }
    m_connections.insert(id, connection);
    relaxedIncrement(m_counters.connectionsAccepted);
    relaxedIncrement(m_counters.connectionsByState[size_t(ConnectionState::Idle)], 1);
    if (m_draining)
        connection->beginDrain();
}

void IoWorker::connectionFinished(HttpConnection *connection)
{
    m_connections.remove(connection->id());
    relaxedIncrement(m_counters.connectionsByState[size_t(connection->state())], -1);
    m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
    connection->deleteLater();
    if (m_draining)
        checkDrained();
}

void IoWorker::sweep()
{
    const qint64 now = monotonicMs();
    // Collect first: a timeout may finish a connection, which edits m_connections.
    const QList<HttpConnection *> connections = m_connections.values();
    for (HttpConnection *connection : connections)
        connection->checkTimeouts(now);
    if (now - m_context->snapshotRequestedAtMs.load(std::memory_order_relaxed) <
        publishWhileWatchedMs)
        publish();
}

void IoWorker::publish()
{
    auto list = std::make_shared<QList<ConnectionInfo>>();
    list->reserve(m_connections.size());
    for (const HttpConnection *connection : std::as_const(m_connections))
        list->append(connection->info());
    QMutexLocker locker(&m_publishedMutex);
    m_published = std::move(list);
}

std::shared_ptr<const QList<ConnectionInfo>> IoWorker::publishedConnections() const
{
    QMutexLocker locker(&m_publishedMutex);
    return m_published;
}

void IoWorker::beginDrain()
{
    m_draining = true;
    m_sweepTimer->start();
    const QList<HttpConnection *> connections = m_connections.values();
    for (HttpConnection *connection : connections)
        connection->beginDrain();
    checkDrained();
}

void IoWorker::forceCloseAll()
{
    const QList<HttpConnection *> connections = m_connections.values();
    for (HttpConnection *connection : connections)
        connection->forceClose();
}

void IoWorker::abortAll()
{
    stopAccepting();
    const QList<HttpConnection *> connections = m_connections.values();
    for (HttpConnection *connection : connections)
        connection->abort();
    checkDrained();
}

void IoWorker::checkDrained()
{
    if (m_connections.isEmpty() && !m_drainedReported && (m_draining || !m_acceptor)) {
        m_drainedReported = true;
        publish();
        emit drained(m_index);
    }
}

} // namespace baton
