#pragma once

#include "core/connectioninfo.h"
#include "core/requestrecord.h"
#include "handover/detachedconnection.h"
#include "http/connectiondeadlines.h"
#include <baton/response.h>
#include "http/requestreader.h"
#include "http/responsesink.h"
#include "http/responsewriter.h"
#include "net/connectionsocket.h"
#include "net/epollpoller.h"

#include <memory>

namespace baton {

class IoWorker;

// One accepted TCP connection, owned by one I/O thread: reads through the worker's epoll, parses,
// hands complete requests to the router, writes answers in order, and closes without losing
// what was already answered. An idle connection holds its descriptor, a few counters and times.
class HttpConnection final : public ResponseSink,
                             public EpollPoller::Handler,
                             private RequestReader::Listener
{
public:
    enum class Admission { Admitted, OverLimit };

    HttpConnection(int fd, quint64 id, IoWorker &worker, Admission admission = Admission::Admitted);
    ~HttpConnection();

    quint64 id() const { return m_id; }
    ConnectionState state() const { return m_state; }
    bool isAdmitted() const { return m_admitted; }
    ConnectionInfo info() const;

    // Registers with the poller and starts reading; false when the descriptor cannot be polled.
    // An over-limit connection is answered 503 at once and closed gracefully.
    bool start();
    // Enforces the deadlines (head, body, idle, send, linger); called by the worker's sweep.
    void checkTimeouts(qint64 nowMs);
    // Graceful drain: answers what is in flight with Connection: close, closes idle keep-alives.
    void beginDrain();
    // Drain deadline: a request not yet answered gets 503 + Retry-After; anything else is reset.
    void forceClose();
    // Immediate reset (RST), whatever the state.
    void abort();

    // Restart with connection handover: the connection leaves for the successor as soon as it is
    // between requests — now if idle, after its response if busy — and answers meanwhile keep
    // the connection open.
    void beginHandover();
    bool isInTransit() const { return m_inTransit; }
    bool movedAfterResponse() const { return m_handoverAfterResponse; }
    // The successor adopted it: our descriptor closes, the TCP connection lives on there.
    void handoverCompleted();
    // The successor did not take it: it is served on here, draining.
    void handoverReturned();
    // A connection adopted from the predecessor (after start()): its history, and the input the
    // predecessor had read but not parsed, which is parsed now as if just received.
    void adopt(const HandoverRecord &record);

    void handleEvents(quint32 events) override;

    bool isAwaitingResponse(quint64 serial) const override;
    void sendResponse(quint64 serial, Response response) override;
    void beginStream(quint64 serial, int status, Headers headers) override;
    void writeChunk(quint64 serial, const QByteArray &data) override;
    void finishStream(quint64 serial) override;
    void responderDropped(quint64 serial, bool streaming) override;

private:
    void readAvailable();
    void peerFinishedSending();
    // RequestReader::Listener
    bool acceptsRequests() const override;
    bool keepsInput() const override { return !m_closing && !m_finished; }
    void requestStarted() override;
    void headCompleted() override;
    void continueExpected() override;
    void requestReady(HttpRequest request, bool keepAlive) override;
    void requestFailed(int status, const QByteArray &reason) override;

    void resumeParsing();
    void respondWithError(int status, const QByteArray &reason);
    void completeResponse(int status);
    // Runs an edit of the output; the send deadline starts when output appears.
    template<typename F> void produce(F &&write);
    void flush();
    void updateInterest();
    // linger: keep reading after FIN until the client closes, because a response may still be
    // in flight; idle connections have none and close at once.
    void closeGracefully(bool linger);
    void startLinger();
    void finish();
    // The client went away while a handler held its request (nginx's 499).
    void clientAborted();
    // The one place a request ends, answered or given up: metrics, and the access log if any.
    void requestEnded(int status, qint64 nowNs);
    // With an access log: what the log will say of the request being answered. A request that
    // failed, or is cut before it was complete, is logged as far as it was read.
    void recordRequest(const HttpRequest &request);
    void recordRequestSoFar();
    // Whether the response being written is the connection's last one.
    bool endsAfterResponse() const { return m_closeAfterResponse || m_draining || m_peerClosed; }
    // Between requests during a handover: new input waits for the successor.
    bool holdsForHandover() const;
    void tryHandover();
    bool outputFull() const;
    ConnectionDeadlines::Phase phase() const;
    void setState(ConnectionState state);
    void refreshIdleState();

    IoWorker &m_worker;
    RequestReader m_reader;
    ResponseWriter m_writer;
    QByteArray m_method; // of the current (or last) request, for the registry
    QByteArray m_path;
    quint64 m_id;
    quint64 m_serial = 0; // increases with every dispatched request
    qint64 m_connectedAtMs;
    qint64 m_requestStartedNs; // of the current (or last) request, for its duration
    ConnectionDeadlines m_deadlines;
    qint64 m_bytesIn = 0;
    qint64 m_bytesOut = 0;
    quint32 m_requestsServed = 0;
    ConnectionSocket m_socket;
    // Only while an access log is open; made at the connection's first request.
    std::unique_ptr<RequestRecord> m_record;
    ConnectionState m_state = ConnectionState::Idle;
    bool m_admitted;
    bool m_awaitingResponse = false;   // a handler holds the request
    bool m_closeAfterResponse = false; // this answer ends the connection
    bool m_closing = false;            // no more requests will be read or answered
    bool m_lingerOnClose = true;
    bool m_draining = false;
    bool m_peerClosed = false; // EOF: the client sends nothing more
    bool m_flushing = false;
    bool m_finished = false;
    bool m_handoverPending = false;       // leaves for the successor once between requests
    bool m_inTransit = false;             // off the poller, waiting for the successor's answer
    bool m_handoverAfterResponse = false; // it was busy when the handover began
};

} // namespace baton
