#include <baton/router.h>

#include "api/requestaccess.h"
#include "api/responderaccess.h"
#include "api/routeraccess.h"
#include "http/routetable.h"

#include <vector>

namespace baton {

namespace {

// Next's targets besides a route's index.
constexpr int targetFallback = -1;
constexpr int targetNotFound = -2;
constexpr int targetNotAllowed = -3;

QByteArray joinPrefix(const QByteArray &prefix, QByteArrayView pattern)
{
    QByteArray joined = prefix;
    joined += pattern;
    return joined;
}

} // namespace

struct Router::Data
{
    struct Group
    {
        QByteArray prefix;        // "" for the router itself, else "/api" (no trailing slash)
        std::vector<int> lineage; // from the router (0) down to this group
        std::vector<Middleware> middleware;
    };
    struct Route
    {
        QByteArray method;
        QByteArray pattern;
        int group = 0;
        Handler handler;
    };

    Data() { groups.push_back({QByteArray(), {0}, {}}); }

    void add(int group, QByteArrayView method, QByteArrayView pattern, Handler handler)
    {
        const QByteArray full = joinPrefix(groups[size_t(group)].prefix, pattern);
        QString error;
        const int index = table.add(method.toByteArray(), full, &error);
        if (index < 0) {
            errors.append(error);
            return;
        }
        Q_ASSERT(size_t(index) == routes.size());
        routes.push_back({method.toByteArray(), full, group, std::move(handler)});
    }

    int addGroup(int parent, QByteArrayView prefix)
    {
        QByteArray full = joinPrefix(groups[size_t(parent)].prefix, prefix);
        while (full.endsWith('/'))
            full.chop(1);
        if (!prefix.isEmpty() && !prefix.startsWith('/'))
            errors.append(QStringLiteral("group \"%1\": a prefix starts with '/'")
                              .arg(QString::fromUtf8(prefix)));
        Group group{full, groups[size_t(parent)].lineage, {}};
        group.lineage.push_back(int(groups.size()));
        groups.push_back(std::move(group));
        return int(groups.size()) - 1;
    }

    // The middleware a request for this target runs through: the router's, then its groups'.
    const std::vector<int> &lineage(int target) const
    {
        return target >= 0 ? groups[size_t(routes[size_t(target)].group)].lineage
                           : groups.front().lineage;
    }
    const Middleware *middlewareAt(int target, int position) const
    {
        for (int group : lineage(target)) {
            const auto &own = groups[size_t(group)].middleware;
            if (size_t(position) < own.size())
                return &own[size_t(position)];
            position -= int(own.size());
        }
        return nullptr;
    }

    void answer(int target, const Request &request, Responder &&responder) const;

