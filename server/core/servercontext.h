#pragma once

#include "core/serverconfig.h"

#include <QByteArray>

#include <atomic>
#include <memory>

namespace baton {

class Router;

// What every I/O thread of one server shares: read-only settings plus a few atomics.
struct ServerContext
{
    ServerLimits limits;
    std::shared_ptr<const Router> router;
    qint64 pid = 0;
    quint32 generation = 1;
    std::atomic<int> connectionCount{0};
    std::atomic<quint64> nextConnectionId{1};
    // Workers publish connection lists only while somebody has asked recently, so a server that
    // nobody watches pays nothing for the registry.
    std::atomic<qint64> snapshotRequestedAtMs{0};
};

} // namespace baton
