#pragma once

#include "core/serverconfig.h"
#include "http/chunkeddecoder.h"
#include "http/headnormalizer.h"
#include "http/httprequest.h"

#include <llhttp.h>

namespace baton {

// Incremental HTTP/1.1 request parser on top of llhttp that enforces Baton's limits and the
// RFC 9112 rules llhttp leaves to the application (Host, transfer codings, expectations).
// llhttp reads request lines, heads and Content-Length bodies; chunked bodies go through
// ChunkedDecoder, which bounds extensions and trailers and refuses an oversized chunk at once.
// It stops after each complete request so that pipelined requests are answered one at a time.
class HttpRequestParser
{
public:
    enum class Event {
        NeedMore,         // all input consumed, no complete request yet
        ContinueExpected, // the head asked for 100-continue; the body has not been read
        RequestReady,     // takeRequest() holds a complete request; unconsumed input remains
        Failed,           // errorStatus() says what to answer; the connection must close
    };
    struct Result
    {
        Event event;
        qsizetype consumed;
    };

    explicit HttpRequestParser(const ServerLimits &limits);
    HttpRequestParser(const HttpRequestParser &) = delete;
    HttpRequestParser &operator=(const HttpRequestParser &) = delete;

    Result feed(const char *data, qsizetype size);
    // Back to the state of a new connection (parsers are reused between connections).
    void reset();
    HttpRequest takeRequest();

    // Whether the connection may stay open after the request returned last (RFC 9112 9.3).
    bool keepAlive() const { return m_keepAlive; }
    // Whether bytes of a request that is not complete yet have been read.
    bool inMessage() const { return m_inMessage; }
    bool headComplete() const { return m_headComplete; }
    int errorStatus() const { return m_errorStatus; }
    QByteArray errorReason() const { return m_errorReason; }
    // What was read of the request under way, for the access log of one that failed: the
    // method (null until it was read), the target as far as received (the bytes that broke it
    // included), the headers complete so far, and versionMinor -1 until the version was read.
    HttpRequest requestSoFar() const;

private:
    static const llhttp_settings_t &settings();
    static int onMessageBegin(llhttp_t *parser);
    static int onUrl(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderField(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderValue(llhttp_t *parser, const char *at, size_t length);
    static int onHeaderValueComplete(llhttp_t *parser);
    static int onHeadersComplete(llhttp_t *parser);
    static int onBody(llhttp_t *parser, const char *at, size_t length);
    static int onMessageComplete(llhttp_t *parser);

    int headersComplete();
    void messageEnded();
    int fail(int status, const char *reason);
    void failFromLlhttp(llhttp_errno_t error);
    Result judgeMethod(const char *data, qsizetype size);
    Result feedSlices(const char *data, qsizetype size);
    void keepRejectedTarget(const char *sliceEnd);

    const ServerLimits &m_limits;
    llhttp_t m_parser;
    HttpRequest m_request;
    QByteArray m_field;
    QByteArray m_value;
    qsizetype m_headBytes = 0;
    qint64 m_messageBytes = 0; // consumed since the last request was taken
    // Where the slice being executed starts and the byte fed just before it: together they tell
    // what precedes any span llhttp reports, even across reads.
    const char *m_sliceBegin = nullptr;
    char m_byteBeforeSlice = '\0';
    Event m_pausedFor = Event::NeedMore;
    int m_errorStatus = 0;
    QByteArray m_errorReason;
    ChunkedDecoder m_chunked;
    HeadNormalizer m_normalizer;
    bool m_chunkedBodyNext = false; // the head said chunked: the decoder takes the body
    bool m_inChunkedBody = false;
    bool m_methodPending = false; // llhttp refused the method; its end decides 400 or 501
    bool m_inMessage = false;
    bool m_headComplete = false;
    bool m_keepAlive = true;
};

} // namespace baton
