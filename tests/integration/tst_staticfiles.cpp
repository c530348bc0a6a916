// --root DIR: static files (index.html, Content-Type, Last-Modified / If-Modified-Since),
// --autoindex listings, and that nothing outside DIR is ever served.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <fcntl.h>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

using namespace baton::test;

namespace {

const QByteArray secret = "TOP SECRET: outside the served root";

// Files in root/listed/, which has no index.html: hostile names (bytes, not all UTF-8) and
// their contents.
const QList<std::pair<QByteArray, QByteArray>> listedFiles = {
    {"plain.txt", "plain\n"},
    {"a\"b.txt", "quote\n"},
    {"&amp;.txt", "ampersand\n"},
    {"%41.txt", "percent\n"},
    {"#x", "hash\n"},
    {"?q", "question\n"},
    {"with space.txt", "space\n"},
    {"<img src=x onerror=alert(1)>", "img\n"},
    {"caf\xc3\xa9.txt", "utf-8\n"},
    {"caf\xe9.txt", "latin-1\n"},
};
// A directory and one inside it, so that "/listed/<script>alert(1)</script>/" is a directory.
const QByteArray scriptDirectory = "<script>alert(1)<";

} // namespace

class TestStaticFiles : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void rootServesIndexHtml();
    void directoryServesIndexHtml();
    void directoryWithoutSlashRedirects();
    void byteRanges_data();
    void byteRanges();
    void resumedDownloadMatches();
    void ifRangeDecides();
    void optionsAnswers204();
    void directoryWithoutIndexIsForbidden();
    void files_data();
    void files();
    void headHasNoBody();
    void missingFileIs404();
    void routesWinOverFiles();
    void lastModified();
    void ifModifiedSince_data();
    void ifModifiedSince();
    void nothingOutsideRoot_data();
    void nothingOutsideRoot();
    void rootWithoutIndexIsForbidden();
    void changedFileIsServedFresh();
    void everyRequestSeesTheDiskWithValidityZero();
    void precompressedSidecars();
    void nonUtf8NameIsServed();
    void clientsLeavingDuringLookupsDoNotDisturb();

    void autoindexListsDirectory();
    void autoindexHrefsFetchTheFiles();
    void autoindexEscapesThePath();
    void autoindexKeepsRedirectAndIndex();
    void autoindexHeadHasNoBody();
    void autoindexNothingOutsideRoot();
    void autoindexListsRootWithoutIndex();

private:
    QString rootPath(const QString &relative) const
    {
        return m_dir.filePath(QStringLiteral("root/") + relative);
    }
    std::optional<HttpResponse> get(const QByteArray &target, const QByteArray &headers = {});
    // GET from the server started with --autoindex on the same root.
    std::optional<HttpResponse> getIndexed(const QByteArray &target);

    QTemporaryDir m_dir;
    QDateTime m_notesTime;
    std::unique_ptr<BatonProcess> m_server;
    std::unique_ptr<BatonProcess> m_indexing;
};

