#pragma once

#include "core/servercontext.h"

#include <QMutex>

#include <memory>

namespace baton {

// Lets routes built before any server exists read the current one (readiness, metrics). It
// holds the generation's shared context, not the server: a reader keeps what it reads alive, so
// a server replaced meanwhile (Start after a stop) cannot be read after it is gone.
class ServerLink
{
public:
    void attach(std::shared_ptr<const ServerContext> context)
    {
        QMutexLocker locker(&m_mutex);
        m_context = std::move(context);
    }
    std::shared_ptr<const ServerContext> current() const
    {
        QMutexLocker locker(&m_mutex);
        return m_context;
    }

private:
    mutable QMutex m_mutex;
    std::shared_ptr<const ServerContext> m_context;
};

} // namespace baton
