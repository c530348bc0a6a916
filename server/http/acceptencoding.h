#pragma once

#include <QByteArrayView>

namespace baton {

// Which content coding a client takes, from its Accept-Encoding field (RFC 9110 12.5.3).
class AcceptEncoding
{
public:
    explicit AcceptEncoding(QByteArrayView fieldValue);

    // The weight (0-1000) the client gives `coding`: its own entry if listed, else that of "*",
    // else 0. A client that sends no Accept-Encoding at all takes no coding here: a compressed
    // body is only for clients that say they want one.
    int weight(QByteArrayView coding) const;
    bool accepts(QByteArrayView coding) const { return weight(coding) > 0; }

private:
    QByteArrayView m_value;
};

} // namespace baton
