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
};

// Baton's routes: /, /sleep, /stream, /echo, /healthz, /readyz, /metrics, and static files.
void addBuiltinRoutes(Router &router, const BuiltinRoutesOptions &options);

} // namespace baton
