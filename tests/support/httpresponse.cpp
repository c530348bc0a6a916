#include "httpresponse.h"

#include <QRegularExpression>

namespace baton::test {

namespace {

bool sameName(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isToken(const QByteArray &s)
{
    static const QByteArray extra = QByteArrayLiteral("!#$%&'*+-.^_`|~");
    if (s.isEmpty())
        return false;
    for (char c : s) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !extra.contains(c))
            return false;
    }
    return true;
}

} // namespace

bool HttpResponse::hasHeader(const QByteArray &name) const
{
    return headerCount(name) > 0;
}

QByteArray HttpResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (sameName(key, name))
            return value;
    }
    return {};
}

QByteArrayList HttpResponse::headerValues(const QByteArray &name) const
{
    QByteArrayList values;
    for (const auto &[key, value] : headers) {
        if (sameName(key, name))
            values.append(value);
    }
    return values;
}

int HttpResponse::headerCount(const QByteArray &name) const
{
    return int(headerValues(name).size());
}

QByteArrayList HttpResponse::headerTokens(const QByteArray &name) const
{
    QByteArrayList tokens;
    for (const QByteArray &value : headerValues(name)) {
        for (const QByteArray &part : value.split(',')) {
            const QByteArray token = part.trimmed().toLower();
            if (!token.isEmpty())
                tokens.append(token);
        }
    }
    return tokens;
}

QString HttpResponse::describe() const
{
    QString text =
        QString::fromLatin1(version) + QLatin1Char(' ') + QString::number(status) +
        QLatin1Char(' ') + QString::fromLatin1(reason) + QLatin1String(", ") +
        QString::number(body.size()) + QLatin1String(" body bytes\n") +
        QString::fromLatin1(rawHead.trimmed()).replace(QLatin1String("\r\n"), QLatin1String("\n"));
    if (!body.isEmpty())
        text += QLatin1String("\n[body] ") +
                QString::fromLatin1(body.left(200).toPercentEncoding(" :/=,;\"'{}<>()[]!?.#-_+*"));
    return text;
}

void ResponseParser::reset(bool noBody)
{
    m_state = State::StatusLine;
    m_pos = 0;
    m_remaining = 0;
    m_noBody = noBody;
    m_currentChunk.clear();
    m_response = HttpResponse();
    m_error.clear();
}

bool ResponseParser::takeLine(const QByteArray &buffer, QByteArray *line)
{
    const qsizetype lf = buffer.indexOf('\n', m_pos);
    if (lf < 0)
        return false;
    *line = buffer.mid(m_pos, lf - m_pos + 1);
    m_pos = lf + 1;
    return true;
}

ResponseParser::Result ResponseParser::fail(const QString &message)
{
    m_state = State::Error;
    m_error = message;
    return Result::Error;
}

bool ResponseParser::decideFraming()
{
    const int status = m_response.status;
    if (m_noBody || (status >= 100 && status < 200) || status == 204 || status == 304) {
        m_state = State::Done;
        return true;
    }
    const QByteArrayList codings = m_response.headerTokens("transfer-encoding");
    if (!codings.isEmpty()) {
        if (codings.last() != "chunked") {
            fail(QStringLiteral("response Transfer-Encoding without final chunked: ") +
                 QString::fromLatin1(codings.join(", ")));
            return false;
        }
        if (m_response.hasHeader("content-length")) {
            fail(QStringLiteral("response carries both Content-Length and Transfer-Encoding"));
            return false;
        }
        m_response.chunked = true;
        m_state = State::ChunkSize;
        return true;
    }
    const QByteArrayList lengths = m_response.headerValues("content-length");
    if (!lengths.isEmpty()) {
        if (lengths.size() > 1) {
            fail(QStringLiteral("response carries %1 Content-Length headers").arg(lengths.size()));
            return false;
        }
        bool ok = false;
        const QByteArray value = lengths.first().trimmed();
        const qint64 length = value.toLongLong(&ok);
        if (!ok || length < 0 || value.startsWith('+')) {
            fail(QStringLiteral("invalid response Content-Length: ") + QString::fromLatin1(value));
            return false;
        }
        m_remaining = length;
        m_state = length == 0 ? State::Done : State::FixedBody;
        return true;
    }
    m_response.closeDelimited = true;
    m_state = State::UntilClose;
    return true;
}

