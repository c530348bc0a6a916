#include "http/filecache.h"

namespace baton {

FileCache::FileCache(Limits limits, int shards)
{
    shards = qMax(1, shards);
    for (int i = 0; i < shards; ++i)
        m_shards.push_back(std::make_unique<Shard>());
    // Rounded down, so the total never exceeds the limit (a shard holds at least one entry).
    m_maxEntriesPerShard = qMax(1, limits.maxEntries / shards);
    m_maxBytesPerShard = qMax<qint64>(1, limits.maxBytes / shards);
    m_maxDescriptorsPerShard = qMax(1, limits.maxDescriptors / shards);
}

FileCache::Shard &FileCache::shardFor(const QByteArray &key) const
{
    return *m_shards[qHash(key) % m_shards.size()];
}

std::shared_ptr<const FileEntry> FileCache::find(const QByteArray &key) const
{
    Shard &shard = shardFor(key);
    std::lock_guard locker(shard.mutex);
    const auto found = shard.index.constFind(key);
    if (found == shard.index.constEnd())
        return nullptr;
    shard.order.splice(shard.order.begin(), shard.order, *found);
    return (*found)->entry;
}

void FileCache::insert(const QByteArray &key, std::shared_ptr<const FileEntry> entry)
{
    const qint64 cost = entry->cost() + key.size();
    const int descriptors = entry->descriptors();
    Shard &shard = shardFor(key);
    std::lock_guard locker(shard.mutex);
    if (const auto found = shard.index.find(key); found != shard.index.end()) {
        shard.bytes -= (*found)->cost;
        shard.descriptors -= (*found)->descriptors;
        shard.order.erase(*found);
        shard.index.erase(found);
    }
    if (cost > m_maxBytesPerShard || descriptors > m_maxDescriptorsPerShard)
        return;
    while (!shard.order.empty() && (shard.order.size() >= size_t(m_maxEntriesPerShard) ||
                                    shard.bytes + cost > m_maxBytesPerShard ||
                                    shard.descriptors + descriptors > m_maxDescriptorsPerShard)) {
        const Item &oldest = shard.order.back();
        shard.bytes -= oldest.cost;
        shard.descriptors -= oldest.descriptors;
        shard.index.remove(oldest.key);
        shard.order.pop_back();
    }
    shard.order.push_front(Item{key, std::move(entry), cost, descriptors});
    shard.index.insert(key, shard.order.begin());
    shard.bytes += cost;
    shard.descriptors += descriptors;
}

int FileCache::count() const
{
    int total = 0;
    for (const auto &shard : m_shards) {
        std::lock_guard locker(shard->mutex);
        total += int(shard->index.size());
    }
    return total;
}

int FileCache::descriptors() const
{
    int total = 0;
    for (const auto &shard : m_shards) {
        std::lock_guard locker(shard->mutex);
        total += shard->descriptors;
    }
    return total;
}

qint64 FileCache::bytes() const
{
    qint64 total = 0;
    for (const auto &shard : m_shards) {
        std::lock_guard locker(shard->mutex);
        total += shard->bytes;
    }
    return total;
}

} // namespace baton
