#pragma once

#include "core/servercontext.h"

#include <QMutex>

#include <memory>

namespace baton {

// Lets routes built before any server exists read the current one (readiness, metrics). It
// refers to the generation's shared context, not the server, and a reader holds what it reads:
// a server replaced meanwhile (Start after a stop) cannot be read after it is gone. The link
// itself does not keep a context alive (the context's router holds the routes that hold the
// link: a strong reference would be a cycle).
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
        return m_context.lock();
    }

private:
    mutable QMutex m_mutex;
    std::weak_ptr<const ServerContext> m_context;
};

} // namespace baton
