#include "http/chunkeddecoder.h"

#include "http/requestsyntax.h"

#include <cstring>

namespace baton {

namespace {

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

// qdtext and the characters of a quoted-pair (RFC 9110 5.6.4): HTAB, SP, VCHAR, obs-text.
bool isQuotedChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return c == '\t' || c == ' ' || (u >= 0x21 && u != 0x7f);
}

} // namespace

void ChunkedDecoder::reset()
{
    *this = ChunkedDecoder();
}

ChunkedDecoder::Status ChunkedDecoder::fail(int status, const char *reason)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorReason = reason;
    return Status::Failed;
}

bool ChunkedDecoder::reject(int status, const char *reason)
{
    fail(status, reason);
    return false;
}

ChunkedDecoder::Result ChunkedDecoder::feed(const char *data, qsizetype size, QByteArray &body,
                                            const Limits &limits)
{
    qsizetype i = 0;
    while (i < size) {
        if (m_state == State::Done)
            return {Status::Done, i};
        if (m_state == State::Failed)
            return {Status::Failed, i};
        if (m_state == State::Data) {
            const qsizetype take = qsizetype(qMin<qint64>(m_chunkLeft, size - i));
            body.append(data + i, take);
            i += take;
            m_chunkLeft -= take;
            if (m_chunkLeft == 0)
                m_state = State::DataCr;
            continue;
        }
        const char c = data[i++];
        if (!stepMetadata(c, limits, body.size()))
            return {Status::Failed, i};
    }
    if (m_state == State::Done)
        return {Status::Done, i};
    return {m_state == State::Failed ? Status::Failed : Status::NeedMore, i};
}

bool ChunkedDecoder::stepMetadata(char c, const Limits &limits, qint64 bodySize)
{
    // Everything between a chunk size and its CRLF is extension bytes, bounded per body.
    if (m_state >= State::SizeSpace && m_state <= State::ExtValueSpace &&
        ++m_extensionBytes > limits.maxExtensionBytes)
        return reject(400, "chunk extensions too large");
    switch (m_state) {
    case State::Size: {
        const int digit = hexDigitValue(c);
        if (digit >= 0) {
            // Leading zeros are allowed, but not without end; 15 significant hex digits keep
            // the size clear of overflow (RFC 9112 7.1 asks recipients to guard against it).
            if (++m_sizeDigits > maxSizeDigits ||
                (m_chunkSize > 0 || digit > 0 ? ++m_significantDigits : 0) >
                    maxSignificantSizeDigits)
                return reject(400, "chunk size has too many digits");
            m_chunkSize = m_chunkSize * 16 + digit;
            return true;
        }
        if (m_sizeDigits == 0)
            return reject(400, "invalid chunk size");
        // Known as soon as the digits end, before any of the chunk's data is read.
        if (m_chunkSize > limits.maxBodyBytes - bodySize)
            return reject(413, "chunked body larger than the limit");
        if (c == '\r')
            m_state = State::SizeLf;
        else if (c == ';')
            m_state = State::ExtNameStart;
        else if (isWhitespace(c))
            m_state = State::SizeSpace;
        else
            return reject(400, "invalid character after a chunk size");
        return true;
    }
    case State::SizeSpace:
        if (c == ';')
            m_state = State::ExtNameStart;
        else if (!isWhitespace(c))
            return reject(400, "invalid character after a chunk size");
        return true;
    case State::ExtNameStart:
        if (isTokenChar(c))
            m_state = State::ExtName;
        else if (!isWhitespace(c))
            return reject(400, "chunk extension without a name");
        return true;
    case State::ExtName:
    case State::ExtValueToken:
        if (isTokenChar(c))
            return true;
        if (c == '\r') {
            m_state = State::SizeLf;
        } else if (c == ';') {
            m_state = State::ExtNameStart;
        } else if (c == '=' && m_state == State::ExtName) {
            m_state = State::ExtValueStart;
        } else if (isWhitespace(c)) {
            m_state = m_state == State::ExtName ? State::ExtNameSpace : State::ExtValueSpace;
        } else {
            return reject(400, "invalid character in a chunk extension");
        }
        return true;
    case State::ExtNameSpace:
    case State::ExtValueSpace:
        if (c == ';')
            m_state = State::ExtNameStart;
        else if (c == '=' && m_state == State::ExtNameSpace)
            m_state = State::ExtValueStart;
        else if (!isWhitespace(c))
            return reject(400, "invalid character in a chunk extension");
        return true;
    case State::ExtValueStart:
        if (c == '"')
            m_state = State::ExtQuoted;
        else if (isTokenChar(c))
            m_state = State::ExtValueToken;
        else if (!isWhitespace(c))
            return reject(400, "invalid chunk extension value");
        return true;
    case State::ExtQuoted:
        if (c == '"')
            m_state = State::ExtQuotedEnd;
        else if (c == '\\')
            m_state = State::ExtQuotedEscape;
        else if (!isQuotedChar(c))
            return reject(400, "invalid character in a quoted chunk extension");
        return true;
    case State::ExtQuotedEnd:
        if (c == '\r')
            m_state = State::SizeLf;
        else if (c == ';')
            m_state = State::ExtNameStart;
        else if (isWhitespace(c))
            m_state = State::ExtValueSpace;
        else
            return reject(400, "invalid character after a quoted chunk extension");
        return true;
    case State::ExtQuotedEscape:
        if (!isQuotedChar(c))
            return reject(400, "invalid quoted-pair in a chunk extension");
        m_state = State::ExtQuoted;
        return true;
    case State::SizeLf:
        if (c != '\n')
            return reject(400, "chunk size line not ended by CRLF");
        m_chunkLeft = m_chunkSize;
        m_state = m_chunkSize == 0 ? State::TrailerLineStart : State::Data;
        m_chunkSize = 0;
        m_sizeDigits = 0;
        m_significantDigits = 0;
        return true;
    case State::DataCr:
        if (c != '\r')
            return reject(400, "chunk data not followed by CRLF");
        m_state = State::DataLf;
        return true;
    case State::DataLf:
        if (c != '\n')
            return reject(400, "chunk data not followed by CRLF");
        m_state = State::Size;
        return true;
    case State::TrailerLineStart:
    case State::TrailerName:
    case State::TrailerValue:
    case State::TrailerLf:
    case State::EndLf:
        if (++m_trailerBytes > limits.maxTrailerBytes)
            return reject(431, "trailer section too large");
        switch (m_state) {
        case State::TrailerLineStart:
            if (c == '\r')
                m_state = State::EndLf;
            else if (isTokenChar(c))
                m_state = State::TrailerName;
            else
                return reject(400, "invalid trailer field");
            return true;
        case State::TrailerName:
            if (c == ':')
                m_state = State::TrailerValue;
            else if (!isTokenChar(c))
                return reject(400, "invalid character in a trailer field name");
            return true;
        case State::TrailerValue:
            if (c == '\r')
                m_state = State::TrailerLf;
            else if (!isQuotedChar(c))
                return reject(400, "invalid character in a trailer field value");
            return true;
        case State::TrailerLf:
            if (c != '\n')
                return reject(400, "trailer field not ended by CRLF");
            m_state = State::TrailerLineStart;
            return true;
        default: // EndLf
            if (c != '\n')
                return reject(400, "chunked body not ended by CRLF");
            m_state = State::Done;
            return true;
        }
    case State::Data:
    case State::Done:
    case State::Failed:
        break;
    }
    return m_state != State::Failed;
}

} // namespace baton
