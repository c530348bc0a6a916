// The connection handover's wire format, read from arbitrary datagrams: never a crash or an
// over-read, and whatever decodes encodes back to the same bytes (so the two generations cannot
// disagree about a message both accept).
#include "handover/handovermessage.h"

#include <cstdio>
#include <cstdlib>

using namespace baton;

namespace {
void invariant(bool holds, const char *what)
{
    if (!holds) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray datagram(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto message = handover::decode(datagram);
    if (!message || message->version != handover::version)
        return 0;
    if (message->type == handover::Type::Connection) {
        invariant(message->record.pending.size() <= handover::maxPending, "pending over bound");
        const QByteArray again = handover::encodeConnection(message->record);
        // The flags byte may carry bits this version ignores; everything else round-trips.
        invariant(again.size() == datagram.size(), "re-encoded size differs");
        const auto reread = handover::decode(again);
        invariant(reread && reread->record.id == message->record.id &&
                      reread->record.pending == message->record.pending &&
                      reread->record.requestsServed == message->record.requestsServed,
                  "connection does not round-trip");
    } else {
        invariant(message->ids.size() <= handover::maxIdsPerMessage, "too many ids");
        invariant(handover::encodeIds(message->type, message->ids) == datagram,
                  "ids do not round-trip");
    }
    return 0;
}
