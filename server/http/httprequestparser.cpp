#include "http/httprequestparser.h"

#include "http/requestsyntax.h"

#include <cctype>
#include <cstring>

namespace baton {

namespace {

// Chunk extensions carry nothing Baton uses; a client may send this many bytes of them per body.
constexpr qsizetype maxChunkExtensionBytes = 4096;

HttpRequestParser *self(llhttp_t *parser)
{
    return static_cast<HttpRequestParser *>(parser->data);
}

} // namespace

HttpRequestParser::HttpRequestParser(const ServerLimits &limits) : m_limits(limits)
{
    llhttp_init(&m_parser, HTTP_REQUEST, &settings());
    m_parser.data = this;
}

void HttpRequestParser::reset()
{
    m_chunked.reset();
    m_normalizer.messageEnded();
    m_chunkedBodyNext = false;
    m_inChunkedBody = false;
    llhttp_init(&m_parser, HTTP_REQUEST, &settings());
    m_parser.data = this;
    m_request = HttpRequest{};
    m_field = QByteArray();
    m_value = QByteArray();
    m_methodPending = false;
    m_headBytes = 0;
    m_messageBytes = 0;
    m_sliceBegin = nullptr;
    m_byteBeforeSlice = '\0';
    m_pausedFor = Event::NeedMore;
    m_errorStatus = 0;
    m_errorReason = QByteArray();
    m_inMessage = false;
    m_headComplete = false;
    m_keepAlive = true;
}

const llhttp_settings_t &HttpRequestParser::settings()
{
    static const llhttp_settings_t instance = [] {
        llhttp_settings_t s;
        llhttp_settings_init(&s);
        s.on_message_begin = &HttpRequestParser::onMessageBegin;
        s.on_url = &HttpRequestParser::onUrl;
        s.on_header_field = &HttpRequestParser::onHeaderField;
        s.on_header_value = &HttpRequestParser::onHeaderValue;
        s.on_header_value_complete = &HttpRequestParser::onHeaderValueComplete;
        s.on_headers_complete = &HttpRequestParser::onHeadersComplete;
        s.on_body = &HttpRequestParser::onBody;
        s.on_message_complete = &HttpRequestParser::onMessageComplete;
        return s;
    }();
    return instance;
}

HttpRequestParser::Result HttpRequestParser::feed(const char *data, qsizetype size)
{
    const Result result = feedSlices(data, size);
    m_messageBytes += result.consumed;
    return result;
}

HttpRequestParser::Result HttpRequestParser::feedSlices(const char *data, qsizetype size)
{
    if (m_errorStatus != 0)
        return {Event::Failed, 0};

    qsizetype consumed = 0;
    while (consumed < size) {
        const char *begin = data + consumed;
        qsizetype chunk = size - consumed;
        if (m_inChunkedBody) {
            const ChunkedDecoder::Limits limits{m_limits.maxBodyBytes, m_limits.maxHeaderBytes,
                                                maxChunkExtensionBytes};
            const auto result = m_chunked.feed(begin, chunk, m_request.body, limits);
            consumed += result.consumed;
            if (result.consumed > 0)
                m_byteBeforeSlice = begin[result.consumed - 1];
            if (result.status == ChunkedDecoder::Status::Failed) {
                fail(m_chunked.errorStatus(), m_chunked.errorReason());
                return {Event::Failed, consumed};
            }
            if (result.status == ChunkedDecoder::Status::Done) {
                m_inChunkedBody = false;
                messageEnded();
                return {Event::RequestReady, consumed};
            }
            continue;
        }
        if (!m_headComplete) {
            // Feeding no more than the head may still take makes "head too large" exact and
            // keeps an endless header from being buffered anywhere.
            const qsizetype allowance = m_limits.maxHeaderBytes - m_headBytes;
            if (allowance <= 0) {
                fail(431, "request head too large");
                return {Event::Failed, consumed};
            }
            chunk = qMin(chunk, allowance);
            if (m_methodPending) {
                const Result verdict = judgeMethod(begin, chunk);
                consumed += verdict.consumed;
                m_headBytes += verdict.consumed;
                if (verdict.event == Event::Failed)
                    return {Event::Failed, consumed};
                continue;
            }
            begin = m_normalizer.normalize(begin, chunk);
        }

        const bool headWasComplete = m_headComplete;
        m_sliceBegin = begin;
        const llhttp_errno_t error = llhttp_execute(&m_parser, begin, size_t(chunk));
        const qsizetype used =
            error == HPE_OK ? chunk : qsizetype(llhttp_get_error_pos(&m_parser) - begin);
        consumed += used;
        if (used > 0)
            m_byteBeforeSlice = begin[used - 1];
        const bool messageEnded = error == HPE_PAUSED && m_pausedFor == Event::RequestReady;
        if (!headWasComplete && !m_headComplete && !messageEnded)
            m_headBytes += used;

        switch (error) {
        case HPE_OK:
            continue;
        case HPE_PAUSED:
            llhttp_resume(&m_parser);
            if (m_inChunkedBody)
                continue; // the head is done; the decoder reads the body from here
            return {m_pausedFor, consumed};
        case HPE_PAUSED_UPGRADE:
            // Baton offers no other protocol; RFC 9110 7.8 lets a server ignore Upgrade and go on
            // with HTTP/1.1 on the same connection. llhttp pauses here only after the request's
            // message-complete, which was already reported as RequestReady: reporting it again
            // would hand the caller an empty request.
            llhttp_resume_after_upgrade(&m_parser);
            continue;
        case HPE_INVALID_METHOD:
            // llhttp stops at the first byte no method it knows has there; whether the client
            // sent a method Baton does not implement (501) or no method at all (400) shows only
            // where the token ends, which may be in a later read.
            m_methodPending = true;
            m_inMessage = true;
            continue;
        default:
            if (error == HPE_INVALID_URL)
                keepRejectedTarget(begin + chunk);
            failFromLlhttp(error);
            return {Event::Failed, consumed};
        }
    }
    return {Event::NeedMore, consumed};
}

HttpRequest HttpRequestParser::takeRequest()
{
    m_request.wireBytes = std::exchange(m_messageBytes, 0);
    return std::exchange(m_request, HttpRequest{});
}

HttpRequest HttpRequestParser::requestSoFar() const
{
    HttpRequest request = m_request;
    request.wireBytes = m_messageBytes;
    if (m_headComplete)
        return request;
    // llhttp reports the target only once the method is read, and header fields only once the
    // request line is complete.
    if (request.method.isEmpty() && !request.target.isEmpty())
        request.method = QByteArray(llhttp_method_name(llhttp_method_t(m_parser.method)));
    const bool requestLineRead = !request.headers.isEmpty() || !m_field.isEmpty();
    request.versionMinor = requestLineRead ? qMin<int>(m_parser.http_minor, 1) : -1;
    return request;
}

void HttpRequestParser::keepRejectedTarget(const char *sliceEnd)
{
    // llhttp reports the target in spans and drops the one pending when a byte breaks it, so
    // the access log would show nothing of a target refused for a control byte. The pending
    // span starts at _span_pos0 (llhttp's own bookkeeping); the target goes on to the next
    // space or line end.
    const char *from = static_cast<const char *>(m_parser._span_pos0);
    if (!from || from >= sliceEnd)
        return;
    const char *to = qMax(from, llhttp_get_error_pos(&m_parser));
    const qsizetype room = m_limits.maxTargetBytes - m_request.target.size();
    while (to < sliceEnd && to - from < room && *to != ' ' && *to != '\r' && *to != '\n')
        ++to;
    m_request.target.append(from, qMin<qsizetype>(to - from, room));
}

int HttpRequestParser::fail(int status, const char *reason)
{
    if (m_errorStatus == 0) {
        m_errorStatus = status;
        m_errorReason = QByteArray(reason);
    }
    return -1;
}

void HttpRequestParser::failFromLlhttp(llhttp_errno_t error)
{
    if (error == HPE_USER && m_errorStatus != 0)
        return;
    const char *reason = llhttp_get_error_reason(&m_parser);
    if (!reason)
        reason = llhttp_errno_name(error);
    switch (error) {
    case HPE_INVALID_VERSION:
        // llhttp says "Invalid HTTP version" once it has read a well-formed HTTP/d.d it does not
        // speak; anything malformed is a plain syntax error.
        fail(std::strcmp(reason, "Invalid HTTP version") == 0 ? 505 : 400, reason);
        break;
    case HPE_PAUSED_H2_UPGRADE:
        fail(505, "HTTP/2 connection preface on an HTTP/1.1 port");
        break;
    default:
        fail(400, reason);
        break;
    }
}

HttpRequestParser::Result HttpRequestParser::judgeMethod(const char *data, qsizetype size)
{
    for (qsizetype i = 0; i < size; ++i) {
        if (data[i] == ' ') {
            fail(501, "method not implemented");
            return {Event::Failed, i + 1};
        }
        if (!isTokenChar(data[i])) {
            fail(400, "invalid method");
            return {Event::Failed, i + 1};
        }
    }
    return {Event::NeedMore, size};
}

int HttpRequestParser::onMessageBegin(llhttp_t *parser)
{
    HttpRequestParser *p = self(parser);
    p->m_inMessage = true;
    p->m_headComplete = false;
    p->m_request = HttpRequest{};
    return 0;
}

int HttpRequestParser::onUrl(llhttp_t *parser, const char *at, size_t length)
{
    HttpRequestParser *p = self(parser);
    if (p->m_request.target.size() + qsizetype(length) > p->m_limits.maxTargetBytes)
        return p->fail(414, "request-target too long");
    p->m_request.target.append(at, qsizetype(length));
    return 0;
}

int HttpRequestParser::onHeaderField(llhttp_t *parser, const char *at, size_t length)
{
    self(parser)->m_field.append(at, qsizetype(length));
    return 0;
}

int HttpRequestParser::onHeaderValue(llhttp_t *parser, const char *at, size_t length)
{
    HttpRequestParser *p = self(parser);
    // llhttp accepts obs-fold (RFC 9112 5.2) and reports the continuation line as one more piece
    // of the value, minus its line break; a value piece right after a line feed is exactly that.
    // A server must reject or unfold it, and rejecting leaves no ambiguity between hops.
    const char before = at > p->m_sliceBegin ? at[-1] : p->m_byteBeforeSlice;
    if (length > 0 && before == '\n')
        return p->fail(400, "obsolete line folding in a header field");
    p->m_value.append(at, qsizetype(length));
    return 0;
}

int HttpRequestParser::onHeaderValueComplete(llhttp_t *parser)
{
    HttpRequestParser *p = self(parser);
    // Strict llhttp already refuses "Name : value"; a field name is a token, checked here too
    // because a proxy that reads the name differently is how smuggling starts.
    if (p->m_field.isEmpty())
        return p->fail(400, "empty header field name");
    if (!isToken(p->m_field))
        return p->fail(400, "invalid character in a header field name");
    p->m_request.headers.append({std::move(p->m_field), trimmedOws(p->m_value)});
    p->m_field = QByteArray();
    p->m_value = QByteArray();
    return 0;
}

int HttpRequestParser::onHeadersComplete(llhttp_t *parser)
{
    return self(parser)->headersComplete();
}

int HttpRequestParser::headersComplete()
{
    m_headComplete = true;
    HttpRequest &request = m_request;
    if (m_parser.http_major != 1)
        return fail(505, "only HTTP/1.x is supported");
    // A higher minor version is a later HTTP/1.x that must be understood as 1.1 (RFC 9110 2.5).
    request.versionMinor = qMin<int>(m_parser.http_minor, 1);
    // Baton offers no other protocol: an Upgrade request is answered as plain HTTP/1.1 on the
    // same connection (RFC 9110 7.8), body included.
    m_parser.upgrade = 0;
    request.method = QByteArray::fromRawData(
        llhttp_method_name(llhttp_method_t(m_parser.method)),
        qsizetype(std::strlen(llhttp_method_name(llhttp_method_t(m_parser.method)))));
    if (m_parser.method == HTTP_CONNECT)
        return fail(501, "CONNECT is not supported");
    if (request.target.isEmpty())
        return fail(400, "empty request-target");
    if (request.target == "*" && m_parser.method != HTTP_OPTIONS)
        return fail(400, "asterisk-form is only for OPTIONS");
    if (request.target.contains('#'))
        return fail(400, "a fragment is not part of a request-target");
    splitTarget(request);

    int hosts = 0;
    QByteArray host;
    QByteArray transferEncoding;
    bool hasTransferEncoding = false;
    QByteArray expect;
    for (const auto &[name, value] : request.headers) {
        if (name.compare("host", Qt::CaseInsensitive) == 0) {
            ++hosts;
            host = value;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            hasTransferEncoding = true;
            transferEncoding += (transferEncoding.isEmpty() ? "" : ",") + value;
        } else if (name.compare("expect", Qt::CaseInsensitive) == 0)
            expect = value;
    }
    if (hosts > 1)
        return fail(400, "more than one Host header");
    if (hosts == 0 && request.versionMinor == 1)
        return fail(400, "HTTP/1.1 request without Host");
    if (hosts == 1) {
        if (const char *problem = hostProblem(host))
            return fail(400, problem);
    }

    if (hasTransferEncoding || (m_parser.flags & F_TRANSFER_ENCODING)) {
        // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        if (request.versionMinor == 0)
            return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        if (m_parser.flags & F_CONTENT_LENGTH)
            return fail(400, "both Content-Length and Transfer-Encoding");
        const QList<QByteArray> codings = transferEncoding.split(',');
        int chunked = 0;
        bool unknown = false;
        for (const QByteArray &raw : codings) {
            const QByteArray coding = raw.trimmed().toLower();
            if (coding == "chunked")
                ++chunked;
            else if (!coding.isEmpty())
                unknown = true;
        }
        if (codings.isEmpty() || codings.last().trimmed().toLower() != "chunked" || chunked != 1)
            return fail(400, "chunked must be the final transfer coding, applied once");
        if (unknown)
            return fail(501, "unsupported transfer coding");
    }

    const bool hasBody = (m_parser.flags & F_CHUNKED) || m_parser.content_length > 0;
    if ((m_parser.flags & F_CONTENT_LENGTH) &&
        m_parser.content_length > quint64(m_limits.maxBodyBytes))
        return fail(413, "declared body larger than the limit");

    bool expectsContinue = false;
    if (!expect.isNull()) {
        if (expect.compare("100-continue", Qt::CaseInsensitive) != 0)
            return fail(417, "unsupported expectation");
        expectsContinue = hasBody && request.versionMinor == 1;
    }
    if (m_parser.flags & F_CHUNKED) {
        // llhttp skips the body; ChunkedDecoder reads it once llhttp reports the head done.
        m_parser.flags |= F_SKIPBODY;
        m_chunkedBodyNext = true;
    }
    if (expectsContinue) {
        m_pausedFor = Event::ContinueExpected;
        return HPE_PAUSED;
    }
    return 0;
}

int HttpRequestParser::onBody(llhttp_t *parser, const char *at, size_t length)
{
    HttpRequestParser *p = self(parser);
    if (p->m_request.body.size() + qint64(length) > p->m_limits.maxBodyBytes)
        return p->fail(413, "body larger than the limit");
    p->m_request.body.append(at, qsizetype(length));
    return 0;
}

int HttpRequestParser::onMessageComplete(llhttp_t *parser)
{
    HttpRequestParser *p = self(parser);
    p->m_keepAlive = llhttp_should_keep_alive(parser);
    if (p->m_chunkedBodyNext) {
        p->m_chunkedBodyNext = false;
        p->m_inChunkedBody = true;
        p->m_chunked.reset();
        p->m_pausedFor = Event::NeedMore;
        return HPE_PAUSED;
    }
    p->messageEnded();
    p->m_pausedFor = Event::RequestReady;
    return HPE_PAUSED;
}

void HttpRequestParser::messageEnded()
{
    m_normalizer.messageEnded();
    m_inMessage = false;
    m_headComplete = false;
    m_headBytes = 0;
}

} // namespace baton
