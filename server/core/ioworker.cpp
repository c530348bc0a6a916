#include "core/ioworker.h"

#include "api/responderhome.h"

#include "core/accesslog.h"
#include "core/accesslogformatter.h"
#include "core/logging.h"
#include "http/httpconnection.h"
#include "http/httpdate.h"
#include "http/httprequestparser.h"
#include "net/acceptor.h"
#include "net/epollpoller.h"
#include "net/monotonicclock.h"

#include <QTimer>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

constexpr int sweepIntervalMs = 100;
constexpr qint64 publishWhileWatchedMs = 2000;
// Parsers kept for reuse per thread: enough for a burst, bounded so a spike gives memory back.
constexpr size_t maxSparedParsers = 256;
constexpr qint64 warningWindowMs = 1000;
constexpr int warningsPerWindow = 5;

template<typename T> void relaxedAdd(std::atomic<T> &counter, T delta)
{
    counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

} // namespace

IoWorker::IoWorker(int index, std::shared_ptr<ServerContext> context)
    : m_index(index), m_context(std::move(context)),
      m_counters(*m_context->counters.at(size_t(index))), m_poller(new EpollPoller(this)),
      m_sweepTimer(new QTimer(this)), m_readBuffer(new char[readBufferSize]),
      m_accessLog(m_context->accessLog.get())
{
    if (m_accessLog)
        m_accessFormatter = std::make_unique<AccessLogFormatter>(
            m_accessLog->format(), m_context->pid, m_context->generation);
    m_sweepTimer->setInterval(sweepIntervalMs);
    connect(m_sweepTimer, &QTimer::timeout, this, &IoWorker::sweep);
}

IoWorker::~IoWorker()
{
    // Before the poller it is registered with (children go in creation order, poller first).
    qDeleteAll(m_acceptors);
    const QList<HttpConnection *> connections = m_connections.values();
    m_connections.clear();
    qDeleteAll(connections);
    reapFinished();
    // Only now: a responder on another thread that still answers (or is dropped) finds its
    // connection's side already detached, and its state is deleted where it is.
    if (m_responderHome)
        m_responderHome->close();
}

const std::shared_ptr<ResponderHome> &IoWorker::responderHome()
{
    if (!m_responderHome)
        m_responderHome = std::make_shared<ResponderHome>(this);
    return m_responderHome;
}

void IoWorker::reapFinished()
{
    const std::vector<HttpConnection *> finished = std::exchange(m_finished, {});
    for (HttpConnection *connection : finished)
        delete connection;
}

const QByteArray &IoWorker::commonHeaders()
{
    const qint64 second = ::time(nullptr);
    if (second != m_commonHeadersSecond) {
        m_commonHeadersSecond = second;
        m_commonHeaders = "Date: " + httpDate(second) + "\r\n";
        if (!m_context->serverHeader.isEmpty())
            m_commonHeaders += "Server: " + m_context->serverHeader + "\r\n";
        if (m_context->identityHeaders)
            m_commonHeaders +=
                "X-Baton-Pid: " + QByteArray::number(m_context->pid) +
                "\r\nX-Baton-Generation: " + QByteArray::number(m_context->generation) + "\r\n";
    }
    return m_commonHeaders;
}

std::unique_ptr<HttpRequestParser> IoWorker::acquireParser()
{
    if (m_sparedParsers.empty())
        return std::make_unique<HttpRequestParser>(m_context->limits);
    std::unique_ptr<HttpRequestParser> parser = std::move(m_sparedParsers.back());
    m_sparedParsers.pop_back();
    return parser;
}

void IoWorker::releaseParser(std::unique_ptr<HttpRequestParser> parser)
{
    if (m_sparedParsers.size() >= maxSparedParsers)
        return;
    parser->reset();
    m_sparedParsers.push_back(std::move(parser));
}

