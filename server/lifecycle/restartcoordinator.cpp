#include "lifecycle/restartcoordinator.h"

#include "control/controlprotocol.h"
#include "core/logging.h"
#include "handover/handovermessage.h"
#include "lifecycle/childprocess.h"
#include "lifecycle/restartchannel.h"
#include "net/deadlinetimer.h"
#include "net/monotonicclock.h"

#include <QCborArray>

#include <csignal>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace baton {

namespace {

// Holders travel in the control protocol's form (CBOR), base64 so a line stays a line. Both
// processes read the same monotonic clock: times need no shift.
QByteArray encodeHolders(const QList<ConnectionInfo> &holders)
{
    return control::encodeHolders(holders).toCborValue().toCbor().toBase64();
}

QList<ConnectionInfo> decodeHolders(const QByteArray &word)
{
    return control::decodeHolders(QCborValue::fromCbor(QByteArray::fromBase64(word)).toArray(), 0);
}

// The connection-handover formats a READY line names ("handover=1,2"), and whether ours is one.
bool speaksOurHandover(const QByteArray &line)
{
    for (const QByteArray &word : line.split(' ')) {
        if (!word.startsWith("handover="))
            continue;
        for (const QByteArray &version : word.mid(9).split(',')) {
            bool ok = false;
            if (version.toUInt(&ok) == handover::version && ok)
                return true;
        }
    }
    return false;
}

void closeIfOpen(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

} // namespace

RestartCoordinator::RestartCoordinator(QObject *parent)
    : QObject(parent), m_readyDeadline(new DeadlineTimer(this))
{
    connect(m_readyDeadline, &DeadlineTimer::expired, this, [this] {
        fail(QStringLiteral("it was not ready within %1").arg(formatSeconds(m_timeout.count())));
    });
}

RestartCoordinator::~RestartCoordinator()
{
    closeIfOpen(m_handoverChannel);
}

bool RestartCoordinator::startSuccessor(const Launch &launch, QString *error)
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        *error = QStringLiteral("socketpair: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    // Datagrams, each whole or not at all, each with its connection's descriptor.
    int connections[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, connections) != 0) {
        *error = QStringLiteral("socketpair: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        ::close(pair[0]);
        ::close(pair[1]);
        return false;
    }
    delete m_successor;
    delete m_successorChannel;
    closeIfOpen(m_handoverChannel);
    m_successor = new ChildProcess(this);
    m_successorChannel = new RestartChannel(pair[0], this);
    m_handoverChannel = connections[0];
    // The listeners first (LISTEN_FDS counts from 3), then the two channels; with one listener
    // these are fds 4 and 5, as older Batons expect.
    const int listeners = int(launch.listenFds.size());
    QStringList environment{QStringLiteral("BATON_GENERATION=%1").arg(launch.generation),
                            QStringLiteral("BATON_RESTART_FD=%1").arg(3 + listeners),
                            QStringLiteral("BATON_HANDOVER_FD=%1").arg(4 + listeners)};
    if (!launch.listenNames.isEmpty())
        environment.append(QStringLiteral("LISTEN_FDNAMES=") + launch.listenNames.join(u':'));
    environment += m_successorEnvironment;
    QList<int> descriptors = launch.listenFds;
    descriptors << pair[1] << connections[1];
    // After the others, so that their numbers stay what older Batons expect; not in LISTEN_FDS,
    // which names the public sockets only.
    if (launch.adminListenFd >= 0) {
        environment.append(QStringLiteral("BATON_ADMIN_LISTEN_FD=%1").arg(5 + listeners));
        descriptors.append(launch.adminListenFd);
    }
    if (launch.controlFd >= 0) {
        environment.append(QStringLiteral("BATON_CONTROL_FD=%1").arg(3 + descriptors.size()));
        descriptors.append(launch.controlFd);
    }
    const bool started = m_successor->start(launch.executable, launch.arguments, environment,
                                            descriptors, listeners, error);
    ::close(pair[1]);
    ::close(connections[1]);
    if (!started) {
        closeIfOpen(m_handoverChannel);
        delete m_successorChannel;
        m_successorChannel = nullptr;
        return false;
    }
    connect(m_successor, &ChildProcess::exited, this, &RestartCoordinator::onSuccessorExited);
    connect(m_successorChannel, &RestartChannel::lineReceived, this,
            &RestartCoordinator::onSuccessorLine);
    m_handedOver = false;
    m_waiting = true;
    m_timeout = launch.timeout;
    m_startedAtMs = monotonicMs();
    m_readyDeadline->start(launch.timeout);
    return true;
}

bool RestartCoordinator::isWaitingForSuccessor() const
{
    return m_waiting;
}

qint64 RestartCoordinator::successorPid() const
{
    return m_successor ? m_successor->pid() : 0;
}

void RestartCoordinator::abandon()
{
    if (!m_waiting)
        return;
    m_waiting = false;
    m_readyDeadline->stop();
    if (m_successor->isRunning())
        m_successor->kill(SIGKILL);
    if (m_successorChannel)
        m_successorChannel->close();
    closeIfOpen(m_handoverChannel);
}

void RestartCoordinator::fail(const QString &why)
{
    if (!m_waiting)
        return;
    abandon();
    emit successorFailed(why);
}

void RestartCoordinator::onSuccessorLine(const QByteArray &line)
{
    if (!line.startsWith("READY") || !isWaitingForSuccessor())
        return;
    m_readyDeadline->stop();
    m_waiting = false;
    m_handedOver = true;
    const bool takesConnections = speaksOurHandover(line) && m_handoverChannel >= 0;
    if (!takesConnections)
        closeIfOpen(m_handoverChannel);
    emit successorReady(m_successor->pid(), monotonicMs() - m_startedAtMs, takesConnections);
}

void RestartCoordinator::onSuccessorExited(int waitStatus)
{
    if (m_handedOver) {
        emit successorExited(describeWaitStatus(waitStatus));
        return;
    }
    fail(QStringLiteral("it %1 before it was ready").arg(describeWaitStatus(waitStatus)));
}

void RestartCoordinator::reportDraining(qint64 connections, qint64 busy, qint64 msLeft,
                                        qint64 moved, const QList<ConnectionInfo> &holders)
{
    if (m_successorChannel && m_handedOver)
        m_successorChannel->send("DRAINING " + QByteArray::number(::getpid()) + ' ' +
                                 QByteArray::number(connections) + ' ' + QByteArray::number(busy) +
                                 ' ' + QByteArray::number(msLeft) + ' ' +
                                 QByteArray::number(moved) + ' ' + encodeHolders(holders));
}

int RestartCoordinator::takeHandoverChannel()
{
    return std::exchange(m_handoverChannel, -1);
}

void RestartCoordinator::reportExited(int exitCode)
{
    if (!m_successorChannel)
        return;
    m_successorChannel->send("EXITED " + QByteArray::number(::getpid()) + ' ' +
                             QByteArray::number(exitCode));
    // The process exits next: what the socket has not taken yet gets a moment, not forever.
    m_successorChannel->flush(1000);
    m_successorChannel->close();
}

void RestartCoordinator::adoptPredecessorChannel(int fd)
{
    m_predecessor = new RestartChannel(fd, this);
    connect(m_predecessor, &RestartChannel::lineReceived, this,
            &RestartCoordinator::onPredecessorLine);
    connect(m_predecessor, &RestartChannel::disconnected, this, [this] {
        m_predecessorStatus.draining = false;
        m_predecessorStatus.holders.clear();
        emit predecessorChanged(m_predecessorStatus);
    });
}

void RestartCoordinator::announceReady()
{
    if (m_predecessor)
        m_predecessor->send("READY " + QByteArray::number(::getpid()) +
                            (m_takesConnections
                                 ? " handover=" + QByteArray::number(handover::version)
                                 : QByteArray()));
}

void RestartCoordinator::onPredecessorLine(const QByteArray &line)
{
    const QList<QByteArray> words = line.split(' ');
    LifecycleStatus::Predecessor &p = m_predecessorStatus;
    if (words.value(0) == "DRAINING" && words.size() >= 5) {
        const bool first = !p.draining && p.pid == 0;
        p.pid = words[1].toLongLong();
        p.connections = words[2].toLongLong();
        p.busy = words[3].toLongLong();
        p.msLeft = words[4].toLongLong();
        p.moved = words.value(5).toLongLong();
        p.holders = decodeHolders(words.value(6));
        p.draining = true;
        if (first)
            qCInfo(lcLifecycle).noquote()
                << QStringLiteral("previous generation (pid %1) is draining %2")
                       .arg(p.pid)
                       .arg(formatCount(p.connections, "connection"));
    } else if (words.value(0) == "EXITED" && words.size() >= 3) {
        p.pid = words[1].toLongLong();
        p.connections = 0;
        p.holders.clear();
        p.draining = false;
        p.exitCode = words[2].toInt();
        // Said as it leaves its event loop: the program's exit hooks (closing a database) may
        // still be running there.
        qCInfo(lcLifecycle, "previous generation (pid %lld) finished serving (exit status %d)",
               p.pid, p.exitCode);
    } else {
        return;
    }
    emit predecessorChanged(p);
}

} // namespace baton
