#include "controllink.h"

#include "net/monotonicclock.h"

#include <QCborArray>
#include <QLocalSocket>
#include <QTimer>

namespace baton::ui {

namespace {

constexpr int retryIntervalMs = 1000;

} // namespace

ControlLink::ControlLink(const QString &socketPath) : m_path(socketPath)
{
    m_status.listenAddress = socketPath;
}

void ControlLink::start()
{
    m_socket = new QLocalSocket(this);
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    m_retry->setInterval(retryIntervalMs);
    connect(m_retry, &QTimer::timeout, this, &ControlLink::connectToInstance);
    connect(m_socket, &QLocalSocket::connected, this, &ControlLink::onConnected);
    connect(m_socket, &QLocalSocket::readyRead, this, &ControlLink::onReadable);
    // Both ends of an attachment and a failed attempt come this way.
    connect(m_socket, &QLocalSocket::stateChanged, this,
            [this](QLocalSocket::LocalSocketState state) {
                if (state == QLocalSocket::UnconnectedState)
                    onDisconnected();
            });
    setNote(tr("attaching to %1").arg(m_path));
    connectToInstance();
}

void ControlLink::connectToInstance()
{
    if (m_socket->state() != QLocalSocket::UnconnectedState)
        return;
    m_reader = control::FrameReader(control::maxServerMessage);
    m_socket->connectToServer(m_path);
}

void ControlLink::onConnected()
{
    m_socket->write(
        control::frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("hello")},
                                {QLatin1StringView("version"), control::protocolVersion}}));
}

void ControlLink::onReadable()
{
    m_reader.append(m_socket->readAll());
    while (const auto message = m_reader.next())
        handle(*message);
    // One view per batch: a window that fell behind gets the newest state at once.
    if (m_viewDirty) {
        m_viewDirty = false;
        ServerSnapshot snapshot = m_counters;
        snapshot.connections = m_connections;
        emit viewChanged(PanelView{m_status, snapshot});
        if (m_status.state == LifecycleStatus::State::Stopped && !m_reportedStop) {
            m_reportedStop = true;
            emit stopped(qMax(0, m_status.exitCode));
        }
    }
    if (m_reader.failed()) {
        setNote(tr("%1 sent %2; detached").arg(m_path, m_reader.error()));
        m_socket->abort();
    }
}

void ControlLink::handle(const QCborMap &message)
{
    const QString type = message.value(QLatin1StringView("type")).toString();
    if (type == u"update") {
        applyUpdate(message);
    } else if (type == u"log") {
        const QCborArray lines = message.value(QLatin1StringView("lines")).toArray();
        for (const QCborValue &line : lines)
            emit lineLogged(line.toString());
    } else if (type == u"welcome") {
        m_attached = true;
        m_followingRestart = false;
        m_reportedStop = false;
        m_pid = control::integerOf(message.value(QLatin1StringView("pid")));
        const qint64 startedAtMs = control::shiftedTime(
            control::integerOf(message.value(QLatin1StringView("startedAt"))),
            control::clockShift(monotonicMs(), message.value(QLatin1StringView("now"))));
        m_connections.clear();
        m_indexById.clear();
        setNote(QString());
        emit lineLogged(tr("panel: attached to %1 (pid %2)").arg(m_path).arg(m_pid));
        emit attached(m_pid, startedAtMs);
    } else if (type == u"handedOver") {
        m_followingRestart = true;
        emit lineLogged(
            tr("panel: pid %1 handed over to pid %2 (generation %3); following it")
                .arg(m_pid)
                .arg(control::integerOf(message.value(QLatin1StringView("successorPid"))))
                .arg(control::integerOf(message.value(QLatin1StringView("generation")))));
    } else if (type == u"error") {
        setNote(tr("%1 refused this panel: %2")
                    .arg(m_path, message.value(QLatin1StringView("message")).toString()));
    }
}

void ControlLink::applyUpdate(const QCborMap &message)
{
    // The instance's clock to ours: what arrives is at most a few milliseconds old.
    const qint64 shift =
        control::clockShift(monotonicMs(), message.value(QLatin1StringView("now")));
    m_viewDirty = true;
    m_status = control::decodeStatus(message.value(QLatin1StringView("status")).toMap(), shift);
    ServerSnapshot counters;
    control::decodeCounters(message.value(QLatin1StringView("counters")).toMap(), &counters);
    counters.takenAtMs = control::shiftedTime(
        control::integerOf(message.value(QLatin1StringView("snapshotAt"))), shift);
    m_counters = counters;

    if (message.value(QLatin1StringView("full")).toBool()) {
        m_connections.clear();
        m_indexById.clear();
    }
    const QCborArray removed = message.value(QLatin1StringView("removed")).toArray();
    for (const QCborValue &id : removed) {
        const auto it = m_indexById.constFind(quint64(control::integerOf(id)));
        if (it == m_indexById.constEnd())
            continue;
        const qsizetype at = *it;
        m_indexById.erase(it);
        // The last one takes the gap: removal stays O(1) at 100,000 connections.
        if (at != m_connections.size() - 1) {
            m_connections[at] = m_connections.constLast();
            m_indexById[m_connections.at(at).id] = at;
        }
        m_connections.removeLast();
    }
    const QCborArray set = message.value(QLatin1StringView("set")).toArray();
    for (const QCborValue &value : set) {
        const auto info = control::decodeConnection(value.toArray(), shift);
        if (!info)
            continue;
        const auto it = m_indexById.constFind(info->id);
        if (it != m_indexById.constEnd()) {
            m_connections[*it] = *info;
        } else {
            m_indexById.insert(info->id, m_connections.size());
            m_connections.append(*info);
        }
    }
}

void ControlLink::onDisconnected()
{
    const bool wasAttached = m_attached;
    m_attached = false;
    if (wasAttached)
        emit detached();
    if (m_followingRestart) {
        setNote(tr("following the restart to the next generation"));
        QTimer::singleShot(0, this, &ControlLink::connectToInstance);
        return;
    }
    if (wasAttached)
        emit lineLogged(tr("panel: detached from %1").arg(m_path));
    if (m_status.state == LifecycleStatus::State::Stopped && m_status.exitCode >= 0)
        setNote(tr("the instance on %1 stopped (exit status %2); attaching again when one "
                   "listens there")
                    .arg(m_path)
                    .arg(m_status.exitCode));
    else
        setNote(tr("no instance on %1 (%2); trying again every second")
                    .arg(m_path, m_socket->errorString()));
    m_retry->start();
}

void ControlLink::setNote(const QString &note)
{
    if (note == m_note)
        return;
    m_note = note;
    emit noteChanged(note);
}

void ControlLink::send(control::Command command, qint64 argument)
{
    if (!m_attached) {
        emit lineLogged(tr("panel: not attached: %1 not sent").arg(control::commandName(command)));
        return;
    }
    m_socket->write(
        control::frame(QCborMap{{QLatin1StringView("type"), QStringLiteral("command")},
                                {QLatin1StringView("command"), control::commandName(command)},
                                {QLatin1StringView("argument"), argument}}));
}

} // namespace baton::ui
