#pragma once

#include "control/controlprotocol.h"
#include "panelsource.h"

#include <QHash>
#include <QLocalSocket>

class QTimer;

namespace baton::ui {

// An instance attached over its control socket (baton --attach PATH). It keeps the instance's
// status and connections as the updates describe them, on this machine's clock, and attaches
// again by itself: at once after a restart's handover (the socket now belongs to the successor,
// so the panel follows to the next generation), and every second after the instance went away.
class RemoteSource : public PanelSource
{
    Q_OBJECT
public:
    explicit RemoteSource(const QString &socketPath, QObject *parent = nullptr);

    LifecycleStatus status() const override { return m_status; }
    ServerSnapshot snapshot() const override;
    bool isLocal() const override { return false; }
    QString name() const override { return m_path; }
    QString connectionNote() const override { return m_note; }

    qint64 pid() const override { return m_pid; }
    qint64 startedAtMs() const override { return m_startedAtMs; }
    bool isAttached() const { return m_attached; }

    void shutdown() override;
    void restart() override;
    void forceKill() override;
    void extendDrain(std::chrono::milliseconds extra) override;
    void forceDrainNow() override;
    void startAgain() override;

signals:
    void attached();

private:
    void connectToInstance();
    void onConnected();
    void onReadable();
    void onDisconnected();
    void handle(const QCborMap &message);
    void applyUpdate(const QCborMap &message);
    void send(control::Command command, qint64 argument = 0);
    void setNote(const QString &note);

    QString m_path;
    QLocalSocket *m_socket;
    QTimer *m_retry;
    control::FrameReader m_reader{control::maxServerMessage};
    bool m_attached = false;
    bool m_followingRestart = false;
    bool m_reportedStop = false;
    qint64 m_pid = 0;
    qint64 m_startedAtMs = 0;
    QString m_note;
    LifecycleStatus m_status;
    ServerSnapshot m_snapshot; // counters; the connections are kept below
    QList<ConnectionInfo> m_connections;
    QHash<quint64, qsizetype> m_indexById;
};

} // namespace baton::ui
