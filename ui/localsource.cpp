#include "localsource.h"

#include "core/logbroadcaster.h"
#include "lifecycle/lifecyclecontroller.h"
#include "net/monotonicclock.h"
#include "snapshottaker.h"

#include <QCoreApplication>

namespace baton::ui {

LocalSource::LocalSource(LifecycleController *controller, QObject *parent)
    : PanelSource(parent), m_controller(controller), m_startedAtMs(monotonicMs()),
      m_taker(new SnapshotTaker(
          [controller] {
              // Status first: whatever the snapshot lacks had ended before the status was read.
              PanelView view;
              view.status = controller->status();
              view.snapshot = controller->snapshot();
              return view;
          },
          this))
{
    connect(m_taker, &SnapshotTaker::taken, this, &LocalSource::onTaken);
    connect(controller, &LifecycleController::stateChanged, this,
            [this] { m_changeShownBy = m_taker->request(); });
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

// The taker's thread ends before the controller can go: the window (and so this source) is
// deleted before the server (Application, tst_mainwindow's cleanup()).
LocalSource::~LocalSource() = default;

PanelView LocalSource::latest()
{
    m_taker->request();
    // Only before the first pair has arrived (the window's first refresh, in its constructor).
    if (!m_latest)
        return {status(), snapshot()};
    return *m_latest;
}

void LocalSource::dispose(QList<ConnectionInfo> &&list)
{
    m_taker->dispose(std::move(list));
}

void LocalSource::onTaken(const PanelView &view, quint64 number)
{
    m_latest = view;
    if (m_changeShownBy != 0 && number >= m_changeShownBy) {
        m_changeShownBy = 0;
        emit stateChanged();
    }
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
