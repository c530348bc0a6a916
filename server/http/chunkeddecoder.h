#pragma once

#include <QByteArray>

namespace baton {

// Decodes a chunked request body (RFC 9112 7.1) incrementally, byte-exact and strict: chunk
// sizes in hex with bounded digits, extensions parsed (tokens and quoted strings, BWS around
// ';' and '=') but not kept, CRLF everywhere, trailer fields checked and discarded (nginx does
// the same; merging them into the header section would let a trailer add a Host).
//
// Everything but chunk data is metadata, and metadata is bounded: extensions per message and
// the trailer section each have a byte limit. A chunk size that would take the body past the
// body limit fails with 413 as soon as its digits say so, before any of its data is read.
class ChunkedDecoder
{
public:
    enum class Status { NeedMore, Done, Failed };
    struct Result
    {
        Status status;
        qsizetype consumed;
    };
    struct Limits
    {
        qint64 maxBodyBytes;
        qsizetype maxTrailerBytes;
        qsizetype maxExtensionBytes;
    };

    static constexpr int maxSizeDigits = 64;
    static constexpr int maxSignificantSizeDigits = 15;

    void reset();
    // Appends chunk data to body; consumes nothing past the end of the chunked body.
    Result feed(const char *data, qsizetype size, QByteArray &body, const Limits &limits);

    int errorStatus() const { return m_errorStatus; }
    const char *errorReason() const { return m_errorReason; }

private:
    enum class State : quint8 {
        Size,
        // SizeSpace to ExtValueSpace: the extension states, kept together (counted as one).
        SizeSpace, // BWS after the size: only a ';' may follow
        ExtNameStart,
        ExtName,
        ExtNameSpace, // BWS after a name: '=' or ';'
        ExtValueStart,
        ExtValueToken,
        ExtQuoted,
        ExtQuotedEscape,
        ExtQuotedEnd,
        ExtValueSpace, // BWS after a value: ';' only
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerLf,
        EndLf,
        Done,
        Failed,
    };

    Status fail(int status, const char *reason);
    bool reject(int status, const char *reason);
    bool stepMetadata(char c, const Limits &limits, qint64 bodySize);

    State m_state = State::Size;
    qint64 m_chunkSize = 0;
    qint64 m_chunkLeft = 0;
    int m_sizeDigits = 0;
    int m_significantDigits = 0;
    qsizetype m_extensionBytes = 0;
    qsizetype m_trailerBytes = 0;
    int m_errorStatus = 0;
    const char *m_errorReason = "";
};

} // namespace baton
