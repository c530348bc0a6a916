#include "http/httpconnection.h"

#include "core/ioworker.h"
#include "core/logging.h"
#include "http/router.h"
#include "net/monotonicclock.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

namespace baton {

namespace {

// Input read ahead of the request being answered (pipelining) is capped; past this the
// connection stops reading until the answer is out, which pushes back on the client.
constexpr qsizetype maxPendingInput = 256 * 1024;
constexpr int maxIov = 16;

} // namespace

PeerAddress PeerAddress::fromDescriptor(int fd)
{
    PeerAddress peer;
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return peer;
    if (storage.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&storage);
        std::memcpy(peer.address, &in6->sin6_addr, 16);
        peer.port = ntohs(in6->sin6_port);
        peer.isV4 = false;
    } else if (storage.ss_family == AF_INET) {
        const auto *in4 = reinterpret_cast<const sockaddr_in *>(&storage);
        std::memcpy(peer.address, &in4->sin_addr, 4);
        peer.port = ntohs(in4->sin_port);
    }
    return peer;
}

QString PeerAddress::toString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(isV4 ? AF_INET : AF_INET6, address, text, sizeof text);
    const QString host = QString::fromLatin1(text);
    return (isV4 ? host : u'[' + host + u']') + u':' + QString::number(port);
}

HttpConnection::HttpConnection(int fd, quint64 id, IoWorker &worker)
    : m_worker(worker), m_parser(worker.limits()), m_id(id), m_connectedAtMs(monotonicMs()),
      m_lastActivityMs(m_connectedAtMs), m_fd(fd), m_peer(PeerAddress::fromDescriptor(fd))
{}

HttpConnection::~HttpConnection()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool HttpConnection::start()
{
    m_interest = EPOLLIN | EPOLLRDHUP;
    return m_worker.poller().add(m_fd, this, m_interest);
}

ConnectionInfo HttpConnection::info() const
{
    ConnectionInfo info;
    info.id = m_id;
    info.peer = m_peer.toString();
    info.state = m_state;
    info.method = m_method;
    info.path = m_path;
    info.connectedAtMs = m_connectedAtMs;
    const bool inRequest = m_state == ConnectionState::Reading ||
                           m_state == ConnectionState::Busy || m_state == ConnectionState::Writing;
    info.requestStartedAtMs = inRequest ? m_requestStartedAtMs : 0;
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
        if (m_state == ConnectionState::Closing)
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
    const ssize_t n = ::recv(m_fd, m_worker.readBuffer(), size_t(IoWorker::readBufferSize), 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            abort();
        return;
    }
    m_lastActivityMs = monotonicMs();
    if (n == 0) {
        m_peerClosed = true;
        if (m_state == ConnectionState::Closing ||
            (!m_awaitingResponse && m_output.isEmpty() && !m_closing)) {
            finish(); // nothing is owed to a client that has gone
        } else {
            updateInterest();
        }
        return;
    }
    m_bytesIn += n;
    if (m_closing)
        return; // lingering: what arrives now is discarded
    if (m_awaitingResponse || !m_pendingInput.isEmpty()) {
        m_pendingInput.append(m_worker.readBuffer(), n);
        if (m_pendingInput.size() > maxPendingInput)
            updateInterest();
        return;
    }
    parse(m_worker.readBuffer(), n);
}

