#pragma once

#include <baton/router.h>

#include "http/httprequest.h"
#include "http/httpresponder.h"

#include <memory>

namespace baton {

class ResponderHome;
struct PeerAddress;

// The server's side of Router: runs a parsed request through it.
class RouterAccess
{
public:
    // On the connection's thread; `home` as for ResponderAccess::make(); `peer` the
    // connection's, alive for the call.
    static void dispatch(const Router &router, const HttpRequest &request,
                         HttpResponder &&responder, const std::shared_ptr<ResponderHome> &home,
                         const PeerAddress *peer = nullptr);
    // Adds a route unless one for that method and pattern is there already (the application's
    // own routes win over Baton's built-in ones).
    static void addIfAbsent(Router &router, QByteArrayView method, QByteArrayView pattern,
                            Handler handler);
    // For Next.
    static void run(const void *router, int target, int position, const Request &request,
                    Responder &&responder);
};

} // namespace baton
