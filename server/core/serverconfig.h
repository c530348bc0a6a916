#pragma once

#include <QtGlobal>

#include <chrono>

namespace baton {

// Limits and timeouts every connection obeys; shared read-only by all I/O threads.
struct ServerLimits
{
    std::chrono::milliseconds headerTimeout{10'000};
    std::chrono::milliseconds idleTimeout{60'000};
    // A request body must be complete this long after its head (a body trickled in just under
    // the idle timeout would otherwise hold the connection for ever).
    std::chrono::milliseconds bodyTimeout{60'000};
    // Queued output that makes no progress for this long means the client stopped reading.
    std::chrono::milliseconds sendTimeout{60'000};
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
    // Output a connection may hold in memory before it stops reading (and parsing) more
    // requests from its client: pipelining without reading cannot grow the server.
    qint64 outputHighWater = 256 * 1024;
    // Input read ahead of the request being answered (pipelining); past this the connection
    // stops reading until the answer is out, which pushes back on the client.
    qsizetype maxPendingInput = 256 * 1024;
    // Unparsed input a connection may carry to the next generation at a restart (at most the
    // handover format's 64 KiB); one holding more answers its next request here first.
    qsizetype maxHandoverInput = 64 * 1024;
    // A streaming handler that writes faster than its client reads: past this much queued
    // output the stream is cut (reset), instead of buffering the difference in memory.
    qint64 maxStreamBuffered = 4 * 1024 * 1024;
};

} // namespace baton
