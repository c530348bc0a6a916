#pragma once

#include <QObject>

#include <functional>

namespace baton {

class ConnectionReceiver;
class ConnectionSender;
class HttpServer;
struct ServerSnapshot;

// Wires a restart's connection handover between a server generation and the channel to the other
// process, and tells the lifecycle log about it. Old process: send() detaches the server's
// connections and moves each to the successor; if the successor stops taking them, the server
// drains the rest. New process: receive() adopts what the predecessor sends into the current
// server.
class ConnectionHandover : public QObject
{
    Q_OBJECT
public:
    explicit ConnectionHandover(QObject *parent = nullptr);
    ~ConnectionHandover() override;

    // Old process. Takes ownership of channelFd.
    void send(HttpServer *server, int channelFd);
    bool isSending() const { return m_sender != nullptr; }
    // "handed over N connections (M after their response)", once the old process is done.
    void logResult(const ServerSnapshot &snapshot) const;

    // New process. Takes ownership of channelFd; currentServer() may change over time (or be
    // null, and then connections are refused, so the predecessor keeps them).
    void receive(int channelFd, std::function<HttpServer *()> currentServer);
    // The predecessor may still hand connections over.
    bool isReceiving() const;
    void stopReceiving();

signals:
    // Old process: the successor took no more; the server was told to drain what is left.
    void sendingFailed(const QString &why);
    // New process: the predecessor has nothing more to hand over.
    void receivingFinished(qint64 adopted, qint64 refused);

private:
    ConnectionSender *m_sender = nullptr;
    ConnectionReceiver *m_receiver = nullptr;
};

} // namespace baton
