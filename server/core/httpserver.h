#pragma once

#include "core/servercontext.h"
#include "core/serversnapshot.h"
#include "handover/detachedconnection.h"

#include <QObject>
#include <QThread>

#include <array>

#include <memory>
#include <vector>

namespace baton {

class AccessLog;
class IoWorker;
class Router;

// Runs one generation of the HTTP service on I/O threads: every thread accepts from the same
// listening descriptor and owns the connections it accepted. Commands reach the threads as
// queued calls; the read side (snapshot, metrics, counts) is safe from any thread.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    HttpServer(const ServerLimits &limits, std::shared_ptr<const Router> router, quint32 generation,
               QObject *parent = nullptr);
    ~HttpServer() override;

    // The Server header, and whether X-Baton-Pid and X-Baton-Generation go out; before start().
    void setIdentity(const QByteArray &serverHeader, bool identityHeaders);
    // Where answered requests are logged (null: nowhere); before start().
    void setAccessLog(std::shared_ptr<AccessLog> log);
    // Starts threadCount I/O threads accepting from the listening descriptors (which stay the
    // caller's).
    void start(const QList<qintptr> &listenDescriptors, int threadCount);
    void stopAccepting();
    // Stop accepting, finish in-flight requests with Connection: close, close idle connections;
    // drained() follows once no connection is left.
    void beginDrain();
    // The drain deadline: unanswered requests get 503, everything else is reset.
    void forceCloseRemaining();
    void abortAll();

    // A restart's connection handover: stop accepting, and detach every connection as soon as it
    // is between requests (connectionsDetached()). beginDrain() afterwards drains what is left.
    void beginHandover();
    // The successor's answers for detached connections, routed to their I/O threads.
    void handoverAnswered(int worker, const QList<quint64> &ids, bool adopted);
    // The successor's side: room for one more connection (counted from now on) and its adoption.
    bool reserveConnection();
    void unreserveConnection();
    void adopt(int fd, const HandoverRecord &record);

    quint32 generation() const { return m_context->generation; }
    bool isReady() const { return m_context->ready.load(); }
    void setReady(bool ready) { m_context->ready.store(ready); }
    int connectionCount() const { return m_context->connectionCount.load(); }
    int threadCount() const { return int(m_workers.size()); }
    // Every I/O thread has drained (and none adopted a connection since).
    bool isDrained() const;

    enum class SnapshotDetail { CountsOnly, Connections };
    // Thread-safe. Counts are always current. Connection details lag by up to one sweep (100 ms)
    // and are gathered only while somebody keeps asking for them.
    ServerSnapshot snapshot(SnapshotDetail detail = SnapshotDetail::Connections) const;
    // What routes may keep reading after this server is gone (readiness, metrics).
    std::shared_ptr<const ServerContext> context() const { return m_context; }

signals:
    // Every I/O thread accepts from the listening socket.
    void listening();
    // No I/O thread accepts any more (after stopAccepting(), beginDrain() or abortAll()).
    void acceptingStopped();
    // May come again if connections are adopted afterwards (a predecessor still handing over).
    void drained();
    void acceptFailed(const QString &error);
    void connectionsDetached(const baton::DetachedConnections &connections);

private:
    struct ThreadStopper
    {
        void operator()(QThread *thread) const;
    };
    void workerDrained(int index);
    void workerAccepting(int index);

    std::shared_ptr<ServerContext> m_context;
    std::vector<std::unique_ptr<QThread, ThreadStopper>> m_threads;
    std::vector<IoWorker *> m_workers;
    std::vector<bool> m_workerDrained;
    int m_workersAccepting = 0;
    int m_workersStopped = 0;
    size_t m_nextAdoptingWorker = 0;
    bool m_draining = false;
};

} // namespace baton
