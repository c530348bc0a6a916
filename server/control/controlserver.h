#pragma once

#include "control/controlaccess.h"
#include "control/controlprotocol.h"

#include <QObject>
#include <QStringList>

#include <memory>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace baton {

class LifecycleController;
class ListenSocket;

namespace control {

class ControlSession;

// The control socket (--control-socket): a Unix stream socket where `baton --attach` panels
// watch and steer this instance. It lives in the controller's thread beside the admin endpoint,
// checks each peer's credentials, and while at least one panel is attached sends them updates at
// the window's 10 Hz (nothing is gathered while nobody watches). Its listening socket goes to a
// restart's successor like the public one; once the successor has taken over, this process lets
// go of it and tells its panels, which attach again (to the successor) by themselves.
class ControlServer : public QObject
{
    Q_OBJECT
public:
    ControlServer(std::unique_ptr<ListenSocket> socket, ControlAccess access,
                  LifecycleController *controller);
    ~ControlServer() override;

    // What a restart passes to the successor; -1 once let go.
    int descriptor() const;
    QString path() const;
    int panelCount() const { return int(m_sessions.size()); }
    // At exit, unless a successor has the socket now.
    void removeSocketFile();

private:
    void onStateChanged();
    void startAccepting();
    void acceptPanels();
    void admit(int fd, const PeerCredentials &peer);
    void sendUpdates();
    void sendLog();
    void onLogLine(const QString &line);
    void onCommand(ControlSession *session, Command command, qint64 argument);
    void letGo();
    QCborMap welcome() const;

    std::unique_ptr<ListenSocket> m_socket;
    QString m_path;
    ControlAccess m_access;
    LifecycleController *m_controller;
    QSocketNotifier *m_acceptNotifier = nullptr;
    QTimer *m_updateTimer;
    std::vector<ControlSession *> m_sessions;
    QStringList m_recentLog;  // sent to a panel when it attaches
    QStringList m_pendingLog; // for the next update
    qint64 m_droppedLogLines = 0;
    bool m_lettingGo = false;
    qint64 m_startedAtMs; // the instance's, as near as the control socket knows
};

} // namespace control
} // namespace baton
