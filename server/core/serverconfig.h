#pragma once

#include <QtGlobal>

#include <chrono>

namespace baton {

// Limits and timeouts every connection obeys; shared read-only by all I/O threads.
struct ServerLimits
{
    std::chrono::milliseconds headerTimeout{10'000};
    std::chrono::milliseconds idleTimeout{60'000};
    // How long a connection closed by us keeps reading (and discarding) after sending FIN, so a
    // late client packet cannot turn into a reset that destroys the response still in flight.
    std::chrono::milliseconds lingerTimeout{2'000};
    // While draining, an idle keep-alive that was used this recently may still carry a request
    // the client already sent; it gets this long to arrive (and is answered with close).
    std::chrono::milliseconds drainIdleGrace{300};
    int maxConnections = 10'000;
    qsizetype maxHeaderBytes = 32'768;
    qsizetype maxTargetBytes = 8'192;
    qint64 maxBodyBytes = 1 << 20;
};

} // namespace baton
