#pragma once

#include "core/connectioninfo.h"
#include "core/requestrecord.h"
#include "core/servercontext.h"
#include "handover/detachedconnection.h"
#include "http/httpconnection.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QObject>

#include <memory>
#include <vector>

class QTimer;

namespace baton {

class AccessLog;
class AccessLogFormatter;
class Acceptor;
class EpollPoller;
class HttpRequestParser;
class ResponderHome;
class Router;

// One I/O thread's worth of server: accepts from the shared listening socket, owns the
// connections it accepted, and runs their timeouts. Every slot runs in the worker's thread;
// other threads reach it with queued calls only.
class IoWorker : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype readBufferSize = 64 * 1024;
    // Connections over --max-connections are answered 503 and closed gracefully, which keeps
    // their descriptors for a moment; past this many at once the rest are just closed.
    static constexpr int maxRejectsInFlight = 64;

    IoWorker(int index, std::shared_ptr<ServerContext> context);
    ~IoWorker() override;

    int index() const { return m_index; }
    const ServerLimits &limits() const { return m_context->limits; }
    const Router &router() const { return *m_context->router; }
    EpollPoller &poller() { return *m_poller; }
    char *readBuffer() { return m_readBuffer.get(); }
    // Date, Server and X-Baton-* lines, rebuilt at most once a second.
    const QByteArray &commonHeaders();

    // Parsers are lent to connections only while a request arrives: idle connections hold none.
    std::unique_ptr<HttpRequestParser> acquireParser();
    void releaseParser(std::unique_ptr<HttpRequestParser> parser);

    // A request answered (or given up by its client: 499) after durationNs: status and
    // duration counters.
    void requestCompleted(int status, qint64 durationNs);
    void countReceived(qint64 bytes);
    void countSent(qint64 bytes);
    // Null without --access-log: then nothing else of the access log costs anything.
    AccessLog *accessLog() const { return m_accessLog; }
    // Formats the record on this thread and queues the line for the log's writer.
    void logRequest(const RequestRecord &record);
    void connectionStateChanged(ConnectionState from, ConnectionState to);
    void connectionFinished(HttpConnection *connection);
    // A connection left the poller for the successor; sent on in one batch per event-loop pass.
    void connectionDetached(DetachedConnection detached);
    // A warning that a client can cause: at most a few a second reach the log (and the window).
    void warnThrottled(const QString &message);

    // Where handlers' answers from other threads are posted; closed once the connections are
    // gone, so that a late answer is dropped rather than posted to a deleted worker. Made on
    // first use, in the worker's own thread (it is created elsewhere and moved there).
    const std::shared_ptr<ResponderHome> &responderHome();

    // Thread-safe.
    std::shared_ptr<const QList<ConnectionInfo>> publishedConnections() const;

public slots:
    // One or more listening descriptors (systemd may pass several, e.g. IPv4 and IPv6).
    void startAccepting(const QList<qintptr> &listenDescriptors);
    void stopAccepting();
    void beginDrain();
    void forceCloseAll();
    void abortAll();
    // A restart that hands the connections themselves to the successor.
    void beginHandover();
    // The successor's answer for connections in transit: adopted (they close here) or not
    // (they come back and drain here).
    void handoverAnswered(const QList<quint64> &ids, bool adopted);
    // A connection the predecessor handed over; it is already counted (HttpServer reserved it).
    void adoptConnection(int fd, const baton::HandoverRecord &record);

signals:
    void acceptingStarted(int index);
    void acceptingStopped(int index);
    void drained(int index);
    void acceptFailed(int index, const QString &error);
    void connectionsDetached(const baton::DetachedConnections &connections);

private:
    void acceptDescriptor(int fd);
    // Deletes the connections that finished since the last call.
    void reapFinished();
    void acceptPaused(const QString &why);
    void sweep();
    void publish();
    void checkDrained();
    void postDetached();
    HttpConnection *addConnection(int fd, HttpConnection::Admission admission);

    const int m_index;
    std::shared_ptr<ServerContext> m_context;
    std::shared_ptr<ResponderHome> m_responderHome;
    WorkerCounters &m_counters;
    EpollPoller *m_poller;
    std::vector<Acceptor *> m_acceptors;
    QTimer *m_sweepTimer;
    QHash<quint64, HttpConnection *> m_connections;
    // Finished but not deleted yet: a connection never deletes itself while its code may still
    // be on the stack (epoll batches, handlers), so the worker does it from its event loop.
    std::vector<HttpConnection *> m_finished;
    DetachedConnections m_detached; // not posted to the sender yet
    std::vector<std::unique_ptr<HttpRequestParser>> m_sparedParsers;
    std::unique_ptr<char[]> m_readBuffer;
    AccessLog *m_accessLog; // the context's, which outlives this worker
    std::unique_ptr<AccessLogFormatter> m_accessFormatter;
    QByteArray m_accessLine; // reused for every line
    QByteArray m_commonHeaders;
    qint64 m_commonHeadersSecond = -1;
    qint64 m_warningWindowStartMs = 0;
    int m_warningsInWindow = 0;
    int m_warningsSuppressed = 0;
    int m_rejectsInFlight = 0;
    mutable QMutex m_publishedMutex;
    std::shared_ptr<const QList<ConnectionInfo>> m_published;
    bool m_draining = false;
    bool m_handingOver = false;
    bool m_drainedReported = false;
};

} // namespace baton
