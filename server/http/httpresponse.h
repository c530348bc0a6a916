#pragma once

#include "http/httprequest.h"

#include <QByteArray>
#include <QFile>

#include <memory>

namespace baton {

// A complete response as a handler builds it. The connection adds framing (Content-Length),
// Connection, Date and the X-Baton-* headers when it serialises the head.
class HttpResponse
{
public:
    HttpResponse() = default;
    explicit HttpResponse(int status, QByteArray body = {},
                          QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    int status() const { return m_status; }
    const HttpHeaders &headers() const { return m_headers; }
    const QByteArray &body() const { return m_body; }
    // A body sent straight from an open file (sendfile), instead of body(), for large files.
    const std::shared_ptr<QFile> &bodyFile() const { return m_bodyFile; }
    qint64 bodySize() const { return m_bodyFile ? m_bodyFileSize : m_body.size(); }
    qint64 bodyFileOffset() const { return m_bodyFileOffset; }

    void setStatus(int status) { m_status = status; }
    void addHeader(QByteArray name, QByteArray value);
    void setBody(QByteArray body);
    // `size` bytes of the file from `offset` on.
    void setBodyFile(std::shared_ptr<QFile> file, qint64 size, qint64 offset = 0);

    static QByteArray reasonPhrase(int status);
    // Whether a response with this status may carry a body at all (1xx, 204 and 304 may not).
    static bool statusAllowsBody(int status);

private:
    int m_status = 200;
    HttpHeaders m_headers;
    QByteArray m_body;
    std::shared_ptr<QFile> m_bodyFile;
    qint64 m_bodyFileSize = 0;
    qint64 m_bodyFileOffset = 0;
};

} // namespace baton
