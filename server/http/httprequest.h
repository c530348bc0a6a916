#pragma once

#include <baton/response.h>

#include <QByteArray>
#include <QList>
#include <QMetaType>

namespace baton {

// One parsed request, as the parser fills it; handlers see it through baton::Request. Header
// names keep the client's spelling; look-ups are case-insensitive.
struct HttpRequest
{
    QByteArray method;
    QByteArray target; // the request-target exactly as sent
    QByteArray path;   // percent-encoded path of the target (origin form, even for absolute form)
    QByteArray query;  // without the '?'
    int versionMinor = 1; // -1 only in requestSoFar(): the version was not read
    Headers headers;
    QByteArray body;
    // Request line, head and body as they came over the wire (chunk framing included).
    qint64 wireBytes = 0;

    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    // The first value of a query parameter, percent-decoded; a null QByteArray when absent.
    QByteArray queryValue(QByteArrayView name) const;
    bool isHead() const { return method == "HEAD"; }
};

} // namespace baton
