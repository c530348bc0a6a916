#pragma once

#include <baton/router.h>

namespace baton {

// The baton executable's own routes, on the public API like any program's: GET / (a greeting),
// and the demo routes /sleep, /stream and /echo that show a drain and a restart at work.
struct DemoRoutesOptions
{
    QByteArray greeting;   // GET /'s body; empty: no GET / (static files answer it)
    bool demoRoutes = true; // /sleep, /stream, /echo
};

void addDemoRoutes(Router &router, const DemoRoutesOptions &options);

} // namespace baton
