#include "http/staticfiles.h"

#include "http/byterange.h"
#include "http/directorylisting.h"
#include "http/entitytag.h"
#include "http/httpdate.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <memory>
#include <sys/stat.h>

namespace baton {

namespace {

// Files up to this size are read into memory; larger ones go out with sendfile.
constexpr qint64 inMemoryLimit = 256 * 1024;

} // namespace

StaticFiles::StaticFiles(const QString &root, MediaTypes types, QByteArray cacheControl,
                         bool autoindex)
    : m_root(QFileInfo(root).canonicalFilePath()), m_types(std::move(types)),
      m_cacheControl(std::move(cacheControl)), m_autoindex(autoindex)
{
    if (!m_root.isEmpty() && !QFileInfo(m_root).isDir())
        m_root.clear();
}

bool StaticFiles::hasIndex() const
{
    return isValid() && QFileInfo(m_root + QStringLiteral("/index.html")).isFile();
}

StaticFiles::Resolution StaticFiles::resolve(const QByteArray &encodedPath) const
{
    if (!encodedPath.startsWith('/'))
        return {400, {}};
    const QByteArray lower = encodedPath.toLower();
    // An encoded separator or NUL would let one segment smuggle a path of its own.
    if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") ||
        encodedPath.contains('\\'))
        return {400, {}};
    const QByteArray decoded = QByteArray::fromPercentEncoding(encodedPath);
    const QString decodedPath = QString::fromUtf8(decoded);
    if (decodedPath.contains(QChar::ReplacementCharacter) || decodedPath.contains(QChar(0)))
        return {400, {}};
    // Dot segments are resolved (RFC 3986 5.2.4) rather than refused; one that would climb
    // above the root is refused.
    QStringList kept;
    const QStringList segments = decodedPath.split(u'/');
    for (qsizetype i = 1; i < segments.size(); ++i) {
        const QString &segment = segments.at(i);
        const bool last = i + 1 == segments.size();
        if (segment == u"..") {
            if (kept.isEmpty())
                return {400, {}};
            kept.removeLast();
            if (last)
                kept.append(QString());
        } else if (segment == u".") {
            if (last)
                kept.append(QString());
        } else {
            kept.append(segment);
        }
    }
    const QString path = u'/' + kept.join(u'/');

    QFileInfo info(m_root + path);
    if (info.isDir()) {
        // Relative links in dir/index.html resolve against dir/, not against its parent.
        if (!path.endsWith(u'/'))
            return {301, {}};
        info.setFile(info.filePath() + QStringLiteral("index.html"));
        if (!info.exists()) {
            // Not listed unless autoindex is on (serve() decides), and never one that a symlink
            // has led out of the root.
            const QString directory = QFileInfo(m_root + path).canonicalFilePath();
            const bool inside = directory == m_root || directory.startsWith(m_root + u'/');
            return {403, inside ? directory : QString(), inside};
        }
    }
    if (!info.exists())
        return {404, {}};
    const QString canonical = info.canonicalFilePath();
    if (canonical.isEmpty())
        return {404, {}};
    if (!canonical.startsWith(m_root + u'/'))
        return {403, {}}; // a symlink that leads out of the root
    if (!info.isFile())
        return {404, {}};
    if (!info.isReadable())
        return {403, {}};
    return {0, canonical};
}

// RFC 9110 13.2.2, in its order: If-Match (strong comparison), else If-Unmodified-Since; then
// If-None-Match (weak comparison), and only without it If-Modified-Since.
StaticFiles::Precondition StaticFiles::evaluatePreconditions(const HttpRequest &request,
                                                             qint64 modified,
                                                             const QByteArray &etag)
{
    using entitytag::Comparison;
    if (request.hasHeader("If-Match")) {
        if (!entitytag::listMatches(request.header("If-Match"), etag, Comparison::Strong))
            return Precondition::Failed;
    } else if (const QByteArray unmodified = request.header("If-Unmodified-Since");
               !unmodified.isEmpty()) {
        const std::optional<qint64> seconds = parseHttpDate(unmodified);
        if (seconds && modified > *seconds)
            return Precondition::Failed;
    }
    if (request.hasHeader("If-None-Match"))
        return entitytag::listMatches(request.header("If-None-Match"), etag, Comparison::Weak)
                   ? Precondition::NotModified
                   : Precondition::Proceed;
    if (const QByteArray since = request.header("If-Modified-Since"); !since.isEmpty()) {
        const std::optional<qint64> seconds = parseHttpDate(since);
        if (seconds && modified <= *seconds)
            return Precondition::NotModified;
    }
    return Precondition::Proceed;
}

