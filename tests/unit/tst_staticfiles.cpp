// What a request path leads to (FileLoader) and the answer made from it (StaticFiles::answer),
// without sockets or the cache's timing.
#include "http/staticfiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace baton;

class tst_StaticFiles : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_outside;
    QTemporaryDir m_root;

    void write(const QString &path, const QByteArray &content)
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    StaticFilesSettings settings() const
    {
        StaticFilesSettings settings;
        settings.root = m_root.path();
        return settings;
    }
    QByteArray canonical(const QString &relative) const
    {
        return QFile::encodeName(QFileInfo(m_root.filePath(relative)).canonicalFilePath());
    }
    static HttpRequest get(const QByteArray &path, const Headers &headers = {})
    {
        HttpRequest request;
        request.method = "GET";
        request.path = path;
        request.headers = headers;
        return request;
    }
    static QByteArray header(const Response &response, QByteArrayView name)
    {
        for (const auto &[key, value] : response.headers()) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    // The answer as a cache miss makes it: looked up now, then answered.
    static Response serveNow(const StaticFiles &files, const HttpRequest &request)
    {
        const auto entry = files.loader().load(request.path, nullptr, 0);
        const auto response = files.answer(request, *entry);
        return response ? *response : Response(599);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_root.isValid() && m_outside.isValid());
        write(m_root.filePath(QStringLiteral("index.html")), "<h1>home</h1>");
        write(m_root.filePath(QStringLiteral("docs/index.html")), "docs");
        write(m_root.filePath(QStringLiteral("docs/a b.txt")), "spaced");
        QVERIFY(QDir(m_root.path()).mkpath(QStringLiteral("empty")));
        write(m_outside.filePath(QStringLiteral("secret.txt")), "secret");
        QVERIFY(QFile::link(m_outside.filePath(QStringLiteral("secret.txt")),
                            m_root.filePath(QStringLiteral("leak.txt"))));
        QVERIFY(QFile::link(m_outside.path(), m_root.filePath(QStringLiteral("outdir"))));
        QVERIFY(QFile::link(m_root.filePath(QStringLiteral("docs/a b.txt")),
                            m_root.filePath(QStringLiteral("inside-link.txt"))));
        // A Latin-1 name: its bytes are not UTF-8, so no QString can name it.
        const QByteArray latin1 = QFile::encodeName(m_root.path()) + "/caf\xe9.txt";
        const int fd = ::open(latin1.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, "latin-1", 7), 7);
        ::close(fd);
        QVERIFY(::mkfifo(QFile::encodeName(m_root.filePath(QStringLiteral("pipe"))).constData(),
                         0644) == 0);
    }

    void cleanupTestCase()
    {
        // QTemporaryDir cannot see a name that is not UTF-8, so it could not remove this one.
        const QByteArray latin1 = QFile::encodeName(m_root.path()) + "/caf\xe9.txt";
        ::unlink(latin1.constData());
    }

    void load_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("file");
        const int file = int(FileEntry::Kind::File);
        const int error = int(FileEntry::Kind::Error);
        QTest::addRow("root index") << QByteArray("/") << file << 200 << "index.html";
        QTest::addRow("directory index")
            << QByteArray("/docs/") << file << 200 << "docs/index.html";
        QTest::addRow("directory without slash")
            << QByteArray("/docs") << int(FileEntry::Kind::Redirect) << 301 << QString();
        QTest::addRow("directory without index")
            << QByteArray("/empty/") << int(FileEntry::Kind::Directory) << 403 << "empty";
        QTest::addRow("dot segment to a directory")
            << QByteArray("/docs/./") << file << 200 << "docs/index.html";
        QTest::addRow("dot dot inside the root")
            << QByteArray("/docs/../docs/a%20b.txt") << file << 200 << "docs/a b.txt";
        QTest::addRow("encoded space")
            << QByteArray("/docs/a%20b.txt") << file << 200 << "docs/a b.txt";
        QTest::addRow("symlink inside")
            << QByteArray("/inside-link.txt") << file << 200 << "docs/a b.txt";
        QTest::addRow("missing") << QByteArray("/nope.txt") << error << 404 << QString();
        QTest::addRow("file as a directory")
            << QByteArray("/index.html/x") << error << 404 << QString();
        QTest::addRow("FIFO") << QByteArray("/pipe") << error << 404 << QString();
        QTest::addRow("dot dot") << QByteArray("/../secret.txt") << error << 400 << QString();
        QTest::addRow("nested dot dot") << QByteArray("/docs/../../x") << error << 400 << QString();
        QTest::addRow("encoded dot dot")
            << QByteArray("/%2e%2e/secret.txt") << error << 400 << QString();
        QTest::addRow("mixed-case encoded dot dot")
            << QByteArray("/%2E%2e/x") << error << 400 << QString();
        QTest::addRow("encoded slash")
            << QByteArray("/docs%2f..%2f..%2fx") << error << 400 << QString();
        QTest::addRow("upper-case encoded slash")
            << QByteArray("/docs%2F..%2F..%2Fx") << error << 400 << QString();
        QTest::addRow("encoded backslash") << QByteArray("/docs%5c..") << error << 400 << QString();
        QTest::addRow("backslash") << QByteArray("/docs\\..\\x") << error << 400 << QString();
        QTest::addRow("NUL") << QByteArray("/index.html%00.txt") << error << 400 << QString();
        // Malformed escapes: Qt would decode "%p0" to NUL, "%5L" to '\\', "%2/" to '/'.
        QTest::addRow("malformed escape to NUL")
            << QByteArray("/index.html%p0.txt") << error << 400 << QString();
        QTest::addRow("malformed escape to backslash")
            << QByteArray("/docs%5L..") << error << 400 << QString();
        QTest::addRow("malformed escape to slash")
            << QByteArray("/docs%2/index.html") << error << 400 << QString();
        QTest::addRow("lone percent") << QByteArray("/50%") << error << 400 << QString();
        QTest::addRow("percent and one digit")
            << QByteArray("/index.html%4") << error << 400 << QString();
        QTest::addRow("symlink out") << QByteArray("/leak.txt") << error << 403 << QString();
        QTest::addRow("dir symlink out")
            << QByteArray("/outdir/secret.txt") << error << 403 << QString();
        QTest::addRow("dir symlink out, listed")
            << QByteArray("/outdir/") << error << 403 << QString();
        QTest::addRow("not absolute") << QByteArray("index.html") << error << 400 << QString();
    }
    void load()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, kind);
        QFETCH(int, status);
        QFETCH(QString, file);
        const StaticFiles files(settings());
        const auto entry = files.loader().load(path, nullptr, 0);
        QCOMPARE(int(entry->kind), kind);
        QCOMPARE(entry->status, status);
        if (!file.isEmpty())
            QCOMPARE(entry->path, canonical(file));
    }

    // A directory named without its slash is redirected to itself with one, query kept; never
    // to a reference that a browser would read as another host.
    void redirectStaysOnThisHost()
    {
        const StaticFiles files(settings());
        HttpRequest request = get("/docs");
        request.query = "a=1";
        const Response moved = serveNow(files, request);
        QCOMPARE(moved.status(), 301);
        QCOMPARE(header(moved, "Location"), QByteArray("/docs/?a=1"));
        const Response doubled = serveNow(files, get("//docs"));
        QCOMPARE(doubled.status(), 301);
        QCOMPARE(header(doubled, "Location"), QByteArray("/docs/"));
        QCOMPARE(header(serveNow(files, get("///docs")), "Location"), QByteArray("/docs/"));
    }

    void nonUtf8NameIsServed()
    {
        const StaticFiles files(settings());
        const Response response = serveNow(files, get("/caf%E9.txt"));
        QCOMPARE(response.status(), 200);
        QCOMPARE(response.body(), QByteArray("latin-1"));
        QCOMPARE(header(response, "Content-Type"), QByteArray("text/plain; charset=utf-8"));
    }

    // With autoindex, a directory without index.html is listed, from a page read on demand
    // (never cached); without it, or for a directory a symlink leads to outside the root, 403.
    void autoindexServesListing()
    {
        write(m_root.filePath(QStringLiteral("empty/listed.txt")), "listed");
        const auto serve = [](const StaticFiles &files, const QByteArray &method,
                              const QByteArray &path) {
            HttpRequest request = get(path);
            request.method = method;
            const auto entry = files.loader().load(path, nullptr, 0);
            const QByteArray listing = files.listDirectory(request, *entry);
            const auto response = files.answer(request, *entry, &listing);
            return response ? *response : Response(599);
        };
        const StaticFiles plain(settings());
        QCOMPARE(serve(plain, "GET", "/empty/").status(), 403);
        StaticFilesSettings withIndex = settings();
        withIndex.autoindex = true;
        const StaticFiles indexing(withIndex);
        const Response listing = serve(indexing, "GET", "/empty/");
        QCOMPARE(listing.status(), 200);
        QCOMPARE(header(listing, "Content-Type"), QByteArray("text/html; charset=utf-8"));
        QVERIFY(listing.body().contains("<a href=\"listed.txt\">listed.txt</a>"));
        QVERIFY(listing.body().contains("<h1>Index of /empty/</h1>"));
        QCOMPARE(serve(indexing, "OPTIONS", "/empty/").status(), 204);
        QCOMPARE(serve(indexing, "GET", "/outdir/").status(), 403);
        QCOMPARE(serve(indexing, "GET", "/docs/").body(), QByteArray("docs"));
        // A cached directory entry alone cannot answer: the listing is read each time.
        const auto entry = indexing.loader().load("/empty/", nullptr, 0);
        QVERIFY(!indexing.answer(get("/empty/"), *entry));
        QVERIFY(QFile::remove(m_root.filePath(QStringLiteral("empty/listed.txt"))));
    }

    void conditionalGet()
    {
        const StaticFiles files(settings());
        const Response first = serveNow(files, get("/docs/a%20b.txt"));
        QCOMPARE(first.status(), 200);
        QCOMPARE(first.body(), QByteArray("spaced"));
        QCOMPARE(header(first, "Content-Type"), QByteArray("text/plain; charset=utf-8"));
        const QByteArray lastModified = header(first, "Last-Modified");
        QVERIFY(lastModified.endsWith(" GMT"));

        const Response second =
            serveNow(files, get("/docs/a%20b.txt", {{"If-Modified-Since", lastModified}}));
        QCOMPARE(second.status(), 304);
        QVERIFY(second.body().isEmpty());

        const Response third =
            serveNow(files, get("/docs/a%20b.txt",
                                {{"If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}}));
        QCOMPARE(third.status(), 200);
    }

    // A strong entity tag on every file answer; If-None-Match (weak comparison, lists, and
    // precedence over If-Modified-Since) and If-Match (strong comparison), RFC 9110 13.1.
    void entityTags()
    {
        const QString path = m_root.filePath(QStringLiteral("docs/tagged.txt"));
        write(path, "version one");
        const StaticFiles files(settings());
        const auto serve = [&files](const Headers &headers) {
            return serveNow(files, get("/docs/tagged.txt", headers));
        };
        const Response plain = serve({});
        QCOMPARE(plain.status(), 200);
        const QByteArray etag = header(plain, "ETag");
        QVERIFY2(etag.size() > 2 && etag.startsWith('"') && etag.endsWith('"'), etag.constData());
        const QByteArray lastModified = header(plain, "Last-Modified");

        const Response notModified = serve({{"If-None-Match", etag}});
        QCOMPARE(notModified.status(), 304);
        QCOMPARE(header(notModified, "ETag"), etag);
        QCOMPARE(header(notModified, "Last-Modified"), lastModified);
        QVERIFY(notModified.body().isEmpty());
        QCOMPARE(serve({{"If-None-Match", "W/" + etag}}).status(), 304);
        QCOMPARE(serve({{"If-None-Match", "\"a,b\", " + etag}}).status(), 304);
        QCOMPARE(serve({{"If-None-Match", "*"}}).status(), 304);
        // If-None-Match decides alone: a matching If-Modified-Since does not make it 304.
        QCOMPARE(
            serve({{"If-None-Match", "\"other\""}, {"If-Modified-Since", lastModified}}).status(),
            200);

        QCOMPARE(serve({{"If-Match", etag}}).status(), 200);
        QCOMPARE(serve({{"If-Match", "*"}}).status(), 200);
        QCOMPARE(serve({{"If-Match", "W/" + etag}}).status(), 412);
        QCOMPARE(serve({{"If-Match", "\"other\""}}).status(), 412);

        // A new version of the file is a new tag.
        write(path, "version two, longer");
        const Response changed = serve({{"If-None-Match", etag}});
        QCOMPARE(changed.status(), 200);
        QVERIFY(header(changed, "ETag") != etag);
        QCOMPARE(changed.body(), QByteArray("version two, longer"));
    }

    // A reload that finds the same version keeps the bytes already read; a new version is read.
    void reloadReusesTheSameVersion()
    {
        const QString path = m_root.filePath(QStringLiteral("docs/reused.txt"));
        write(path, "first");
        const StaticFiles files(settings());
        const auto first = files.loader().load("/docs/reused.txt", nullptr, 1);
        const auto again = files.loader().load("/docs/reused.txt", first.get(), 2);
        QCOMPARE(again->body, QByteArray("first"));
        QVERIFY(again->body.constData() == first->body.constData()); // shared, not read again
        QCOMPARE(again->loadedAtMs, 2);
        write(path, "second");
        const auto changed = files.loader().load("/docs/reused.txt", again.get(), 3);
        QCOMPARE(changed->body, QByteArray("second"));
        QVERIFY(changed->etag != first->etag);
    }

    // Above the in-memory limit the body is the open file, shared by every answer; one written
    // in place since gives no answer (the caller looks it up again), so its bytes never go out
    // under the old validators.
    void largeFileIsSentFromTheFile()
    {
        const QString path = m_root.filePath(QStringLiteral("large.bin"));
        write(path, QByteArray(FileLoader::defaultInMemoryLimit + 1, 'x'));
        const StaticFiles files(settings());
        const auto entry = files.loader().load("/large.bin", nullptr, 0);
        QVERIFY(!entry->inMemory);
        QVERIFY(entry->file);
        QCOMPARE(entry->descriptors(), 1);
        const auto response = files.answer(get("/large.bin"), *entry);
        QVERIFY(response);
        QCOMPARE(response->bodyFile(), entry->file);
        QCOMPARE(response->bodySize(), FileLoader::defaultInMemoryLimit + 1);
        const auto ranged = files.answer(get("/large.bin", {{"Range", "bytes=10-19"}}), *entry);
        QVERIFY(ranged);
        QCOMPARE(ranged->status(), 206);
        QCOMPARE(ranged->bodyFileOffset(), 10);
        QCOMPARE(ranged->bodySize(), 10);

        write(path, QByteArray(FileLoader::defaultInMemoryLimit + 2, 'y'));
        QVERIFY(!files.answer(get("/large.bin"), *entry));
        const auto reloaded = files.loader().load("/large.bin", entry.get(), 1);
        QCOMPARE(reloaded->identity.size, FileLoader::defaultInMemoryLimit + 2);
        QVERIFY(files.answer(get("/large.bin"), *reloaded));
    }

    // --gzip-static: the sidecar for clients that take its coding, the file for the others, and
    // Vary on both so that a shared cache keeps them apart.
    void precompressedSidecars()
    {
        write(m_root.filePath(QStringLiteral("app.js")), "plain");
        write(m_root.filePath(QStringLiteral("app.js.gz")), "gzipped");
        write(m_root.filePath(QStringLiteral("app.js.br")), "brotli");
        write(m_root.filePath(QStringLiteral("only-gz.css")), "plain css");
        write(m_root.filePath(QStringLiteral("only-gz.css.gz")), "gzipped css");
        StaticFilesSettings precompressed = settings();
        precompressed.precompressed = true;
        const StaticFiles files(precompressed);

        const auto serve = [&files](const QByteArray &path, const QByteArray &accept) {
            Headers headers;
            if (!accept.isNull())
                headers.append({"Accept-Encoding", accept});
            return serveNow(files, get(path, headers));
        };
        struct Case
        {
            QByteArray path, accept, body, coding;
        };
        const Case cases[] = {
            {"/app.js", {}, "plain", {}},
            {"/app.js", "gzip", "gzipped", "gzip"},
            {"/app.js", "x-gzip", "gzipped", "gzip"},
            {"/app.js", "gzip, deflate, br", "brotli", "br"},
            {"/app.js", "br;q=0.5, gzip", "gzipped", "gzip"},
            {"/app.js", "br;q=0, gzip;q=0", "plain", {}},
            {"/app.js", "*", "brotli", "br"},
            {"/app.js", "identity", "plain", {}},
            {"/only-gz.css", "br, gzip", "gzipped css", "gzip"},
            {"/only-gz.css", "br", "plain css", {}},
        };
        QByteArray plainTag;
        for (const Case &c : cases) {
            const Response response = serve(c.path, c.accept);
            const QByteArray what = c.path + " with Accept-Encoding: " + c.accept;
            QVERIFY2(response.status() == 200, what.constData());
            QVERIFY2(response.body() == c.body, what.constData());
            QVERIFY2(header(response, "Content-Encoding") == c.coding, what.constData());
            QVERIFY2(header(response, "Vary") == "Accept-Encoding", what.constData());
            QVERIFY2(header(response, "Content-Type")
                         .startsWith(c.path.endsWith(".js") ? "text/javascript" : "text/css"),
                     what.constData());
            if (c.path == "/app.js" && c.coding.isEmpty())
                plainTag = header(response, "ETag");
        }
        // Each representation has its own tag: a cached plain body never validates a gzip one.
        const Response gzip = serve("/app.js", "gzip");
        QVERIFY(header(gzip, "ETag") != plainTag);
        const Response revalidated = serveNow(
            files, get("/app.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", plainTag}}));
        QCOMPARE(revalidated.status(), 200);
        const Response notModified = serveNow(
            files,
            get("/app.js", {{"Accept-Encoding", "gzip"}, {"If-None-Match", header(gzip, "ETag")}}));
        QCOMPARE(notModified.status(), 304);
        QCOMPARE(header(notModified, "Vary"), QByteArray("Accept-Encoding"));
        QCOMPARE(header(notModified, "Content-Encoding"), QByteArray("gzip"));

        // Without --gzip-static the sidecar is only a file of its own.
        const StaticFiles plainFiles(settings());
        const Response plain =
            serveNow(plainFiles, get("/app.js", {{"Accept-Encoding", "gzip"}}));
        QCOMPARE(plain.body(), QByteArray("plain"));
        QVERIFY(header(plain, "Vary").isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_StaticFiles)
#include "tst_staticfiles.moc"
