#pragma once

#include "panelsource.h"

#include <optional>

namespace baton {
class LifecycleController;
}

namespace baton::ui {

class SnapshotTaker;

// The instance in this process: reads the controller's thread-safe status and snapshot, and
// sends commands to its thread as queued calls (the same slots the Unix signals reach). The
// window's pairs are taken by a SnapshotTaker in a thread of its own: the snapshot joins every
// connection's row, too slow for the GUI thread at 100,000. status() and snapshot() still
// answer at once in the calling thread, for whoever needs the present (tests, a close).
class LocalSource : public PanelSource
{
    Q_OBJECT
public:
    explicit LocalSource(LifecycleController *controller, QObject *parent = nullptr);
    ~LocalSource() override;

    LifecycleStatus status() const override;
    ServerSnapshot snapshot() const override;
    // The latest pair taken, and a request for the next: what the window shows is at most
    // one refresh interval plus one join old.
    PanelView latest() override;
    void dispose(QList<ConnectionInfo> &&list) override;
    bool isLocal() const override { return true; }
    QString name() const override;
    qint64 pid() const override;
    qint64 startedAtMs() const override { return m_startedAtMs; }

    void shutdown() override;
    void restart() override;
    void forceKill() override;
    void extendDrain(std::chrono::milliseconds extra) override;
    void forceDrainNow() override;
    void startAgain() override;

private:
    template<typename Slot> void command(Slot slot);
    void onTaken(const PanelView &view, quint64 number);

    LifecycleController *m_controller;
    qint64 m_startedAtMs;
    SnapshotTaker *m_taker;
    std::optional<PanelView> m_latest;
    // The first pair taken after the controller's last state change: stateChanged() waits for
    // it, so the refresh it causes shows the new state with a snapshot of the same moment.
    quint64 m_changeShownBy = 0;
};

} // namespace baton::ui
