#pragma once

#include <atomic>

namespace baton {

class HttpServer;

// Lets routes built before the server exists ask it about readiness and metrics later.
class ServerLink
{
public:
    void attach(const HttpServer *server) { m_server.store(server); }
    const HttpServer *server() const { return m_server.load(); }

private:
    std::atomic<const HttpServer *> m_server{nullptr};
};

} // namespace baton
