#include "lifecycle/connectionhandover.h"

#include "core/httpserver.h"
#include "core/logevent.h"
#include "core/logging.h"
#include "handover/connectionreceiver.h"
#include "handover/connectionsender.h"
#include "lifecycle/lifecyclestatus.h"

#include <QPointer>

#include <unistd.h>

namespace baton {

ConnectionHandover::ConnectionHandover(QObject *parent) : QObject(parent)
{}

ConnectionHandover::~ConnectionHandover() = default;

void ConnectionHandover::send(HttpServer *server, int channelFd)
{
    delete m_sender;
    m_sender = new ConnectionSender(channelFd, this);
    connect(server, &HttpServer::connectionsDetached, m_sender, &ConnectionSender::send);
    connect(m_sender, &ConnectionSender::answered, server, &HttpServer::handoverAnswered);
    connect(m_sender, &ConnectionSender::failed, this,
            [this, server = QPointer<HttpServer>(server)](const QString &why) {
                if (server)
                    server->beginDrain();
                qCWarning(lcLifecycle).noquote()
                    << QStringLiteral("connection handover stopped: %1; the connections still "
                                      "here drain")
                           .arg(why);
                emit sendingFailed(why);
            });
    server->beginHandover();
    if (m_sender->hasFailed()) {
        server->beginDrain();
        qCWarning(lcLifecycle, "connection handover stopped: the handover channel is unusable; "
                               "the connections drain here");
        emit sendingFailed(QStringLiteral("the handover channel is unusable"));
    }
}

void ConnectionHandover::receive(int channelFd, std::function<HttpServer *()> currentServer)
{
    ConnectionReceiver::Adopter adopter;
    adopter.reserve = [currentServer] {
        HttpServer *server = currentServer();
        return server && server->reserveConnection();
    };
    adopter.unreserve = [currentServer] {
        if (HttpServer *server = currentServer())
            server->unreserveConnection();
    };
    adopter.adopt = [currentServer](int fd, const HandoverRecord &record) {
        if (HttpServer *server = currentServer())
            server->adopt(fd, record);
        else
            ::close(fd);
    };
    delete m_receiver;
    m_receiver = new ConnectionReceiver(channelFd, std::move(adopter), this);
    connect(m_receiver, &ConnectionReceiver::finished, this,
            [this](qint64 adopted, qint64 refused) {
                if (adopted + refused > 0)
                    logEvent(lcLifecycle(), QtInfoMsg, "adopted",
                             QStringLiteral("adopted %1 from the previous generation%2")
                                 .arg(formatCount(adopted, "connection"))
                                 .arg(refused > 0
                                          ? QStringLiteral(" (%1 refused: over --max-connections "
                                                           "or stopping)")
                                                .arg(refused)
                                          : QString()),
                             {{"connections", adopted}, {"refused", refused}});
                emit receivingFinished(adopted, refused);
            });
}

void ConnectionHandover::logResult(const ServerSnapshot &snapshot) const
{
    const auto moved = qint64(snapshot.connectionsHandedOver);
    const auto afterResponse = qint64(snapshot.connectionsHandedOverAfterResponse);
    const auto returned = qint64(snapshot.connectionsReturned);
    logEvent(
        lcLifecycle(), QtInfoMsg, "handed_over",
        QStringLiteral("handed over %1 (%2 after their response)%3")
            .arg(formatCount(moved, "connection"))
            .arg(afterResponse)
            .arg(
                returned > 0
                    ? QStringLiteral("; %1 the new process did not take drained here").arg(returned)
                    : QString()),
        {{"connections", moved}, {"after_response", afterResponse}, {"returned", returned}});
}

bool ConnectionHandover::isReceiving() const
{
    return m_receiver && !m_receiver->isFinished();
}

void ConnectionHandover::stopReceiving()
{
    if (m_receiver)
        m_receiver->stop();
}

} // namespace baton
