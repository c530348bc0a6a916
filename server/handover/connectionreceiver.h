#pragma once

#include "handover/handovermessage.h"
#include "handover/handoversocket.h"

#include <QList>
#include <QObject>

#include <functional>
#include <utility>
#include <vector>

namespace baton {

// The new generation's end of a connection handover: receives each connection, answers
// "adopted" or "refused", and gives an adopted connection to the server only once that answer
// is on its way — before then the predecessor still owns it and may serve it on.
class ConnectionReceiver : public QObject
{
    Q_OBJECT
public:
    // reserve: room for one more connection (counted from now on), or false to refuse it.
    // adopt: takes the descriptor and serves the connection.
    struct Adopter
    {
        std::function<bool()> reserve;
        std::function<void()> unreserve;
        std::function<void(int descriptor, const HandoverRecord &record)> adopt;
    };

    // Takes ownership of the descriptor (our end of the SOCK_SEQPACKET socketpair).
    ConnectionReceiver(int fd, Adopter adopter, QObject *parent = nullptr);
    ~ConnectionReceiver() override;

    qint64 adoptedCount() const { return m_adoptedTotal; }
    bool isFinished() const { return m_finished; }
    // Takes no more: the predecessor keeps (and drains) whatever it has not handed over yet.
    void stop();

signals:
    // The predecessor closed its end: it has nothing more to hand over.
    void finished(qint64 adopted, qint64 refused);

private:
    void readConnections();
    void sendAnswers();
    // Sends ids in messages of at most handover::maxIdsPerMessage; onSent(n) after each one that
    // went out. False when one could not go now.
    template<typename OnSent>
    bool sendIds(handover::Type type, QList<quint64> &ids, OnSent onSent);
    void answerNotSent(HandoverSocket::Send result);
    void finish();
    void dropWaiting();

    HandoverSocket *m_socket;
    Adopter m_adopter;
    QList<quint64> m_adoptedIds; // answers not sent yet
    QList<quint64> m_refusedIds;
    std::vector<std::pair<int, HandoverRecord>> m_waiting; // adopted, answer not sent yet
    qint64 m_adoptedTotal = 0;
    qint64 m_refusedTotal = 0;
    bool m_warnedVersion = false;
    bool m_finished = false;
};

} // namespace baton
