#pragma once

#include "core/connectioninfo.h"
#include "http/httprequestparser.h"
#include "http/httpresponse.h"
#include "http/responsesink.h"
#include "net/epollpoller.h"

#include <QObject>

#include <memory>

namespace baton {

class IoWorker;

// A peer address kept compactly (an idle connection should cost little); formatted on demand.
struct PeerAddress
{
    quint8 address[16] = {};
    quint16 port = 0;
    bool isV4 = true;

    static PeerAddress fromDescriptor(int fd);
    QString toString() const;
};

// One accepted TCP connection, owned by one I/O thread: reads through the worker's epoll, parses
// with llhttp, hands complete requests to the router, writes answers in order, and closes without
// losing what was already answered. Its state is what draining and the registry are built on.
class HttpConnection : public ResponseSink, public EpollPoller::Handler
{
    Q_OBJECT
public:
    HttpConnection(int fd, quint64 id, IoWorker &worker);
    ~HttpConnection() override;

    quint64 id() const { return m_id; }
    ConnectionState state() const { return m_state; }
    ConnectionInfo info() const;

    // Registers with the poller and starts reading; false when the descriptor cannot be polled.
    bool start();
    // Enforces header, idle, write and linger deadlines; called by the worker's sweep.
    void checkTimeouts(qint64 nowMs);
    // Graceful drain: answers what is in flight with Connection: close, closes idle keep-alives.
    void beginDrain();
    // Drain deadline: a request not yet answered gets 503 + Retry-After; anything else is reset.
    void forceClose();
    // Immediate reset (RST), whatever the state.
    void abort();

    void handleEvents(quint32 events) override;

    bool isAwaitingResponse(quint64 serial) const override;
    void sendResponse(quint64 serial, HttpResponse response) override;
    void beginStream(quint64 serial, int status, HttpHeaders headers) override;
    void writeChunk(quint64 serial, const QByteArray &data) override;
    void finishStream(quint64 serial) override;
    void responderDropped(quint64 serial, bool streaming) override;

private:
    struct OutputChunk
    {
        QByteArray bytes;
        std::shared_ptr<QFile> file; // when set, send fileRemaining bytes from fileOffset instead
        qint64 fileOffset = 0;
        qint64 fileRemaining = 0;
    };

    void readAvailable();
    void parse(const char *data, qsizetype size);
    void resumeParsing();
    void dispatch(HttpRequest request);
    void respondWithError(int status, const QByteArray &reason);
    QByteArray responseHead(int status, const HttpHeaders &headers, qint64 contentLength,
                            bool chunked);
    void completeResponse(int status);
    void queue(QByteArray bytes);
    void flush();
    void updateInterest();
    // linger: keep reading after FIN until the client closes, because a response may still be
    // in flight; idle connections have none and close at once.
    void closeGracefully(bool linger);
    void startLinger();
    void finish();
    // Whether the response being written is the connection's last one.
    bool endsAfterResponse() const { return m_closeAfterResponse || m_draining || m_peerClosed; }
    void setState(ConnectionState state);
    void refreshIdleState();

    IoWorker &m_worker;
    HttpRequestParser m_parser;
    QByteArray m_pendingInput;
    QList<OutputChunk> m_output;
    qsizetype m_outputOffset = 0; // bytes of m_output.first() already sent
    QByteArray m_method;          // of the current (or last) request, for the registry
    QByteArray m_path;
    quint64 m_id;
    quint64 m_serial = 0; // increases with every dispatched request
    qint64 m_connectedAtMs;
    qint64 m_requestStartedAtMs = 0;
    qint64 m_lastActivityMs;
    qint64 m_lingerDeadlineMs = 0;
    qint64 m_bytesIn = 0;
    qint64 m_bytesOut = 0;
    quint32 m_requestsServed = 0;
    quint32 m_interest = 0; // epoll events currently registered
    int m_streamStatus = 0;
    int m_fd;
    PeerAddress m_peer;
    ConnectionState m_state = ConnectionState::Idle;
    bool m_awaitingResponse = false; // a handler holds the request
    bool m_streaming = false;        // a chunked response has sent its head
    bool m_headRequest = false;
    bool m_http10 = false;
    bool m_closeAfterResponse = false; // this answer ends the connection
    bool m_closing = false;            // no more requests will be read or answered
    bool m_lingerOnClose = true;
    bool m_draining = false;
    bool m_peerClosed = false; // EOF: the client sends nothing more
    bool m_parsing = false;
    bool m_finished = false;
};

} // namespace baton
