#include "http/staticfiles.h"

#include "http/acceptencoding.h"
#include "http/byterange.h"
#include "http/directorylisting.h"
#include "http/entitytag.h"
#include "http/httpdate.h"
#include "http/percentencoding.h"
#include "net/monotonicclock.h"

#include <QObject>
#include <QThreadPool>

#include <mutex>

namespace baton {

namespace {

const QByteArray allowedMethods = QByteArrayLiteral("GET, HEAD, OPTIONS");

Response allowOnly(int status, QByteArray body = {})
{
    Response response(status, std::move(body));
    response.addHeader(QByteArrayLiteral("Allow"), allowedMethods);
    return response;
}

QByteArray reasonFor(int status)
{
    switch (status) {
    case 400:
        return QByteArrayLiteral("bad path\n");
    case 403:
        return QByteArrayLiteral("forbidden\n");
    default:
        return QByteArrayLiteral("not found\n");
    }
}

enum class Precondition { Proceed, NotModified, Failed };

// RFC 9110 13.2.2, in its order: If-Match (strong comparison), else If-Unmodified-Since; then
// If-None-Match (weak comparison), and only without it If-Modified-Since.
Precondition evaluatePreconditions(const HttpRequest &request, const FileEntry &file)
{
    using entitytag::Comparison;
    if (request.hasHeader("If-Match")) {
        if (!entitytag::listMatches(request.header("If-Match"), file.etag, Comparison::Strong))
            return Precondition::Failed;
    } else if (const QByteArray unmodified = request.header("If-Unmodified-Since");
               !unmodified.isEmpty()) {
        const std::optional<qint64> seconds = parseHttpDate(unmodified);
        if (seconds && file.modifiedSeconds > *seconds)
            return Precondition::Failed;
    }
    if (request.hasHeader("If-None-Match"))
        return entitytag::listMatches(request.header("If-None-Match"), file.etag, Comparison::Weak)
                   ? Precondition::NotModified
                   : Precondition::Proceed;
    if (const QByteArray since = request.header("If-Modified-Since"); !since.isEmpty()) {
        const std::optional<qint64> seconds = parseHttpDate(since);
        if (seconds && file.modifiedSeconds <= *seconds)
            return Precondition::NotModified;
    }
    return Precondition::Proceed;
}

// If-Range (RFC 9110 13.1.5): the range holds only for the representation the client has part
// of, named by a strong entity tag or by the exact Last-Modified date; otherwise the whole of the
// current one is sent.
bool rangeStillApplies(const HttpRequest &request, const FileEntry &file)
{
    const QByteArray ifRange = request.header("If-Range").trimmed();
    if (ifRange.isEmpty())
        return true;
    if (ifRange.startsWith('"'))
        return ifRange == file.etag;
    return ifRange == file.lastModified;
}

// The representation to send: a precompressed sidecar when the client takes its coding (brotli
// first at equal weight, being the smaller), else the file itself.
std::pair<const FileEntry *, QByteArray> chooseRepresentation(const HttpRequest &request,
                                                              const FileEntry &entry)
{
    if (!entry.hasVariants())
        return {&entry, {}};
    const AcceptEncoding accept(request.header("Accept-Encoding"));
    const int brotli = entry.brotli ? accept.weight("br") : 0;
    const int gzip = entry.gzip ? qMax(accept.weight("gzip"), accept.weight("x-gzip")) : 0;
    if (brotli > 0 && brotli >= gzip)
        return {entry.brotli.get(), QByteArrayLiteral("br")};
    if (gzip > 0)
        return {entry.gzip.get(), QByteArrayLiteral("gzip")};
    return {&entry, {}};
}

} // namespace

struct StaticFiles::Shared
{
    struct Loaded
    {
        std::shared_ptr<const FileEntry> entry;
        QByteArray listing; // a directory's page, with autoindex
    };

    Shared(const StaticFilesSettings &settings)
        : loader(settings.root, FileLoader::Settings{settings.types, settings.precompressed,
                                                     FileLoader::defaultInMemoryLimit}),
          cache(settings.cacheLimits), cacheControl(settings.cacheControl),
          validityMs(settings.cacheValidity.count()), autoindex(settings.autoindex)
    {}

    Loaded load(const QByteArray &path, const FileEntry *previous)
    {
        Loaded loaded;
        std::shared_ptr<FileEntry> entry = loader.load(path, previous, monotonicMs());
        if (entry->kind == FileEntry::Kind::Directory && autoindex)
            loaded.listing = listDirectory(path, *entry);
        loaded.entry = entry;
        cache.insert(path, loaded.entry);
        return loaded;
    }