void TestStaticFiles::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QDir base(m_dir.path());
    QVERIFY(base.mkpath(QStringLiteral("root/sub")));
    QVERIFY(base.mkpath(QStringLiteral("root/empty")));
    // Small (answered from memory) and large (sent with sendfile) files for ranges: every byte
    // position is distinguishable.
    QByteArray small;
    for (int i = 0; i < 1000; ++i)
        small += char('a' + i % 26);
    QVERIFY(writeFile(rootPath(QStringLiteral("small.bin")), small));
    QByteArray large;
    for (int i = 0; i < 1024 * 1024 / 8; ++i)
        large += QByteArray::number(i, 16).rightJustified(8, '.');
    QVERIFY(writeFile(rootPath(QStringLiteral("large.bin")), large));
    QVERIFY(base.mkpath(QStringLiteral("outside")));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("outside/secret.txt")), secret));

    QVERIFY(writeFile(rootPath(QStringLiteral("index.html")),
                      "<!doctype html><title>root index</title><p>static root index</p>\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("style.css")), "body { color: #333; }\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("app.js")), "console.log('static js');\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("data.json")), "{\"static\": true}\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("image.png")),
                      QByteArray::fromHex("89504e470d0a1a0a0000000d4948445200000001000000010806"
                                          "0000001f15c4890000000d49444154789c6360000000000400"
                                          "01e221bc330000000049454e44ae426082")));
    QVERIFY(writeFile(rootPath(QStringLiteral("notes.txt")), "plain static notes\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("with space.txt")), "a file name with a space\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("sub/index.html")), "<p>sub index</p>\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("sub/page.html")), "<p>sub page</p>\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("healthz")), "a file, not the route\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("healthz-file")), "<!doctype html><p>looks html\n"));

    QVERIFY(
        QFile::link(QStringLiteral("../outside/secret.txt"), rootPath(QStringLiteral("link-out"))));
    QVERIFY(QFile::link(QStringLiteral("../outside"), rootPath(QStringLiteral("dirlink-out"))));
    QVERIFY(QFile::link(m_dir.filePath(QStringLiteral("outside/secret.txt")),
                        rootPath(QStringLiteral("abs-link-out"))));

    // A fixed modification time in the past, whole seconds.
    m_notesTime = QDateTime::currentDateTimeUtc().addDays(-3);
    m_notesTime.setTime(
        QTime(m_notesTime.time().hour(), m_notesTime.time().minute(), m_notesTime.time().second()));
    QFile notes(rootPath(QStringLiteral("notes.txt")));
    QVERIFY(notes.open(QIODevice::ReadWrite));
    QVERIFY(notes.setFileTime(m_notesTime, QFileDevice::FileModificationTime));
    notes.close();

    QVERIFY(base.mkpath(QStringLiteral("root/listed/") + QString::fromUtf8(scriptDirectory) +
                        QStringLiteral("/script>")));
    QVERIFY(base.mkpath(QStringLiteral("root/listed/sub dir")));
    QVERIFY(writeFile(rootPath(QStringLiteral("listed/sub dir/inner.txt")), "inner\n"));
    QVERIFY(writeFile(rootPath(QStringLiteral("listed/.hidden")), "hidden\n"));
    QVERIFY(QFile::link(QStringLiteral("../../outside/secret.txt"),
                        rootPath(QStringLiteral("listed/secret-link"))));
    // Through the raw bytes: QString could not name the Latin-1 file.
    for (const auto &[name, content] : listedFiles) {
        const QByteArray path = QFile::encodeName(rootPath(QStringLiteral("listed/"))) + name;
        const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        QVERIFY2(fd >= 0, path.constData());
        QCOMPARE(::write(fd, content.constData(), size_t(content.size())), ssize_t(content.size()));
        QCOMPARE(::close(fd), 0);
    }

    m_server = std::make_unique<BatonProcess>();
    QVERIFY2(
        m_server->start({QStringLiteral("--root"), m_dir.filePath(QStringLiteral("root")),
                         QStringLiteral("--default-type"), QStringLiteral("text/x-unknown"),
                         QStringLiteral("--cache-control"), QStringLiteral("public, max-age=60")}),
        qPrintable(m_server->errorString() + QLatin1Char('\n') + m_server->diagnostics()));
    BATON_VERIFY_SERVING(*m_server);

    m_indexing = std::make_unique<BatonProcess>();
    QVERIFY2(m_indexing->start({QStringLiteral("--root"), m_dir.filePath(QStringLiteral("root")),
                                QStringLiteral("--autoindex")}),
             qPrintable(m_indexing->errorString() + QLatin1Char('\n') + m_indexing->diagnostics()));
    BATON_VERIFY_SERVING(*m_indexing);
}

void TestStaticFiles::cleanupTestCase()
{
    // QTemporaryDir's cleanup cannot name the Latin-1 file.
    for (const auto &[name, content] : listedFiles) {
        const QByteArray path = QFile::encodeName(rootPath(QStringLiteral("listed/"))) + name;
        ::unlink(path.constData());
    }
    BATON_VERIFY_CLEAN_STOP(*m_server);
    if (m_indexing)
        BATON_VERIFY_CLEAN_STOP(*m_indexing);
}

void TestStaticFiles::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << m_server->diagnostics();
        qWarning().noquote() << m_indexing->diagnostics();
    }
    QVERIFY2(m_server->isRunning(), "baton is no longer running");
    QVERIFY2(m_indexing->isRunning(), "baton --autoindex is no longer running");
}

std::optional<HttpResponse> TestStaticFiles::get(const QByteArray &target,
                                                 const QByteArray &headers)
{
    RawClient client;
    if (!client.connectTo(m_server->host(), m_server->port())) {
        qWarning().noquote() << client.errorString();
        return std::nullopt;
    }
    auto response = client.request(httpGet(target, headers));
    if (!response)
        qWarning().noquote() << "GET" << target << "failed:" << client.errorString();
    return response;
}

std::optional<HttpResponse> TestStaticFiles::getIndexed(const QByteArray &target)
{
    RawClient client;
    if (!client.connectTo(m_indexing->host(), m_indexing->port())) {
        qWarning().noquote() << client.errorString();
        return std::nullopt;
    }
    auto response = client.request(httpGet(target));
    if (!response)
        qWarning().noquote() << "GET" << target << "failed:" << client.errorString();
    return response;
}

void TestStaticFiles::rootServesIndexHtml()
{
    const auto response = get("/");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QFile index(rootPath(QStringLiteral("index.html")));
    QVERIFY(index.open(QIODevice::ReadOnly));
    QCOMPARE(response->body, index.readAll());
    QVERIFY2(response->header("content-type").startsWith("text/html"),
             qPrintable(response->describe()));
}

void TestStaticFiles::directoryServesIndexHtml()
{
    const auto response = get("/sub/");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->body, QByteArray("<p>sub index</p>\n"));
    QVERIFY(response->header("content-type").startsWith("text/html"));
}

