// An HTTP/1.1 response as seen on the wire, and an incremental parser for it.
// The parser is deliberately strict about framing (CRLF line endings, a numeric status,
// well-formed chunk sizes): the integration tests use it to check what the server emits.
#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QList>
#include <QString>

#include <utility>

namespace baton::test {

struct HttpResponse
{
    QByteArray version; // "HTTP/1.1"
    int status = 0;
    QByteArray reason;
    QList<std::pair<QByteArray, QByteArray>> headers; // in order, names as sent
    QByteArray body;                                  // decoded (de-chunked) body

    bool chunked = false;        // framed with Transfer-Encoding: chunked
    bool closeDelimited = false; // body ran until the server closed the connection
    QByteArrayList chunks;       // data chunks as framed by the server (chunked only)
    QList<qint64> chunkTimesMs;  // when each chunk was complete, ms on the client's clock
    QByteArray rawHead;          // status line and header lines as received

    bool hasHeader(const QByteArray &name) const;
    // The value of the first header called `name` (case-insensitive), or an empty array.
    QByteArray header(const QByteArray &name) const;
    QByteArrayList headerValues(const QByteArray &name) const;
    int headerCount(const QByteArray &name) const;
    // Comma-separated tokens of all `name` headers, trimmed and lower-cased.
    QByteArrayList headerTokens(const QByteArray &name) const;

    // "HTTP/1.1 200 OK, 12 body bytes" plus the head, for failure messages.
    QString describe() const;
};

class ResponseParser
{
public:
    enum class Result { NeedMore, Done, Error };

    // `noBody`: the response answers a HEAD request, so it never carries a body.
    void reset(bool noBody);

    // Parses as much of `buffer` (from the front) as possible. On Done, `consumed()` tells how
    // many bytes belonged to the response; they are not removed from `buffer` here.
    Result parse(const QByteArray &buffer, qint64 nowMs);
    // The connection reached EOF: completes a close-delimited body, anything else is an error.
    Result finishAtEof(const QByteArray &buffer, qint64 nowMs);

    qsizetype consumed() const { return m_pos; }
    const HttpResponse &response() const { return m_response; }
    HttpResponse takeResponse() { return std::move(m_response); }
    QString errorString() const { return m_error; }
    bool inProgress() const { return m_pos > 0 || m_state != State::StatusLine; }

private:
    enum class State {
        StatusLine,
        Headers,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Done,
        Error
    };

    bool takeLine(const QByteArray &buffer, QByteArray *line);
    Result fail(const QString &message);
    bool decideFraming();

    State m_state = State::StatusLine;
    qsizetype m_pos = 0;
    qint64 m_remaining = 0;
    bool m_noBody = false;
    QByteArray m_currentChunk;
    HttpResponse m_response;
    QString m_error;
};

} // namespace baton::test
