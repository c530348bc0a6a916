#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace baton::percent {

// Decodes %HH escapes (RFC 3986 2.1). Nothing when a '%' is not followed by two hex digits: Qt's
// QByteArray::fromPercentEncoding decodes "%p0" to NUL and "%2/" to '/', which would let a
// malformed escape smuggle the very bytes a path check refuses in their proper spelling.
std::optional<QByteArray> decode(QByteArrayView encoded);

// The same, for text where a stray '%' is simply a character (query values): malformed escapes
// are kept as written.
QByteArray decodeLenient(QByteArrayView encoded);

} // namespace baton::percent
