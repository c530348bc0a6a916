#pragma once

#include "http/httprequest.h"

#include <QByteArray>

namespace baton {

// How the body of a response is delimited on the wire (RFC 9112 6).
struct BodyFraming
{
    enum class Kind {
        None,         // no body may follow (HEAD, 1xx, 204, 304): no framing field either
        Length,       // Content-Length: length
        Chunked,      // Transfer-Encoding: chunked (HTTP/1.1 clients only)
        UntilClose,   // the body ends when the connection closes (a stream to HTTP/1.0)
        LengthNoBody, // HEAD: Content-Length of the body a GET would get, no body
    };
    Kind kind = Kind::None;
    qint64 length = 0;
};

// Serialises response heads. The connection owns framing and persistence, so a handler's
// Content-Length, Transfer-Encoding and Connection fields are not copied (a Connection: close
// from the handler is honoured through closeRequested()); a field whose name is not a token or
// whose value holds CR, LF or NUL is dropped, because copying it would let a handler split the
// response in two.
class ResponseHead
{
public:
    enum class Persistence { KeepAlive, KeepAliveHttp10, Close };

    // Checks and filters the handler's fields; call before build().
    explicit ResponseHead(const Headers &handlerHeaders);

    // Whether the handler asked for the connection to close after this response.
    bool closeRequested() const { return m_closeRequested; }
    // How many handler fields were dropped as invalid (for a warning).
    int droppedFields() const { return m_dropped; }

    QByteArray build(int status, const QByteArray &commonHeaders, BodyFraming framing,
                     Persistence persistence) const;

    static bool isFieldValue(QByteArrayView text);

private:
    const Headers &m_headers;
    QList<qsizetype> m_skipped; // indexes of handler fields not to copy
    int m_dropped = 0;
    bool m_closeRequested = false;
};

} // namespace baton
