#pragma once

#include "http/httprequest.h"
#include "http/httpresponder.h"
#include "http/mediatypes.h"

#include <QString>

namespace baton {

// Serves files below one root. A request path is decoded once, its dot segments resolved (one
// that would climb above the root is refused), and the file's canonical path must still lie
// under the canonical root, so neither "..", its encodings, an encoded slash nor a symlink can
// reach outside.
class StaticFiles
{
public:
    struct Resolution
    {
        // 0 when a file was found; 301 for a directory named without its trailing slash; else
        // the error to answer
        int status = 0;
        QString filePath; // canonical path of the file to serve
        // With status 403: a directory without an index.html (its canonical path in filePath),
        // which is listed if autoindex is on.
        bool listable = false;
    };

    // cacheControl: a Cache-Control value for every file answer (200, 206, 304), or none.
    // autoindex: list a directory that has no index.html (DirectoryListing) instead of 403.
    explicit StaticFiles(const QString &root, MediaTypes types = MediaTypes(),
                         QByteArray cacheControl = {}, bool autoindex = false);

    bool isValid() const { return !m_root.isEmpty(); }
    bool autoindex() const { return m_autoindex; }
    Resolution resolve(const QByteArray &encodedPath) const;
    // Whether the root holds an index.html for "/".
    bool hasIndex() const;

    void serve(const HttpRequest &request, HttpResponder &&responder) const;

private:
    enum class Precondition { Proceed, NotModified, Failed };
    static Precondition evaluatePreconditions(const HttpRequest &request, qint64 modified,
                                              const QByteArray &etag);
    static bool rangeStillApplies(const HttpRequest &request, const QByteArray &etag,
                                  const QByteArray &lastModified);

    QString m_root; // canonical, without a trailing slash
    MediaTypes m_types;
    QByteArray m_cacheControl;
    bool m_autoindex = false;
};

} // namespace baton
