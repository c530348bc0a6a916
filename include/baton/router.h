#pragma once

#include <baton/request.h>
#include <baton/responder.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

#include <functional>
#include <memory>

namespace baton {

// Answers a request, now or later, through the responder. Handlers run on the I/O threads, several
// at once: what a handler captures must be safe to share.
using Handler = std::function<void(const Request &request, Responder responder)>;

class Next;
// Runs around the handlers below it: answers early (auth), or decorates the responder and calls
// next (CORS, request ids, timing).
using Middleware = std::function<void(const Request &request, Responder responder, Next next)>;

// The rest of the chain after a middleware: the next middleware, or the handler. It may be
// called later (after an asynchronous check); called from another thread, it continues on the
// connection's thread.
class Next
{
public:
    void operator()(const Request &request, Responder responder) const;

private:
    friend class RouterAccess;
    Next(const void *router, int target, int position)
        : m_router(router), m_target(target), m_position(position)
    {}
    const void *m_router;
    int m_target;
    int m_position;
};

class RouteGroup;

// Maps method and path to a handler.
//
// Patterns: literal segments ("/notes"), a parameter for one segment ("/notes/{id}",
// Request::param("id")), and a tail for the rest of the path, last only ("/files/{path...}",
// which matches "/files/" and below but not "/files"). The most specific pattern wins: a literal
// segment before a parameter before a tail, whatever the order of adding. Trailing slashes count.
//
// A path some route matches but not with the request's method gets 405 with Allow; HEAD is
// answered by the GET handler (the body is dropped); OPTIONS is answered 204 with Allow. Paths no
// route matches go to the fallback, else 404.
//
// Build it before the server starts; the server serves a copy, so later changes do not reach
// it. A malformed pattern is reported by errors(), and the server refuses to start with one.
class Router
{
public:
    Router();
    Router(const Router &other);
    Router &operator=(const Router &other);
    Router(Router &&other) noexcept;
    Router &operator=(Router &&other) noexcept;
    ~Router();

    Router &route(QByteArrayView method, QByteArrayView pattern, Handler handler);
    Router &get(QByteArrayView pattern, Handler handler);
    Router &post(QByteArrayView pattern, Handler handler);
    Router &put(QByteArrayView pattern, Handler handler);
    Router &patch(QByteArrayView pattern, Handler handler);
    Router &del(QByteArrayView pattern, Handler handler);

    // Routes under a shared prefix ("/api/v1"), with middleware of their own.
    RouteGroup group(QByteArrayView prefix);
    // Middleware for every request, routed or not (404, 405 and OPTIONS answers included), in
    // the order added; a group's own middleware runs after these, for the group's routes only
    // (not for a 405 or OPTIONS answer on a path inside the group: only the router's runs then).
    void use(Middleware middleware);
    // For paths no route matches, instead of 404.
    void setFallback(Handler handler);
    bool hasFallback() const;

    // What was wrong with patterns given to route(), one line each
    // ("route \"GET /a{b}\": the parameter in \"a{b}\" is not a whole segment").
    QStringList errors() const;

private:
    friend class RouteGroup;
    friend class RouterAccess;
    struct Data;
    std::unique_ptr<Data> d;
};

// A prefix and middleware shared by some routes; a handle into its router, valid as long as the
// router is.
class RouteGroup
{
public:
    RouteGroup &route(QByteArrayView method, QByteArrayView pattern, Handler handler);
    RouteGroup &get(QByteArrayView pattern, Handler handler);
    RouteGroup &post(QByteArrayView pattern, Handler handler);
    RouteGroup &put(QByteArrayView pattern, Handler handler);
    RouteGroup &patch(QByteArrayView pattern, Handler handler);
    RouteGroup &del(QByteArrayView pattern, Handler handler);
    RouteGroup group(QByteArrayView prefix);
    // Runs for this group's routes (and its subgroups'), after the router's and outer groups'.
    void use(Middleware middleware);

private:
    friend class Router;
    RouteGroup(Router::Data *data, int index) : m_data(data), m_index(index) {}
    Router::Data *m_data;
    int m_index;
};

} // namespace baton
