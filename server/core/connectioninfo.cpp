#include "core/connectioninfo.h"
#include "core/serversnapshot.h"

#include <algorithm>
#include <vector>

namespace baton {

QString connectionStateName(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Idle:
        return QStringLiteral("idle");
    case ConnectionState::Reading:
        return QStringLiteral("reading");
    case ConnectionState::Busy:
        return QStringLiteral("busy");
    case ConnectionState::Writing:
        return QStringLiteral("writing");
    case ConnectionState::Closing:
        return QStringLiteral("closing");
    case ConnectionState::Moving:
        return QStringLiteral("moving");
    }
    return QStringLiteral("unknown");
}

qint64 ServerSnapshot::openConnections() const
{
    qint64 total = 0;
    for (qint64 count : connectionsByState)
        total += count;
    return total;
}

QList<ConnectionInfo> ServerSnapshot::drainHolders(int limit) const
{
    std::vector<const ConnectionInfo *> open;
    open.reserve(size_t(connections.size()));
    for (const ConnectionInfo &info : connections)
        if (info.state != ConnectionState::Moving)
            open.push_back(&info);
    const auto longestFirst = [](const ConnectionInfo *a, const ConnectionInfo *b) {
        // 0 is "no request in flight": after every request, whatever its start.
        const bool aInFlight = a->requestStartedAtMs != 0;
        const bool bInFlight = b->requestStartedAtMs != 0;
        if (aInFlight != bInFlight)
            return aInFlight;
        if (a->requestStartedAtMs != b->requestStartedAtMs)
            return a->requestStartedAtMs < b->requestStartedAtMs;
        if (a->connectedAtMs != b->connectedAtMs)
            return a->connectedAtMs < b->connectedAtMs;
        return a->id < b->id;
    };
    const size_t kept = std::min(open.size(), size_t(std::max(0, limit)));
    std::partial_sort(open.begin(), open.begin() + qsizetype(kept), open.end(), longestFirst);
    QList<ConnectionInfo> holders;
    holders.reserve(qsizetype(kept));
    for (size_t i = 0; i < kept; ++i)
        holders.append(*open[i]);
    return holders;
}

} // namespace baton
