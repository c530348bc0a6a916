// The file cache's bounds: entries and bytes, least recently used first out.
#include "http/filecache.h"

#include <QTest>

using namespace baton;

namespace {

std::shared_ptr<const FileEntry> entryWithBody(qint64 bytes)
{
    auto entry = std::make_shared<FileEntry>();
    entry->kind = FileEntry::Kind::File;
    entry->body = QByteArray(bytes, 'x');
    return entry;
}

} // namespace

class tst_FileCache : public QObject
{
    Q_OBJECT

private slots:
    void findsWhatWasInserted()
    {
        FileCache cache;
        QVERIFY(!cache.find("/a"));
        const auto entry = entryWithBody(10);
        cache.insert("/a", entry);
        QCOMPARE(cache.find("/a"), entry);
        QCOMPARE(cache.count(), 1);
        const auto replacement = entryWithBody(20);
        cache.insert("/a", replacement);
        QCOMPARE(cache.find("/a"), replacement);
        QCOMPARE(cache.count(), 1);
        QCOMPARE(cache.bytes(), replacement->cost() + 2);
    }

    void evictsTheLeastRecentlyUsedPastTheEntryLimit()
    {
        FileCache cache(FileCache::Limits{3, 1 << 20}, 1);
        cache.insert("/1", entryWithBody(1));
        cache.insert("/2", entryWithBody(1));
        cache.insert("/3", entryWithBody(1));
        QVERIFY(cache.find("/1")); // now the most recently used
        cache.insert("/4", entryWithBody(1));
        QCOMPARE(cache.count(), 3);
        QVERIFY(cache.find("/1"));
        QVERIFY(!cache.find("/2"));
        QVERIFY(cache.find("/3"));
        QVERIFY(cache.find("/4"));
    }

    void staysWithinItsBytes()
    {
        const qint64 one = entryWithBody(1000)->cost() + 2;
        FileCache cache(FileCache::Limits{100, one * 3}, 1);
        for (int i = 0; i < 10; ++i)
            cache.insert("/" + QByteArray::number(i), entryWithBody(1000));
        QCOMPARE(cache.count(), 3);
        QVERIFY(cache.bytes() <= one * 3);
        QVERIFY(cache.find("/9"));
        QVERIFY(!cache.find("/6"));
        // Larger than the whole budget: not kept, and it pushes nothing out.
        cache.insert("/huge", entryWithBody(one * 4));
        QVERIFY(!cache.find("/huge"));
        QCOMPARE(cache.count(), 3);
    }

    // Entries sent with sendfile hold their file open: the cache keeps only so many.
    void staysWithinItsDescriptors()
    {
        FileCache cache(FileCache::Limits{100, 1 << 20, 2}, 1);
        const auto withFile = [] {
            auto entry = std::make_shared<FileEntry>();
            entry->file = std::make_shared<QFile>();
            return entry;
        };
        cache.insert("/a", withFile());
        cache.insert("/b", withFile());
        cache.insert("/small", entryWithBody(10)); // holds none
        QCOMPARE(cache.descriptors(), 2);
        cache.insert("/c", withFile());
        QCOMPARE(cache.descriptors(), 2);
        QVERIFY(!cache.find("/a"));
        QVERIFY(cache.find("/b"));
        QVERIFY(cache.find("/c"));
        QVERIFY(cache.find("/small"));
    }

    // A hostile client asking for a million different missing paths cannot grow the cache.
    void manyKeysStayBounded()
    {
        FileCache cache(FileCache::Limits{1000, 1 << 20});
        for (int i = 0; i < 100'000; ++i)
            cache.insert("/missing-" + QByteArray::number(i), std::make_shared<FileEntry>());
        QVERIFY(cache.count() <= 1000);
        QVERIFY(cache.bytes() <= 1 << 20);
    }
};

QTEST_GUILESS_MAIN(tst_FileCache)
#include "tst_filecache.moc"
