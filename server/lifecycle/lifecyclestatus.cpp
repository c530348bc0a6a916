#include "lifecycle/lifecyclestatus.h"

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

QString formatSeconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
}

} // namespace baton

namespace baton {

QString countOf(qint64 count, const char *noun)
{
    return QStringLiteral("%1 %2%3")
        .arg(count)
        .arg(QLatin1String(noun))
        .arg(count == 1 ? QString() : QStringLiteral("s"));
}

} // namespace baton
