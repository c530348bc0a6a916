#include "control/controlsession.h"

#include "core/logging.h"

#include <QCborArray>
#include <QHashFunctions>
#include <QSocketNotifier>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace baton::control {

namespace {

// A panel that stops reading while log lines pile up is let go beyond this.
constexpr qsizetype maxPendingOutput = 64 * 1024 * 1024;
constexpr int helloTimeoutMs = 10'000;

quint64 fingerprint(const ConnectionInfo &c)
{
    return qHashMulti(0, int(c.state), c.draining, c.requestStartedAtMs, c.requestsServed,
                      c.bytesIn, c.bytesOut, c.path);
}

} // namespace

ControlSession::ControlSession(int fd, PeerCredentials peer, QObject *parent)
    : QObject(parent), m_fd(fd), m_peer(peer),
      m_readNotifier(new QSocketNotifier(fd, QSocketNotifier::Read, this)),
      m_writeNotifier(new QSocketNotifier(fd, QSocketNotifier::Write, this))
{
    m_writeNotifier->setEnabled(false);
    // A connection that never says hello does not keep its descriptor.
    QTimer::singleShot(helloTimeoutMs, this, [this] {
        if (!m_welcomed && m_fd >= 0 && !m_closing)
            fail(QStringLiteral("no hello within %1 s").arg(helloTimeoutMs / 1000));
    });
    connect(m_readNotifier, &QSocketNotifier::activated, this, &ControlSession::onReadable);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &ControlSession::onWritable);
}

ControlSession::~ControlSession()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void ControlSession::onReadable()
{
    char buffer[16384];
    for (;;) {
        const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (got > 0) {
            m_reader.append(QByteArray(buffer, qsizetype(got)));
            while (const auto message = m_reader.next()) {
                handle(*message);
                if (m_fd < 0 || m_closing)
                    return;
            }
            if (m_reader.failed()) {
                fail(m_reader.error());
                return;
            }
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got < 0 && errno == EINTR)
            continue;
        closeNow(); // the panel went away
        return;
    }
}

void ControlSession::handle(const QCborMap &message)
{
    const QString type = message.value(QLatin1StringView("type")).toString();
    if (!m_welcomed) {
        if (type != u"hello") {
            fail(QStringLiteral("\"%1\" before hello").arg(type));
            return;
        }
        const qint64 version = integerOf(message.value(QLatin1StringView("version")), -1);
        if (version != protocolVersion) {
            send(QCborMap{{QLatin1StringView("type"), QStringLiteral("error")},
                          {QLatin1StringView("message"),
                           QStringLiteral("this Baton speaks control protocol version %1, not %2")
                               .arg(protocolVersion)
                               .arg(version)}});
            fail(QStringLiteral("protocol version %1 (this Baton speaks %2)")
                     .arg(version)
                     .arg(protocolVersion));
            return;
        }
        m_welcomed = true;
        emit helloReceived();
        return;
    }
    if (type != u"command") {
        fail(QStringLiteral("an unknown message \"%1\"").arg(type));
        return;
    }
    const QString name = message.value(QLatin1StringView("command")).toString();
    const auto command = commandFromName(name);
    if (!command) {
        fail(QStringLiteral("an unknown command \"%1\"").arg(name));
        return;
    }
    emit commandReceived(*command, integerOf(message.value(QLatin1StringView("argument"))));
}

void ControlSession::send(const QCborMap &message)
{
    if (m_fd < 0)
        return;
    m_out.append(frame(message));
    if (m_out.size() > maxPendingOutput) {
        fail(QStringLiteral("it reads nothing (%1 bytes waiting)").arg(m_out.size()));
        return;
    }
    flush();
}

void ControlSession::sendUpdate(const LifecycleStatus &status, const ServerSnapshot &snapshot,
                                qint64 nowMs)
{
    const bool first = m_round == 0;
    ++m_round;
    QCborArray set;
    for (const ConnectionInfo &info : snapshot.connections) {
        Sent &sent = m_sent[info.id];
        const quint64 print = fingerprint(info);
        if (sent.round == 0 || sent.fingerprint != print)
            set.append(encodeConnection(info));
        sent.fingerprint = print;
        sent.round = m_round;
    }
    QCborArray removed;
    for (auto it = m_sent.begin(); it != m_sent.end();) {
        if (it->round != m_round) {
            removed.append(qint64(it.key()));
            it = m_sent.erase(it);
        } else {
            ++it;
        }
    }
    send(QCborMap{{QLatin1StringView("type"), QStringLiteral("update")},
                  {QLatin1StringView("now"), nowMs},
                  {QLatin1StringView("snapshotAt"), snapshot.takenAtMs},
                  {QLatin1StringView("full"), first},
                  {QLatin1StringView("status"), encodeStatus(status)},
                  {QLatin1StringView("counters"), encodeCounters(snapshot)},
                  {QLatin1StringView("set"), set},
                  {QLatin1StringView("removed"), removed}});
}

void ControlSession::flush()
{
    while (!m_out.isEmpty()) {
        const ssize_t sent = ::send(m_fd, m_out.constData(), size_t(m_out.size()), MSG_NOSIGNAL);
        if (sent > 0) {
            m_out.remove(0, qsizetype(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_writeNotifier->setEnabled(true);
            return;
        }
        closeNow();
        return;
    }
    m_writeNotifier->setEnabled(false);
    if (m_closing)
        closeNow();
}

void ControlSession::onWritable()
{
    flush();
}

void ControlSession::closeAfterSending()
{
    m_closing = true;
    m_readNotifier->setEnabled(false);
    flush();
    // A panel that reads nothing does not keep its descriptor.
    if (m_fd >= 0)
        QTimer::singleShot(1000, this, &ControlSession::closeNow);
}

void ControlSession::fail(const QString &why)
{
    qCWarning(lcLifecycle).noquote()
        << QStringLiteral("control: closed the panel connection of uid %1 (pid %2): %3")
               .arg(m_peer.uid)
               .arg(m_peer.pid)
               .arg(why);
    closeAfterSending();
}

void ControlSession::closeNow()
{
    if (m_fd < 0)
        return;
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
    emit closed();
}

} // namespace baton::control
