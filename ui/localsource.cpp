#include "localsource.h"

#include "core/logbroadcaster.h"
#include "lifecycle/lifecyclecontroller.h"
#include "net/monotonicclock.h"

#include <QCoreApplication>

namespace baton::ui {

LocalSource::LocalSource(LifecycleController *controller, QObject *parent)
    : PanelSource(parent), m_controller(controller), m_startedAtMs(monotonicMs())
{
    connect(controller, &LifecycleController::stateChanged, this, &PanelSource::stateChanged);
    connect(controller, &LifecycleController::stopped, this, &PanelSource::stopped);
    connect(LogBroadcaster::instance(), &LogBroadcaster::lineLogged, this,
            &PanelSource::lineLogged);
}

LifecycleStatus LocalSource::status() const
{
    return m_controller->status();
}

ServerSnapshot LocalSource::snapshot() const
{
    return m_controller->snapshot();
}

qint64 LocalSource::pid() const
{
    return QCoreApplication::applicationPid();
}

QString LocalSource::name() const
{
    return m_controller->status().listenAddress;
}

template<typename Slot> void LocalSource::command(Slot slot)
{
    QMetaObject::invokeMethod(m_controller, slot, Qt::QueuedConnection);
}

void LocalSource::shutdown()
{
    command(&LifecycleController::shutdown);
}

void LocalSource::restart()
{
    command(&LifecycleController::restart);
}

void LocalSource::forceKill()
{
    command(&LifecycleController::forceKill);
}

void LocalSource::extendDrain(std::chrono::milliseconds extra)
{
    QMetaObject::invokeMethod(
        m_controller, [c = m_controller, extra] { c->extendDrain(extra); }, Qt::QueuedConnection);
}

void LocalSource::forceDrainNow()
{
    command(&LifecycleController::forceDrainNow);
}

void LocalSource::startAgain()
{
    command(&LifecycleController::startAgain);
}

} // namespace baton::ui
