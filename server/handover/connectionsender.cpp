#include "handover/connectionsender.h"

#include "handover/handoversocket.h"

#include <unistd.h>

namespace baton {

ConnectionSender::ConnectionSender(int fd, QObject *parent)
    : QObject(parent), m_socket(new HandoverSocket(fd, this))
{
    connect(m_socket, &HandoverSocket::readable, this, &ConnectionSender::readAnswers);
    connect(m_socket, &HandoverSocket::writable, this, &ConnectionSender::pump);
    connect(m_socket, &HandoverSocket::disconnected, this, [this] {
        if (!m_failed)
            fail(QStringLiteral("the new process closed the handover channel"));
    });
    if (!m_socket->isOpen())
        m_failed = true;
}

ConnectionSender::~ConnectionSender() = default;

void ConnectionSender::send(const DetachedConnections &connections)
{
    for (const DetachedConnection &connection : connections)
        m_queue.push_back(connection);
    if (m_failed) {
        fail({});
        return;
    }
    pump();
}

void ConnectionSender::pump()
{
    while (!m_queue.empty() && !m_failed) {
        DetachedConnection &next = m_queue.front();
        switch (m_socket->send(handover::encodeConnection(next.record), next.descriptor)) {
        case HandoverSocket::Send::Sent:
            m_sent.insert(next.record.id, next.worker);
            m_queue.pop_front();
            break;
        case HandoverSocket::Send::WouldBlock:
            m_socket->setWatchWritable(true);
            return;
        case HandoverSocket::Send::TooManyInFlight:
            // Every answer means the successor has read descriptors off the socket.
            if (m_sent.isEmpty()) {
                fail(QStringLiteral("the kernel refuses to pass more descriptors"));
                return;
            }
            m_waitingForAnswers = true;
            return;
        case HandoverSocket::Send::Broken:
            fail(QStringLiteral("the handover channel broke"));
            return;
        }
    }
}

void ConnectionSender::readAnswers()
{
    collectAnswers();
    if (m_waitingForAnswers && !m_failed) {
        m_waitingForAnswers = false;
        pump();
    }
}

void ConnectionSender::collectAnswers()
{
    QHash<int, QList<quint64>> adoptedIds;
    QHash<int, QList<quint64>> refusedIds;
    while (auto datagram = m_socket->receive()) {
        if (datagram->descriptor >= 0)
            ::close(datagram->descriptor); // answers carry none
        const auto message = handover::decode(datagram->data);
        if (!message || message->version != handover::version)
            continue;
        if (message->type != handover::Type::Adopted && message->type != handover::Type::Refused)
            continue;
        auto &target = message->type == handover::Type::Adopted ? adoptedIds : refusedIds;
        for (quint64 id : message->ids) {
            const auto sent = m_sent.constFind(id);
            if (sent == m_sent.cend())
                continue; // never ours, or answered already: a descriptor moves exactly once
            target[sent.value()].append(id);
            m_sent.erase(sent);
        }
    }
    emitGrouped(adoptedIds, true);
    emitGrouped(refusedIds, false);
}

void ConnectionSender::emitGrouped(const QHash<int, QList<quint64>> &byWorker, bool adopted)
{
    for (auto it = byWorker.cbegin(); it != byWorker.cend(); ++it)
        emit answered(it.key(), it.value(), adopted);
}

void ConnectionSender::fail(const QString &why)
{
    const bool first = !m_failed;
    m_failed = true;
    // Answers the successor wrote before the channel broke still count: a connection it adopted
    // must never be served here too.
    collectAnswers();
    m_socket->close();
    QHash<int, QList<quint64>> back;
    for (auto it = m_sent.cbegin(); it != m_sent.cend(); ++it)
        back[it.value()].append(it.key());
    m_sent.clear();
    for (const DetachedConnection &connection : m_queue)
        back[connection.worker].append(connection.record.id);
    m_queue.clear();
    emitGrouped(back, false);
    if (first && !why.isEmpty())
        emit failed(why);
}

} // namespace baton
