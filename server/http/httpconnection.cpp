#include "http/httpconnection.h"

#include "api/responderhome.h"
#include "api/routeraccess.h"
#include "core/ioworker.h"
#include "core/logging.h"
#include "net/monotonicclock.h"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>

namespace baton {

HttpConnection::HttpConnection(int fd, quint64 id, IoWorker &worker, Admission admission)
    : m_worker(worker), m_reader(worker, *this), m_writer(worker), m_id(id),
      m_requestStartedNs(monotonicNs()), m_socket(fd), m_admitted(admission == Admission::Admitted)
{
    m_connectedAtMs = m_requestStartedNs / 1'000'000;
    m_deadlines.idleSince = m_deadlines.lastReadAt = m_connectedAtMs;
}

HttpConnection::~HttpConnection() = default;

bool HttpConnection::start()
{
    if (!m_socket.watch(m_worker.poller(), this, EPOLLIN | EPOLLRDHUP))
        return false;
    if (!m_admitted) {
        // Over --max-connections: say why, then close like after any last response (FIN, and
        // read what the client sends meanwhile), so the answer is not destroyed by a reset.
        m_awaitingResponse = true;
        m_closeAfterResponse = true;
        if (m_worker.accessLog())
            recordRequestSoFar();
        Response busy(503, QByteArrayLiteral("too many connections\n"));
        busy.addHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1"));
        sendResponse(++m_serial, std::move(busy));
    }
    return true;
}

ConnectionInfo HttpConnection::info() const
{
    ConnectionInfo info;
    info.id = m_id;
    info.peer = m_socket.peer().toString();
    info.state = m_state;
    info.method = m_method;
    info.path = m_path;
    info.connectedAtMs = m_connectedAtMs;
    const bool inRequest = m_state == ConnectionState::Reading ||
                           m_state == ConnectionState::Busy || m_state == ConnectionState::Writing;
    info.requestStartedAtMs = inRequest ? m_deadlines.requestStartedAt : 0;
    info.bytesIn = m_bytesIn;
    info.bytesOut = m_bytesOut;
    info.requestsServed = m_requestsServed;
    info.draining = m_draining;
    info.worker = m_worker.index();
    return info;
}

void HttpConnection::handleEvents(quint32 events)
{
    if (m_finished)
        return;
    if (events & (EPOLLERR | EPOLLHUP)) {
        // Reset by the peer, or both directions are shut: nothing more can be delivered.
        if (m_awaitingResponse)
            clientAborted();
        else if (m_state == ConnectionState::Closing)
            finish();
        else
            abort();
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP))
        readAvailable();
    if (!m_finished)
        flush();
}

void HttpConnection::readAvailable()
{
    const ssize_t n = m_socket.receive(m_worker.readBuffer(), size_t(IoWorker::readBufferSize));
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        if (m_awaitingResponse)
            clientAborted();
        else
            abort();
        return;
    }
    if (n == 0) {
        peerFinishedSending();
        return;
    }
    m_deadlines.lastReadAt = monotonicMs();
    m_bytesIn += n;
    m_worker.countReceived(n);
    if (m_closing)
        return; // lingering: what arrives now is discarded
    m_reader.receive(m_worker.readBuffer(), n);
    if (m_reader.heldBytes() >= m_worker.limits().maxPendingInput)
        updateInterest();
    refreshIdleState();
}

void HttpConnection::peerFinishedSending()
{
    m_peerClosed = true;
    if (m_state == ConnectionState::Closing) {
        finish();
    } else if (m_awaitingResponse) {
        // Like nginx and Go: EOF while a handler holds the request means the client gave up.
        clientAborted();
    } else if (m_writer.output().isEmpty() && !m_closing) {
        finish(); // nothing is owed to a client that has gone
    } else {
        updateInterest(); // deliver what is owed (and answer what was pipelined), then close
    }
}

void HttpConnection::clientAborted()
{
    qCDebug(lcConnection).nospace()
        << "connection " << m_id << ": client went away during " << m_method << ' ' << m_path;
    requestEnded(statusClientClosedRequest, monotonicNs());
    finish(); // the responder goes inactive, and its context() goes
}

bool HttpConnection::acceptsRequests() const
{
    return !m_awaitingResponse && !m_closing && !m_finished && !outputFull() && !holdsForHandover();
}

