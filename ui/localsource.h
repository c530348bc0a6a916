#pragma once

#include "panelsource.h"

namespace baton {
class LifecycleController;
}

namespace baton::ui {

// The instance in this process: reads the controller's thread-safe status and snapshot, and
// sends commands to its thread as queued calls (the same slots the Unix signals reach).
class LocalSource : public PanelSource
{
    Q_OBJECT
public:
    explicit LocalSource(LifecycleController *controller, QObject *parent = nullptr);

    LifecycleStatus status() const override;
    ServerSnapshot snapshot() const override;
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

    LifecycleController *m_controller;
    qint64 m_startedAtMs;
};

} // namespace baton::ui
