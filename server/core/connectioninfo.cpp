#include "core/connectioninfo.h"
#include "core/serversnapshot.h"

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

} // namespace baton
