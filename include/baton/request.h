#pragma once

#include <baton/response.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QVarLengthArray>

#include <memory>

namespace baton {

struct HttpRequest;
struct PeerAddress;

// One request as a handler sees it. Header look-ups are case-insensitive; names keep the
// client's spelling. A Request passed to a handler is valid for the handler call; copy it (a
// copy shares the data and stays valid wherever it goes, another thread included) to keep it
// longer.
class Request
{
public:
    Request(const Request &other);
    Request &operator=(const Request &other);
    ~Request();

    QByteArray method() const;
    bool isHead() const;
    // The request-target exactly as sent.
    QByteArray target() const;
    // The target's path, still percent-encoded (origin form, also for an absolute-form target).
    QByteArray path() const;
    // After the '?', without it; empty when there is none.
    QByteArray query() const;
    // The first value of a query parameter, percent-decoded ('+' is a space); null when absent.
    QByteArray queryValue(QByteArrayView name) const;
    // 0 for HTTP/1.0, 1 for HTTP/1.1.
    int httpVersionMinor() const;

    const Headers &headers() const;
    // The first value of the header, or a null QByteArray.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    // The whole body, chunked transfer coding already removed.
    const QByteArray &body() const;
    // The client's IP address as text ("203.0.113.7", "2001:db8::1"); for a connection on a Unix
    // socket, "-". The connection's peer: behind a proxy, the proxy.
    QByteArray remoteAddress() const;

    // A path parameter of the route that matched ("id" for "/users/{id}", "path" for
    // "/files/{path...}"), percent-decoded; null when the route has none of that name or the
    // value is not valid percent-encoding.
    QByteArray param(QByteArrayView name) const;
    // The same, still percent-encoded as the client sent it.
    QByteArray rawParam(QByteArrayView name) const;

private:
    friend class RequestAccess;
    struct Param
    {
        QByteArray name;
        qsizetype offset = 0; // into path()
        qsizetype length = 0;
    };
    Request(const HttpRequest &request, const PeerAddress *peer);
    const Param *findParam(QByteArrayView name) const;

    const HttpRequest *m_request;
    // Set in copies: the copy's own share of the data, so it outlives the handler call.
    std::shared_ptr<const HttpRequest> m_owned;
    const PeerAddress *m_peer = nullptr; // the connection's, for the handler call only
    QByteArray m_remoteAddress;          // in copies, instead of m_peer
    QVarLengthArray<Param, 4> m_params;
};

} // namespace baton
