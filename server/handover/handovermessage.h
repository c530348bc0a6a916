#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

namespace baton {

// What a connection carries from one generation to the next, beside its descriptor.
struct HandoverRecord
{
    quint64 id = 0;        // the sender's id; acknowledgements name it
    qint64 ageMs = 0;      // how long the connection has been open
    quint32 requestsServed = 0;
    qint64 bytesIn = 0;
    qint64 bytesOut = 0;
    bool afterResponse = false; // it was busy when the handover began
    QByteArray pending;         // read from the client, not parsed yet
};

// The connection handover's wire format, one datagram of a SOCK_SEQPACKET socketpair per
// message. Every message starts with the magic "BH" and the format version, so a generation
// that speaks another version recognises the message and refuses it rather than misreading it.
// Integers are little-endian.
//
//   Connection (old to new, one descriptor attached): id u64, age-ms u64, requests u32,
//       bytes-in u64, bytes-out u64, flags u8 (1: moved after its response), pending-length
//       u32, pending bytes
//   Adopted / Refused (new to old): count u32, then count ids u64
namespace handover {

constexpr quint8 version = 1;
// Unparsed input travels inside the message; a connection holding more finishes its next
// request in the old process first. Well under the smallest socket buffer a message must fit.
constexpr qsizetype maxPending = 64 * 1024;
// Acknowledgements per message.
constexpr int maxIdsPerMessage = 4096;

enum class Type : quint8 { Connection = 1, Adopted = 2, Refused = 3 };

QByteArray encodeConnection(const HandoverRecord &record);
QByteArray encodeIds(Type type, const QList<quint64> &ids);

struct Message
{
    Type type = Type::Connection;
    quint8 version = 0;
    HandoverRecord record; // Connection
    QList<quint64> ids;    // Adopted, Refused
};
// nullopt for anything that is not a well-formed message of this version (a message of
// another version comes back with its version set and nothing else).
std::optional<Message> decode(const QByteArray &datagram);

} // namespace handover
} // namespace baton
