#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace baton {

// One byte range of a representation, both ends included (RFC 9110 14.1.1).
struct ByteRange
{
    qint64 first = 0;
    qint64 last = 0;
    qint64 length() const { return last - first + 1; }
};

// What a Range field value asks of a representation of `size` bytes (RFC 9110 14.2):
//   Ignore         no range to honour: a unit other than bytes, a malformed value, or several
//                  ranges (answered with the whole representation: one 200 cannot be turned into
//                  a flood of parts, and the clients that resume or seek ask for one range)
//   Satisfiable    *range is the one to send (206)
//   Unsatisfiable  416 with "Content-Range: bytes */size"
enum class RangeRequest { Ignore, Satisfiable, Unsatisfiable };
RangeRequest parseRange(QByteArrayView fieldValue, qint64 size, ByteRange *range);

} // namespace baton
