#pragma once

#include "router.h"
#include "staticfiles.h"

#include <atomic>
#include <memory>

namespace baton {

class HttpServer;

// Lets routes built before the server exists ask it about readiness and metrics later.
class ServerLink
{
public:
    void attach(const HttpServer *server) { m_server.store(server); }
    const HttpServer *server() const { return m_server.load(); }

private:
    std::atomic<const HttpServer *> m_server{nullptr};
};

struct BuiltinRoutesOptions
{
    QByteArray greeting;
    std::shared_ptr<const StaticFiles> staticFiles; // null without --root
    std::shared_ptr<const ServerLink> server;
};

// Baton's routes: /, /sleep, /stream, /echo, /healthz, /readyz, /metrics, and static files.
void addBuiltinRoutes(Router &router, const BuiltinRoutesOptions &options);

} // namespace baton
