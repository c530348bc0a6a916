#include "http/fileloader.h"

#include "http/entitytag.h"
#include "http/httpdate.h"
#include "http/percentencoding.h"

#include <QFileInfo>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace baton {

namespace {

constexpr QByteArrayView indexName = "index.html";

FileIdentity identityOf(const struct stat &status)
{
    FileIdentity identity;
    identity.device = quint64(status.st_dev);
    identity.inode = quint64(status.st_ino);
    identity.size = qint64(status.st_size);
    identity.modifiedNs = qint64(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec;
    identity.changedNs = qint64(status.st_ctim.tv_sec) * 1'000'000'000 + status.st_ctim.tv_nsec;
    return identity;
}

std::shared_ptr<FileEntry> failed(int status, qint64 nowMs)
{
    auto entry = std::make_shared<FileEntry>();
    entry->kind = FileEntry::Kind::Error;
    entry->status = status;
    entry->loadedAtMs = nowMs;
    return entry;
}

// A failed system call as an answer: a file we may not read is forbidden, anything else (gone,
// not a directory, a name too long) is not there.
int statusForErrno(int error)
{
    return error == EACCES || error == EPERM ? 403 : 404;
}

std::optional<QByteArray> canonicalPath(const QByteArray &path, int *error)
{
    char resolved[PATH_MAX];
    if (!::realpath(path.constData(), resolved)) {
        *error = errno;
        return std::nullopt;
    }
    return QByteArray(resolved);
}

class Descriptor
{
public:
    explicit Descriptor(int fd) : m_fd(fd) {}
    Descriptor(const Descriptor &) = delete;
    Descriptor &operator=(const Descriptor &) = delete;
    ~Descriptor()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd;
};

// Opening with O_NONBLOCK means a FIFO swapped in after the check cannot block the thread, and
// O_NOFOLLOW that a symlink swapped in after realpath() is not followed out of the root.
int openFile(const QByteArray &path)
{
    return ::open(path.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
}

} // namespace

FileLoader::FileLoader(const QString &root, Settings settings) : m_settings(std::move(settings))
{
    const QFileInfo info(root);
    if (info.isDir())
        m_root = QFile::encodeName(info.canonicalFilePath());
    if (m_root == "/")
        m_root.clear(); // "/" + path must not lose its separator; the whole system is no site
}

std::optional<QByteArray> FileLoader::normalizePath(QByteArrayView encodedPath)
{
    if (!encodedPath.startsWith('/'))
        return std::nullopt;
    // An encoded separator or NUL would let one segment smuggle a path of its own.
    for (qsizetype i = 0; i < encodedPath.size(); ++i) {
        const char c = encodedPath[i];
        if (c == '\\' || c == '\0')
            return std::nullopt;
        if (c == '%' && i + 2 < encodedPath.size()) {
            const char high = encodedPath[i + 1];
            const char low = char(encodedPath[i + 2] | 0x20);
            if ((high == '2' && low == 'f') || (high == '5' && low == 'c') ||
                (high == '0' && encodedPath[i + 2] == '0'))
                return std::nullopt;
        }
    }
    const std::optional<QByteArray> decodedPath = percent::decode(encodedPath);
    if (!decodedPath)
        return std::nullopt;
    const QByteArray &decoded = *decodedPath;
    // Dot segments are resolved (RFC 3986 5.2.4) rather than refused; one that would climb
    // above the root is refused.
    QByteArrayList kept;
    const QByteArrayList segments = decoded.split('/');
    for (qsizetype i = 1; i < segments.size(); ++i) {
        const QByteArray &segment = segments.at(i);
        const bool last = i + 1 == segments.size();
        if (segment == "..") {
            if (kept.isEmpty())
                return std::nullopt;
            kept.removeLast();
            if (last)
                kept.append(QByteArray());
        } else if (segment == ".") {
            if (last)
                kept.append(QByteArray());
        } else {
            kept.append(segment);
        }
    }
    return '/' + kept.join('/');
}

bool FileLoader::isBelowRoot(const QByteArray &canonical) const
{
    return canonical.size() > m_root.size() && canonical.startsWith(m_root) &&
           canonical.at(m_root.size()) == '/';
}

std::shared_ptr<FileEntry> FileLoader::load(const QByteArray &encodedPath,
                                            const FileEntry *previous, qint64 nowMs) const
{
    const std::optional<QByteArray> relative = normalizePath(encodedPath);
    if (!relative || !isValid())
        return failed(400, nowMs);
    QByteArray path = m_root + *relative;
    struct stat status;
    if (::stat(path.constData(), &status) != 0)
        return failed(statusForErrno(errno), nowMs);

    QByteArray name = relative->mid(relative->lastIndexOf('/') + 1);
    if (S_ISDIR(status.st_mode)) {
        // Relative links in dir/index.html resolve against dir/, not against its parent.
        if (!relative->endsWith('/')) {
            auto entry = failed(301, nowMs);
            entry->kind = FileEntry::Kind::Redirect;
            return entry;
        }
        const QByteArray index = path + indexName.toByteArray();
        if (::stat(index.constData(), &status) != 0) {
            if (errno != ENOENT)
                return failed(statusForErrno(errno), nowMs);
            int error = 0;
            const std::optional<QByteArray> directory = canonicalPath(path, &error);
            if (!directory)
                return failed(statusForErrno(error), nowMs);
            if (*directory != m_root && !isBelowRoot(*directory))
                return failed(403, nowMs);   // a symlink that leads out of the root
            auto entry = failed(403, nowMs); // listed only with --autoindex
            entry->kind = FileEntry::Kind::Directory;
            entry->path = *directory;
            return entry;
        }
        path = index;
        name = indexName.toByteArray();
    }

    std::shared_ptr<FileEntry> entry = loadFile(path, name, previous);
    entry->loadedAtMs = nowMs;
    if (entry->kind == FileEntry::Kind::File && m_settings.precompressed) {
        const auto sidecar =
            [&](const char *suffix,
                const std::shared_ptr<const FileEntry> &known) -> std::shared_ptr<const FileEntry> {
            struct stat sidecarStatus;
            const QByteArray sidecarPath = path + suffix;
            if (::stat(sidecarPath.constData(), &sidecarStatus) != 0 ||
                !S_ISREG(sidecarStatus.st_mode))
                return nullptr;
            std::shared_ptr<FileEntry> found = loadFile(sidecarPath, name, known.get());
            if (found->kind != FileEntry::Kind::File)
                return nullptr;
            found->loadedAtMs = nowMs;
            return found;
        };
        entry->gzip = sidecar(".gz", previous ? previous->gzip : nullptr);
        entry->brotli = sidecar(".br", previous ? previous->brotli : nullptr);
    }
    return entry;
}

std::shared_ptr<FileEntry> FileLoader::loadFile(const QByteArray &path, const QByteArray &name,
                                                const FileEntry *previous) const
{
    int error = 0;
    const std::optional<QByteArray> canonical = canonicalPath(path, &error);
    if (!canonical)
        return failed(statusForErrno(error), 0);
    if (!isBelowRoot(*canonical))
        return failed(403, 0); // a symlink that leads out of the root
    Descriptor fd(openFile(*canonical));
    if (fd.get() < 0)
        return failed(statusForErrno(errno), 0);
    struct stat status;
    if (::fstat(fd.get(), &status) != 0)
        return failed(403, 0);
    if (!S_ISREG(status.st_mode))
        return failed(404, 0); // devices, FIFOs and sockets are not files to serve

    FileIdentity identity = identityOf(status);
    if (previous && previous->kind == FileEntry::Kind::File && previous->path == *canonical &&
        previous->identity == identity) {
        auto same = std::make_shared<FileEntry>(*previous);
        same->contentType = m_settings.types.forPath(name);
        same->gzip.reset();
        same->brotli.reset();
        return same;
    }

    auto entry = std::make_shared<FileEntry>();
    entry->kind = FileEntry::Kind::File;
    entry->status = 200;
    entry->path = *canonical;
    entry->contentType = m_settings.types.forPath(name);
    if (identity.size > m_settings.inMemoryLimit) {
        // Opened non-blocking only so that a FIFO could not stall the open. Left set, sendfile
        // would read the file without waiting, and a page not yet in memory would come back as
        // EAGAIN, which the connection takes for a full socket and waits on the wrong thing.
        ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
        entry->file = std::make_shared<QFile>();
        if (!entry->file->open(fd.get(), QIODevice::ReadOnly, QFileDevice::AutoCloseHandle))
            return failed(403, 0);
        fd.release();
        // Made on a loader thread, shared by the I/O threads and released by whichever holds it
        // last: an object of no thread (it never receives events).
        entry->file->moveToThread(nullptr);
    } else {
        QByteArray body(identity.size, Qt::Uninitialized);
        qint64 got = 0;
        while (got < identity.size) {
            const ssize_t n = ::read(fd.get(), body.data() + got, size_t(identity.size - got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += n;
        }
        // A file that shrank while being read is sent as read, described as read.
        body.truncate(got);
        identity.size = got;
        entry->body = std::move(body);
        entry->inMemory = true;
    }
    entry->identity = identity;
    entry->modifiedSeconds = qint64(status.st_mtim.tv_sec);
    entry->lastModified = httpDate(entry->modifiedSeconds);
    entry->etag = entitytag::forFile(identity.inode, identity.size, identity.modifiedNs);
    return entry;
}

bool FileLoader::isCurrent(const FileEntry &entry)
{
    struct stat status;
    return entry.file && ::fstat(entry.file->handle(), &status) == 0 &&
           identityOf(status) == entry.identity;
}

} // namespace baton
