#include "http/httprequest.h"

#include "http/percentencoding.h"

namespace baton {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray HttpRequest::queryValue(QByteArrayView name) const
{
    const QByteArrayView all(query);
    qsizetype start = 0;
    while (start <= all.size()) {
        qsizetype end = all.indexOf('&', start);
        if (end < 0)
            end = all.size();
        const QByteArrayView item = all.sliced(start, end - start);
        const qsizetype eq = item.indexOf('=');
        if ((eq < 0 ? item : item.first(eq)) == name) {
            QByteArray value = eq < 0 ? QByteArray("") : item.sliced(eq + 1).toByteArray();
            value.replace('+', ' ');
            return percent::decodeLenient(value);
        }
        start = end + 1;
    }
    return {};
}

} // namespace baton