    QByteArray listDirectory(const QByteArray &path, const FileEntry &entry) const
    {
        DirectoryListing directory;
        if (!directory.read(entry.path, loader.root()))
            return {};
        return directory.render(percent::decodeLenient(path));
    }

    std::optional<Response> answer(const HttpRequest &request, const FileEntry &entry,
                                       const QByteArray *listing) const;
    void addValidators(Response &response, const FileEntry &entry,
                       const FileEntry &representation, const QByteArray &coding) const;

    FileLoader loader;
    FileCache cache;
    QByteArray cacheControl;
    qint64 validityMs;
    bool autoindex;
};

namespace {

// Carries a looked-up answer from a loader thread back to the request's thread. The waiting
// request may be gone by then (its client left): the lock makes "still there, post to it" and
// "going away" exclude each other, so nothing is ever posted to a deleted object.
class PendingAnswer;
class Mailbox
{
public:
    explicit Mailbox(PendingAnswer *target) : m_target(target) {}
    void deliver(StaticFiles::Shared::Loaded loaded);
    void close()
    {
        std::lock_guard locker(m_mutex);
        m_target = nullptr;
    }

private:
    std::mutex m_mutex; // not QMutex: ThreadSanitizer sees this one
    PendingAnswer *m_target;
};

// A request waiting for its path to be looked up: a child of the request's context, so it goes
// (with the responder) when the client does.
class PendingAnswer : public QObject
{
public:
    PendingAnswer(QObject *context, std::shared_ptr<const StaticFiles::Shared> shared,
                  const HttpRequest &request, Responder &&responder)
        : QObject(context), m_mailbox(std::make_shared<Mailbox>(this)), m_shared(std::move(shared)),
          m_request(request), m_responder(std::move(responder))
    {}
    ~PendingAnswer() override { m_mailbox->close(); }

    const std::shared_ptr<Mailbox> &mailbox() const { return m_mailbox; }

    void finish(const StaticFiles::Shared::Loaded &loaded)
    {
        std::optional<Response> response =
            m_shared->answer(m_request, *loaded.entry, &loaded.listing);
        if (response) {
            m_responder.respond(std::move(*response));
        } else {
            // Replaced twice while being looked up; the client may simply ask again.
            Response busy(503, QByteArrayLiteral("the file changed while being read\n"));
            busy.addHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("0"));
            m_responder.respond(std::move(busy));
        }
    }

private:
    std::shared_ptr<Mailbox> m_mailbox;
    std::shared_ptr<const StaticFiles::Shared> m_shared;
    HttpRequest m_request;
    Responder m_responder;
};

void Mailbox::deliver(StaticFiles::Shared::Loaded loaded)
{
    std::lock_guard locker(m_mutex);
    if (!m_target)
        return;
    QMetaObject::invokeMethod(
        m_target, [target = m_target, loaded = std::move(loaded)] { target->finish(loaded); },
        Qt::QueuedConnection);
}

} // namespace

void StaticFiles::Shared::addValidators(Response &response, const FileEntry &entry,
                                        const FileEntry &representation,
                                        const QByteArray &coding) const
{
    // Caches must key on Accept-Encoding wherever the answer depends on it, identity included.
    if (entry.hasVariants())
        response.addHeader(QByteArrayLiteral("Vary"), QByteArrayLiteral("Accept-Encoding"));
    if (!coding.isEmpty())
        response.addHeader(QByteArrayLiteral("Content-Encoding"), coding);
    if (!cacheControl.isEmpty())
        response.addHeader(QByteArrayLiteral("Cache-Control"), cacheControl);
    response.addHeader(QByteArrayLiteral("ETag"), representation.etag);
    response.addHeader(QByteArrayLiteral("Last-Modified"), representation.lastModified);
}

