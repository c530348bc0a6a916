// The control socket's input side, from arbitrary bytes as a hostile local client would send
// them (split at an arbitrary point, as the kernel may): the frame reader stays failed once
// failed, every message it gives has a type, and whatever decodes as a status or a
// connection encodes back to the same values. Decoding also runs with the clock shifts a forged
// "now" can produce, where every sum must saturate rather than overflow.
#include "control/controlprotocol.h"

#include <QCborArray>

#include <cstdio>
#include <cstdlib>
#include <limits>

using namespace baton;
using namespace baton::control;

namespace {
void invariant(bool holds, const char *what)
{
    if (!holds) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

void decodeShifted(const QCborValue &value, const QCborValue &now)
{
    for (const qint64 ourNow :
         {std::numeric_limits<qint64>::min(), qint64(0), std::numeric_limits<qint64>::max()}) {
        const qint64 shift = clockShift(ourNow, now);
        if (value.isArray()) {
            decodeConnection(value.toArray(), shift);
        } else if (value.isMap()) {
            decodeStatus(value.toMap(), shift);
            ServerSnapshot counters;
            decodeCounters(value.toMap(), &counters);
        }
    }
}

void checkValues(const QCborValue &value, const QCborValue &now)
{
    decodeShifted(value, now);
    if (value.isArray()) {
        if (const auto connection = decodeConnection(value.toArray(), 0)) {
            const auto again = decodeConnection(encodeConnection(*connection), 0);
            invariant(again && again->id == connection->id && again->path == connection->path &&
                          again->state == connection->state &&
                          again->requestStartedAtMs == connection->requestStartedAtMs,
                      "connection does not round-trip");
        }
    } else if (value.isMap()) {
        const LifecycleStatus status = decodeStatus(value.toMap(), 0);
        const LifecycleStatus again = decodeStatus(encodeStatus(status), 0);
        invariant(again.state == status.state && again.generation == status.generation &&
                      again.drainDeadlineMs == status.drainDeadlineMs &&
                      again.predecessor.pid == status.predecessor.pid,
                  "status does not round-trip");
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const size_t split = data[0] % (size);
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    FrameReader reader(maxPanelMessage);
    bool failedBefore = false;
    for (const QByteArray &chunk : {bytes.left(qsizetype(split)), bytes.mid(qsizetype(split))}) {
        reader.append(chunk);
        while (const auto message = reader.next()) {
            invariant(message->value(QLatin1StringView("type")).isString(), "typeless message");
            if (const auto command =
                    commandFromName(message->value(QLatin1StringView("command")).toString()))
                invariant(commandName(*command) ==
                              message->value(QLatin1StringView("command")).toString(),
                          "command name does not round-trip");
            const QCborValue now = message->value(QLatin1StringView("now"));
            for (auto it = message->constBegin(); it != message->constEnd(); ++it)
                checkValues(it.value(), now);
        }
        invariant(!failedBefore || reader.failed(), "a failed reader recovered");
        failedBefore = reader.failed();
    }
    return 0;
}
