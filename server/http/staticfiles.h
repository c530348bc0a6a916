#pragma once

#include "http/filecache.h"
#include "http/fileloader.h"
#include "http/httprequest.h"
#include <baton/responder.h>
#include <baton/response.h>

#include <QString>

#include <chrono>
#include <memory>
#include <optional>

class QThreadPool;

namespace baton {

struct StaticFilesSettings
{
    QString root;
    MediaTypes types;
    // A Cache-Control value for every file answer (200, 206, 304), or none.
    QByteArray cacheControl;
    // Serve file.gz / file.br in place of file to clients that take that coding.
    bool precompressed = false;
    // List a directory that has no index.html (DirectoryListing) instead of answering 403.
    bool autoindex = false;
    // How long what a path led to is trusted before it is looked up again: a file changed on
    // disk is served fresh at most this much later. Zero looks up every request.
    std::chrono::milliseconds cacheValidity{1000};
    FileCache::Limits cacheLimits;
    // Threads that do the file system's blocking calls (lookups, reads) off the I/O threads.
    int loaderThreads = 2;
};

// Serves the files below one root. A request whose path was looked up recently is answered
// from the cache on the I/O thread, with no system call for a small file; any other is looked
// up on a loader thread and answered when that is done, so a slow disk stalls one request, not
// every connection of an I/O thread.
class StaticFiles
{
public:
    explicit StaticFiles(StaticFilesSettings settings);
    ~StaticFiles();
    StaticFiles(const StaticFiles &) = delete;
    StaticFiles &operator=(const StaticFiles &) = delete;

    bool isValid() const;
    void serve(const HttpRequest &request, Responder &&responder) const;

    // The answer to `request` from what its path led to; `listing` is the page of a directory
    // entry with autoindex on (listings are never cached). Nothing when the answer needs the
    // file system: the open file was written since, or a listing is missing.
    std::optional<Response> answer(const HttpRequest &request, const FileEntry &entry,
                                       const QByteArray *listing = nullptr) const;
    // The autoindex page of a directory entry, read now (blocking); empty if it cannot be read.
    QByteArray listDirectory(const HttpRequest &request, const FileEntry &entry) const;

    const FileLoader &loader() const;
    const FileCache &cache() const;

    struct Shared; // what loader threads share with the I/O threads

private:
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<QThreadPool> m_pool;
};

} // namespace baton
