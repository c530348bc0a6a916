#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <sys/socket.h>
#include <sys/un.h>
#include <utility>

namespace baton {

// The sd_notify protocol, spoken directly: with NOTIFY_SOCKET set, one AF_UNIX datagram per
// message to that path ('@' at the start: the abstract namespace), newline-separated KEY=VALUE.
// No libsystemd: the protocol is one datagram, and server/ links only Qt Core/Network and llhttp
// (a headless host need not carry another library for it).
//
// Never in the way of serving: the socket is non-blocking and close-on-exec, and a failure is
// logged once and otherwise ignored. After mainPidReady() this process is no longer the unit's
// main process, and it says nothing more (its drain is not the service stopping).
class SystemdNotifier
{
public:
    struct Address
    {
        sockaddr_un address{};
        socklen_t length = 0;
    };
    using Fields = QList<std::pair<QByteArray, QByteArray>>;

    // Beyond the time left to the drain deadline, the stop budget asked of systemd: the hard
    // stop after the deadline fits in it.
    static constexpr qint64 extendMarginMs = 5000;

    // The NOTIFY_SOCKET value as a socket address; nullopt (and *error) for one we cannot use.
    static std::optional<Address> parseAddress(const QByteArray &value, QString *error);
    // "KEY=VALUE\n..."; a newline in a value becomes a space (it would end the field).
    static QByteArray format(const Fields &fields);
    // EXTEND_TIMEOUT_USEC for a drain with msLeft to its deadline.
    static qint64 extendTimeoutUsec(qint64 msLeft)
    {
        return (qMax<qint64>(0, msLeft) + extendMarginMs) * 1000;
    }
    // The STATUS of a drain in progress.
    static QString drainStatus(qint64 connections, qint64 msLeft);

    // address: the NOTIFY_SOCKET value; empty means systemd is not listening (all calls do
    // nothing).
    explicit SystemdNotifier(const QByteArray &address);
    ~SystemdNotifier();
    SystemdNotifier(const SystemdNotifier &) = delete;
    SystemdNotifier &operator=(const SystemdNotifier &) = delete;

    bool isEnabled() const { return m_address.has_value(); }

    // READY=1: serving.
    void ready(const QString &status);
    // RELOADING=1 with MONOTONIC_USEC (systemd >= 253 requires it): a restart began.
    void reloading(const QString &status);
    // The successor serves: MAINPID=<pid> and READY=1 in one datagram, so that systemd takes
    // both from the process it still knows as main. Afterwards this process is silent.
    void mainPidReady(qint64 pid, const QString &status);
    // READY=1 again after a restart that failed; this process serves on.
    void restartFailed(const QString &why);
    // STOPPING=1.
    void stopping(const QString &status);
    // A drain's progress: STATUS, and EXTEND_TIMEOUT_USEC while it makes progress (a request
    // is in hand, or since the last report a request was answered or a connection closed).
    void draining(qint64 connections, qint64 busy, quint64 requests, qint64 msLeft);

    bool send(const Fields &fields);

private:
    std::optional<Address> m_address;
    int m_fd = -1;
    bool m_errorLogged = false;
    bool m_silent = false;
    qint64 m_lastConnections = -1;
    quint64 m_lastRequests = 0;

    void logOnce(const QString &error);
};

} // namespace baton
