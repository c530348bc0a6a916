#pragma once

#include <QByteArray>

namespace baton {

// One answered request as the access log sees it. Built only while an access log is open; the
// metrics take status and duration straight from the connection.
struct RequestRecord
{
    // As far as the client's bytes were read: a request refused for bad input may lack a method
    // (null), have part of its target, or no known version (-1).
    QByteArray method;
    QByteArray target; // the request-target exactly as sent, unescaped
    int versionMinor = -1;
    QByteArray referer;   // null when the request had none
    QByteArray userAgent; // null when the request had none
    int status = 0;
    qint64 bodyBytes = 0;    // response body bytes (no head, no chunk framing)
    qint64 requestBytes = 0; // request line, head and body as they came over the wire
    qint64 durationNs = 0;
    QByteArray remote; // the client's address as text, made once per connection
};

} // namespace baton
