#pragma once

#include <QTcpServer>

namespace baton {

// A QTcpServer that hands over raw descriptors: Baton's connections are not QTcpSockets (an idle
// QTcpSocket holds on to a read buffer; an idle HttpConnection holds almost nothing).
class TcpAcceptor : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

signals:
    void descriptorAccepted(qintptr descriptor);

protected:
    void incomingConnection(qintptr descriptor) override { emit descriptorAccepted(descriptor); }
};

} // namespace baton