    RouteTable table;
    std::vector<Route> routes; // by the table's index
    std::vector<Group> groups; // the router itself first
    Handler fallback;
    QStringList errors;
};

void Router::Data::answer(int target, const Request &request, Responder &&responder) const
{
    if (target >= 0) {
        routes[size_t(target)].handler(request, std::move(responder));
        return;
    }
    if (target == targetFallback) {
        fallback(request, std::move(responder));
        return;
    }
    const HttpRequest &http = RequestAccess::http(request);
    if (target == targetNotAllowed) {
        const bool options = http.method == "OPTIONS";
        Response response(options ? 204 : 405,
                          options ? QByteArray() : QByteArrayLiteral("method not allowed\n"));
        response.addHeader(QByteArrayLiteral("Allow"), table.allowedMethods(http.path));
        responder.respond(std::move(response));
    } else if (http.path == "*" && http.method == "OPTIONS") {
        // The server as a whole (RFC 9110 9.3.7): every method some route takes.
        QByteArrayList methods;
        for (const Route &route : routes) {
            if (!methods.contains(route.method))
                methods.append(route.method);
            if (route.method == "GET" && !methods.contains("HEAD"))
                methods.append(QByteArrayLiteral("HEAD"));
        }
        methods.append(QByteArrayLiteral("OPTIONS"));
        Response response(204);
        response.addHeader(QByteArrayLiteral("Allow"), methods.join(", "));
        responder.respond(std::move(response));
    } else {
        responder.respond(404, QByteArrayLiteral("not found\n"));
    }
}

Router::Router() : d(std::make_unique<Data>())
{}
Router::Router(const Router &other) : d(std::make_unique<Data>(*other.d))
{}
Router &Router::operator=(const Router &other)
{
    if (this != &other)
        d = std::make_unique<Data>(*other.d);
    return *this;
}
Router::Router(Router &&other) noexcept : d(std::exchange(other.d, std::make_unique<Data>()))
{}
Router &Router::operator=(Router &&other) noexcept
{
    std::swap(d, other.d);
    return *this;
}
Router::~Router() = default;

Router &Router::route(QByteArrayView method, QByteArrayView pattern, Handler handler)
{
    d->add(0, method, pattern, std::move(handler));
    return *this;
}
Router &Router::get(QByteArrayView pattern, Handler handler)
{
    return route("GET", pattern, std::move(handler));
}
Router &Router::post(QByteArrayView pattern, Handler handler)
{
    return route("POST", pattern, std::move(handler));
}
Router &Router::put(QByteArrayView pattern, Handler handler)
{
    return route("PUT", pattern, std::move(handler));
}
Router &Router::patch(QByteArrayView pattern, Handler handler)
{
    return route("PATCH", pattern, std::move(handler));
}
Router &Router::del(QByteArrayView pattern, Handler handler)
{
    return route("DELETE", pattern, std::move(handler));
}

RouteGroup Router::group(QByteArrayView prefix)
{
    return RouteGroup(d.get(), d->addGroup(0, prefix));
}

void Router::use(Middleware middleware)
{
    d->groups.front().middleware.push_back(std::move(middleware));
}

void Router::setFallback(Handler handler)
{
    d->fallback = std::move(handler);
}

bool Router::hasFallback() const
{
    return bool(d->fallback);
}

QStringList Router::errors() const
{
    return d->errors;
}

RouteGroup &RouteGroup::route(QByteArrayView method, QByteArrayView pattern, Handler handler)
{
    m_data->add(m_index, method, pattern, std::move(handler));
    return *this;
}
RouteGroup &RouteGroup::get(QByteArrayView pattern, Handler handler)
{
    return route("GET", pattern, std::move(handler));
}
RouteGroup &RouteGroup::post(QByteArrayView pattern, Handler handler)
{
    return route("POST", pattern, std::move(handler));
}
RouteGroup &RouteGroup::put(QByteArrayView pattern, Handler handler)
{
    return route("PUT", pattern, std::move(handler));
}
RouteGroup &RouteGroup::patch(QByteArrayView pattern, Handler handler)
{
    return route("PATCH", pattern, std::move(handler));
}
RouteGroup &RouteGroup::del(QByteArrayView pattern, Handler handler)
{
    return route("DELETE", pattern, std::move(handler));
}
RouteGroup RouteGroup::group(QByteArrayView prefix)
{
    return RouteGroup(m_data, m_data->addGroup(m_index, prefix));
}
void RouteGroup::use(Middleware middleware)
{
    m_data->groups[size_t(m_index)].middleware.push_back(std::move(middleware));
}

void Next::operator()(const Request &request, Responder responder) const
{
    RouterAccess::run(m_router, m_target, m_position, request, std::move(responder));
}

void RouterAccess::run(const void *router, int target, int position, const Request &request,
                       Responder &&responder)
{
    // A middleware that called next from another thread (after asynchronous work) continues on
    // the connection's thread, where handlers expect to run; the request goes along as a copy.
    if (!ResponderAccess::isHome(responder)) {
        ResponderAccess::onHomeThread(std::move(responder),
                                      [router, target, position, copy = request](Responder r) {
                                          run(router, target, position, copy, std::move(r));
                                      });
        return;
    }
    const auto *data = static_cast<const Router::Data *>(router);
    if (const Middleware *middleware = data->middlewareAt(target, position))
        (*middleware)(request, std::move(responder), Next(data, target, position + 1));
    else
        data->answer(target, request, std::move(responder));
}

void RouterAccess::dispatch(const Router &router, const HttpRequest &http,
                            HttpResponder &&httpResponder,
                            const std::shared_ptr<ResponderHome> &home, const PeerAddress *peer)
{
    const Router::Data &data = *router.d;
    Request request = RequestAccess::make(http, peer);
    const RouteMatch match = data.table.match(http.method, http.path);
    int target = match.route;
    if (target >= 0) {
        for (const RouteParam &param : match.params)
            RequestAccess::addParam(request, param.name, param.offset, param.length);
    } else if (match.pathMatched) {
        target = targetNotAllowed;
    } else {
        target = data.fallback ? targetFallback : targetNotFound;
    }
    Responder responder = ResponderAccess::make(std::move(httpResponder), home);
    if (data.groups.front().middleware.empty() &&
        (target < 0 || data.routes[size_t(target)].group == 0)) {
        data.answer(target, request, std::move(responder));
        return;
    }
    run(&data, target, 0, request, std::move(responder));
}

void RouterAccess::addIfAbsent(Router &router, QByteArrayView method, QByteArrayView pattern,
                               Handler handler)
{
    for (const auto &route : router.d->routes) {
        if (route.method == method && route.pattern == pattern)
            return;
    }
    router.route(method, pattern, std::move(handler));
}

} // namespace baton
