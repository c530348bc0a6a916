#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace baton::entitytag {

// A strong validator for a file: it changes whenever the file is replaced (inode), resized or
// written (modification time in nanoseconds), as nginx's does from size and time.
QByteArray forFile(quint64 inode, qint64 size, qint64 modifiedNs);

enum class Comparison { Strong, Weak }; // RFC 9110 8.8.3.2

// Whether an If-Match / If-None-Match field value ("*" or a list of entity-tags) names `tag`.
// A malformed list matches nothing.
bool listMatches(QByteArrayView fieldValue, QByteArrayView tag, Comparison comparison);

} // namespace baton::entitytag
