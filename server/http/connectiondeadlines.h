#pragma once

#include "core/serverconfig.h"

#include <QtGlobal>

namespace baton {

// The moments a connection's deadlines are measured from (monotonic milliseconds), and the one
// question asked of them on every sweep: which deadline, if any, has passed. Reads and writes are
// kept apart on purpose: a client that keeps sending but never reads is stalled all the same.
struct ConnectionDeadlines
{
    enum class Phase {
        Idle,      // between requests
        Head,      // part of a request head has arrived
        Body,      // the head is complete, the body is arriving
        Handling,  // a handler holds the request and nothing is queued
        Sending,   // output is queued (whatever the request side is doing)
        Lingering, // we sent FIN and read until the client's
    };
    enum class Expired { Nothing, Head, Body, BodyStalled, Idle, SendStalled, Linger };

    qint64 requestStartedAt = 0; // first byte of the current request
    qint64 headCompletedAt = 0;  // the body deadline counts from here
    qint64 lastReadAt = 0;
    qint64 lastWriteAt = 0; // last progress of the output, or when the queue became non-empty
    qint64 idleSince = 0;   // connection accepted or last response complete
    qint64 lingerUntil = 0;

    // keepAliveLimit: how long an idle connection may wait for its next request (the header
    // timeout before its first one, a short grace while draining, the idle timeout otherwise).
    Expired check(Phase phase, const ServerLimits &limits, qint64 keepAliveLimitMs,
                  qint64 now) const
    {
        switch (phase) {
        case Phase::Idle:
            return now - idleSince >= keepAliveLimitMs ? Expired::Idle : Expired::Nothing;
        case Phase::Head:
            return now - requestStartedAt >= limits.headerTimeout.count() ? Expired::Head
                                                                          : Expired::Nothing;
        case Phase::Body:
            if (now - headCompletedAt >= limits.bodyTimeout.count())
                return Expired::Body;
            return now - lastReadAt >= limits.idleTimeout.count() ? Expired::BodyStalled
                                                                  : Expired::Nothing;
        case Phase::Handling:
            return Expired::Nothing; // the handler's time is the drain deadline's business
        case Phase::Sending:
            return now - lastWriteAt >= limits.sendTimeout.count() ? Expired::SendStalled
                                                                   : Expired::Nothing;
        case Phase::Lingering:
            return now >= lingerUntil ? Expired::Linger : Expired::Nothing;
        }
        return Expired::Nothing;
    }
};

} // namespace baton
