#include "core/httpserver.h"

#include "core/ioworker.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "net/monotonicclock.h"

#include <algorithm>
#include <unistd.h>

namespace baton {

void HttpServer::ThreadStopper::operator()(QThread *thread) const
{
    thread->quit();
    thread->wait();
    delete thread;
}

HttpServer::HttpServer(const ServerLimits &limits, std::shared_ptr<const Router> router,
                       quint32 generation, QObject *parent)
    : QObject(parent), m_context(std::make_shared<ServerContext>())
{
    m_context->limits = limits;
    m_context->router = std::move(router);
    m_context->pid = ::getpid();
    m_context->generation = generation;
}

HttpServer::~HttpServer()
{
    m_context->ready = false; // whoever still holds the context reads a server that is gone
    // Workers are deleted in their own threads (QThread::finished -> deleteLater) before the
    // thread stoppers return.
    m_threads.clear();
}

void HttpServer::setIdentity(const QByteArray &serverHeader, bool identityHeaders)
{
    m_context->serverHeader = serverHeader;
    m_context->identityHeaders = identityHeaders;
}

void HttpServer::setAccessLog(std::shared_ptr<AccessLog> log)
{
    Q_ASSERT(m_threads.empty()); // the I/O threads read the context without a lock
    m_context->accessLog = std::move(log);
}

void HttpServer::start(const QList<qintptr> &listenDescriptors, int threadCount)
{
    Q_ASSERT(m_threads.empty());
    threadCount = qMax(1, threadCount);
    m_workerDrained.assign(size_t(threadCount), false);
    for (int i = 0; i < threadCount; ++i)
        m_context->counters.push_back(std::make_unique<WorkerCounters>());
    for (int i = 0; i < threadCount; ++i) {
        std::unique_ptr<QThread, ThreadStopper> thread(new QThread);
        thread->setObjectName(QStringLiteral("baton-io-%1").arg(i));
        auto *worker = new IoWorker(i, m_context);
        worker->moveToThread(thread.get());
        connect(thread.get(), &QThread::finished, worker, &QObject::deleteLater);
        connect(worker, &IoWorker::drained, this, &HttpServer::workerDrained);
        connect(worker, &IoWorker::acceptingStarted, this, &HttpServer::workerAccepting);
        connect(worker, &IoWorker::acceptingStopped, this, [this] {
            if (++m_workersStopped == int(m_workers.size()))
                emit acceptingStopped();
        });
        connect(worker, &IoWorker::connectionsDetached, this, &HttpServer::connectionsDetached);
        connect(worker, &IoWorker::acceptFailed, this, [this](int index, const QString &error) {
            emit acceptFailed(
                QStringLiteral("I/O thread %1 cannot accept: %2").arg(index).arg(error));
        });
        thread->start();
        QMetaObject::invokeMethod(
            worker, [worker, listenDescriptors] { worker->startAccepting(listenDescriptors); },
            Qt::QueuedConnection);
        m_workers.push_back(worker);
        m_threads.push_back(std::move(thread));
    }
    m_context->ready = true;
}

void HttpServer::stopAccepting()
{
    m_context->ready = false;
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::stopAccepting, Qt::QueuedConnection);
}

void HttpServer::beginDrain()
{
    if (m_draining)
        return;
    m_draining = true;
    stopAccepting();
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::beginDrain, Qt::QueuedConnection);
}

void HttpServer::forceCloseRemaining()
{
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::forceCloseAll, Qt::QueuedConnection);
}

void HttpServer::abortAll()
{
    m_context->ready = false;
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::abortAll, Qt::QueuedConnection);
}

void HttpServer::beginHandover()
{
    if (m_draining)
        return;
    stopAccepting();
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::beginHandover, Qt::QueuedConnection);
}

void HttpServer::handoverAnswered(int worker, const QList<quint64> &ids, bool adopted)
{
    if (worker < 0 || size_t(worker) >= m_workers.size())
        return;
    IoWorker *target = m_workers[size_t(worker)];
    QMetaObject::invokeMethod(
        target, [target, ids, adopted] { target->handoverAnswered(ids, adopted); },
        Qt::QueuedConnection);
}

bool HttpServer::reserveConnection()
{
    if (m_workers.empty() || m_draining)
        return false;
    if (m_context->connectionCount.fetch_add(1, std::memory_order_relaxed) >=
        m_context->limits.maxConnections) {
        m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void HttpServer::unreserveConnection()
{
    m_context->connectionCount.fetch_sub(1, std::memory_order_relaxed);
}

void HttpServer::adopt(int fd, const HandoverRecord &record)
{
    const size_t index = m_nextAdoptingWorker++ % m_workers.size();
    // A worker that had drained has a connection again, and will say when it has drained anew.
    m_workerDrained[index] = false;
    IoWorker *worker = m_workers[index];
    QMetaObject::invokeMethod(
        worker, [worker, fd, record] { worker->adoptConnection(fd, record); },
        Qt::QueuedConnection);
}

void HttpServer::workerAccepting(int)
{
    if (++m_workersAccepting == int(m_workers.size()))
        emit listening();
}

void HttpServer::workerDrained(int index)
{
    if (index < 0 || size_t(index) >= m_workerDrained.size() || m_workerDrained[size_t(index)])
        return;
    m_workerDrained[size_t(index)] = true;
    if (isDrained())
        emit drained();
}

bool HttpServer::isDrained() const
{
    return !m_workerDrained.empty() &&
           std::all_of(m_workerDrained.cbegin(), m_workerDrained.cend(), [](bool d) { return d; });
}

ServerSnapshot HttpServer::snapshot(SnapshotDetail detail) const
{
    ServerSnapshot snapshot;
    snapshot.takenAtMs = monotonicMs();
    const CounterTotals totals = totalCounters(*m_context);
    snapshot.connectionsByState = totals.connectionsByState;
    snapshot.requestsTotal = totals.responsesTotal();
    snapshot.connectionsAccepted = totals.connectionsAccepted;
    snapshot.connectionsHandedOver = totals.connectionsHandedOver;
    snapshot.connectionsHandedOverAfterResponse = totals.connectionsHandedOverAfterResponse;
    snapshot.connectionsReturned = totals.connectionsReturned;
    snapshot.connectionsAdopted = totals.connectionsAdopted;
    if (detail == SnapshotDetail::Connections) {
        m_context->snapshotRequestedAtMs.store(snapshot.takenAtMs, std::memory_order_relaxed);
        for (const IoWorker *worker : m_workers) {
            if (const auto published = worker->publishedConnections())
                snapshot.connections += *published;
        }
    }
    return snapshot;
}

} // namespace baton