void TestStaticFiles::directoryWithoutSlashRedirects()
{
    // As nginx: relative links in sub/index.html must resolve against sub/.
    const auto bare = get("/sub?x=1");
    QVERIFY(bare);
    BATON_COMPARE_STATUS(bare, 301);
    QCOMPARE(bare->header("Location"), QByteArray("/sub/?x=1"));
    const auto followed = get(bare->header("Location"));
    QVERIFY(followed);
    BATON_COMPARE_STATUS(followed, 200);
    QCOMPARE(followed->body, QByteArray("<p>sub index</p>\n"));
}

void TestStaticFiles::byteRanges_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    for (const QString &file : {QStringLiteral("small.bin"), QStringLiteral("large.bin")}) {
        const qint64 size = QFileInfo(rootPath(file)).size();
        const QByteArray tag = file.toLatin1() + ' ';
        QTest::addRow("%s first", tag.constData())
            << file << QByteArray("bytes=0-99") << 206 << 0ll << 99ll;
        QTest::addRow("%s middle", tag.constData())
            << file << QByteArray("bytes=300-617") << 206 << 300ll << 617ll;
        QTest::addRow("%s suffix", tag.constData())
            << file << QByteArray("bytes=-77") << 206 << size - 77 << size - 1;
        QTest::addRow("%s open", tag.constData())
            << file << ("bytes=" + QByteArray::number(size - 5) + "-") << 206 << size - 5
            << size - 1;
        QTest::addRow("%s past the end", tag.constData())
            << file << ("bytes=" + QByteArray::number(size) + "-") << 416 << 0ll << 0ll;
        QTest::addRow("%s several ranges: the whole file", tag.constData())
            << file << QByteArray("bytes=0-1,5-6") << 200 << 0ll << size - 1;
    }
}

void TestStaticFiles::byteRanges()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, range);
    QFETCH(int, status);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    QFile expected(rootPath(file));
    QVERIFY(expected.open(QIODevice::ReadOnly));
    const QByteArray whole = expected.readAll();

    const auto response = get("/" + file.toLatin1(), "Range: " + range + "\r\n");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, status);
    QCOMPARE(response->header("Accept-Ranges"), QByteArray("bytes"));
    if (status == 416) {
        QCOMPARE(response->header("Content-Range"), "bytes */" + QByteArray::number(whole.size()));
        return;
    }
    QCOMPARE(response->body, whole.mid(first, last - first + 1));
    if (status == 206)
        QCOMPARE(response->header("Content-Range"), "bytes " + QByteArray::number(first) + '-' +
                                                        QByteArray::number(last) + '/' +
                                                        QByteArray::number(whole.size()));
}

// What `curl -C -` does: the first part of a download, then the rest from where it stopped;
// the two together are the file.
void TestStaticFiles::resumedDownloadMatches()
{
    QFile expected(rootPath(QStringLiteral("large.bin")));
    QVERIFY(expected.open(QIODevice::ReadOnly));
    const QByteArray whole = expected.readAll();
    const auto start = get("/large.bin", "Range: bytes=0-400000\r\n");
    QVERIFY(start);
    BATON_COMPARE_STATUS(start, 206);
    const auto rest =
        get("/large.bin", "Range: bytes=" + QByteArray::number(start->body.size()) + "-\r\n");
    QVERIFY(rest);
    BATON_COMPARE_STATUS(rest, 206);
    QCOMPARE(start->body + rest->body, whole);
}

// A range applies only to the version the client has part of.
void TestStaticFiles::ifRangeDecides()
{
    const auto plain = get("/small.bin");
    QVERIFY(plain);
    const QByteArray etag = plain->header("ETag");
    const QByteArray date = plain->header("Last-Modified");
    QVERIFY(!etag.isEmpty() && !date.isEmpty());
    const QByteArray range = "Range: bytes=10-19\r\n";
    const auto byTag = get("/small.bin", range + "If-Range: " + etag + "\r\n");
    QVERIFY(byTag);
    BATON_COMPARE_STATUS(byTag, 206);
    const auto byDate = get("/small.bin", range + "If-Range: " + date + "\r\n");
    QVERIFY(byDate);
    BATON_COMPARE_STATUS(byDate, 206);
    const auto otherTag = get("/small.bin", range + "If-Range: \"other\"\r\n");
    QVERIFY(otherTag);
    BATON_COMPARE_STATUS(otherTag, 200);
    QCOMPARE(otherTag->body, plain->body);
    const auto otherDate = get("/small.bin", range + "If-Range: Sat, 01 Jan 2000 00:00:00 GMT\r\n");
    QVERIFY(otherDate);
    BATON_COMPARE_STATUS(otherDate, 200);
}

// As README says of every route: OPTIONS answers 204 with Allow, for a file and for the server.
void TestStaticFiles::optionsAnswers204()
{
    for (const QByteArray &target : {QByteArray("/notes.txt"), QByteArray("*")}) {
        RawClient client;
        QVERIFY(client.connectTo(m_server->host(), m_server->port()));
        const auto response = client.request(httpRequest("OPTIONS", target));
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 204);
        QCOMPARE(response->header("Allow"), QByteArray("GET, HEAD, OPTIONS"));
    }
    const auto missing = [this] {
        RawClient client;
        client.connectTo(m_server->host(), m_server->port());
        return client.request(httpRequest("OPTIONS", "/nope.txt"));
    }();
    QVERIFY(missing);
    BATON_COMPARE_STATUS(missing, 404);
}

