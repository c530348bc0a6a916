#include <baton/response.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace baton {

Response::Response(int status, QByteArray body, QByteArray contentType)
    : m_status(status), m_body(std::move(body))
{
    if (!contentType.isEmpty() && statusAllowsBody(status))
        m_headers.append({QByteArrayLiteral("Content-Type"), std::move(contentType)});
}

void Response::addHeader(QByteArray name, QByteArray value)
{
    m_headers.append({std::move(name), std::move(value)});
}

Response Response::json(int status, const QJsonDocument &document)
{
    return Response(status, document.toJson(QJsonDocument::Compact),
                    QByteArrayLiteral("application/json"));
}

Response Response::json(int status, const QJsonObject &object)
{
    return json(status, QJsonDocument(object));
}

Response Response::json(int status, const QJsonArray &array)
{
    return json(status, QJsonDocument(array));
}

QByteArray Response::header(QByteArrayView name) const
{
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

void Response::setHeader(QByteArray name, QByteArray value)
{
    m_headers.removeIf(
        [&](const Header &header) { return header.first.compare(name, Qt::CaseInsensitive) == 0; });
    m_headers.append({std::move(name), std::move(value)});
}

void Response::setBody(QByteArray body)
{
    m_body = std::move(body);
    m_bodyFile.reset();
}

void Response::setBodyFile(std::shared_ptr<QFile> file, qint64 size, qint64 offset)
{
    m_body.clear();
    m_bodyFile = std::move(file);
    m_bodyFileSize = size;
    m_bodyFileOffset = offset;
}

bool Response::statusAllowsBody(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

QByteArray Response::reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 103:
        return QByteArrayLiteral("Early Hints");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 203:
        return QByteArrayLiteral("Non-Authoritative Information");
    case 205:
        return QByteArrayLiteral("Reset Content");
    case 207:
        return QByteArrayLiteral("Multi-Status");
    case 300:
        return QByteArrayLiteral("Multiple Choices");
    case 303:
        return QByteArrayLiteral("See Other");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 308:
        return QByteArrayLiteral("Permanent Redirect");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 402:
        return QByteArrayLiteral("Payment Required");
    case 406:
        return QByteArrayLiteral("Not Acceptable");
    case 407:
        return QByteArrayLiteral("Proxy Authentication Required");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 412:
        return QByteArrayLiteral("Precondition Failed");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 416:
        return QByteArrayLiteral("Range Not Satisfiable");
    case 418:
        return QByteArrayLiteral("I'm a teapot");
    case 421:
        return QByteArrayLiteral("Misdirected Request");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 423:
        return QByteArrayLiteral("Locked");
    case 424:
        return QByteArrayLiteral("Failed Dependency");
    case 426:
        return QByteArrayLiteral("Upgrade Required");
    case 428:
        return QByteArrayLiteral("Precondition Required");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 451:
        return QByteArrayLiteral("Unavailable For Legal Reasons");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 507:
        return QByteArrayLiteral("Insufficient Storage");
    case 511:
        return QByteArrayLiteral("Network Authentication Required");
    case 100:
        return QByteArrayLiteral("Continue");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 204:
        return QByteArrayLiteral("No Content");
    case 206:
        return QByteArrayLiteral("Partial Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        break;
    }
    if (status < 200)
        return QByteArrayLiteral("Informational");
    if (status < 300)
        return QByteArrayLiteral("Success");
    if (status < 400)
        return QByteArrayLiteral("Redirection");
    if (status < 500)
        return QByteArrayLiteral("Client Error");
    return QByteArrayLiteral("Server Error");
}

} // namespace baton