bool HttpConnection::holdsForHandover() const
{
    // A connection that read ahead more than a message can carry answers its next request here.
    return m_handoverPending && !m_reader.inMessage() &&
           m_reader.unparsedBytes() <=
               qMin(m_worker.limits().maxHandoverInput, handover::maxPending);
}

bool HttpConnection::outputFull() const
{
    return m_writer.output().bufferedBytes() >= m_worker.limits().outputHighWater;
}

void HttpConnection::requestStarted()
{
    m_deadlines.requestStartedAt = qMax(m_deadlines.lastReadAt, m_deadlines.idleSince);
    m_requestStartedNs = monotonicNs();
}

void HttpConnection::headCompleted()
{
    m_deadlines.headCompletedAt = monotonicMs();
}

void HttpConnection::continueExpected()
{
    produce([this] { m_writer.queueInterim(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n")); });
}

void HttpConnection::requestFailed(int status, const QByteArray &reason)
{
    respondWithError(status, reason);
}

void HttpConnection::resumeParsing()
{
    m_reader.resume();
    refreshIdleState();
    if (m_peerClosed && !m_awaitingResponse && !m_closing && !m_finished &&
        m_reader.heldBytes() == 0)
        closeGracefully(true);
}

void HttpConnection::requestReady(HttpRequest request, bool keepAlive)
{
    m_awaitingResponse = true;
    ++m_serial;
    m_writer.startRequest(request.isHead(), request.versionMinor == 0);
    m_method = request.method;
    m_path = request.path;
    m_closeAfterResponse = !keepAlive;
    if (m_worker.accessLog())
        recordRequest(request);
    setState(ConnectionState::Busy);
    RouterAccess::dispatch(m_worker.router(), request, HttpResponder(this, m_serial),
                           m_worker.responderHome(), &m_socket.peer());
}

bool HttpConnection::isAwaitingResponse(quint64 serial) const
{
    return !m_finished && m_awaitingResponse && serial == m_serial;
}

void HttpConnection::sendResponse(quint64 serial, Response response)
{
    if (!isAwaitingResponse(serial) || m_writer.isStreaming())
        return;
    produce([&] {
        if (m_writer.queueResponse(response, endsAfterResponse()))
            m_closeAfterResponse = true;
    });
    completeResponse(response.status());
}

void HttpConnection::beginStream(quint64 serial, int status, Headers headers)
{
    if (!isAwaitingResponse(serial) || m_writer.isStreaming())
        return;
    produce([&] {
        if (m_writer.queueStreamHead(status, headers, endsAfterResponse()))
            m_closeAfterResponse = true;
    });
    if (!m_reader.isParsing())
        flush();
}

void HttpConnection::writeChunk(quint64 serial, const QByteArray &data)
{
    if (!isAwaitingResponse(serial))
        return;
    ResponseWriter::Chunk result = ResponseWriter::Chunk::Ignored;
    produce([&] { result = m_writer.queueChunk(data); });
    if (result == ResponseWriter::Chunk::OverLimit) {
        m_worker.warnThrottled(QStringLiteral("connection %1: client reads slower than %2 %3 "
                                              "streams; more than %4 bytes queued, cutting it")
                                   .arg(m_id)
                                   .arg(QString::fromLatin1(m_method), QString::fromLatin1(m_path))
                                   .arg(m_worker.limits().maxStreamBuffered));
        abort();
    } else if (result == ResponseWriter::Chunk::Queued && !m_reader.isParsing()) {
        flush();
    }
}

void HttpConnection::finishStream(quint64 serial)
{
    if (!isAwaitingResponse(serial) || !m_writer.isStreaming())
        return;
    int status = 0;
    produce([&] { status = m_writer.finishStream(); });
    completeResponse(status);
}

void HttpConnection::responderDropped(quint64 serial, bool streaming)
{
    if (!isAwaitingResponse(serial))
        return;
    if (streaming) {
        // The head is out; only a reset tells the client this body is incomplete.
        m_worker.warnThrottled(
            QStringLiteral("handler abandoned a stream on connection %1").arg(m_id));
        abort();
        return;
    }
    m_worker.warnThrottled(QStringLiteral("handler for %1 %2 returned without answering; sending "
                                          "500")
                               .arg(QString::fromLatin1(m_method), QString::fromLatin1(m_path)));
    m_closeAfterResponse = true;
    sendResponse(serial, Response(500, QByteArrayLiteral("handler did not answer\n")));
}

void HttpConnection::respondWithError(int status, const QByteArray &reason)
{
    qCDebug(lcConnection).nospace() << "connection " << m_id << ": " << status << ' ' << reason;
    if (m_worker.accessLog())
        recordRequestSoFar();
    m_awaitingResponse = true;
    ++m_serial;
    m_writer.startRequest(false, false);
    m_closeAfterResponse = true;
    sendResponse(m_serial, Response(status, reason + '\n'));
}

void HttpConnection::completeResponse(int status)
{
    m_awaitingResponse = false;
    endRequestContext();
    ++m_requestsServed;
    const qint64 nowNs = monotonicNs();
    m_deadlines.idleSince = nowNs / 1'000'000;
    requestEnded(status, nowNs);
    if (endsAfterResponse())
        closeGracefully(true);
    else if (!m_reader.isParsing())
        resumeParsing();
    if (!m_reader.isParsing())
        flush();
}

void HttpConnection::requestEnded(int status, qint64 nowNs)
{
    m_worker.requestCompleted(status, nowNs - m_requestStartedNs);
    if (!m_record)
        return;
    m_record->status = status;
    m_record->bodyBytes = m_writer.bodyBytes();
    m_record->durationNs = nowNs - m_requestStartedNs;
    m_worker.logRequest(*m_record);
}

void HttpConnection::recordRequest(const HttpRequest &request)
{
    if (!m_record) {
        m_record = std::make_unique<RequestRecord>();
        m_record->remote = m_socket.peer().addressText();
    }
    m_record->method = request.method;
    m_record->target = request.target;
    m_record->versionMinor = request.versionMinor;
    m_record->requestBytes = request.wireBytes;
    // One pass for both fields (the first of each, as header() would find).
    m_record->referer = m_record->userAgent = QByteArray();
    for (const auto &[name, value] : request.headers) {
        if (name.size() == 7 && m_record->referer.isNull() &&
            name.compare("referer", Qt::CaseInsensitive) == 0)
            m_record->referer = value;
        else if (name.size() == 10 && m_record->userAgent.isNull() &&
                 name.compare("user-agent", Qt::CaseInsensitive) == 0)
            m_record->userAgent = value;
    }
}

void HttpConnection::recordRequestSoFar()
{
    recordRequest(m_reader.requestSoFar());
}

template<typename F> void HttpConnection::produce(F &&write)
{
    const bool wasEmpty = m_writer.output().isEmpty();
    write();
    if (wasEmpty && !m_writer.output().isEmpty())
        m_deadlines.lastWriteAt = monotonicMs(); // the send deadline starts now, not earlier
}

void HttpConnection::flush()
{
    if (m_flushing || m_finished)
        return;
    m_flushing = true;
    for (;;) {
        qint64 sent = 0;
        const OutputQueue::Flush result = m_writer.output().writeTo(m_socket.descriptor(), &sent);
        if (sent > 0) {
            m_bytesOut += sent;
            m_worker.countSent(sent);
            m_deadlines.lastWriteAt = monotonicMs();
        }
        if (result == OutputQueue::Flush::Failed) {
            m_flushing = false;
            if (m_awaitingResponse)
                clientAborted(); // EPIPE, ECONNRESET mid-stream: the client is gone
            else
                abort();
            return;
        }
        // Requests held back while the output was full can be answered now.
        const qsizetype held = m_reader.heldBytes();
        if (held == 0 || m_reader.isParsing() || !acceptsRequests())
            break;
        resumeParsing();
        if (m_finished) {
            m_flushing = false;
            return;
        }
        if (m_reader.heldBytes() == held)
            break; // nothing could be parsed: looping would spin
    }
    m_flushing = false;
    if (m_writer.output().isEmpty() && m_closing && !m_awaitingResponse &&
        m_state != ConnectionState::Closing) {
        startLinger();
        return;
    }
    if (m_handoverPending) {
        tryHandover();
        if (m_inTransit)
            return;
    }
    updateInterest();
    refreshIdleState();
}

void HttpConnection::updateInterest()
{
    if (m_finished)
        return;
    quint32 wanted = 0;
    // While closing, input is read and discarded until the client closes too.
    // Between requests during a handover, what the client sends next stays in the kernel for the
    // successor to read.
    const bool roomForInput =
        m_closing || (m_reader.heldBytes() < m_worker.limits().maxPendingInput && !outputFull() &&
                      !holdsForHandover());
    if (!m_peerClosed && roomForInput)
        wanted |= EPOLLIN | EPOLLRDHUP;
    if (!m_writer.output().isEmpty())
        wanted |= EPOLLOUT;
    if (!m_socket.setInterest(m_worker.poller(), this, wanted)) {
        m_worker.warnThrottled(QStringLiteral("connection %1: epoll_ctl: %2; closing it")
                                   .arg(m_id)
                                   .arg(QString::fromLocal8Bit(std::strerror(errno))));
        abort();
    }
}

void HttpConnection::closeGracefully(bool linger)
{
    if (m_closing || m_finished)
        return;
    m_closing = true;
    m_lingerOnClose = linger;
    m_reader.discard();
    if (m_writer.output().isEmpty() && !m_awaitingResponse)
        startLinger();
}

void HttpConnection::startLinger()
{
    // Half-close and keep reading until the client closes too: closing with unread input would
    // send a reset, and a reset can destroy the response before the client has read it.
    m_socket.shutdownWrite();
    setState(ConnectionState::Closing);
    m_reader.discard();
    if (m_peerClosed || !m_lingerOnClose) {
        finish();
        return;
    }
    m_deadlines.lingerUntil = monotonicMs() + m_worker.limits().lingerTimeout.count();
    updateInterest();
}

ConnectionDeadlines::Phase HttpConnection::phase() const
{
    using Phase = ConnectionDeadlines::Phase;
    if (m_state == ConnectionState::Closing)
        return Phase::Lingering;
    if (!m_writer.output().isEmpty())
        return Phase::Sending;
    if (m_awaitingResponse)
        return Phase::Handling;
    if (m_reader.inMessage())
        return m_reader.headComplete() ? Phase::Body : Phase::Head;
    return Phase::Idle;
}

void HttpConnection::checkTimeouts(qint64 nowMs)
{
    if (m_finished || m_inTransit)
        return;
    const ServerLimits &limits = m_worker.limits();
    const auto keepAlive = m_draining              ? limits.drainIdleGrace
                           : m_requestsServed == 0 ? limits.headerTimeout
                                                   : limits.idleTimeout;
    using Expired = ConnectionDeadlines::Expired;
    switch (m_deadlines.check(phase(), limits, keepAlive.count(), nowMs)) {
    case Expired::Nothing:
        return;
    case Expired::Linger:
        finish();
        return;
    case Expired::SendStalled:
        // A client that stops reading must not pin the connection (and a drain) for ever.
        qCDebug(lcConnection) << "connection" << m_id << "stopped reading; resetting it";
        abort();
        return;
    case Expired::Head:
        respondWithError(408, QByteArrayLiteral("request head not received in time"));
        break;
    case Expired::Body:
        respondWithError(408, QByteArrayLiteral("request body not received in time"));
        break;
    case Expired::BodyStalled:
        respondWithError(408, QByteArrayLiteral("request body stalled"));
        break;
    case Expired::Idle:
        closeGracefully(false);
        break;
    }
    flush();
}

void HttpConnection::beginDrain()
{
    // One in transit drains if it comes back (handoverReturned()).
    if (m_draining || m_finished || m_inTransit)
        return;
    m_handoverPending = false;
    m_draining = true;
    if (m_state == ConnectionState::Idle)
        checkTimeouts(monotonicMs());
}

void HttpConnection::forceClose()
{
    // In transit it is the successor's answer that decides; the hard stop bounds the wait.
    if (m_finished || m_inTransit)
        return;
    const bool headNotSent = !m_writer.isStreaming() && m_writer.output().isEmpty() && !m_closing;
    if (headNotSent && (m_awaitingResponse || m_state == ConnectionState::Reading)) {
        if (!m_awaitingResponse && m_worker.accessLog())
            recordRequestSoFar();
        m_awaitingResponse = true;
        ++m_serial; // the handler's responder is now stale: its late answer is dropped
        m_closeAfterResponse = true;
        Response response(503, QByteArrayLiteral("server is shutting down\n"));
        response.addHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1"));
        sendResponse(m_serial, std::move(response));
        return;
    }
    if (m_state == ConnectionState::Idle) {
        finish();
        return;
    }
    abort();
}

void HttpConnection::abort()
{
    // In transit, the sender may still be passing the descriptor, and the successor may hold it
    // already: its answer decides (a force kill's hard stop bounds the wait).
    if (m_finished || m_inTransit)
        return;
    m_socket.reset(m_worker.poller());
    finish();
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_socket.close(m_worker.poller()); // after abort() it is closed already, with a reset
    m_writer.output().clear();
    m_reader.discard();
    detachResponders();
    m_worker.connectionFinished(this);
}

void HttpConnection::beginHandover()
{
    if (m_finished || m_closing || m_draining || !m_admitted || m_handoverPending)
        return;
    m_handoverPending = true;
    m_handoverAfterResponse = m_state != ConnectionState::Idle;
    tryHandover();
    if (!m_inTransit && !m_finished)
        updateInterest();
}

void HttpConnection::tryHandover()
{
    const bool betweenRequests = !m_awaitingResponse && !m_reader.inMessage() &&
                                 !m_reader.isParsing() && !m_flushing &&
                                 m_writer.output().isEmpty() && !m_writer.isStreaming();
    // A client that half-closed is leaving: it finishes here.
    if (!m_handoverPending || m_inTransit || m_finished || m_closing || m_peerClosed ||
        !betweenRequests || !holdsForHandover())
        return;
    m_socket.detach(m_worker.poller());
    m_inTransit = true;
    m_reader.releaseParserIfIdle();
    setState(ConnectionState::Moving);

    DetachedConnection detached;
    detached.worker = m_worker.index();
    // The descriptor stays ours, open, until the successor has answered: the sender may use it
    // until then, and a connection in transit is never closed here (see abort()).
    detached.descriptor = m_socket.descriptor();
    detached.record.id = m_id;
    detached.record.ageMs = monotonicMs() - m_connectedAtMs;
    detached.record.requestsServed = m_requestsServed;
    detached.record.bytesIn = m_bytesIn;
    detached.record.bytesOut = m_bytesOut;
    detached.record.afterResponse = m_handoverAfterResponse;
    // A shared copy: the reader keeps the bytes in case the connection comes back.
    detached.record.pending = m_reader.held();
    m_worker.connectionDetached(std::move(detached));
}

void HttpConnection::handoverCompleted()
{
    if (!m_inTransit || m_finished)
        return;
    m_socket.closeDetached();
    m_inTransit = false;
    finish();
}

void HttpConnection::handoverReturned()
{
    if (!m_inTransit || m_finished)
        return;
    m_inTransit = false;
    m_handoverPending = false;
    m_draining = true;
    if (!m_socket.watch(m_worker.poller(), this, EPOLLIN | EPOLLRDHUP)) {
        abort();
        return;
    }
    setState(ConnectionState::Idle);
    // What the client sent meanwhile waits in the kernel; a fresh grace period lets it arrive.
    m_deadlines.idleSince = monotonicMs();
    resumeParsing(); // what was held back for the successor is ours to answer after all
    if (!m_finished)
        flush();
}

void HttpConnection::adopt(const HandoverRecord &record)
{
    m_connectedAtMs = monotonicMs() - record.ageMs;
    m_requestsServed = record.requestsServed;
    m_bytesIn = record.bytesIn;
    m_bytesOut = record.bytesOut;
    if (record.pending.isEmpty())
        return;
    m_reader.receive(record.pending.constData(), record.pending.size());
    refreshIdleState();
    if (!m_finished)
        flush();
}

void HttpConnection::setState(ConnectionState state)
{
    if (state == m_state)
        return;
    m_worker.connectionStateChanged(m_state, state);
    m_state = state;
}

void HttpConnection::refreshIdleState()
{
    if (m_finished || m_inTransit || m_state == ConnectionState::Closing)
        return;
    if (m_awaitingResponse)
        setState(ConnectionState::Busy);
    else if (!m_writer.output().isEmpty())
        setState(ConnectionState::Writing);
    else if (m_reader.inMessage())
        setState(ConnectionState::Reading);
    else
        setState(ConnectionState::Idle);
    if (!m_awaitingResponse)
        m_reader.releaseParserIfIdle();
}

} // namespace baton