void IoWorker::requestCompleted(int status, qint64 durationNs)
{
    if (status >= 0 && status < WorkerCounters::statusSlots)
        relaxedAdd(m_counters.responsesByStatus[size_t(status)], quint64(1));
    durationNs = qMax<qint64>(0, durationNs);
    size_t bucket = 0;
    while (bucket < requestDurationBoundsNs.size() && durationNs > requestDurationBoundsNs[bucket])
        ++bucket;
    relaxedAdd(m_counters.requestDurations[bucket], quint64(1));
    relaxedAdd(m_counters.requestDurationSumNs, quint64(durationNs));
}

void IoWorker::countReceived(qint64 bytes)
{
    relaxedAdd(m_counters.bytesReceived, quint64(bytes));
}

void IoWorker::countSent(qint64 bytes)
{
    relaxedAdd(m_counters.bytesSent, quint64(bytes));
}

void IoWorker::logRequest(const RequestRecord &record)
{
    if (!m_accessLog)
        return;
    timespec now;
    ::clock_gettime(CLOCK_REALTIME, &now);
    m_accessLine.resize(0); // keeps its capacity: no allocation per line
    m_accessFormatter->append(m_accessLine, record,
                              qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000);
    m_accessLog->append(m_accessLine);
}

void IoWorker::connectionStateChanged(ConnectionState from, ConnectionState to)
{
    relaxedAdd(m_counters.connectionsByState[size_t(from)], qint64(-1));
    relaxedAdd(m_counters.connectionsByState[size_t(to)], qint64(1));
}

void IoWorker::warnThrottled(const QString &message)
{
    const qint64 now = monotonicMs();
    if (now - m_warningWindowStartMs >= warningWindowMs) {
        if (m_warningsSuppressed > 0)
            qCWarning(lcServer, "I/O thread %d: %d similar warnings suppressed", m_index,
                      m_warningsSuppressed);
        m_warningWindowStartMs = now;
        m_warningsInWindow = 0;
        m_warningsSuppressed = 0;
    }
    if (m_warningsInWindow < warningsPerWindow) {
        ++m_warningsInWindow;
        qCWarning(lcServer).noquote() << message;
    } else {
        ++m_warningsSuppressed;
    }
}

void IoWorker::startAccepting(const QList<qintptr> &listenDescriptors)
{
    if (!m_acceptors.empty())
        return;
    if (!m_poller->isValid()) {
        emit acceptFailed(m_index, QStringLiteral("cannot create an epoll instance"));
        return;
    }
    // Each worker accepts from its own duplicates of the listening sockets, and the originals
    // stay open for a restart to hand over.
    for (qintptr descriptor : listenDescriptors) {
        auto *acceptor = new Acceptor(*m_poller, this);
        QString error;
        if (!acceptor->start(int(descriptor), &error)) {
            delete acceptor;
            qDeleteAll(std::exchange(m_acceptors, {}));
            emit acceptFailed(m_index, error);
            return;
        }
        connect(acceptor, &Acceptor::accepted, this, &IoWorker::acceptDescriptor);
        connect(acceptor, &Acceptor::paused, this, &IoWorker::acceptPaused);
        m_acceptors.push_back(acceptor);
    }
    m_sweepTimer->start();
    emit acceptingStarted(m_index);
}

void IoWorker::stopAccepting()
{
    if (m_acceptors.empty())
        return;
    qDeleteAll(std::exchange(m_acceptors, {}));
    emit acceptingStopped(m_index);
}

void IoWorker::acceptPaused(const QString &why)
{
    relaxedAdd(m_counters.acceptPauses, quint64(1));
    warnThrottled(QStringLiteral("cannot accept connections: %1 (%2 open here); retrying as "
                                 "descriptors free up, new clients wait in the backlog")
                      .arg(why)
                      .arg(m_connections.size()));
}

