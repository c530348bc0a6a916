#pragma once

#include <QByteArray>

#include <optional>

namespace baton {

// IMF-fixdate (RFC 9110 5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT", independent of the locale.
QByteArray httpDate(qint64 secondsSinceEpoch);
// Parses IMF-fixdate; the obsolete formats are not worth a conditional request going wrong.
std::optional<qint64> parseHttpDate(QByteArrayView text);

} // namespace baton
