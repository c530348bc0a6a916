#include "core/httpserver.h"

#include "core/ioworker.h"
#include "core/logging.h"
#include "net/monotonicclock.h"

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
    // Workers are deleted in their own threads (QThread::finished -> deleteLater) before the
    // thread stoppers return.
    m_threads.clear();
}

void HttpServer::start(int listenDescriptor, int threadCount)
{
    Q_ASSERT(m_threads.empty());
    threadCount = qMax(1, threadCount);
    m_workerDrained.assign(size_t(threadCount), false);
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
        connect(worker, &IoWorker::acceptFailed, this, [this](int index, const QString &error) {
            emit acceptFailed(
                QStringLiteral("I/O thread %1 cannot accept: %2").arg(index).arg(error));
        });
        thread->start();
        QMetaObject::invokeMethod(
            worker, [worker, listenDescriptor] { worker->startAccepting(listenDescriptor); },
            Qt::QueuedConnection);
        m_workers.push_back(worker);
        m_threads.push_back(std::move(thread));
    }
    m_ready = true;
}

void HttpServer::stopAccepting()
{
    m_ready = false;
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
    m_ready = false;
    for (IoWorker *worker : m_workers)
        QMetaObject::invokeMethod(worker, &IoWorker::abortAll, Qt::QueuedConnection);
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
    for (bool done : m_workerDrained) {
        if (!done)
            return;
    }
    emit drained();
}

HttpServer::CounterTotals HttpServer::counterTotals() const
{
    CounterTotals totals;
    for (const IoWorker *worker : m_workers) {
        const WorkerCounters &counters = worker->counters();
        for (size_t s = 0; s < totals.connectionsByState.size(); ++s)
            totals.connectionsByState[s] +=
                counters.connectionsByState[s].load(std::memory_order_relaxed);
        for (size_t code = 0; code < totals.responsesByStatus.size(); ++code)
            totals.responsesByStatus[code] +=
                counters.responsesByStatus[code].load(std::memory_order_relaxed);
        totals.connectionsAccepted += counters.connectionsAccepted.load(std::memory_order_relaxed);
        totals.connectionsRejected += counters.connectionsRejected.load(std::memory_order_relaxed);
    }
    return totals;
}

ServerSnapshot HttpServer::snapshot(SnapshotDetail detail) const
{
    ServerSnapshot snapshot;
    snapshot.takenAtMs = monotonicMs();
    const CounterTotals totals = counterTotals();
    snapshot.connectionsByState = totals.connectionsByState;
    for (quint64 count : totals.responsesByStatus)
        snapshot.requestsTotal += count;
    snapshot.connectionsAccepted = totals.connectionsAccepted;
    if (detail == SnapshotDetail::Connections) {
        m_context->snapshotRequestedAtMs.store(snapshot.takenAtMs, std::memory_order_relaxed);
        for (const IoWorker *worker : m_workers) {
            if (const auto published = worker->publishedConnections())
                snapshot.connections += *published;
        }
    }
    return snapshot;
}

QByteArray HttpServer::renderMetrics() const
{
    const CounterTotals totals = counterTotals();
    const auto &byState = totals.connectionsByState;
    const auto &byStatus = totals.responsesByStatus;
    QByteArray text;
    text += "# HELP baton_connections Open connections by state.\n"
            "# TYPE baton_connections gauge\n";
    for (int s = 0; s < connectionStateCount; ++s) {
        text += "baton_connections{state=\"" + connectionStateName(ConnectionState(s)).toLatin1() +
                "\"} " + QByteArray::number(qMax<qint64>(0, byState[size_t(s)])) + '\n';
    }
    text += "# HELP baton_requests_total Responses sent, by status code.\n"
            "# TYPE baton_requests_total counter\n";
    for (size_t code = 100; code < byStatus.size(); ++code) {
        if (byStatus[code] > 0)
            text += "baton_requests_total{code=\"" + QByteArray::number(qulonglong(code)) + "\"} " +
                    QByteArray::number(byStatus[code]) + '\n';
    }
    text += "# HELP baton_connections_accepted_total Connections accepted.\n"
            "# TYPE baton_connections_accepted_total counter\n"
            "baton_connections_accepted_total " +
            QByteArray::number(totals.connectionsAccepted) +
            "\n# HELP baton_connections_rejected_total Connections refused at "
            "--max-connections.\n# TYPE baton_connections_rejected_total counter\n"
            "baton_connections_rejected_total " +
            QByteArray::number(totals.connectionsRejected) +
            "\n# HELP baton_generation Restart generation of this process (1 = fresh start).\n"
            "# TYPE baton_generation gauge\nbaton_generation " +
            QByteArray::number(m_context->generation) +
            "\n# HELP baton_ready Whether this process accepts new work (1) or drains (0).\n"
            "# TYPE baton_ready gauge\nbaton_ready " +
            QByteArray(isReady() ? "1" : "0") + '\n';
    return text;
}

} // namespace baton
