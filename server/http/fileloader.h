#pragma once

#include "http/fileentry.h"
#include "http/mediatypes.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <memory>
#include <optional>

namespace baton {

// Works out what a request path leads to below one root, with plain system calls on byte paths
// (a file name need not be UTF-8, so it never passes through QString). This is the blocking
// part of serving files: it runs on a worker thread, and the cache keeps what it finds.
//
// A path is decoded once and its dot segments resolved (one that would climb above the root is
// refused); the file's canonical path must still lie under the canonical root, so neither "..",
// its encodings, an encoded slash nor a symlink can reach outside.
class FileLoader
{
public:
    // Files up to this size are kept in memory and go out with their head in one write; larger
    // ones stay open and go out with sendfile, which spares copying them through user space.
    static constexpr qint64 defaultInMemoryLimit = 16 * 1024;

    struct Settings
    {
        MediaTypes types;
        bool precompressed = false; // look for file.gz and file.br beside each file
        qint64 inMemoryLimit = defaultInMemoryLimit;
    };

    FileLoader(const QString &root, Settings settings);

    bool isValid() const { return !m_root.isEmpty(); }
    const QByteArray &root() const { return m_root; }

    // The decoded path below the root ("/docs/a b.txt"), dot segments resolved; nothing for a
    // path that is malformed, smuggles a separator or NUL, or climbs above the root.
    static std::optional<QByteArray> normalizePath(QByteArrayView encodedPath);

    // What encodedPath leads to now. When `previous` (an earlier answer for the same path) still
    // describes the same version of the same file, its body is reused instead of read again.
    std::shared_ptr<FileEntry> load(const QByteArray &encodedPath, const FileEntry *previous,
                                    qint64 nowMs) const;

    // Whether the open file of an entry not kept in memory is still the version the entry
    // describes: written in place since, its bytes would not match its validators or length.
    static bool isCurrent(const FileEntry &entry);

private:
    std::shared_ptr<FileEntry> loadFile(const QByteArray &path, const QByteArray &name,
                                        const FileEntry *previous) const;
    bool isBelowRoot(const QByteArray &canonical) const;

    QByteArray m_root; // canonical, without a trailing slash
    Settings m_settings;
};

} // namespace baton
