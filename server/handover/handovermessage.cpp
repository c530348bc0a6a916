#include "handover/handovermessage.h"

#include <QtEndian>

#include <cstring>

namespace baton::handover {

namespace {

constexpr char magic[2] = {'B', 'H'};
constexpr qsizetype headerSize = 4; // magic, version, type
constexpr qsizetype connectionFixedSize = 8 + 8 + 4 + 8 + 8 + 1 + 4;
constexpr quint8 flagAfterResponse = 1;

QByteArray header(Type type)
{
    QByteArray out;
    out.append(magic, 2);
    out.append(char(version));
    out.append(char(type));
    return out;
}

template<typename T> void put(QByteArray &out, T value)
{
    char bytes[sizeof(T)];
    qToLittleEndian(value, bytes);
    out.append(bytes, sizeof(T));
}

// Reads fixed-size integers off the front of a datagram; any read past its end fails them all.
class Cursor
{
public:
    explicit Cursor(const QByteArray &data) : m_data(data) {}
    template<typename T> T take()
    {
        if (m_offset + qsizetype(sizeof(T)) > m_data.size()) {
            m_ok = false;
            return T{};
        }
        const T value = qFromLittleEndian<T>(m_data.constData() + m_offset);
        m_offset += sizeof(T);
        return value;
    }
    QByteArray takeBytes(qsizetype size)
    {
        if (size < 0 || m_offset + size > m_data.size()) {
            m_ok = false;
            return {};
        }
        const QByteArray bytes = m_data.mid(m_offset, size);
        m_offset += size;
        return bytes;
    }
    bool atEnd() const { return m_ok && m_offset == m_data.size(); }

private:
    const QByteArray &m_data;
    qsizetype m_offset = headerSize;
    bool m_ok = true;
};

} // namespace

QByteArray encodeConnection(const HandoverRecord &record)
{
    Q_ASSERT(record.pending.size() <= maxPending);
    QByteArray out = header(Type::Connection);
    out.reserve(headerSize + connectionFixedSize + record.pending.size());
    put<quint64>(out, record.id);
    put<quint64>(out, quint64(qMax<qint64>(0, record.ageMs)));
    put<quint32>(out, record.requestsServed);
    put<quint64>(out, quint64(qMax<qint64>(0, record.bytesIn)));
    put<quint64>(out, quint64(qMax<qint64>(0, record.bytesOut)));
    out.append(char(record.afterResponse ? flagAfterResponse : 0));
    put<quint32>(out, quint32(record.pending.size()));
    out.append(record.pending);
    return out;
}

QByteArray encodeIds(Type type, const QList<quint64> &ids)
{
    Q_ASSERT(ids.size() <= maxIdsPerMessage);
    QByteArray out = header(type);
    put<quint32>(out, quint32(ids.size()));
    for (quint64 id : ids)
        put<quint64>(out, id);
    return out;
}

std::optional<Message> decode(const QByteArray &datagram)
{
    if (datagram.size() < headerSize || std::memcmp(datagram.constData(), magic, 2) != 0)
        return std::nullopt;
    Message message;
    message.version = quint8(datagram[2]);
    message.type = Type(quint8(datagram[3]));
    if (message.version != version)
        return message;
    Cursor cursor(datagram);
    switch (message.type) {
    case Type::Connection: {
        HandoverRecord &r = message.record;
        r.id = cursor.take<quint64>();
        r.ageMs = qint64(qMin<quint64>(cursor.take<quint64>(), quint64(INT64_MAX)));
        r.requestsServed = cursor.take<quint32>();
        r.bytesIn = qint64(qMin<quint64>(cursor.take<quint64>(), quint64(INT64_MAX)));
        r.bytesOut = qint64(qMin<quint64>(cursor.take<quint64>(), quint64(INT64_MAX)));
        r.afterResponse = (cursor.take<quint8>() & flagAfterResponse) != 0;
        const quint32 pendingSize = cursor.take<quint32>();
        if (pendingSize > quint32(maxPending))
            return std::nullopt;
        r.pending = cursor.takeBytes(qsizetype(pendingSize));
        break;
    }
    case Type::Adopted:
    case Type::Refused: {
        const quint32 count = cursor.take<quint32>();
        if (count > quint32(maxIdsPerMessage))
            return std::nullopt;
        message.ids.reserve(qsizetype(count));
        for (quint32 i = 0; i < count; ++i)
            message.ids.append(cursor.take<quint64>());
        break;
    }
    default:
        return std::nullopt;
    }
    if (!cursor.atEnd())
        return std::nullopt;
    return message;
}

} // namespace baton::handover
