#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>
#include <utility>

class QFile;
class QJsonArray;
class QJsonDocument;
class QJsonObject;

namespace baton {

// A header field as a name and a value; names are compared case-insensitively.
using Header = std::pair<QByteArray, QByteArray>;
using Headers = QList<Header>;

// A complete response as a handler builds it. The server adds the framing (Content-Length or
// chunked), Connection, Date, Server and, unless turned off, X-Baton-Pid and X-Baton-Generation
// when it writes the head; a handler should not set those.
class Response
{
public:
    Response() = default;
    explicit Response(int status, QByteArray body = {},
                      QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    // A compact JSON body with Content-Type application/json.
    static Response json(int status, const QJsonDocument &document);
    static Response json(int status, const QJsonObject &object);
    static Response json(int status, const QJsonArray &array);

    int status() const { return m_status; }
    const Headers &headers() const { return m_headers; }
    // The first value of the header, or a null QByteArray.
    QByteArray header(QByteArrayView name) const;
    const QByteArray &body() const { return m_body; }
    // A body sent straight from an open file (sendfile), instead of body(), for large files.
    const std::shared_ptr<QFile> &bodyFile() const { return m_bodyFile; }
    qint64 bodySize() const { return m_bodyFile ? m_bodyFileSize : m_body.size(); }
    qint64 bodyFileOffset() const { return m_bodyFileOffset; }

    void setStatus(int status) { m_status = status; }
    // Appends a field (a name may repeat, as Set-Cookie does).
    void addHeader(QByteArray name, QByteArray value);
    // Replaces every field of that name with this one.
    void setHeader(QByteArray name, QByteArray value);
    void setBody(QByteArray body);
    // `size` bytes of the file from `offset` on.
    void setBodyFile(std::shared_ptr<QFile> file, qint64 size, qint64 offset = 0);

    static QByteArray reasonPhrase(int status);
    // Whether a response with this status may carry a body at all (1xx, 204 and 304 may not).
    static bool statusAllowsBody(int status);

private:
    int m_status = 200;
    Headers m_headers;
    QByteArray m_body;
    std::shared_ptr<QFile> m_bodyFile;
    qint64 m_bodyFileSize = 0;
    qint64 m_bodyFileOffset = 0;
};

} // namespace baton
