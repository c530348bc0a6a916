#include "lifecycle/lifecyclestatus.h"

#include "core/serversnapshot.h"

namespace baton {

QString lifecycleStateName(LifecycleStatus::State state)
{
    switch (state) {
    case LifecycleStatus::State::Starting:
        return QStringLiteral("Starting");
    case LifecycleStatus::State::Serving:
        return QStringLiteral("Serving");
    case LifecycleStatus::State::LameDuck:
        return QStringLiteral("Lame duck");
    case LifecycleStatus::State::Draining:
        return QStringLiteral("Draining");
    case LifecycleStatus::State::Restarting:
        return QStringLiteral("Restarting");
    case LifecycleStatus::State::Stopped:
        return QStringLiteral("Stopped");
    }
    return QString();
}

QList<ConnectionInfo> predecessorHolders(const ServerSnapshot &snapshot)
{
    QList<ConnectionInfo> holders =
        snapshot.drainHolders(LifecycleStatus::Predecessor::holderLimit);
    for (ConnectionInfo &holder : holders)
        holder.path.truncate(LifecycleStatus::Predecessor::holderPathLimit);
    return holders;
}

QString formatSeconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

QString formatCount(qint64 count, const char *noun)
{
    return QString::number(count) + u' ' + QLatin1String(noun) +
           (count == 1 ? QString() : QStringLiteral("s"));
}

} // namespace baton
