#pragma once

#include "core/connectioninfo.h"
#include "core/servercontext.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QObject>

#include <array>
#include <atomic>
#include <memory>

class QTimer;

namespace baton {

class EpollPoller;
class HttpConnection;
class Router;
class TcpAcceptor;

// Counters a worker writes and anyone may read (single writer, relaxed atomics).
struct WorkerCounters
{
    static constexpr int statusSlots = 600;
    std::array<std::atomic<qint64>, connectionStateCount> connectionsByState{};
    std::array<std::atomic<quint64>, statusSlots> responsesByStatus{};
    std::atomic<quint64> connectionsAccepted{0};
    std::atomic<quint64> connectionsRejected{0};
};

// One I/O thread's worth of server: accepts from the shared listening socket, owns the
// connections it accepted, and runs their timeouts. Every slot runs in the worker's thread;
// other threads reach it with queued calls only.
class IoWorker : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype readBufferSize = 64 * 1024;

    IoWorker(int index, std::shared_ptr<ServerContext> context);
    ~IoWorker() override;

    int index() const { return m_index; }
    const ServerLimits &limits() const { return m_context->limits; }
    const Router &router() const { return *m_context->router; }
    EpollPoller &poller() { return *m_poller; }
    char *readBuffer() { return m_readBuffer.get(); }
    // Date, Server and X-Baton-* lines, rebuilt at most once a second.
    const QByteArray &commonHeaders();

    void countResponse(int status);
    void connectionStateChanged(ConnectionState from, ConnectionState to);
    void connectionFinished(HttpConnection *connection);

    // Thread-safe.
    const WorkerCounters &counters() const { return m_counters; }
    std::shared_ptr<const QList<ConnectionInfo>> publishedConnections() const;

public slots:
    void startAccepting(qintptr listenDescriptor);
    void stopAccepting();
    void beginDrain();
    void forceCloseAll();
    void abortAll();

signals:
    void acceptingStarted(int index);
    void acceptingStopped(int index);
    void drained(int index);
    void acceptFailed(int index, const QString &error);

private:
    void acceptDescriptor(qintptr descriptor);
    void sweep();
    void publish();
    void checkDrained();

    const int m_index;
    std::shared_ptr<ServerContext> m_context;
    EpollPoller *m_poller;
    TcpAcceptor *m_acceptor = nullptr;
    QTimer *m_sweepTimer;
    QHash<quint64, HttpConnection *> m_connections;
    std::unique_ptr<char[]> m_readBuffer;
    QByteArray m_commonHeaders;
    qint64 m_commonHeadersSecond = -1;
    WorkerCounters m_counters;
    mutable QMutex m_publishedMutex;
    std::shared_ptr<const QList<ConnectionInfo>> m_published;
    bool m_draining = false;
    bool m_drainedReported = false;
};

} // namespace baton