void TestStaticFiles::directoryWithoutIndexIsForbidden()
{
    // Without --autoindex.
    for (const QByteArray &target : {QByteArray("/empty/"), QByteArray("/listed/")}) {
        const auto response = get(target);
        QVERIFY(response);
        BATON_COMPARE_STATUS(response, 403);
        QVERIFY2(!response->body.contains("plain.txt"), qPrintable(response->describe()));
    }
}

void TestStaticFiles::files_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("type");

    const QByteArray html = "text/html; charset=utf-8";
    const QByteArray text = "text/plain; charset=utf-8";
    QTest::addRow("css") << QByteArray("/style.css") << QStringLiteral("style.css")
                         << QByteArray("text/css; charset=utf-8");
    QTest::addRow("javascript") << QByteArray("/app.js") << QStringLiteral("app.js")
                                << QByteArray("text/javascript; charset=utf-8");
    QTest::addRow("json") << QByteArray("/data.json") << QStringLiteral("data.json")
                          << QByteArray("application/json; charset=utf-8");
    QTest::addRow("png") << QByteArray("/image.png") << QStringLiteral("image.png")
                         << QByteArray("image/png");
    QTest::addRow("text") << QByteArray("/notes.txt") << QStringLiteral("notes.txt") << text;
    QTest::addRow("html in subdirectory")
        << QByteArray("/sub/page.html") << QStringLiteral("sub/page.html") << html;
    QTest::addRow("index.html by name")
        << QByteArray("/index.html") << QStringLiteral("index.html") << html;
    QTest::addRow("percent-encoded name")
        << QByteArray("/with%20space.txt") << QStringLiteral("with space.txt") << text;
    QTest::addRow("with query") << QByteArray("/notes.txt?v=2") << QStringLiteral("notes.txt")
                                << text;
    // By extension only: what a file starts with never changes its type.
    // (--default-type, as this server is started with.)
    QTest::addRow("no extension") << QByteArray("/healthz-file") << QStringLiteral("healthz-file")
                                  << QByteArray("text/x-unknown");
}

void TestStaticFiles::files()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, file);
    QFETCH(QByteArray, type);

    const auto response = get(target);
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QFile expected(rootPath(file));
    QVERIFY(expected.open(QIODevice::ReadOnly));
    QCOMPARE(response->body, expected.readAll());
    QCOMPARE(response->header("content-length"), QByteArray::number(expected.size()));

    QCOMPARE(response->header("content-type"), type);
    QCOMPARE(response->header("Cache-Control"), QByteArray("public, max-age=60"));
}

void TestStaticFiles::headHasNoBody()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(client.send(httpHead("/image.png") + httpGet("/notes.txt")));
    const auto head = client.readHeadResponse();
    BATON_VERIFY_READ(head, client);
    BATON_COMPARE_STATUS(head, 200);
    QVERIFY(head->header("content-type").startsWith("image/png"));
    const auto get = client.readResponse();
    BATON_VERIFY_READ(get, client);
    BATON_COMPARE_STATUS(get, 200);
    QCOMPARE(get->body, QByteArray("plain static notes\n"));
}

void TestStaticFiles::missingFileIs404()
{
    for (const QByteArray &target : {QByteArray("/missing.txt"), QByteArray("/sub/missing.html"),
                                     QByteArray("/notes.txt/more")}) {
        const auto response = get(target);
        QVERIFY(response);
        BATON_COMPARE_STATUS(response, 404);
        BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    }
}

void TestStaticFiles::routesWinOverFiles()
{
    const auto response = get("/healthz");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    QVERIFY2(response->body != "a file, not the route\n", "the file shadowed the /healthz route");
}

void TestStaticFiles::lastModified()
{
    const auto response = get("/notes.txt");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->header("last-modified"), httpDate(m_notesTime));
}

void TestStaticFiles::ifModifiedSince_data()
{
    QTest::addColumn<QByteArray>("since");
    QTest::addColumn<int>("status");

    QTest::addRow("same time") << httpDate(m_notesTime) << 304;
    QTest::addRow("a day later") << httpDate(m_notesTime.addDays(1)) << 304;
    QTest::addRow("a second earlier") << httpDate(m_notesTime.addSecs(-1)) << 200;
    QTest::addRow("a day earlier") << httpDate(m_notesTime.addDays(-1)) << 200;
    QTest::addRow("not a date") << QByteArray("yesterday-ish") << 200;
}

