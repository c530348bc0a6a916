#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace baton {

// Content-Type by file-name extension, from one table built at start-up: no content sniffing
// (what a file starts with must not change how a browser treats it, and reading it to find out
// costs a blocking read on an I/O thread). Text types carry charset=utf-8. A name without a
// known extension gets the default type, as in nginx.
class MediaTypes
{
public:
    static constexpr QByteArrayView fallback = "application/octet-stream";

    explicit MediaTypes(QByteArray defaultType = QByteArray(fallback.data(), fallback.size()));

    // The Content-Type value for a file name or path (only the last segment's extension counts,
    // case-insensitively).
    QByteArray forPath(QByteArrayView path) const;
    const QByteArray &defaultType() const { return m_defaultType; }

private:
    QByteArray m_defaultType;
};

} // namespace baton
