#include "http/percentencoding.h"

#include "http/requestsyntax.h"

namespace baton::percent {

namespace {

// Decodes into *out; false at the first malformed escape when strict, else keeps it as written.
bool decodeInto(QByteArrayView encoded, QByteArray *out, bool strict)
{
    out->reserve(encoded.size());
    for (qsizetype i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        if (c == '%') {
            const int high = i + 1 < encoded.size() ? hexDigitValue(encoded[i + 1]) : -1;
            const int low = i + 2 < encoded.size() ? hexDigitValue(encoded[i + 2]) : -1;
            if (high >= 0 && low >= 0) {
                out->append(char(high * 16 + low));
                i += 2;
                continue;
            }
            if (strict)
                return false;
        }
        out->append(c);
    }
    return true;
}

} // namespace

std::optional<QByteArray> decode(QByteArrayView encoded)
{
    QByteArray decoded;
    if (!decodeInto(encoded, &decoded, true))
        return std::nullopt;
    return decoded;
}

QByteArray decodeLenient(QByteArrayView encoded)
{
    QByteArray decoded;
    decodeInto(encoded, &decoded, false);
    return decoded;
}

} // namespace baton::percent