void TestStaticFiles::ifModifiedSince()
{
    QFETCH(QByteArray, since);
    QFETCH(int, status);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto response =
        client.request(httpGet("/notes.txt", "If-Modified-Since: " + since + "\r\n"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, status);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    if (status == 304) {
        QVERIFY(response->body.isEmpty());
        // No body bytes were sent after the 304: the next response parses cleanly.
        const auto next = client.request(httpGet("/healthz"));
        BATON_VERIFY_READ(next, client);
        BATON_COMPARE_STATUS(next, 200);
    } else {
        QCOMPARE(response->body, QByteArray("plain static notes\n"));
    }
}

void TestStaticFiles::nothingOutsideRoot_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("forbidden");

    const QByteArray passwd = "root:";
    QTest::addRow("dot-dot") << QByteArray("/../outside/secret.txt") << secret;
    QTest::addRow("dot-dot after a directory")
        << QByteArray("/sub/../../outside/secret.txt") << secret;
    QTest::addRow("encoded dot-dot") << QByteArray("/%2e%2e/outside/secret.txt") << secret;
    QTest::addRow("encoded upper-case dot-dot")
        << QByteArray("/%2E%2E/outside/secret.txt") << secret;
    QTest::addRow("half-encoded dot-dot") << QByteArray("/.%2e/outside/secret.txt") << secret;
    QTest::addRow("encoded dot-dot after a directory")
        << QByteArray("/sub/%2e%2e/%2e%2e/outside/secret.txt") << secret;
    QTest::addRow("encoded slashes") << QByteArray("/..%2foutside%2fsecret.txt") << secret;
    QTest::addRow("all encoded") << QByteArray("/%2e%2e%2foutside%2fsecret.txt") << secret;
    QTest::addRow("encoded slashes after a directory")
        << QByteArray("/sub%2f..%2f..%2foutside%2fsecret.txt") << secret;
    QTest::addRow("encoded backslashes") << QByteArray("/..%5coutside%5csecret.txt") << secret;
    QTest::addRow("relative symlink to a file outside") << QByteArray("/link-out") << secret;
    QTest::addRow("absolute symlink to a file outside") << QByteArray("/abs-link-out") << secret;
    QTest::addRow("symlink to a directory outside")
        << QByteArray("/dirlink-out/secret.txt") << secret;
    QTest::addRow("double slash absolute path") << QByteArray("//etc/passwd") << passwd;
    QTest::addRow("encoded absolute path") << QByteArray("/%2fetc%2fpasswd") << passwd;
    QTest::addRow("NUL byte") << QByteArray("/notes.txt%00.html")
                              << QByteArray("plain static notes");
}

void TestStaticFiles::nothingOutsideRoot()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, forbidden);

    const auto response = get(target);
    QVERIFY(response);
    QVERIFY2(response->status == 400 || response->status == 403 || response->status == 404,
             qPrintable(QStringLiteral("GET %1: expected 400, 403 or 404, got ")
                            .arg(QString::fromLatin1(target)) +
                        response->describe()));
    QVERIFY2(!response->body.contains(forbidden), qPrintable(response->describe()));
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
}

// With --root, "/" is the root directory like any other: without an index.html it is not
// listed (and the greeting does not stand in for it).
void TestStaticFiles::rootWithoutIndexIsForbidden()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("file.txt")), "only a file\n"));
    BatonProcess server;
    QVERIFY2(server.start({QStringLiteral("--root"), dir.path()}),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    const auto root = client.request(httpGet("/"));
    BATON_VERIFY_READ(root, client);
    BATON_COMPARE_STATUS(root, 403);
    const auto file = client.request(httpGet("/file.txt"));
    BATON_VERIFY_READ(file, client);
    BATON_COMPARE_STATUS(file, 200);
    QCOMPARE(file->body, QByteArray("only a file\n"));
}

namespace {

// Every href on a listing page, in order.
QByteArrayList hrefsOf(const QByteArray &page)
{
    QByteArrayList out;
    static const QRegularExpression href(QStringLiteral("href=\"([^\"]*)\""));
    for (const QRegularExpressionMatch &match : href.globalMatch(QString::fromUtf8(page)))
        out.append(match.captured(1).toUtf8());
    return out;
}

} // namespace

void TestStaticFiles::autoindexListsDirectory()
{
    const auto response = getIndexed("/listed/");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_indexing->pid());
    QCOMPARE(response->header("Content-Type"), QByteArray("text/html; charset=utf-8"));
    const QByteArray &page = response->body;
    QVERIFY(page.startsWith("<!DOCTYPE html>"));
    QVERIFY(page.contains("<h1>Index of /listed/</h1>"));
    QVERIFY(page.contains("<a href=\"../\">../</a>"));
    // Each name escaped as text; the Latin-1 byte shown as U+FFFD.
    for (const QByteArray &text :
         {QByteArray("plain.txt"), QByteArray("a&quot;b.txt"), QByteArray("&amp;amp;.txt"),
          QByteArray("%41.txt"), QByteArray("#x"), QByteArray("?q"), QByteArray("with space.txt"),
          QByteArray("&lt;img src=x onerror=alert(1)&gt;"), QByteArray("caf\xc3\xa9.txt"),
          QByteArray("caf\xef\xbf\xbd.txt"), QByteArray("sub dir/"),
          QByteArray("&lt;script&gt;alert(1)&lt;/")})
        QVERIFY2(page.contains(QByteArray('>' + text + "</a>")),
                 qPrintable(QString::fromUtf8(text + '\n' + page)));
    QVERIFY2(!page.contains("<img") && !page.contains("<script"), page.constData());
    // Hidden files and symlinks leading out of the root are not listed.
    QVERIFY(!page.contains(".hidden"));
    QVERIFY(!page.contains("secret-link"));
    // Directories first, then files, byte-wise.
    QVERIFY(page.indexOf("%3Cscript") < page.indexOf("sub%20dir/"));
    QVERIFY(page.indexOf("sub%20dir/") < page.indexOf("%2541.txt"));
}