void IoWorker::acceptDescriptor(int fd)
{
    auto admission = HttpConnection::Admission::Admitted;
    if (m_context->connectionCount.fetch_add(1, std::memory_order_relaxed) >=
        m_context->limits.maxConnections) {
        m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
        relaxedAdd(m_counters.connectionsRejected, quint64(1));
        if (m_rejectsInFlight >= maxRejectsInFlight) {
            ::close(fd);
            return;
        }
        admission = HttpConnection::Admission::OverLimit;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    HttpConnection *connection = addConnection(fd, admission);
    if (!connection)
        return;
    if (admission == HttpConnection::Admission::Admitted)
        relaxedAdd(m_counters.connectionsAccepted, quint64(1));
    if (m_draining)
        connection->beginDrain();
}

HttpConnection *IoWorker::addConnection(int fd, HttpConnection::Admission admission)
{
    const quint64 id = m_context->nextConnectionId.fetch_add(1, std::memory_order_relaxed);
    auto *connection = new HttpConnection(fd, id, *this, admission);
    m_connections.insert(id, connection);
    relaxedAdd(m_counters.connectionsByState[size_t(ConnectionState::Idle)], qint64(1));
    if (admission != HttpConnection::Admission::Admitted)
        ++m_rejectsInFlight;
    if (!connection->start()) {
        warnThrottled(QStringLiteral("cannot poll connection %1: %2")
                          .arg(id)
                          .arg(QString::fromLocal8Bit(std::strerror(errno))));
        connection->abort();
        return nullptr;
    }
    return connection;
}

void IoWorker::adoptConnection(int fd, const HandoverRecord &record)
{
    m_drainedReported = false; // drained() again once this one has moved on or finished
    HttpConnection *connection = addConnection(fd, HttpConnection::Admission::Admitted);
    if (!connection)
        return;
    relaxedAdd(m_counters.connectionsAdopted, quint64(1));
    connection->adopt(record);
    if (m_handingOver)
        connection->beginHandover();
    else if (m_draining)
        connection->beginDrain();
}

void IoWorker::connectionFinished(HttpConnection *connection)
{
    m_connections.remove(connection->id());
    relaxedAdd(m_counters.connectionsByState[size_t(connection->state())], qint64(-1));
    if (connection->isAdmitted())
        m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
    else
        --m_rejectsInFlight;
    if (m_finished.empty())
        QMetaObject::invokeMethod(this, &IoWorker::reapFinished, Qt::QueuedConnection);
    m_finished.push_back(connection);
    for (Acceptor *acceptor : m_acceptors)
        acceptor->resourcesFreed();
    if (m_draining || m_handingOver)
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
    m_handingOver = false; // a handover that failed falls back to this
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

void IoWorker::beginHandover()
{
    m_handingOver = true;
    const QList<HttpConnection *> connections = m_connections.values();
    for (HttpConnection *connection : connections)
        connection->beginHandover();
    checkDrained();
}

void IoWorker::connectionDetached(DetachedConnection detached)
{
    if (m_detached.isEmpty())
        QMetaObject::invokeMethod(this, &IoWorker::postDetached, Qt::QueuedConnection);
    m_detached.append(std::move(detached));
}

void IoWorker::postDetached()
{
    if (!m_detached.isEmpty())
        emit connectionsDetached(std::exchange(m_detached, {}));
}

void IoWorker::handoverAnswered(const QList<quint64> &ids, bool adopted)
{
    for (quint64 id : ids) {
        HttpConnection *connection = m_connections.value(id);
        if (!connection || !connection->isInTransit())
            continue;
        if (!adopted) {
            relaxedAdd(m_counters.connectionsReturned, quint64(1));
            connection->handoverReturned();
            continue;
        }
        relaxedAdd(m_counters.connectionsHandedOver, quint64(1));
        if (connection->movedAfterResponse())
            relaxedAdd(m_counters.connectionsHandedOverAfterResponse, quint64(1));
        connection->handoverCompleted();
    }
}

void IoWorker::checkDrained()
{
    if (m_connections.isEmpty() && !m_drainedReported &&
        (m_draining || m_handingOver || m_acceptors.empty())) {
        m_drainedReported = true;
        publish();
        emit drained(m_index);
    }
}

} // namespace baton
