#include "http/byterange.h"

#include <limits>

namespace baton {

namespace {

// A non-empty run of digits as a number; -1 when it is not one or would overflow.
qint64 digits(QByteArrayView text)
{
    if (text.isEmpty())
        return -1;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return -1;
        if (value > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

RangeRequest parseRange(QByteArrayView fieldValue, qint64 size, ByteRange *range)
{
    const QByteArrayView value = fieldValue.trimmed();
    // The unit is case-insensitive; "bytes" is the only one there is.
    if (value.size() < 6 || QByteArrayView(value.first(6)).compare("bytes=", Qt::CaseInsensitive))
        return RangeRequest::Ignore;
    const QByteArrayView spec = value.sliced(6).trimmed();
    if (spec.contains(','))
        return RangeRequest::Ignore;
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return RangeRequest::Ignore;
    const QByteArrayView head = spec.first(dash).trimmed();
    const QByteArrayView tail = spec.sliced(dash + 1).trimmed();
    if (head.isEmpty()) {
        // "-N": the last N bytes.
        const qint64 suffix = digits(tail);
        if (suffix < 0)
            return RangeRequest::Ignore;
        if (suffix == 0 || size == 0)
            return RangeRequest::Unsatisfiable;
        range->first = qMax<qint64>(0, size - suffix);
        range->last = size - 1;
        return RangeRequest::Satisfiable;
    }
    const qint64 first = digits(head);
    const qint64 last = tail.isEmpty() ? std::numeric_limits<qint64>::max() : digits(tail);
    if (first < 0 || last < 0 || last < first)
        return RangeRequest::Ignore;
    if (first >= size)
        return RangeRequest::Unsatisfiable;
    range->first = first;
    range->last = qMin(last, size - 1);
    return RangeRequest::Satisfiable;
}

} // namespace baton