// Every href on the page is a working link: percent-decoded by the server, it names the file.
void TestStaticFiles::autoindexHrefsFetchTheFiles()
{
    const auto listing = getIndexed("/listed/");
    QVERIFY(listing);
    BATON_COMPARE_STATUS(listing, 200);
    const QByteArrayList hrefs = hrefsOf(listing->body);
    QByteArrayList expected{"../", "%3Cscript%3Ealert%281%29%3C/", "sub%20dir/"};
    for (const auto &[name, content] : listedFiles)
        expected.append(name.toPercentEncoding());
    QCOMPARE(QSet<QByteArray>(hrefs.cbegin(), hrefs.cend()),
             QSet<QByteArray>(expected.cbegin(), expected.cend()));

    QByteArray latin1Href;
    for (const auto &[name, content] : listedFiles) {
        const QByteArray href = name.toPercentEncoding();
        if (QString::fromUtf8(name).toUtf8() != name) {
            latin1Href = href;
            continue;
        }
        const auto file = getIndexed("/listed/" + href);
        QVERIFY(file);
        BATON_COMPARE_STATUS(file, 200);
        QCOMPARE(file->body, content);
    }

    const auto sub = getIndexed("/listed/sub%20dir/");
    QVERIFY(sub);
    BATON_COMPARE_STATUS(sub, 200);
    QCOMPARE(hrefsOf(sub->body), (QByteArrayList{"../", "inner.txt"}));
    const auto inner = getIndexed("/listed/sub%20dir/inner.txt");
    QVERIFY(inner);
    QCOMPARE(inner->body, QByteArray("inner\n"));

    // The Latin-1 name's href is its raw bytes percent-encoded (caf%E9.txt), as a browser would
    // send it back, and it names the file.
    QCOMPARE(latin1Href, QByteArray("caf%E9.txt"));
    const auto latin1 = getIndexed("/listed/" + latin1Href);
    QVERIFY(latin1);
    BATON_COMPARE_STATUS(latin1, 200);
    QVERIFY(!latin1->body.isEmpty());
}

void TestStaticFiles::autoindexEscapesThePath()
{
    const auto response = getIndexed("/listed/%3Cscript%3Ealert(1)%3C/script%3E/");
    QVERIFY(response);
    BATON_COMPARE_STATUS(response, 200);
    QVERIFY2(
        response->body.contains("<h1>Index of /listed/&lt;script&gt;alert(1)&lt;/script&gt;/</h1>"),
        qPrintable(response->describe()));
    QVERIFY(!response->body.contains("<script"));
}

void TestStaticFiles::autoindexKeepsRedirectAndIndex()
{
    const auto bare = getIndexed("/listed?x=1");
    QVERIFY(bare);
    BATON_COMPARE_STATUS(bare, 301);
    QCOMPARE(bare->header("Location"), QByteArray("/listed/?x=1"));
    // A directory with an index.html serves it, --autoindex or not.
    const auto sub = getIndexed("/sub/");
    QVERIFY(sub);
    BATON_COMPARE_STATUS(sub, 200);
    QCOMPARE(sub->body, QByteArray("<p>sub index</p>\n"));
    const auto root = getIndexed("/");
    QVERIFY(root);
    BATON_COMPARE_STATUS(root, 200);
    QVERIFY2(root->body.contains("static root index"), qPrintable(root->describe()));
}

void TestStaticFiles::autoindexHeadHasNoBody()
{
    RawClient client;
    QVERIFY(client.connectTo(m_indexing->host(), m_indexing->port()));
    QVERIFY(client.send(httpHead("/listed/") + httpGet("/listed/")));
    const auto head = client.readHeadResponse();
    BATON_VERIFY_READ(head, client);
    BATON_COMPARE_STATUS(head, 200);
    QCOMPARE(head->header("Content-Type"), QByteArray("text/html; charset=utf-8"));
    QVERIFY(head->body.isEmpty());
    // The GET right behind it parses cleanly, so no body bytes followed the HEAD answer.
    const auto get = client.readResponse();
    BATON_VERIFY_READ(get, client);
    BATON_COMPARE_STATUS(get, 200);
    QVERIFY(get->body.startsWith("<!DOCTYPE html>"));
    QCOMPARE(head->header("Content-Length"), QByteArray::number(get->body.size()));
}

void TestStaticFiles::autoindexNothingOutsideRoot()
{
    for (const QByteArray &target :
         {QByteArray("/dirlink-out/"), QByteArray("/listed/secret-link"),
          QByteArray("/../outside/"), QByteArray("/%2e%2e/outside/"), QByteArray("/sub/../../")}) {
        const auto response = getIndexed(target);
        QVERIFY(response);
        QVERIFY2(response->status == 400 || response->status == 403,
                 qPrintable(QString::fromLatin1(target) + u' ' + response->describe()));
        QVERIFY2(!response->body.contains("secret"), qPrintable(response->describe()));
    }
}

