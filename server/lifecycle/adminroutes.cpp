#include "lifecycle/adminroutes.h"

#include "api/routeraccess.h"
#include "core/metrics.h"
#include "core/serverlink.h"

namespace baton {

void addAdminRoutes(Router &router, std::shared_ptr<const ServerLink> link)
{
    RouterAccess::addIfAbsent(router, "GET", "/healthz", [](const Request &, Responder responder) {
        responder.respond(200, QByteArrayLiteral("ok\n"));
    });

    RouterAccess::addIfAbsent(
        router, "GET", "/readyz", [link](const Request &, Responder responder) {
            const auto server = link->current();
            if (!server || !server->ready.load())
                responder.respond(503, QByteArrayLiteral("not ready: draining\n"));
            else if (!link->isApplicationReady())
                responder.respond(503,
                                  QByteArrayLiteral("not ready: the application is starting\n"));
            else
                responder.respond(200, QByteArrayLiteral("ready\n"));
        });

    RouterAccess::addIfAbsent(
        router, "GET", "/metrics", [link](const Request &, Responder responder) {
            const auto server = link->current();
            responder.respond(200,
                              server ? renderMetrics(*server, &link->lifecycle()) : QByteArray(),
                              QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
        });
}

} // namespace baton
