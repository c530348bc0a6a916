#include "http/entitytag.h"

namespace baton::entitytag {

QByteArray forFile(quint64 inode, qint64 size, qint64 modifiedNs)
{
    QByteArray tag("\"");
    tag.append(QByteArray::number(inode, 16))
        .append('-')
        .append(QByteArray::number(size, 16))
        .append('-')
        .append(QByteArray::number(modifiedNs, 16))
        .append('"');
    return tag;
}

bool listMatches(QByteArrayView fieldValue, QByteArrayView tag, Comparison comparison)
{
    const QByteArrayView value = fieldValue.trimmed();
    if (value == "*")
        return true;
    // Our own tags are never weak, so the opaque part alone decides: a weak tag in the list
    // matches only under weak comparison.
    qsizetype i = 0;
    const auto skipSeparators = [&] {
        while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
            ++i;
    };
    for (skipSeparators(); i < value.size(); skipSeparators()) {
        bool weak = false;
        if (value.sliced(i).startsWith("W/")) {
            weak = true;
            i += 2;
        }
        if (i >= value.size() || value[i] != '"')
            return false;
        const qsizetype close = value.indexOf('"', i + 1);
        if (close < 0)
            return false;
        const QByteArrayView candidate = value.sliced(i, close - i + 1);
        i = close + 1;
        if (candidate == tag && (!weak || comparison == Comparison::Weak))
            return true;
    }
    return false;
}

} // namespace baton::entitytag
