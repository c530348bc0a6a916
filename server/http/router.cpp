#include "http/router.h"

#include "http/percentencoding.h"

namespace baton {

void Router::addRoute(QByteArray method, QByteArray path, HttpHandler handler)
{
    m_routes[path].append({std::move(method), std::move(handler)});
}

void Router::setFallback(HttpHandler handler)
{
    m_fallback = std::move(handler);
}

QByteArray Router::allowedMethods(const QByteArray &path) const
{
    const auto it = m_routes.constFind(path);
    if (it == m_routes.constEnd())
        return {};
    QByteArrayList methods;
    for (const Route &route : *it) {
        if (!methods.contains(route.method))
            methods.append(route.method);
        if (route.method == "GET" && !methods.contains("HEAD"))
            methods.append(QByteArrayLiteral("HEAD"));
    }
    methods.append(QByteArrayLiteral("OPTIONS"));
    return methods.join(", ");
}

void Router::handle(const HttpRequest &request, HttpResponder &&responder) const
{
    // A path with a malformed escape names no route (files answer it 400).
    const QByteArray path = request.path.contains('%')
                                ? percent::decode(request.path).value_or(QByteArray())
                                : request.path;
    const auto it = m_routes.constFind(path);
    if (it == m_routes.constEnd()) {
        if (m_fallback) {
            m_fallback(request, std::move(responder));
        } else if (request.path == "*" && request.method == "OPTIONS") {
            HttpResponse response(204);
            response.addHeader(QByteArrayLiteral("Allow"),
                               QByteArrayLiteral("GET, HEAD, POST, OPTIONS"));
            responder.respond(std::move(response));
        } else {
            responder.respond(404, QByteArrayLiteral("not found\n"));
        }
        return;
    }

    const bool isHead = request.isHead();
    for (const Route &route : *it) {
        if (route.method == request.method || (isHead && route.method == "GET")) {
            route.handler(request, std::move(responder));
            return;
        }
    }
    HttpResponse response(request.method == "OPTIONS" ? 204 : 405,
                          request.method == "OPTIONS" ? QByteArray()
                                                      : QByteArrayLiteral("method not allowed\n"));
    response.addHeader(QByteArrayLiteral("Allow"), allowedMethods(path));
    responder.respond(std::move(response));
}

} // namespace baton
