#include "http/staticfiles.h"
#include "recordingsink.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

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
    }

    void resolve_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("file");
        QTest::addRow("root index") << QByteArray("/") << 0 << "index.html";
        QTest::addRow("directory index") << QByteArray("/docs/") << 0 << "docs/index.html";
        QTest::addRow("directory without slash") << QByteArray("/docs") << 301 << QString();
        QTest::addRow("directory without index") << QByteArray("/empty/") << 403 << QString();
        QTest::addRow("dot segment to a directory")
            << QByteArray("/docs/./") << 0 << "docs/index.html";
        QTest::addRow("encoded space") << QByteArray("/docs/a%20b.txt") << 0 << "docs/a b.txt";
        QTest::addRow("symlink inside") << QByteArray("/inside-link.txt") << 0 << "docs/a b.txt";
        QTest::addRow("missing") << QByteArray("/nope.txt") << 404 << QString();
        QTest::addRow("dot dot") << QByteArray("/../secret.txt") << 400 << QString();
        QTest::addRow("nested dot dot") << QByteArray("/docs/../../x") << 400 << QString();
        QTest::addRow("encoded dot dot") << QByteArray("/%2e%2e/secret.txt") << 400 << QString();
        QTest::addRow("mixed-case encoded dot dot") << QByteArray("/%2E%2e/x") << 400 << QString();
        QTest::addRow("encoded slash") << QByteArray("/docs%2f..%2f..%2fx") << 400 << QString();
        QTest::addRow("backslash") << QByteArray("/docs\\..\\x") << 400 << QString();
        QTest::addRow("NUL") << QByteArray("/index.html%00.txt") << 400 << QString();
        QTest::addRow("symlink out") << QByteArray("/leak.txt") << 403 << QString();
        QTest::addRow("dir symlink out") << QByteArray("/outdir/secret.txt") << 403 << QString();
        QTest::addRow("not absolute") << QByteArray("index.html") << 400 << QString();
    }
    void resolve()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QString, file);
        const StaticFiles files(m_root.path());
        const StaticFiles::Resolution resolution = files.resolve(path);
        QCOMPARE(resolution.status, status);
        if (status == 0)
            QCOMPARE(resolution.filePath, QFileInfo(m_root.filePath(file)).canonicalFilePath());
    }

    // A directory without index.html is reported as listable (still 403: serve() decides), but
    // not one that a symlink leads to outside the root.
    void listable_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("directory"); // empty: not listable
        QTest::addRow("without index") << QByteArray("/empty/") << 403 << "empty";
        QTest::addRow("dot segment") << QByteArray("/docs/../empty/") << 403 << "empty";
        QTest::addRow("with index") << QByteArray("/docs/") << 0 << QString();
        QTest::addRow("without slash") << QByteArray("/empty") << 301 << QString();
        QTest::addRow("symlink out") << QByteArray("/outdir/") << 403 << QString();
        QTest::addRow("file") << QByteArray("/docs/a%20b.txt") << 0 << QString();
    }
    void listable()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QString, directory);
        const StaticFiles files(m_root.path(), MediaTypes(), {}, true);
        const StaticFiles::Resolution resolution = files.resolve(path);
        QCOMPARE(resolution.status, status);
        QCOMPARE(resolution.listable, !directory.isEmpty());
        if (resolution.listable)
            QCOMPARE(resolution.filePath,
                     QFileInfo(m_root.filePath(directory)).canonicalFilePath());
    }

    void autoindexServesListing()
    {
        const auto serve = [](const StaticFiles &files, const QByteArray &method,
                              const QByteArray &path) {
            HttpRequest request;
            request.method = method;
            request.path = path;
            auto sink = std::make_unique<RecordingSink>();
            files.serve(request, HttpResponder(sink.get(), sink->serial));
            return sink;
        };
        write(m_root.filePath(QStringLiteral("empty/listed.txt")), "listed");
        const StaticFiles plain(m_root.path());
        QCOMPARE(serve(plain, "GET", "/empty/")->response.status(), 403);
        const StaticFiles indexing(m_root.path(), MediaTypes(), {}, true);
        const auto listing = serve(indexing, "GET", "/empty/");
        QCOMPARE(listing->response.status(), 200);
        QCOMPARE(listing->header("Content-Type"), QByteArray("text/html; charset=utf-8"));
        QVERIFY(listing->response.body().contains("<a href=\"listed.txt\">listed.txt</a>"));
        QVERIFY(listing->response.body().contains("<h1>Index of /empty/</h1>"));
        QCOMPARE(serve(indexing, "OPTIONS", "/empty/")->response.status(), 204);
        QCOMPARE(serve(indexing, "GET", "/outdir/")->response.status(), 403);
        QCOMPARE(serve(indexing, "GET", "/docs/")->response.body(), QByteArray("docs"));
        QVERIFY(QFile::remove(m_root.filePath(QStringLiteral("empty/listed.txt"))));
    }

    void conditionalGet()
    {
        const StaticFiles files(m_root.path());
        HttpRequest request;
        request.method = "GET";
        request.path = "/docs/a%20b.txt";
        RecordingSink first;
        files.serve(request, HttpResponder(&first, first.serial));
        QCOMPARE(first.response.status(), 200);
        QCOMPARE(first.response.body(), QByteArray("spaced"));
        QCOMPARE(first.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        const QByteArray lastModified = first.header("Last-Modified");
        QVERIFY(lastModified.endsWith(" GMT"));

        request.headers.append({"If-Modified-Since", lastModified});
        RecordingSink second;
        files.serve(request, HttpResponder(&second, second.serial));
        QCOMPARE(second.response.status(), 304);
        QVERIFY(second.response.body().isEmpty());

        request.headers = {{"If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}};
        RecordingSink third;
        files.serve(request, HttpResponder(&third, third.serial));
        QCOMPARE(third.response.status(), 200);
    }

    // A strong entity tag on every file answer; If-None-Match (weak comparison, lists, and
    // precedence over If-Modified-Since) and If-Match (strong comparison), RFC 9110 13.1.
    void entityTags()
    {
        const QString path = m_root.filePath(QStringLiteral("docs/tagged.txt"));
        write(path, "version one");
        const StaticFiles files(m_root.path());
        const auto serve = [&files](QList<QPair<QByteArray, QByteArray>> headers) {
            HttpRequest request;
            request.method = "GET";
            request.path = "/docs/tagged.txt";
            for (const auto &header : headers)
                request.headers.append({header.first, header.second});
            auto sink = std::make_unique<RecordingSink>();
            files.serve(request, HttpResponder(sink.get(), sink->serial));
            return sink;
        };
        const auto plain = serve({});
        QCOMPARE(plain->response.status(), 200);
        const QByteArray etag = plain->header("ETag");
        QVERIFY2(etag.size() > 2 && etag.startsWith('"') && etag.endsWith('"'), etag.constData());
        const QByteArray lastModified = plain->header("Last-Modified");

        const auto notModified = serve({{"If-None-Match", etag}});
        QCOMPARE(notModified->response.status(), 304);
        QCOMPARE(notModified->header("ETag"), etag);
        QCOMPARE(notModified->header("Last-Modified"), lastModified);
        QVERIFY(notModified->response.body().isEmpty());
        QCOMPARE(serve({{"If-None-Match", "W/" + etag}})->response.status(), 304);
        QCOMPARE(serve({{"If-None-Match", "\"a,b\", " + etag}})->response.status(), 304);
        QCOMPARE(serve({{"If-None-Match", "*"}})->response.status(), 304);
        // If-None-Match decides alone: a matching If-Modified-Since does not make it 304.
        QCOMPARE(serve({{"If-None-Match", "\"other\""}, {"If-Modified-Since", lastModified}})
                     ->response.status(),
                 200);

        QCOMPARE(serve({{"If-Match", etag}})->response.status(), 200);
        QCOMPARE(serve({{"If-Match", "*"}})->response.status(), 200);
        QCOMPARE(serve({{"If-Match", "W/" + etag}})->response.status(), 412);
        QCOMPARE(serve({{"If-Match", "\"other\""}})->response.status(), 412);

        // A new version of the file is a new tag.
        write(path, "version two, longer");
        const auto changed = serve({{"If-None-Match", etag}});
        QCOMPARE(changed->response.status(), 200);
        QVERIFY(changed->header("ETag") != etag);
        QCOMPARE(changed->response.body(), QByteArray("version two, longer"));
    }
};

QTEST_GUILESS_MAIN(tst_StaticFiles)
#include "tst_staticfiles.moc"