void TestStaticFiles::autoindexListsRootWithoutIndex()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("file.txt")), "only a file\n"));
    BatonProcess server;
    QVERIFY2(server.start({QStringLiteral("--root"), dir.path(), QStringLiteral("--autoindex")}),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    const auto root = client.request(httpGet("/"));
    BATON_VERIFY_READ(root, client);
    BATON_COMPARE_STATUS(root, 200);
    QCOMPARE(root->header("Content-Type"), QByteArray("text/html; charset=utf-8"));
    QVERIFY(root->body.contains("<h1>Index of /</h1>"));
    QCOMPARE(hrefsOf(root->body), QByteArrayList{"file.txt"}); // no ../ at the root
    const auto file = client.request(httpGet("/file.txt"));
    BATON_VERIFY_READ(file, client);
    QCOMPARE(file->body, QByteArray("only a file\n"));
    BATON_VERIFY_CLEAN_STOP(server);
}

namespace {

// A server of its own over a directory of its own, for tests that change files under it.
struct OwnServer
{
    QTemporaryDir dir;
    BatonProcess server;

    bool start(const QStringList &extra = {})
    {
        return dir.isValid() &&
               server.start(QStringList{QStringLiteral("--root"), dir.path()} + extra);
    }
    QString path(const QString &name) const { return dir.filePath(name); }
    std::optional<HttpResponse> get(const QByteArray &target, const QByteArray &headers = {})
    {
        RawClient client;
        if (!client.connectTo(server.host(), server.port()))
            return std::nullopt;
        return client.request(httpGet(target, headers));
    }
};

} // namespace

