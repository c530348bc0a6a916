#pragma once

#include "http/fileentry.h"

#include <QByteArray>
#include <QHash>

#include <list>
#include <memory>
#include <mutex>
#include <vector>

namespace baton {

struct FileCacheLimits
{
    int maxEntries = 10'000;
    qint64 maxBytes = 64 * 1024 * 1024;
    // Open files (those sent with sendfile) kept: a small share of the process's descriptors.
    int maxDescriptors = 256;
};

// What request paths led to, shared by every I/O thread: a hit costs a hash lookup under one
// of several locks, no system call. Bounded in entries, in bytes (bodies, paths, keys) and in open
// files; the least recently used entries go first. How old an entry may be before it is reloaded is
// the caller's decision (FileEntry::loadedAtMs).
class FileCache
{
public:
    using Limits = FileCacheLimits;

    // Shards divide the limits and the lock; tests use one to make eviction order exact.
    explicit FileCache(Limits limits = Limits(), int shards = 16);
    FileCache(const FileCache &) = delete;
    FileCache &operator=(const FileCache &) = delete;

    std::shared_ptr<const FileEntry> find(const QByteArray &key) const;
    // Replaces what the key had. An entry larger than a shard's byte budget is not kept.
    void insert(const QByteArray &key, std::shared_ptr<const FileEntry> entry);

    int count() const;
    qint64 bytes() const;
    int descriptors() const;

private:
    struct Item
    {
        QByteArray key;
        std::shared_ptr<const FileEntry> entry;
        qint64 cost = 0;
        int descriptors = 0;
    };
    struct Shard
    {
        // std::mutex rather than QMutex: ThreadSanitizer sees its ordering (Debian's Qt is not
        // instrumented), so a TSan build can check the cache.
        mutable std::mutex mutex;
        // Most recently used first; the hash points into it.
        mutable std::list<Item> order;
        QHash<QByteArray, std::list<Item>::iterator> index;
        qint64 bytes = 0;
        int descriptors = 0;
    };

    Shard &shardFor(const QByteArray &key) const;

    std::vector<std::unique_ptr<Shard>> m_shards;
    int m_maxEntriesPerShard;
    qint64 m_maxBytesPerShard;
    int m_maxDescriptorsPerShard;
};

} // namespace baton
