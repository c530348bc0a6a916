#include "lifecycle/systemdnotifier.h"

#include "core/logging.h"
#include "lifecycle/lifecyclestatus.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace baton {

namespace {

qint64 monotonicUsec()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

} // namespace

std::optional<SystemdNotifier::Address> SystemdNotifier::parseAddress(const QByteArray &value,
                                                                      QString *error)
{
    if (value.isEmpty()) {
        *error = QStringLiteral("NOTIFY_SOCKET is empty");
        return std::nullopt;
    }
    if (value[0] != '/' && value[0] != '@') {
        *error = QStringLiteral("NOTIFY_SOCKET=%1: not a path or an abstract socket name "
                                "(only AF_UNIX is supported)")
                     .arg(QString::fromLocal8Bit(value));
        return std::nullopt;
    }
    Address result;
    // A path needs room for its terminating NUL; an abstract name has none.
    const qsizetype room = qsizetype(sizeof(result.address.sun_path)) - (value[0] == '/' ? 1 : 0);
    if (value.size() > room || (value[0] == '@' && value.size() < 2)) {
        *error = QStringLiteral("NOTIFY_SOCKET=%1: not a usable socket address")
                     .arg(QString::fromLocal8Bit(value));
        return std::nullopt;
    }
    result.address.sun_family = AF_UNIX;
    std::memcpy(result.address.sun_path, value.constData(), size_t(value.size()));
    if (value[0] == '@')
        result.address.sun_path[0] = '\0';
    result.length = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(value.size()) +
                              (value[0] == '/' ? 1 : 0));
    return result;
}

QByteArray SystemdNotifier::format(const Fields &fields)
{
    QByteArray message;
    for (const auto &[key, value] : fields) {
        QByteArray clean = value;
        clean.replace('\n', ' ');
        message += key + '=' + clean + '\n';
    }
    return message;
}

QString SystemdNotifier::drainStatus(qint64 connections, qint64 msLeft)
{
    return QStringLiteral("draining %1, %2 s left")
        .arg(formatCount(connections, "connection"))
        .arg((qMax<qint64>(0, msLeft) + 999) / 1000);
}

SystemdNotifier::SystemdNotifier(const QByteArray &address)
{
    if (address.isEmpty())
        return;
    QString error;
    m_address = parseAddress(address, &error);
    if (!m_address) {
        logOnce(error);
        return;
    }
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_fd < 0)
        logOnce(QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(strerror(errno))));
}

SystemdNotifier::~SystemdNotifier()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void SystemdNotifier::logOnce(const QString &error)
{
    if (std::exchange(m_errorLogged, true))
        return;
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("systemd notification failed (ignored from now on): %1").arg(error);
}

bool SystemdNotifier::send(const Fields &fields)
{
    if (!m_address || m_fd < 0 || m_silent)
        return false;
    const QByteArray message = format(fields);
    ssize_t sent;
    do {
        sent = ::sendto(m_fd, message.constData(), size_t(message.size()), MSG_NOSIGNAL,
                        reinterpret_cast<const sockaddr *>(&m_address->address), m_address->length);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        logOnce(QStringLiteral("sending to NOTIFY_SOCKET: %1")
                    .arg(QString::fromLocal8Bit(strerror(errno))));
        return false;
    }
    return true;
}

void SystemdNotifier::ready(const QString &status)
{
    send({{"READY", "1"}, {"STATUS", status.toUtf8()}});
}

void SystemdNotifier::reloading(const QString &status)
{
    send({{"RELOADING", "1"},
          {"MONOTONIC_USEC", QByteArray::number(monotonicUsec())},
          {"STATUS", status.toUtf8()}});
}

void SystemdNotifier::mainPidReady(qint64 pid, const QString &status)
{
    send({{"MAINPID", QByteArray::number(pid)}, {"READY", "1"}, {"STATUS", status.toUtf8()}});
    m_silent = true;
}

void SystemdNotifier::restartFailed(const QString &why)
{
    send({{"READY", "1"},
          {"STATUS", QStringLiteral("restart failed: %1; still serving").arg(why).toUtf8()}});
}

void SystemdNotifier::stopping(const QString &status)
{
    send({{"STOPPING", "1"}, {"STATUS", status.toUtf8()}});
}

void SystemdNotifier::draining(qint64 connections, qint64 busy, quint64 requests, qint64 msLeft)
{
    if (!isEnabled() || m_silent)
        return;
    const bool progressing = busy > 0 || m_lastConnections < 0 || connections < m_lastConnections ||
                             requests > m_lastRequests;
    m_lastConnections = connections;
    m_lastRequests = requests;
    Fields fields{{"STATUS", drainStatus(connections, msLeft).toUtf8()}};
    // Never beyond the deadline: the time left to it, plus the hard stop's margin.
    if (progressing && msLeft > 0)
        fields.append({"EXTEND_TIMEOUT_USEC", QByteArray::number(extendTimeoutUsec(msLeft))});
    send(fields);
}

} // namespace baton
