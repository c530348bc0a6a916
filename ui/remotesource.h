#pragma once

#include "control/controlprotocol.h"
#include "panelsource.h"

#include <QThread>

namespace baton::ui {

class ControlLink;

// An instance attached over its control socket (baton --attach PATH). The socket, the decoding
// and the instance's connections live in a ControlLink on a thread of its own; this side keeps
// the latest view it handed over and forwards commands, so the window's refresh never waits for
// a large update to be read.
class RemoteSource : public PanelSource
{
    Q_OBJECT
public:
    explicit RemoteSource(const QString &socketPath, QObject *parent = nullptr);
    ~RemoteSource() override;

    LifecycleStatus status() const override { return m_view.status; }
    ServerSnapshot snapshot() const override { return m_view.snapshot; }
    bool isLocal() const override { return false; }
    QString name() const override { return m_path; }
    QString connectionNote() const override { return m_note; }

    qint64 pid() const override { return m_pid; }
    qint64 startedAtMs() const override { return m_startedAtMs; }
    bool isAttached() const { return m_attached; }

    void dispose(QList<ConnectionInfo> &&list) override;

    void shutdown() override;
    void restart() override;
    void forceKill() override;
    void extendDrain(std::chrono::milliseconds extra) override;
    void forceDrainNow() override;
    void startAgain() override;

signals:
    void attached();

private:
    void onView(const PanelView &view);
    void send(control::Command command, qint64 argument = 0);

    QString m_path;
    QThread m_thread;
    ControlLink *m_link; // lives in m_thread
    PanelView m_view;
    bool m_attached = false;
    qint64 m_pid = 0;
    qint64 m_startedAtMs = 0;
    QString m_note;
};

} // namespace baton::ui
