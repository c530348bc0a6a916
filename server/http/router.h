#pragma once

#include "http/httprequest.h"
#include "http/httpresponder.h"

#include <QByteArray>
#include <QHash>

#include <functional>

namespace baton {

// A handler answers through the responder, now or later; it may be called on any I/O thread at
// once, so what it captures must be safe to share.
using HttpHandler = std::function<void(const HttpRequest &, HttpResponder &&)>;

// Exact-path routing with per-method handlers: 405 with Allow for a known path and an unknown
// method, HEAD served by the GET handler, OPTIONS answered from the table. Paths are matched
// after percent-decoding. Build it before serving; it is read-only (and thread-safe) afterwards.
class Router
{
public:
    void addRoute(QByteArray method, QByteArray path, HttpHandler handler);
    // For paths no route takes (static files); without one such paths get 404.
    void setFallback(HttpHandler handler);

    void handle(const HttpRequest &request, HttpResponder &&responder) const;
    QByteArray allowedMethods(const QByteArray &path) const;

private:
    struct Route
    {
        QByteArray method;
        HttpHandler handler;
    };
    QHash<QByteArray, QList<Route>> m_routes;
    HttpHandler m_fallback;
};

} // namespace baton
