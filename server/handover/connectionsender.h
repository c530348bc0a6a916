#pragma once

#include "handover/detachedconnection.h"

#include <QHash>
#include <QObject>

#include <deque>

namespace baton {

class HandoverSocket;

// The old generation's end of a connection handover: sends each detached connection with its
// descriptor, one message each, in order, and reports what the successor answered. A connection
// is the successor's only once it said "adopted"; everything else — refused, or still unanswered
// when the channel breaks — is returned, and its I/O thread serves it on (draining).
class ConnectionSender : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of the descriptor (our end of the SOCK_SEQPACKET socketpair).
    explicit ConnectionSender(int fd, QObject *parent = nullptr);
    ~ConnectionSender() override;

    // Connections handed to a failed sender come straight back.
    void send(const DetachedConnections &connections);
    bool hasFailed() const { return m_failed; }
    // Sent or queued, and not answered yet.
    qsizetype inTransit() const { return m_queue.size() + m_sent.size(); }

signals:
    // The successor's answer for some of one I/O thread's connections: adopted, or given back
    // (refused, or never answered before the channel broke).
    void answered(int worker, const QList<quint64> &ids, bool adopted);
    // The successor cannot take connections any more (gone, or the channel broke): everything
    // in transit has been returned, and so will be whatever is sent from now on.
    void failed(const QString &why);

private:
    void pump();
    void readAnswers();
    void collectAnswers();
    void fail(const QString &why);
    void emitGrouped(const QHash<int, QList<quint64>> &byWorker, bool adopted);

    HandoverSocket *m_socket;
    std::deque<DetachedConnection> m_queue;
    QHash<quint64, int> m_sent; // connection id -> its I/O thread
    bool m_waitingForAnswers = false;
    bool m_failed = false;
};

} // namespace baton