std::optional<Response> StaticFiles::Shared::answer(const HttpRequest &request,
                                                        const FileEntry &entry,
                                                        const QByteArray *listing) const
{
    switch (entry.kind) {
    case FileEntry::Kind::Redirect: {
        // "//host/dir" would be a reference to another host (RFC 3986 4.2): one leading slash.
        QByteArrayView path = request.path;
        while (path.startsWith("//"))
            path = path.sliced(1);
        Response moved(301, QByteArrayLiteral("moved permanently\n"));
        moved.addHeader(QByteArrayLiteral("Location"),
                        path.toByteArray() + '/' +
                            (request.query.isEmpty() ? QByteArray() : '?' + request.query));
        return moved;
    }
    case FileEntry::Kind::Directory:
        if (!autoindex)
            return Response(entry.status, reasonFor(entry.status));
        if (!listing)
            return std::nullopt;
        if (listing->isEmpty())
            return Response(403, reasonFor(403));
        if (request.method == "OPTIONS")
            return allowOnly(204);
        return Response(200, *listing, QByteArrayLiteral("text/html; charset=utf-8"));
    case FileEntry::Kind::Error:
        return Response(entry.status, reasonFor(entry.status));
    case FileEntry::Kind::File:
        break;
    }
    if (request.method == "OPTIONS")
        return allowOnly(204);

    const auto [representation, coding] = chooseRepresentation(request, entry);
    switch (evaluatePreconditions(request, *representation)) {
    case Precondition::Failed:
        return Response(412, QByteArrayLiteral("precondition failed\n"));
    case Precondition::NotModified: {
        Response notModified(304);
        addValidators(notModified, entry, *representation, coding);
        return notModified;
    }
    case Precondition::Proceed:
        break;
    }

    const qint64 size = representation->identity.size;
    ByteRange range{0, size - 1};
    RangeRequest ranged = RangeRequest::Ignore;
    if (const QByteArray rangeField = request.header("Range");
        !rangeField.isEmpty() && rangeStillApplies(request, *representation))
        ranged = parseRange(rangeField, size, &range);
    if (ranged == RangeRequest::Unsatisfiable) {
        Response unsatisfiable(416, QByteArrayLiteral("range not satisfiable\n"));
        unsatisfiable.addHeader(QByteArrayLiteral("Content-Range"),
                                "bytes */" + QByteArray::number(size));
        unsatisfiable.addHeader(QByteArrayLiteral("Accept-Ranges"), QByteArrayLiteral("bytes"));
        return unsatisfiable;
    }

    const bool partial = ranged == RangeRequest::Satisfiable;
    Response response(partial ? 206 : 200, {}, entry.contentType);
    response.addHeader(QByteArrayLiteral("Accept-Ranges"), QByteArrayLiteral("bytes"));
    addValidators(response, entry, *representation, coding);
    if (partial)
        response.addHeader(QByteArrayLiteral("Content-Range"),
                           "bytes " + QByteArray::number(range.first) + '-' +
                               QByteArray::number(range.last) + '/' + QByteArray::number(size));
    const qint64 length = partial ? range.length() : size;
    if (representation->inMemory) {
        response.setBody(partial ? representation->body.mid(range.first, length)
                                 : representation->body);
    } else {
        if (!FileLoader::isCurrent(*representation))
            return std::nullopt;
        response.setBodyFile(representation->file, length, partial ? range.first : 0);
    }
    return response;
}

StaticFiles::StaticFiles(StaticFilesSettings settings)
    : m_shared(std::make_shared<Shared>(settings)), m_pool(std::make_unique<QThreadPool>())
{
    m_pool->setObjectName(QStringLiteral("baton-files"));
    m_pool->setMaxThreadCount(qMax(1, settings.loaderThreads));
}

StaticFiles::~StaticFiles() = default;

bool StaticFiles::isValid() const
{
    return m_shared->loader.isValid();
}

const FileLoader &StaticFiles::loader() const
{
    return m_shared->loader;
}

const FileCache &StaticFiles::cache() const
{
    return m_shared->cache;
}

std::optional<Response> StaticFiles::answer(const HttpRequest &request, const FileEntry &entry,
                                                const QByteArray *listing) const
{
    return m_shared->answer(request, entry, listing);
}

QByteArray StaticFiles::listDirectory(const HttpRequest &request, const FileEntry &entry) const
{
    return m_shared->listDirectory(request.path, entry);
}

void StaticFiles::serve(const HttpRequest &request, Responder &&responder) const
{
    const bool options = request.method == "OPTIONS";
    if (request.method != "GET" && request.method != "HEAD" && !options) {
        responder.respond(allowOnly(405, QByteArrayLiteral("method not allowed\n")));
        return;
    }
    if (options && request.target == "*") { // the server as a whole (RFC 9110 9.3.7)
        responder.respond(allowOnly(204));
        return;
    }

    std::shared_ptr<const FileEntry> entry = m_shared->cache.find(request.path);
    if (entry && monotonicMs() - entry->loadedAtMs < m_shared->validityMs) {
        if (std::optional<Response> response = m_shared->answer(request, *entry, nullptr)) {
            responder.respond(std::move(*response));
            return;
        }
    }

    QObject *context = responder.context();
    if (!context)
        return; // the client has gone
    auto *pending = new PendingAnswer(context, m_shared, request, std::move(responder));
    m_pool->start(
        [shared = m_shared, mailbox = pending->mailbox(), path = request.path,
         previous = std::move(entry)] { mailbox->deliver(shared->load(path, previous.get())); });
}

} // namespace baton
