#pragma once

#include <QString>

namespace baton {

// A peer address kept compactly (an idle connection should cost little); formatted on demand.
struct PeerAddress
{
    quint8 address[16] = {};
    quint16 port = 0;
    bool isV4 = true;

    static PeerAddress fromDescriptor(int fd);
    QString toString() const;
    // The address alone, as inet_ntop writes it ("-" when there is none).
    QByteArray addressText() const;
};

} // namespace baton
