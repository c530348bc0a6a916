#include "remotesource.h"

#include "controllink.h"

#include <utility>

namespace baton::ui {

RemoteSource::RemoteSource(const QString &socketPath, QObject *parent)
    : PanelSource(parent), m_path(socketPath), m_link(new ControlLink(socketPath))
{
    m_view.status.listenAddress = socketPath;
    m_note = tr("attaching to %1").arg(m_path);
    m_thread.setObjectName(QStringLiteral("control-link"));
    m_link->moveToThread(&m_thread);
    // Queued: the link's signals come from its thread, in the order it sent them.
    connect(m_link, &ControlLink::viewChanged, this, &RemoteSource::onView);
    connect(m_link, &ControlLink::attached, this, [this](qint64 pid, qint64 startedAtMs) {
        m_attached = true;
        m_pid = pid;
        m_startedAtMs = startedAtMs;
        emit attached();
        emit stateChanged();
    });
    connect(m_link, &ControlLink::detached, this, [this] { m_attached = false; });
    connect(m_link, &ControlLink::stopped, this, &PanelSource::stopped);
    connect(m_link, &ControlLink::lineLogged, this, &PanelSource::lineLogged);
    connect(m_link, &ControlLink::noteChanged, this, [this](const QString &note) {
        m_note = note;
        emit stateChanged();
    });
    m_thread.start();
    QMetaObject::invokeMethod(m_link, &ControlLink::start, Qt::QueuedConnection);
}

RemoteSource::~RemoteSource()
{
    // Deleted in its own thread as the thread finishes (Qt runs pending deferred deletes
    // then), socket and timer with it; nothing it sends arrives here after the wait.
    m_link->deleteLater();
    m_thread.quit();
    m_thread.wait();
}

void RemoteSource::onView(const PanelView &view)
{
    const bool changed = view.status.state != m_view.status.state ||
                         view.status.generation != m_view.status.generation;
    // The previous view's rows are let go of in the link's thread, not here.
    dispose(std::exchange(m_view, view).snapshot.connections);
    if (changed)
        emit stateChanged();
}

void RemoteSource::dispose(QList<ConnectionInfo> &&list)
{
    letGoOfIn(m_link, std::move(list));
}

void RemoteSource::send(control::Command command, qint64 argument)
{
    if (!m_attached) {
        emit lineLogged(tr("panel: not attached: %1 not sent").arg(control::commandName(command)));
        return;
    }
    QMetaObject::invokeMethod(
        m_link, [link = m_link, command, argument] { link->send(command, argument); },
        Qt::QueuedConnection);
}

void RemoteSource::shutdown()
{
    send(control::Command::Shutdown);
}

void RemoteSource::restart()
{
    send(control::Command::Restart);
}

void RemoteSource::forceKill()
{
    send(control::Command::ForceKill);
}

void RemoteSource::extendDrain(std::chrono::milliseconds extra)
{
    send(control::Command::ExtendDrain, qint64(extra.count()));
}

void RemoteSource::forceDrainNow()
{
    send(control::Command::ForceDrainNow);
}

void RemoteSource::startAgain()
{
    send(control::Command::StartAgain);
}

} // namespace baton::ui
