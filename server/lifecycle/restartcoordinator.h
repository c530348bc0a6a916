#pragma once

#include "lifecycle/lifecyclestatus.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>

namespace baton {

class ChildProcess;
class DeadlineTimer;
class RestartChannel;

// Both ends of a restart handover. In the old process it starts the successor (the executable
// at the path Baton was started from, with the listening socket at fd 3, the restart channel at
// fd 4, the connection-handover channel at fd 5 and, with --admin-listen, the admin listening
// socket at fd 6, named by BATON_ADMIN_LISTEN_FD), waits for its READY within the restart
// timeout, and afterwards reports the drain to it. In the new process it says READY and relays
// what the predecessor reports.
//
// Channel lines: "READY <pid> [handover=<versions>]" (new to old; the versions of the connection
// handover format it takes, comma-separated), "DRAINING <pid> <connections> <busy> <ms-left>
// <moved> <holders>" (holders: base64 of a CBOR array of the control protocol's connections, so
// the successor's window can list what holds the drain) and "EXITED <pid> <status>" (old to
// new). Readers ignore words they do not know, so
// either side may be an older or newer Baton.
class RestartCoordinator : public QObject
{
    Q_OBJECT
public:
    struct Launch
    {
        QString executable;
        QStringList arguments;
        quint32 generation = 1;  // the successor's
        QList<int> listenFds;    // the public listeners, passed as LISTEN_FDS from fd 3 on
        QStringList listenNames; // ...and named by LISTEN_FDNAMES
        std::chrono::milliseconds timeout{30'000};
        int adminListenFd = -1; // none without --admin-listen
        int controlFd = -1;     // the control socket, if any
    };

    explicit RestartCoordinator(QObject *parent = nullptr);
    ~RestartCoordinator() override;

    // Old process. False (and *error) when the successor could not even be started.
    bool startSuccessor(const Launch &launch, QString *error);
    // Old process: "NAME=value" entries the next successor gets on top of the usual ones.
    void setSuccessorEnvironment(QStringList entries)
    {
        m_successorEnvironment = std::move(entries);
    }
    // Kills a successor that is not ready yet; the old process serves on.
    void abandon();
    bool isWaitingForSuccessor() const;
    bool hasHandedOver() const { return m_handedOver; }
    qint64 successorPid() const;
    void reportDraining(qint64 connections, qint64 busy, qint64 msLeft, qint64 moved,
                        const QList<ConnectionInfo> &holders);
    // After successorReady(..., true): our end of the connection-handover channel (the caller
    // owns it from now on), or -1.
    int takeHandoverChannel();
    void reportExited(int exitCode);

    // New process: the channel the predecessor passed (BATON_RESTART_FD).
    void adoptPredecessorChannel(int fd);
    // New process: READY will say that connections can be handed over.
    void setTakesConnections(bool takes) { m_takesConnections = takes; }
    void announceReady();
    // Whether the sockets this process serves on are its own to remove: it started fresh, or
    // the predecessor that passed them has begun to drain (or exited) after our READY. Until
    // then a failed start leaves the predecessor serving on them.
    bool ownsInheritedSockets() const { return !m_predecessor || m_predecessorStatus.pid != 0; }

signals:
    // takesConnections: it speaks our connection-handover format.
    void successorReady(qint64 pid, qint64 afterMs, bool takesConnections);
    // Before it was ready: it exited, did not answer in time, or its channel broke.
    void successorFailed(const QString &why);
    // After the handover: the new generation exited (not our business, but worth a log line).
    void successorExited(const QString &description);

    // The previous generation reported its drain, exited, or its channel closed.
    void predecessorChanged(const baton::LifecycleStatus::Predecessor &predecessor);

private:
    void onSuccessorLine(const QByteArray &line);
    void onSuccessorExited(int waitStatus);
    void onPredecessorLine(const QByteArray &line);
    void fail(const QString &why);

    ChildProcess *m_successor = nullptr;
    RestartChannel *m_successorChannel = nullptr;
    RestartChannel *m_predecessor = nullptr;
    LifecycleStatus::Predecessor m_predecessorStatus;
    DeadlineTimer *m_readyDeadline;
    std::chrono::milliseconds m_timeout{0};
    qint64 m_startedAtMs = 0;
    bool m_waiting = false; // a successor runs and has not said READY yet
    bool m_handedOver = false;
    bool m_takesConnections = false;
    int m_handoverChannel = -1; // our end, until taken
    QStringList m_successorEnvironment;
};

} // namespace baton