// The cache trusts what it found for --file-cache-valid (1 s by default), then asks the file
// system again: a file rewritten on disk is served, with its new validators, soon after.
void TestStaticFiles::changedFileIsServedFresh()
{
    OwnServer own;
    QVERIFY(writeFile(own.path(QStringLiteral("page.txt")), "version one\n"));
    QVERIFY2(own.start(), qPrintable(own.server.errorString() + own.server.diagnostics()));
    const auto first = own.get("/page.txt");
    QVERIFY(first);
    QCOMPARE(first->body, QByteArray("version one\n"));
    const QByteArray firstTag = first->header("etag");

    // Replaced the way a deploy does it (write aside, rename over), so no request can catch
    // the file half-written.
    QVERIFY(writeFile(own.path(QStringLiteral("page.txt.new")), "version two, longer\n"));
    QCOMPARE(::rename(QFile::encodeName(own.path(QStringLiteral("page.txt.new"))).constData(),
                      QFile::encodeName(own.path(QStringLiteral("page.txt"))).constData()),
             0);
    // Polled: how soon is the validity's business; that it comes, and whole, is the test's.
    QDeadlineTimer deadline(30'000);
    std::optional<HttpResponse> fresh;
    while (!deadline.hasExpired()) {
        fresh = own.get("/page.txt");
        QVERIFY(fresh);
        BATON_COMPARE_STATUS(fresh, 200);
        if (fresh->body != first->body)
            break;
        QCOMPARE(fresh->header("etag"), firstTag); // old bytes come with their old tag only
        QTest::qWait(50);
    }
    QCOMPARE(fresh->body, QByteArray("version two, longer\n"));
    QVERIFY(fresh->header("etag") != firstTag);
    QCOMPARE(fresh->header("content-length"), QByteArray("20"));
}

// --file-cache-valid 0: every request looks again, so the next one after a change sees it, a
// file created after a 404 is found, and one removed is gone.
void TestStaticFiles::everyRequestSeesTheDiskWithValidityZero()
{
    OwnServer own;
    QVERIFY(writeFile(own.path(QStringLiteral("page.txt")), "one\n"));
    QVERIFY2(own.start({QStringLiteral("--file-cache-valid"), QStringLiteral("0")}),
             qPrintable(own.server.errorString() + own.server.diagnostics()));
    QCOMPARE(own.get("/page.txt")->body, QByteArray("one\n"));
    QVERIFY(writeFile(own.path(QStringLiteral("page.txt")), "two!\n"));
    QCOMPARE(own.get("/page.txt")->body, QByteArray("two!\n"));

    BATON_COMPARE_STATUS(own.get("/later.txt"), 404);
    QVERIFY(writeFile(own.path(QStringLiteral("later.txt")), "here now\n"));
    const auto later = own.get("/later.txt");
    BATON_COMPARE_STATUS(later, 200);
    QCOMPARE(later->body, QByteArray("here now\n"));
    QVERIFY(QFile::remove(own.path(QStringLiteral("later.txt"))));
    BATON_COMPARE_STATUS(own.get("/later.txt"), 404);
}

// --gzip-static: app.js.gz for clients that take gzip, app.js for the others, Vary on both;
// ranges and validators belong to the representation sent.
void TestStaticFiles::precompressedSidecars()
{
    OwnServer own;
    const QByteArray plain = QByteArray("console.log('plain');\n").repeated(40);
    const QByteArray gzipped = "\x1f\x8b pretend these are gzip bytes";
    QVERIFY(writeFile(own.path(QStringLiteral("app.js")), plain));
    QVERIFY(writeFile(own.path(QStringLiteral("app.js.gz")), gzipped));
    QVERIFY(writeFile(own.path(QStringLiteral("style.css")), "body {}\n"));
    QVERIFY2(own.start({QStringLiteral("--gzip-static")}),
             qPrintable(own.server.errorString() + own.server.diagnostics()));

    const auto compressed = own.get("/app.js", "Accept-Encoding: gzip, deflate, br\r\n");
    BATON_COMPARE_STATUS(compressed, 200);
    QCOMPARE(compressed->body, gzipped);
    QCOMPARE(compressed->header("content-encoding"), QByteArray("gzip"));
    QCOMPARE(compressed->header("vary"), QByteArray("Accept-Encoding"));
    QVERIFY(compressed->header("content-type").startsWith("text/javascript"));

    const auto identity = own.get("/app.js");
    BATON_COMPARE_STATUS(identity, 200);
    QCOMPARE(identity->body, plain);
    QVERIFY(identity->header("content-encoding").isEmpty());
    QCOMPARE(identity->header("vary"), QByteArray("Accept-Encoding"));
    QVERIFY(identity->header("etag") != compressed->header("etag"));

    const auto refused = own.get("/app.js", "Accept-Encoding: gzip;q=0\r\n");
    QCOMPARE(refused->body, plain);

    const auto part = own.get("/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-1\r\n");
    BATON_COMPARE_STATUS(part, 206);
    QCOMPARE(part->body, gzipped.left(2));
    QCOMPARE(part->header("content-range"), "bytes 0-1/" + QByteArray::number(gzipped.size()));

    const auto notModified =
        own.get("/app.js",
                "Accept-Encoding: gzip\r\nIf-None-Match: " + compressed->header("etag") + "\r\n");
    BATON_COMPARE_STATUS(notModified, 304);
    QCOMPARE(notModified->header("vary"), QByteArray("Accept-Encoding"));

    // No sidecar: no Vary, nothing changes.
    const auto css = own.get("/style.css", "Accept-Encoding: gzip\r\n");
    BATON_COMPARE_STATUS(css, 200);
    QVERIFY(css->header("vary").isEmpty());
    QVERIFY(css->header("content-encoding").isEmpty());
    // The sidecar asked for by name is a file of its own.
    const auto sidecar = own.get("/app.js.gz");
    QCOMPARE(sidecar->body, gzipped);
    QVERIFY(sidecar->header("content-encoding").isEmpty());
}

// A percent-decoded path that is not UTF-8 still names its file (caf%E9.txt is Latin-1 é).
void TestStaticFiles::nonUtf8NameIsServed()
{
    OwnServer own;
    QVERIFY(own.dir.isValid());
    const QByteArray name = QFile::encodeName(own.dir.path()) + "/caf\xe9.txt";
    QFile file;
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    QVERIFY(fd >= 0);
    QVERIFY(file.open(fd, QIODevice::WriteOnly, QFileDevice::AutoCloseHandle));
    file.write("un caf\xe9\n");
    file.close();
    QVERIFY2(own.start(), qPrintable(own.server.errorString() + own.server.diagnostics()));
    const auto response = own.get("/caf%E9.txt");
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->body, QByteArray("un caf\xe9\n"));
    BATON_COMPARE_STATUS(own.get("/caf%C3%A9.txt"), 404); // the UTF-8 spelling is another name
    BATON_VERIFY_CLEAN_STOP(own.server);
    // QTemporaryDir cannot see a name that is not UTF-8, so it could not remove this one.
    QCOMPARE(::unlink(name.constData()), 0);
}

// Requests whose path is being looked up on a loader thread when their client goes: nothing is
// answered to anyone else, and the server serves on.
void TestStaticFiles::clientsLeavingDuringLookupsDoNotDisturb()
{
    OwnServer own;
    for (int i = 0; i < 50; ++i)
        QVERIFY(writeFile(own.path(QStringLiteral("f%1.txt").arg(i)), QByteArray::number(i)));
    QVERIFY2(own.start({QStringLiteral("--file-cache-valid"), QStringLiteral("0")}),
             qPrintable(own.server.errorString() + own.server.diagnostics()));
    for (int round = 0; round < 300; ++round) {
        RawClient client;
        QVERIFY(client.connectTo(own.server.host(), own.server.port()));
        QVERIFY(client.send(httpGet("/f" + QByteArray::number(round % 50) + ".txt")));
        // closed at once, usually while the lookup is under way
    }
    for (int i = 0; i < 50; ++i) {
        const auto response = own.get("/f" + QByteArray::number(i) + ".txt");
        BATON_COMPARE_STATUS(response, 200);
        QCOMPARE(response->body, QByteArray::number(i));
    }
    QVERIFY(own.server.isRunning());
}

QTEST_GUILESS_MAIN(TestStaticFiles)
#include "tst_staticfiles.moc"
