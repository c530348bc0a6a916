#pragma once

#include <baton/router.h>

#include <QObject>
#include <QString>

#include <chrono>
#include <memory>

namespace baton {

class ServerPrivate;

// exec: a restart starts a new process (a new pid), which can run a new executable. reload: it
// starts a new server generation inside this process, for supervisors that follow one pid.
enum class RestartMode { Exec, Reload };

// An HTTP/1.1 server with Baton's lifecycle, for programs that bring their own main loop (a
// QCoreApplication or QApplication of their own); baton::Application wraps one with the command
// line, Unix signals and the window.
//
// It serves on I/O threads of its own and keeps its state machine on a control thread, so the
// thread that owns it (a GUI thread, say) never runs server code. shutdown() drains: no new
// connections, in-flight requests finish, idle connections close. restart() hands the listening
// socket and the open connections to a successor (exec: this executable started again with the
// same arguments, which must create its Server the same way) and drains what is left. Nothing is
// refused or cut on the way.
//
// Settings are read by start(); set them before.
class Server : public QObject
{
    Q_OBJECT
public:
    explicit Server(QObject *parent = nullptr);
    ~Server() override;

    // The routes every generation serves (a copy is taken at start()).
    Router &router();

    // "HOST:PORT" (default 127.0.0.1:8080; port 0 picks a free port, "*:PORT" listens
    // everywhere). Sockets passed by systemd (LISTEN_FDS) or a predecessor win over it.
    void setListenAddress(const QString &address);
    // /healthz, /readyz and /metrics there ("HOST:PORT" or "unix:PATH") instead of on the
    // public port; empty (default): on the public port, unless the router has its own.
    void setAdminListenAddress(const QString &address);
    void setThreadCount(int count);                            // default: one per available core
    void setDrainTimeout(std::chrono::milliseconds timeout);   // default 30 s
    void setLameDuck(std::chrono::milliseconds period);        // default 0
    void setRestartTimeout(std::chrono::milliseconds timeout); // default 30 s
    void setRestartMode(RestartMode mode);                     // default Exec
    // On restart, move open connections to the successor (default) instead of closing them.
    void setConnectionHandover(bool enabled);
    void setPidFile(const QString &path);
    // Where control panels attach (baton --attach PATH): a Unix socket path, or "none". Empty
    // (default): $RUNTIME_DIRECTORY/control.sock under systemd, else
    // $XDG_RUNTIME_DIR/baton/PROGRAM-PORT.sock, else none. A path that cannot be had fails
    // start(); a restart hands the socket to the successor like the listeners.
    void setControlSocket(const QString &path);
    // Members of this group may attach too (the socket becomes 0660 and group-owned); default:
    // only this user and root. An unknown group fails start().
    void setControlGroup(const QString &group);
    // The Server header's value (default "Baton").
    void setServerHeader(const QByteArray &value);
    // X-Baton-Pid and X-Baton-Generation on every response (default on): which process and
    // generation answered, which is how a restart can be watched from outside.
    void setIdentityHeaders(bool enabled);

    // Binds (or adopts the sockets passed in) and starts serving; listening() follows. False,
    // with a one-line reason, when there is nothing to listen on.
    bool start(QString *errorMessage = nullptr);

    // Thread-safe. Whether the application behind the routes is ready (default true). Until it
    // is: /readyz answers 503, systemd hears no READY=1, and a successor started by a restart
    // does not take over (its predecessor serves on) -- so warm-up can be finished first.
    void setReady(bool ready);
    bool isReady() const;
    // As bound ("127.0.0.1:41234"), once listening.
    QString listenAddress() const;
    quint32 generation() const;

public slots:
    // Graceful shutdown (SIGINT); a second one during the drain forces it.
    void shutdown();
    // Zero-loss restart (SIGHUP).
    void restart();
    // Abort every connection and stop at once (SIGUSR2).
    void forceKill();

signals:
    // New connections are served (at the first start, and when serving resumes).
    void listening();
    // No new connections from now on: a shutdown, or this process handing over to a successor.
    // The requests still in flight finish after this.
    void drainStarted();
    // Nothing is left to serve; the process should exit with exitCode.
    void stopped(int exitCode);

private:
    friend class ServerPrivate;
    std::unique_ptr<ServerPrivate> d;
};

} // namespace baton