void HttpConnection::parse(const char *data, qsizetype size)
{
    m_parsing = true;
    while (size > 0 && !m_awaitingResponse && !m_closing && !m_finished) {
        if (!m_parser.inMessage())
            m_requestStartedAtMs = m_lastActivityMs;
        const HttpRequestParser::Result result = m_parser.feed(data, size);
        data += result.consumed;
        size -= result.consumed;
        switch (result.event) {
        case HttpRequestParser::Event::NeedMore:
            break;
        case HttpRequestParser::Event::ContinueExpected:
            // Only worth saying when the client is actually waiting for it.
            if (size == 0)
                queue(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
            break;
        case HttpRequestParser::Event::RequestReady:
            dispatch(m_parser.takeRequest());
            break;
        case HttpRequestParser::Event::Failed:
            respondWithError(m_parser.errorStatus(), m_parser.errorReason());
            break;
        }
    }
    if (size > 0 && !m_closing && !m_finished)
        m_pendingInput.append(data, size);
    m_parsing = false;
    refreshIdleState();
}

void HttpConnection::resumeParsing()
{
    if (!m_pendingInput.isEmpty()) {
        const QByteArray input = std::exchange(m_pendingInput, QByteArray());
        parse(input.constData(), input.size());
    }
    if (m_peerClosed && !m_awaitingResponse && !m_closing && !m_finished)
        closeGracefully(true);
}

void HttpConnection::dispatch(HttpRequest request)
{
    m_awaitingResponse = true;
    ++m_serial;
    m_headRequest = request.isHead();
    m_http10 = request.versionMinor == 0;
    m_method = request.method;
    m_path = request.path;
    m_closeAfterResponse = !m_parser.keepAlive();
    setState(ConnectionState::Busy);
    m_worker.router().handle(request, HttpResponder(this, m_serial));
}

bool HttpConnection::isAwaitingResponse(quint64 serial) const
{
    return !m_finished && m_awaitingResponse && serial == m_serial;
}

void HttpConnection::sendResponse(quint64 serial, HttpResponse response)
{
    if (!isAwaitingResponse(serial) || m_streaming)
        return;
    const int status = response.status();
    const bool bodyAllowed = HttpResponse::statusAllowsBody(status);
    queue(responseHead(status, response.headers(), bodyAllowed ? response.bodySize() : -1, false));
    if (bodyAllowed && !m_headRequest) {
        if (response.bodyFile()) {
            OutputChunk chunk;
            chunk.file = response.bodyFile();
            chunk.fileRemaining = response.bodySize();
            if (chunk.fileRemaining > 0)
                m_output.append(std::move(chunk));
        } else if (!response.body().isEmpty()) {
            queue(response.body());
        }
    }
    completeResponse(status);
}

void HttpConnection::beginStream(quint64 serial, int status, HttpHeaders headers)
{
    if (!isAwaitingResponse(serial) || m_streaming)
        return;
    m_streaming = true;
    m_streamStatus = status;
    queue(responseHead(status, headers, -1, true));
    if (!m_parsing)
        flush();
}

void HttpConnection::writeChunk(quint64 serial, const QByteArray &data)
{
    if (!isAwaitingResponse(serial) || !m_streaming || m_headRequest || data.isEmpty())
        return;
    queue(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    if (!m_parsing)
        flush();
}

void HttpConnection::finishStream(quint64 serial)
{
    if (!isAwaitingResponse(serial) || !m_streaming)
        return;
    if (!m_headRequest)
        queue(QByteArrayLiteral("0\r\n\r\n"));
    completeResponse(m_streamStatus);
}

void HttpConnection::responderDropped(quint64 serial, bool streaming)
{
    if (!isAwaitingResponse(serial))
        return;
    if (streaming) {
        // The head is out; only a reset tells the client this body is incomplete.
        qCWarning(lcConnection) << "handler abandoned a stream on connection" << m_id;
        abort();
        return;
    }
    qCWarning(lcConnection).nospace() << "handler for " << m_method << ' ' << m_path
                                      << " returned without answering; sending 500";
    m_closeAfterResponse = true;
    sendResponse(serial, HttpResponse(500, QByteArrayLiteral("handler did not answer\n")));
}

void HttpConnection::respondWithError(int status, const QByteArray &reason)
{
    qCDebug(lcConnection).nospace() << "connection " << m_id << ": " << status << ' ' << reason;
    m_awaitingResponse = true;
    ++m_serial;
    m_headRequest = false;
    m_closeAfterResponse = true;
    sendResponse(m_serial, HttpResponse(status, reason + '\n'));
}

QByteArray HttpConnection::responseHead(int status, const HttpHeaders &headers,
                                        qint64 contentLength, bool chunked)
{
    const QByteArray &common = m_worker.commonHeaders();
    QByteArray head;
    head.reserve(64 + common.size() + headers.size() * 48);
    head += "HTTP/1.1 ";
    head += QByteArray::number(status);
    head += ' ';
    head += HttpResponse::reasonPhrase(status);
    head += "\r\n";
    head += common;
    for (const auto &[name, value] : headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    if (chunked) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (contentLength >= 0) {
        head += "Content-Length: ";
        head += QByteArray::number(contentLength);
        head += "\r\n";
    }
    if (endsAfterResponse())
        head += "Connection: close\r\n";
    else if (m_http10)
        head += "Connection: keep-alive\r\n";
    head += "\r\n";
    return head;
}

void HttpConnection::completeResponse(int status)
{
    m_awaitingResponse = false;
    m_streaming = false;
    ++m_requestsServed;
    m_lastActivityMs = monotonicMs();
    m_worker.countResponse(status);
    if (endsAfterResponse())
        closeGracefully(true);
    else if (!m_parsing)
        resumeParsing();
    if (!m_parsing)
        flush();
}

void HttpConnection::queue(QByteArray bytes)
{
    OutputChunk chunk;
    chunk.bytes = std::move(bytes);
    m_output.append(std::move(chunk));
}

void HttpConnection::flush()
{
    while (!m_finished && !m_output.isEmpty()) {
        OutputChunk &front = m_output.first();
        if (front.file) {
            off_t offset = front.fileOffset;
            const ssize_t sent = ::sendfile(m_fd, front.file->handle(), &offset,
                                            size_t(qMin<qint64>(front.fileRemaining, 1 << 20)));
            if (sent < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                abort();
                return;
            }
            if (sent == 0) { // the file shrank under us: the promised length cannot be kept
                abort();
                return;
            }
            front.fileOffset = offset;
            front.fileRemaining -= sent;
            m_bytesOut += sent;
            if (front.fileRemaining == 0)
                m_output.removeFirst();
            continue;
        }

        iovec iov[maxIov];
        int count = 0;
        for (qsizetype i = 0; i < m_output.size() && count < maxIov && !m_output[i].file; ++i) {
            const QByteArray &bytes = m_output[i].bytes;
            const qsizetype skip = i == 0 ? m_outputOffset : 0;
            iov[count].iov_base = const_cast<char *>(bytes.constData() + skip);
            iov[count].iov_len = size_t(bytes.size() - skip);
            ++count;
        }
        msghdr message{};
        message.msg_iov = iov;
        message.msg_iovlen = size_t(count);
        ssize_t sent = ::sendmsg(m_fd, &message, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            abort(); // EPIPE, ECONNRESET: the client is gone
            return;
        }
        m_bytesOut += sent;
        m_lastActivityMs = monotonicMs();
        while (sent > 0) {
            const qsizetype left = m_output.first().bytes.size() - m_outputOffset;
            if (sent >= left) {
                sent -= left;
                m_output.removeFirst();
                m_outputOffset = 0;
            } else {
                m_outputOffset += sent;
                sent = 0;
            }
        }
    }
    if (m_finished)
        return;
    if (m_output.isEmpty() && m_closing && !m_awaitingResponse &&
        m_state != ConnectionState::Closing) {
        startLinger();
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
    if (!m_peerClosed && m_pendingInput.size() <= maxPendingInput)
        wanted |= EPOLLIN | EPOLLRDHUP;
    if (!m_output.isEmpty())
        wanted |= EPOLLOUT;
    if (wanted != m_interest) {
        m_interest = wanted;
        m_worker.poller().modify(m_fd, this, wanted);
    }
}

void HttpConnection::closeGracefully(bool linger)
{
    if (m_closing || m_finished)
        return;
    m_closing = true;
    m_lingerOnClose = linger;
    m_pendingInput.clear();
    if (m_output.isEmpty() && !m_awaitingResponse)
        startLinger();
}

void HttpConnection::startLinger()
{
    // Half-close and keep reading until the client closes too: closing with unread input would
    // send a reset, and a reset can destroy the response before the client has read it.
    ::shutdown(m_fd, SHUT_WR);
    setState(ConnectionState::Closing);
    if (m_peerClosed || !m_lingerOnClose) {
        finish();
        return;
    }
    m_lingerDeadlineMs = monotonicMs() + m_worker.limits().lingerTimeout.count();
    updateInterest();
}

void HttpConnection::checkTimeouts(qint64 nowMs)
{
    if (m_finished)
        return;
    const ServerLimits &limits = m_worker.limits();
    const qint64 quiet = nowMs - m_lastActivityMs;
    switch (m_state) {
    case ConnectionState::Closing:
        if (nowMs >= m_lingerDeadlineMs)
            finish();
        break;
    case ConnectionState::Writing:
    case ConnectionState::Busy:
        // A client that stops reading must not pin the connection (and a drain) forever.
        if (!m_output.isEmpty() && quiet >= limits.idleTimeout.count())
            abort();
        break;
    case ConnectionState::Reading:
        if (!m_parser.headComplete()) {
            if (nowMs - m_requestStartedAtMs >= limits.headerTimeout.count())
                respondWithError(408, QByteArrayLiteral("request head not received in time"));
        } else if (quiet >= limits.idleTimeout.count()) {
            respondWithError(408, QByteArrayLiteral("request body stalled"));
        }
        if (!m_finished)
            flush();
        break;
    case ConnectionState::Idle: {
        const std::chrono::milliseconds limit = m_draining              ? limits.drainIdleGrace
                                                : m_requestsServed == 0 ? limits.headerTimeout
                                                                        : limits.idleTimeout;
        if (quiet >= limit.count()) {
            closeGracefully(false);
            flush();
        }
        break;
    }
    }
}

void HttpConnection::beginDrain()
{
    if (m_draining || m_finished)
        return;
    m_draining = true;
    if (m_state == ConnectionState::Idle)
        checkTimeouts(monotonicMs());
}

void HttpConnection::forceClose()
{
    if (m_finished)
        return;
    const bool headNotSent = !m_streaming && m_output.isEmpty() && !m_closing;
    if (headNotSent && (m_awaitingResponse || m_state == ConnectionState::Reading)) {
        m_awaitingResponse = true;
        ++m_serial; // the handler's responder is now stale: its late answer is dropped
        m_closeAfterResponse = true;
        HttpResponse response(503, QByteArrayLiteral("server is shutting down\n"));
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
    if (m_finished)
        return;
    const linger hard{1, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    finish();
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_worker.poller().remove(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_output.clear();
    m_pendingInput.clear();
    m_worker.connectionFinished(this);
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
    if (m_finished || m_state == ConnectionState::Closing)
        return;
    if (m_awaitingResponse)
        setState(ConnectionState::Busy);
    else if (!m_output.isEmpty())
        setState(ConnectionState::Writing);
    else if (m_parser.inMessage())
        setState(ConnectionState::Reading);
    else
        setState(ConnectionState::Idle);
}

} // namespace baton
