#pragma once

#include "control/controlprotocol.h"
#include "panelsource.h"

#include <QHash>
#include <QObject>

class QLocalSocket;
class QTimer;

namespace baton::ui {

// The attached panel's end of a control socket, in a thread of its own (RemoteSource owns both):
// parsing and decoding an update that carries 100,000 connections takes 100-300 ms, which the
// GUI thread cannot spare. It keeps the instance's status and connections as the updates
// describe them, on this machine's clock, hands the window a whole view per batch of messages,
// and attaches again by itself: at once after a restart's handover (the socket now belongs to
// the successor, so the panel follows to the next generation), and every second after the
// instance went away.
class ControlLink : public QObject
{
    Q_OBJECT
public:
    explicit ControlLink(const QString &socketPath);

    // In the link's thread: starts attaching.
    void start();
    // In the link's thread: a command to the instance, if attached.
    void send(control::Command command, qint64 argument);

signals:
    void viewChanged(const baton::ui::PanelView &view);
    void attached(qint64 pid, qint64 startedAtMs);
    void detached();
    void stopped(int exitCode);
    // Empty while attached; else why not.
    void noteChanged(const QString &note);
    void lineLogged(const QString &line);

private:
    void connectToInstance();
    void onConnected();
    void onReadable();
    void onDisconnected();
    void handle(const QCborMap &message);
    void applyUpdate(const QCborMap &message);
    void setNote(const QString &note);

    QString m_path;
    QLocalSocket *m_socket = nullptr;
    QTimer *m_retry = nullptr;
    control::FrameReader m_reader{control::maxServerMessage};
    bool m_attached = false;
    bool m_followingRestart = false;
    bool m_reportedStop = false;
    bool m_viewDirty = false; // an update arrived since the last view went out
    qint64 m_pid = 0;
    QString m_note;
    LifecycleStatus m_status;
    ServerSnapshot m_counters; // the connections are kept below
    QList<ConnectionInfo> m_connections;
    QHash<quint64, qsizetype> m_indexById;
};

} // namespace baton::ui
