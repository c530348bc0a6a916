#pragma once

#include <baton/router.h>

#include <memory>

namespace baton {

class ServerLink;

// /healthz, /readyz and /metrics, reading the serving generation through `link`: on the public
// router (where routes of the application's own with those paths win), or on the admin
// listener's own.
void addAdminRoutes(Router &router, std::shared_ptr<const ServerLink> link);

} // namespace baton
