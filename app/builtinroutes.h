#pragma once

#include "core/serverlink.h"
#include "http/router.h"
#include "http/staticfiles.h"

#include <memory>

namespace baton {

struct BuiltinRoutesOptions
{
    QByteArray greeting;
    std::shared_ptr<const StaticFiles> staticFiles; // null without --root
    std::shared_ptr<const ServerLink> server;
    // /sleep, /stream, /echo: off by default with --root (they would shadow files of those names,
    // and /sleep lets anyone hold a connection for ten minutes).
    bool demoRoutes = true;
    // /healthz, /readyz, /metrics: off when --admin-listen serves them elsewhere.
    bool adminRoutes = true;
};

// Baton's public routes: /, the demo routes, the admin routes, and static files, as the
// options say.
void addBuiltinRoutes(Router &router, const BuiltinRoutesOptions &options);

// /healthz, /readyz and /metrics, reading the serving generation through `link`: on the public
// router, or on the admin listener's own.
void addAdminRoutes(Router &router, std::shared_ptr<const ServerLink> link);

} // namespace baton
