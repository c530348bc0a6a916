#pragma once

#include "core/serversnapshot.h"
#include "lifecycle/lifecyclestatus.h"

#include <QObject>
#include <QString>

#include <chrono>

namespace baton::ui {

// Lets go of `list` in `context`'s thread, once its event loop gets to it (see
// ConnectionStore::setDisposer for why).
inline void letGoOfIn(QObject *context, QList<ConnectionInfo> &&list)
{
    QMetaObject::invokeMethod(
        context, [list = std::move(list)]() mutable { list = {}; }, Qt::QueuedConnection);
}

// What one refresh of the window shows: a status and the snapshot read right after it. The
// drain report reads them as a pair (a connection missing from the snapshot finished before
// the status it is judged by), so they travel together.
struct PanelView
{
    LifecycleStatus status;
    ServerSnapshot snapshot;
};

// What the window shows and steers: the instance in this process (LocalSource) or one attached
// over its control socket (RemoteSource). The window has one code path for both, so what an
// operator sees cannot differ between them. Reads are cheap values, taken at the window's 10 Hz;
// commands return at once and act in the instance's own time.
class PanelSource : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual LifecycleStatus status() const = 0;
    virtual ServerSnapshot snapshot() const = 0;
    // What the window's refresh shows. Read in the GUI thread, so it must not wait for the
    // server: a source whose snapshot() joins lists hands out the latest pair it already has
    // instead, and emits stateChanged() once a pair taken after a state change is there.
    virtual PanelView latest() { return {status(), snapshot()}; }
    // Whether closing the window concerns the instance (in this process) or only the panel.
    virtual bool isLocal() const = 0;
    // What the window's title and tab name it after: the listen address, or the socket's path.
    virtual QString name() const = 0;
    // The serving process, and when it started (monotonicMs() on this machine's clock).
    virtual qint64 pid() const = 0;
    virtual qint64 startedAtMs() const = 0;
    // Empty while the instance can be watched; else why not (an attached panel that lost its
    // instance says so, and keeps showing what it last knew).
    virtual QString connectionNote() const { return {}; }

    // Lets go of a list the window no longer needs in a thread of the source's own, if it has
    // one (see ConnectionStore::setDisposer); else here.
    virtual void dispose(QList<ConnectionInfo> &&list) { list = {}; }

    virtual void shutdown() = 0;
    virtual void restart() = 0;
    virtual void forceKill() = 0;
    virtual void extendDrain(std::chrono::milliseconds extra) = 0;
    virtual void forceDrainNow() = 0;
    virtual void startAgain() = 0;

signals:
    void stateChanged();
    // The instance stopped; exitCode is its exit status.
    void stopped(int exitCode);
    void lineLogged(const QString &line);
};

} // namespace baton::ui

Q_DECLARE_METATYPE(baton::ui::PanelView)
