#include "handover/connectionreceiver.h"

#include "core/logging.h"
#include "handover/handoversocket.h"

#include <unistd.h>

namespace baton {

namespace {
// Messages taken per wake-up, so a burst of ten thousand cannot hold the thread for long.
constexpr int maxMessagesPerRound = 1024;
} // namespace

ConnectionReceiver::ConnectionReceiver(int fd, Adopter adopter, QObject *parent)
    : QObject(parent), m_socket(new HandoverSocket(fd, this)), m_adopter(std::move(adopter))
{
    connect(m_socket, &HandoverSocket::readable, this, &ConnectionReceiver::readConnections);
    connect(m_socket, &HandoverSocket::writable, this, &ConnectionReceiver::sendAnswers);
    connect(m_socket, &HandoverSocket::disconnected, this, &ConnectionReceiver::finish);
}

ConnectionReceiver::~ConnectionReceiver()
{
    dropWaiting();
}

void ConnectionReceiver::dropWaiting()
{
    for (const auto &waiting : m_waiting) {
        ::close(waiting.first);
        if (m_adopter.unreserve)
            m_adopter.unreserve();
    }
    m_adoptedTotal -= qint64(m_waiting.size());
    m_waiting.clear();
    m_adoptedIds.clear();
    m_refusedIds.clear();
}

void ConnectionReceiver::readConnections()
{
    for (int i = 0; i < maxMessagesPerRound; ++i) {
        auto datagram = m_socket->receive();
        if (!datagram)
            break;
        const auto message = handover::decode(datagram->data);
        const bool usable = message && message->version == handover::version &&
                            message->type == handover::Type::Connection &&
                            datagram->descriptor >= 0;
        if (!usable) {
            if (message && message->version != handover::version && !m_warnedVersion) {
                m_warnedVersion = true;
                qCWarning(lcLifecycle,
                          "connection handover: the previous generation speaks format %u, this "
                          "one %u; its connections stay there",
                          unsigned(message->version), unsigned(handover::version));
            }
            if (datagram->descriptor >= 0)
                ::close(datagram->descriptor);
            continue;
        }
        if (m_adopter.reserve && m_adopter.reserve()) {
            m_adoptedIds.append(message->record.id);
            m_waiting.emplace_back(datagram->descriptor, message->record);
            ++m_adoptedTotal;
        } else {
            ::close(datagram->descriptor);
            m_refusedIds.append(message->record.id);
            ++m_refusedTotal;
        }
    }
    sendAnswers();
}

template<typename OnSent>
bool ConnectionReceiver::sendIds(handover::Type type, QList<quint64> &ids, OnSent onSent)
{
    while (!ids.isEmpty()) {
        const qsizetype count = qMin<qsizetype>(ids.size(), handover::maxIdsPerMessage);
        const auto result = m_socket->send(handover::encodeIds(type, ids.first(count)));
        if (result != HandoverSocket::Send::Sent) {
            answerNotSent(result);
            return false;
        }
        ids.remove(0, count);
        onSent(count);
    }
    return true;
}

void ConnectionReceiver::sendAnswers()
{
    // m_adoptedIds and m_waiting run in step: a connection is served here as soon as the answer
    // naming it has gone out, not before.
    const bool adoptedSent = sendIds(handover::Type::Adopted, m_adoptedIds, [this](qsizetype n) {
        for (qsizetype i = 0; i < n; ++i)
            m_adopter.adopt(m_waiting[size_t(i)].first, m_waiting[size_t(i)].second);
        m_waiting.erase(m_waiting.begin(), m_waiting.begin() + n);
    });
    if (adoptedSent)
        sendIds(handover::Type::Refused, m_refusedIds, [](qsizetype) {});
}

void ConnectionReceiver::answerNotSent(HandoverSocket::Send result)
{
    if (result != HandoverSocket::Send::Broken) {
        m_socket->setWatchWritable(true);
        return;
    }
    finish();
}

void ConnectionReceiver::stop()
{
    finish();
}

void ConnectionReceiver::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    // Answers that could not be sent never reached the predecessor, which serves those
    // connections on: ours must go.
    dropWaiting();
    m_socket->close();
    emit finished(m_adoptedTotal, m_refusedTotal);
}

} // namespace baton
