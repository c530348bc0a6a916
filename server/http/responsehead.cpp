#include "http/responsehead.h"

#include <baton/response.h>
#include "http/requestsyntax.h"

namespace baton {

bool ResponseHead::isFieldValue(QByteArrayView text)
{
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

ResponseHead::ResponseHead(const Headers &handlerHeaders) : m_headers(handlerHeaders)
{
    for (qsizetype i = 0; i < m_headers.size(); ++i) {
        const auto &[name, value] = m_headers.at(i);
        if (!isToken(name) || !isFieldValue(value)) {
            m_skipped.append(i);
            ++m_dropped;
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            m_skipped.append(i);
            m_closeRequested = value.toLower().contains("close");
        } else if (name.compare("content-length", Qt::CaseInsensitive) == 0 ||
                   name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            m_skipped.append(i);
        }
    }
}

QByteArray ResponseHead::build(int status, const QByteArray &commonHeaders, BodyFraming framing,
                               Persistence persistence) const
{
    QByteArray head;
    head.reserve(96 + commonHeaders.size() + m_headers.size() * 48);
    head += "HTTP/1.1 ";
    head += QByteArray::number(status);
    head += ' ';
    head += Response::reasonPhrase(status);
    head += "\r\n";
    head += commonHeaders;
    qsizetype nextSkipped = 0;
    for (qsizetype i = 0; i < m_headers.size(); ++i) {
        if (nextSkipped < m_skipped.size() && m_skipped.at(nextSkipped) == i) {
            ++nextSkipped;
            continue;
        }
        const auto &[name, value] = m_headers.at(i);
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    switch (framing.kind) {
    case BodyFraming::Kind::Length:
    case BodyFraming::Kind::LengthNoBody:
        head += "Content-Length: ";
        head += QByteArray::number(framing.length);
        head += "\r\n";
        break;
    case BodyFraming::Kind::Chunked:
        head += "Transfer-Encoding: chunked\r\n";
        break;
    case BodyFraming::Kind::None:
    case BodyFraming::Kind::UntilClose:
        break;
    }
    switch (persistence) {
    case Persistence::Close:
        head += "Connection: close\r\n";
        break;
    case Persistence::KeepAliveHttp10:
        head += "Connection: keep-alive\r\n";
        break;
    case Persistence::KeepAlive:
        break;
    }
    head += "\r\n";
    return head;
}

} // namespace baton
