#pragma once

#include <QByteArray>
#include <QFile>

#include <memory>

namespace baton {

// Which version of a file an answer describes: a file replaced (new inode), resized, written
// (modification time) or touched (change time) is another version.
struct FileIdentity
{
    quint64 device = 0;
    quint64 inode = 0;
    qint64 size = 0;
    qint64 modifiedNs = 0;
    qint64 changedNs = 0;

    friend bool operator==(const FileIdentity &a, const FileIdentity &b)
    {
        return a.device == b.device && a.inode == b.inode && a.size == b.size &&
               a.modifiedNs == b.modifiedNs && a.changedNs == b.changedNs;
    }
    friend bool operator!=(const FileIdentity &a, const FileIdentity &b) { return !(a == b); }
};

// What one request path leads to below the root, with everything an answer needs worked out
// once: immutable, so the cache hands the same entry to every I/O thread.
struct FileEntry
{
    enum class Kind {
        File,      // a regular file: path, identity, validators, and the body when small
        Redirect,  // a directory named without its trailing slash (301 to dir/)
        Directory, // a directory without an index file: path names the directory
        Error,     // status says which (400, 403, 404)
    };

    Kind kind = Kind::Error;
    int status = 404;
    QByteArray path; // canonical, as bytes: file names need not be UTF-8
    FileIdentity identity;
    QByteArray contentType;
    QByteArray etag;
    QByteArray lastModified;
    qint64 modifiedSeconds = 0;
    // The whole file when it is small (one write sends it with the head); otherwise the open
    // file, sent with sendfile from an explicit offset, which any number of answers on any
    // threads can share.
    QByteArray body;
    bool inMemory = false;
    std::shared_ptr<QFile> file;
    // Precompressed sidecars (file.gz, file.br) with --gzip-static, each a File entry.
    std::shared_ptr<const FileEntry> gzip;
    std::shared_ptr<const FileEntry> brotli;
    // When it was read from the file system (monotonic ms): the cache reloads it once older
    // than its validity.
    qint64 loadedAtMs = 0;

    bool hasVariants() const { return gzip || brotli; }
    // Descriptors it holds open, which the cache's budget counts.
    int descriptors() const
    {
        return (file ? 1 : 0) + (gzip ? gzip->descriptors() : 0) +
               (brotli ? brotli->descriptors() : 0);
    }
    // Memory it holds, which the cache's budget counts.
    qint64 cost() const
    {
        qint64 bytes = qint64(sizeof(FileEntry)) + path.size() + body.size() + contentType.size() +
                       etag.size() + lastModified.size();
        if (gzip)
            bytes += gzip->cost();
        if (brotli)
            bytes += brotli->cost();
        return bytes;
    }
};

} // namespace baton