ResponseParser::Result ResponseParser::parse(const QByteArray &buffer, qint64 nowMs)
{
    static const QRegularExpression statusLine(
        QStringLiteral("^(HTTP/\\d\\.\\d) (\\d{3}) ([^\\r\\n]*)\\r\\n$"));
    QByteArray line;
    for (;;) {
        switch (m_state) {
        case State::StatusLine: {
            if (!takeLine(buffer, &line))
                return Result::NeedMore;
            const auto match = statusLine.match(QString::fromLatin1(line));
            if (!match.hasMatch())
                return fail(QStringLiteral("malformed status line: ") +
                            QString::fromLatin1(line.toPercentEncoding(" /.")));
            m_response.version = match.captured(1).toLatin1();
            m_response.status = match.captured(2).toInt();
            m_response.reason = match.captured(3).toLatin1();
            m_response.rawHead = line;
            m_state = State::Headers;
            break;
        }
        case State::Headers: {
            if (!takeLine(buffer, &line))
                return Result::NeedMore;
            m_response.rawHead += line;
            if (!line.endsWith("\r\n"))
                return fail(QStringLiteral("response header line not ended by CRLF"));
            if (line == "\r\n") {
                if (!decideFraming())
                    return Result::Error;
                break;
            }
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = colon > 0 ? line.left(colon) : QByteArray();
            if (!isToken(name))
                return fail(QStringLiteral("malformed response header line: ") +
                            QString::fromLatin1(line.trimmed()));
            m_response.headers.append({name, line.mid(colon + 1).trimmed()});
            break;
        }
        case State::FixedBody: {
            const qint64 available = buffer.size() - m_pos;
            const qint64 take = qMin(available, m_remaining);
            m_response.body += buffer.mid(m_pos, take);
            m_pos += take;
            m_remaining -= take;
            if (m_remaining > 0)
                return Result::NeedMore;
            m_state = State::Done;
            break;
        }
        case State::ChunkSize: {
            if (!takeLine(buffer, &line))
                return Result::NeedMore;
            if (!line.endsWith("\r\n"))
                return fail(QStringLiteral("chunk-size line not ended by CRLF"));
            QByteArray size = line.chopped(2);
            const qsizetype semicolon = size.indexOf(';');
            if (semicolon >= 0)
                size.truncate(semicolon);
            size = size.trimmed();
            bool ok = false;
            const qint64 length = size.toLongLong(&ok, 16);
            if (!ok || length < 0 || size.isEmpty() || size.startsWith('+') || size.startsWith('-'))
                return fail(QStringLiteral("malformed chunk size: ") + QString::fromLatin1(size));
            if (length == 0) {
                m_state = State::Trailers;
            } else {
                m_remaining = length;
                m_currentChunk.clear();
                m_state = State::ChunkData;
            }
            break;
        }
        case State::ChunkData: {
            const qint64 available = buffer.size() - m_pos;
            const qint64 take = qMin(available, m_remaining);
            m_currentChunk += buffer.mid(m_pos, take);
            m_pos += take;
            m_remaining -= take;
            if (m_remaining > 0)
                return Result::NeedMore;
            m_response.body += m_currentChunk;
            m_response.chunks.append(m_currentChunk);
            m_response.chunkTimesMs.append(nowMs);
            m_currentChunk.clear();
            m_state = State::ChunkDataEnd;
            break;
        }
        case State::ChunkDataEnd:
            if (buffer.size() - m_pos < 2)
                return Result::NeedMore;
            if (buffer.mid(m_pos, 2) != "\r\n")
                return fail(QStringLiteral("chunk data not followed by CRLF"));
            m_pos += 2;
            m_state = State::ChunkSize;
            break;
        case State::Trailers:
            if (!takeLine(buffer, &line))
                return Result::NeedMore;
            if (line == "\r\n")
                m_state = State::Done;
            else if (!line.endsWith("\r\n") || line.indexOf(':') <= 0)
                return fail(QStringLiteral("malformed trailer line"));
            break;
        case State::UntilClose:
            m_response.body += buffer.mid(m_pos);
            m_pos = buffer.size();
            return Result::NeedMore;
        case State::Done:
            return Result::Done;
        case State::Error:
            return Result::Error;
        }
    }
}

ResponseParser::Result ResponseParser::finishAtEof(const QByteArray &buffer, qint64 nowMs)
{
    const Result result = parse(buffer, nowMs);
    if (result != Result::NeedMore)
        return result;
    if (m_state == State::UntilClose) {
        m_state = State::Done;
        return Result::Done;
    }
    return fail(m_pos == 0 && buffer.isEmpty()
                    ? QStringLiteral("connection closed before any response byte")
                    : QStringLiteral("connection closed in the middle of a response (%1 bytes)")
                          .arg(buffer.size()));
}

} // namespace baton::test