void StaticFiles::serve(const HttpRequest &request, HttpResponder &&responder) const
{
    static const QByteArray allowed = QByteArrayLiteral("GET, HEAD, OPTIONS");
    const bool options = request.method == "OPTIONS";
    if (request.method != "GET" && request.method != "HEAD" && !options) {
        HttpResponse response(405, QByteArrayLiteral("method not allowed\n"));
        response.addHeader(QByteArrayLiteral("Allow"), allowed);
        responder.respond(std::move(response));
        return;
    }
    if (options && request.target == "*") { // the server as a whole (RFC 9110 9.3.7)
        HttpResponse response(204);
        response.addHeader(QByteArrayLiteral("Allow"), allowed);
        responder.respond(std::move(response));
        return;
    }
    const Resolution resolution = resolve(request.path);
    const bool listing = m_autoindex && resolution.listable;
    if (resolution.status == 301) {
        HttpResponse moved(301, QByteArrayLiteral("moved permanently\n"));
        moved.addHeader(QByteArrayLiteral("Location"),
                        request.path + '/' +
                            (request.query.isEmpty() ? QByteArray() : '?' + request.query));
        responder.respond(std::move(moved));
        return;
    }
    if (resolution.status != 0 && !listing) {
        static const QByteArray reasons[] = {QByteArrayLiteral("bad path\n"),
                                             QByteArrayLiteral("forbidden\n"),
                                             QByteArrayLiteral("not found\n")};
        const QByteArray &reason = resolution.status == 400   ? reasons[0]
                                   : resolution.status == 403 ? reasons[1]
                                                              : reasons[2];
        responder.respond(resolution.status, reason);
        return;
    }

    if (options) {
        HttpResponse response(204);
        response.addHeader(QByteArrayLiteral("Allow"), allowed);
        responder.respond(std::move(response));
        return;
    }
    if (listing) {
        DirectoryListing directory;
        if (!directory.read(resolution.filePath, m_root)) {
            responder.respond(403, QByteArrayLiteral("forbidden\n"));
            return;
        }
        responder.respond(
            HttpResponse(200, directory.render(QByteArray::fromPercentEncoding(request.path)),
                         QByteArrayLiteral("text/html; charset=utf-8")));
        return;
    }
    auto file = std::make_shared<QFile>(resolution.filePath);
    if (!file->open(QIODevice::ReadOnly)) {
        responder.respond(403, QByteArrayLiteral("forbidden\n"));
        return;
    }
    // The validators come from the open file, so they describe exactly what is sent.
    struct stat status;
    if (::fstat(file->handle(), &status) != 0) {
        responder.respond(403, QByteArrayLiteral("forbidden\n"));
        return;
    }
    const qint64 modified = status.st_mtim.tv_sec;
    const QByteArray lastModified = httpDate(modified);
    const QByteArray etag =
        entitytag::forFile(status.st_ino, status.st_size,
                           qint64(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec);

    switch (evaluatePreconditions(request, modified, etag)) {
    case Precondition::Failed:
        responder.respond(412, QByteArrayLiteral("precondition failed\n"));
        return;
    case Precondition::NotModified: {
        HttpResponse notModified(304);
        if (!m_cacheControl.isEmpty())
            notModified.addHeader(QByteArrayLiteral("Cache-Control"), m_cacheControl);
        notModified.addHeader(QByteArrayLiteral("ETag"), etag);
        notModified.addHeader(QByteArrayLiteral("Last-Modified"), lastModified);
        responder.respond(std::move(notModified));
        return;
    }
    case Precondition::Proceed:
        break;
    }

    const QFileInfo info(*file);
    const qint64 size = status.st_size;
    ByteRange range{0, size - 1};
    RangeRequest ranged = RangeRequest::Ignore;
    if (const QByteArray rangeField = request.header("Range");
        !rangeField.isEmpty() && rangeStillApplies(request, etag, lastModified))
        ranged = parseRange(rangeField, size, &range);
    if (ranged == RangeRequest::Unsatisfiable) {
        HttpResponse unsatisfiable(416, QByteArrayLiteral("range not satisfiable\n"));
        unsatisfiable.addHeader(QByteArrayLiteral("Content-Range"),
                                "bytes */" + QByteArray::number(size));
        unsatisfiable.addHeader(QByteArrayLiteral("Accept-Ranges"), QByteArrayLiteral("bytes"));
        responder.respond(std::move(unsatisfiable));
        return;
    }

    const bool partial = ranged == RangeRequest::Satisfiable;
    HttpResponse response(partial ? 206 : 200, {}, m_types.forPath(info.fileName().toUtf8()));
    response.addHeader(QByteArrayLiteral("Accept-Ranges"), QByteArrayLiteral("bytes"));
    if (!m_cacheControl.isEmpty())
        response.addHeader(QByteArrayLiteral("Cache-Control"), m_cacheControl);
    response.addHeader(QByteArrayLiteral("ETag"), etag);
    response.addHeader(QByteArrayLiteral("Last-Modified"), lastModified);
    if (partial)
        response.addHeader(QByteArrayLiteral("Content-Range"),
                           "bytes " + QByteArray::number(range.first) + '-' +
                               QByteArray::number(range.last) + '/' + QByteArray::number(size));
    const qint64 length = partial ? range.length() : size;
    if (length <= inMemoryLimit) {
        if (range.first > 0)
            file->seek(range.first);
        response.setBody(file->read(length));
    } else {
        response.setBodyFile(std::move(file), length, partial ? range.first : 0);
    }
    responder.respond(std::move(response));
}

// If-Range (RFC 9110 13.1.5): the range holds only for the representation the client has part
// of, named by a strong entity tag or by the exact Last-Modified date; otherwise the whole of the
// current one is sent.
bool StaticFiles::rangeStillApplies(const HttpRequest &request, const QByteArray &etag,
                                    const QByteArray &lastModified)
{
    const QByteArray ifRange = request.header("If-Range").trimmed();
    if (ifRange.isEmpty())
        return true;
    if (ifRange.startsWith('"'))
        return ifRange == etag;
    return ifRange == lastModified;
}

} // namespace baton
