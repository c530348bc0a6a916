#pragma once

#include "core/lifecyclecounters.h"
#include "core/servercontext.h"

#include <QMutex>

#include <atomic>

#include <memory>

namespace baton {

class AccessLog;

// Lets routes built before any server exists read the current one (readiness, metrics). It
// refers to the generation's shared context, not the server, and a reader holds what it reads:
// a server replaced meanwhile (Start after a stop) cannot be read after it is gone. The link
// itself does not keep a context alive (the context's router holds the routes that hold the
// link: a strong reference would be a cycle).
//
// It also carries what belongs to the process rather than to a generation: the lifecycle
// counters and the access log every generation writes to.
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

    LifecycleCounters &lifecycle() { return m_lifecycle; }
    const LifecycleCounters &lifecycle() const { return m_lifecycle; }

    // Null when there is none (--access-log not given).
    void setAccessLog(std::shared_ptr<AccessLog> log)
    {
        QMutexLocker locker(&m_mutex);
        m_accessLog = std::move(log);
    }
    std::shared_ptr<AccessLog> accessLog() const
    {
        QMutexLocker locker(&m_mutex);
        return m_accessLog;
    }

    // Whether the application behind the routes says it is ready (Server::setReady).
    void setApplicationReady(bool ready) { m_applicationReady.store(ready); }
    bool isApplicationReady() const { return m_applicationReady.load(); }

private:
    std::atomic<bool> m_applicationReady{true};
    mutable QMutex m_mutex;
    std::weak_ptr<const ServerContext> m_context;
    std::shared_ptr<AccessLog> m_accessLog;
    LifecycleCounters m_lifecycle;
};

} // namespace baton
