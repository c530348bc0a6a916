#include "http/directorylisting.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace baton;

namespace {

// Names are bytes here: some of them are not UTF-8, which QString could not carry.
QByteArray rawPath(const QString &directory, const QByteArray &name)
{
    return QFile::encodeName(directory) + '/' + name;
}

bool createFile(const QString &directory, const QByteArray &name, const QByteArray &content = {})
{
    const QByteArray path = rawPath(directory, name);
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    const bool written =
        ::write(fd, content.constData(), size_t(content.size())) == ssize_t(content.size());
    return ::close(fd) == 0 && written;
}

bool createDirectory(const QString &directory, const QByteArray &name)
{
    return ::mkdir(rawPath(directory, name).constData(), 0755) == 0;
}

// A QTemporaryDir that can also remove names that are not UTF-8, which its own QString-based
// cleanup cannot see (files, and empty directories, directly inside it).
class ScratchDir : public QTemporaryDir
{
public:
    ~ScratchDir()
    {
        DIR *dir = ::opendir(QFile::encodeName(path()).constData());
        if (!dir)
            return;
        while (const dirent *entry = ::readdir(dir)) {
            const QByteArray name(entry->d_name);
            if (QString::fromUtf8(name).toUtf8() != name &&
                ::unlinkat(::dirfd(dir), entry->d_name, 0) != 0)
                ::unlinkat(::dirfd(dir), entry->d_name, AT_REMOVEDIR);
        }
        ::closedir(dir);
    }
};

QByteArrayList names(const DirectoryListing &listing)
{
    QByteArrayList out;
    for (const DirectoryListing::Entry &entry : listing.entries())
        out.append(entry.name + (entry.directory ? "/" : ""));
    return out;
}

// Every href on the page, in order.
QByteArrayList hrefs(const QByteArray &page)
{
    QByteArrayList out;
    static const QRegularExpression href(QStringLiteral("href=\"([^\"]*)\""));
    for (const QRegularExpressionMatch &match : href.globalMatch(QString::fromUtf8(page)))
        out.append(match.captured(1).toUtf8());
    return out;
}

// An href may hold only unreserved characters and %XX escapes (and a directory's final '/').
bool hrefIsClean(const QByteArray &href)
{
    static const QRegularExpression clean(QStringLiteral("^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*/?$"));
    return clean.match(QString::fromLatin1(href)).hasMatch();
}

} // namespace

class tst_DirectoryListing : public QObject
{
    Q_OBJECT

private slots:
    void sortsDirectoriesFirstThenByteWise();
    void hostileNames_data();
    void hostileNames();
    void nonUtf8NameKeepsItsBytesInTheHref();
    void pageIsValidUtf8();
    void hostileUrlPathInTitle();
    void parentLinkExceptAtRoot();
    void emptyDirectory();
    void sizeAndDate();
    void skipsHiddenOutsideAndSpecial();
    void missingDirectory();
    void tenThousandEntries();
};

void tst_DirectoryListing::sortsDirectoriesFirstThenByteWise()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    for (const QByteArray &name :
         {QByteArray("b.txt"), QByteArray("a.txt"), QByteArray("A.txt"), QByteArray("_x"),
          QByteArray("9"), QByteArray("10"), QByteArray("\xc3\xa9t\xc3\xa9")}) // "été"
        QVERIFY(createFile(dir.path(), name));
    for (const QByteArray &name : {QByteArray("m"), QByteArray("Z"), QByteArray("a")})
        QVERIFY(createDirectory(dir.path(), name));

    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    // Byte-wise, as nginx: digits < upper case < '_' < lower case < non-ASCII.
    const QByteArrayList expected = {"Z/",    "a/", "m/",    "10",    "9",
                                     "A.txt", "_x", "a.txt", "b.txt", "\xc3\xa9t\xc3\xa9"};
    QCOMPARE(names(listing), expected);

    const QByteArray page = listing.render("/");
    QByteArrayList expectedHrefs;
    for (const QByteArray &name : expected)
        expectedHrefs.append(name.toPercentEncoding("/"));
    QCOMPARE(hrefs(page), expectedHrefs);
    QVERIFY(page.contains("<a href=\"Z/\">Z/</a></td><td>-</td>"));
    QVERIFY(page.contains("<a href=\"%C3%A9t%C3%A9\">\xc3\xa9t\xc3\xa9</a>"));
}

void tst_DirectoryListing::hostileNames_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("href");
    QTest::addColumn<QByteArray>("text");
    QTest::addRow("script") << QByteArray("<script>alert(1)<\\script>")
                            << QByteArray("%3Cscript%3Ealert%281%29%3C%5Cscript%3E")
                            << QByteArray("&lt;script&gt;alert(1)&lt;\\script&gt;");
    QTest::addRow("img onerror") << QByteArray("<img src=x onerror=alert(1)>")
                                 << QByteArray("%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E")
                                 << QByteArray("&lt;img src=x onerror=alert(1)&gt;");
    QTest::addRow("double quote") << QByteArray("a\"b") << QByteArray("a%22b")
                                  << QByteArray("a&quot;b");
    QTest::addRow("attribute break") << QByteArray("x\" onmouseover=\"alert(1)")
                                     << QByteArray("x%22%20onmouseover%3D%22alert%281%29")
                                     << QByteArray("x&quot; onmouseover=&quot;alert(1)");
    QTest::addRow("single quote") << QByteArray("it's") << QByteArray("it%27s")
                                  << QByteArray("it&#39;s");
    QTest::addRow("ampersand") << QByteArray("&") << QByteArray("%26") << QByteArray("&amp;");
    QTest::addRow("entity") << QByteArray("&lt;") << QByteArray("%26lt%3B")
                            << QByteArray("&amp;lt;");
    QTest::addRow("percent") << QByteArray("%41") << QByteArray("%2541") << QByteArray("%41");
    QTest::addRow("hash") << QByteArray("#x") << QByteArray("%23x") << QByteArray("#x");
    QTest::addRow("question mark") << QByteArray("?q") << QByteArray("%3Fq") << QByteArray("?q");
    QTest::addRow("spaces") << QByteArray("a  b ") << QByteArray("a%20%20b%20")
                            << QByteArray("a  b ");
    QTest::addRow("colon (not a scheme)")
        << QByteArray("javascript:alert(1)") << QByteArray("javascript%3Aalert%281%29")
        << QByteArray("javascript:alert(1)");
    QTest::addRow("backslash") << QByteArray("a\\b") << QByteArray("a%5Cb") << QByteArray("a\\b");
    QTest::addRow("control characters") << QByteArray("a\nb\x1b[1m") << QByteArray("a%0Ab%1B%5B1m")
                                        << QByteArray("a\xef\xbf\xbd"
                                                      "b\xef\xbf\xbd[1m");
    QTest::addRow("latin-1 e acute")
        << QByteArray("caf\xe9") << QByteArray("caf%E9") << QByteArray("caf\xef\xbf\xbd");
    QTest::addRow("utf-8 e acute")
        << QByteArray("caf\xc3\xa9") << QByteArray("caf%C3%A9") << QByteArray("caf\xc3\xa9");
}

// Each name alone in a directory: its href is exactly the percent-encoding of its bytes, its
// text exactly the escaped name, and nothing of it reaches the page unescaped.
void tst_DirectoryListing::hostileNames()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, href);
    QFETCH(QByteArray, text);
    ScratchDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createFile(dir.path(), name, "x"));
    QVERIFY(createDirectory(dir.path(), name + "-dir"));

    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    QCOMPARE(names(listing), (QByteArrayList{name + "-dir/", name}));
    const QByteArray page = listing.render("/");
    QVERIFY2(page.contains(QByteArray("<a href=\"" + href + "\">" + text + "</a>")),
             page.constData());
    QVERIFY2(page.contains(QByteArray("<a href=\"" + href + "-dir/\">" + text + "-dir/</a>")),
             page.constData());
    QCOMPARE(hrefs(page), (QByteArrayList{href + "-dir/", href}));
    for (const QByteArray &h : hrefs(page)) {
        QVERIFY2(hrefIsClean(h), h.constData());
        QVERIFY(QByteArray::fromPercentEncoding(h).startsWith(name));
    }
    // The only markup is the page's own.
    QCOMPARE(page.count("<a "), 2);
    QCOMPARE(page.count("<script"), 0);
    QCOMPARE(page.count("<img"), 0);
}

void tst_DirectoryListing::nonUtf8NameKeepsItsBytesInTheHref()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    const QByteArray latin1 = "r\xe9sum\xe9.txt";
    QVERIFY(createFile(dir.path(), latin1, "latin-1"));
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    QCOMPARE(names(listing), QByteArrayList{latin1});
    const QByteArray href = hrefs(listing.render("/")).value(0);
    QCOMPARE(href, QByteArray("r%E9sum%E9.txt"));
    // The href names the file: its decoded bytes open it.
    const QByteArray path = rawPath(dir.path(), QByteArray::fromPercentEncoding(href));
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    char buffer[16] = {};
    QCOMPARE(::read(fd, buffer, sizeof buffer), ssize_t(7));
    ::close(fd);
    QCOMPARE(QByteArray(buffer), QByteArray("latin-1"));
}

// Whatever the names, the page is UTF-8 as its Content-Type says.
void tst_DirectoryListing::pageIsValidUtf8()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    for (const QByteArray &name :
         {QByteArray("\xe9"), QByteArray("\xc3"), QByteArray("\xed\xa0\x80"), // lone surrogate
          QByteArray("\xc0\xaf"),                                             // overlong '/'
          QByteArray("\xf4\x90\x80\x80"),                                     // above U+10FFFF
          QByteArray("\xf0\x9f\x98\x80"), QByteArray("\xff\xfe")})
        QVERIFY(createFile(dir.path(), name));
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    QCOMPARE(listing.entries().size(), size_t(7));
    const QByteArray page = listing.render("/");
    QCOMPARE(QString::fromUtf8(page).toUtf8(), page);
    QVERIFY(page.contains(">\xf0\x9f\x98\x80</a>")); // valid 4-byte UTF-8 kept as it is
    QVERIFY(page.contains("href=\"%ED%A0%80\""));
}

void tst_DirectoryListing::hostileUrlPathInTitle()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    const QByteArray page = listing.render("/<script>alert(1)</script>/\"&'/");
    QVERIFY(page.contains(
        "<title>Index of /&lt;script&gt;alert(1)&lt;/script&gt;/&quot;&amp;&#39;/</title>"));
    QVERIFY(page.contains("<h1>Index of /&lt;script&gt;alert(1)&lt;/script&gt;/&quot;&amp;&#39;/"
                          "</h1>"));
    QVERIFY(!page.contains("<script"));
}

void tst_DirectoryListing::parentLinkExceptAtRoot()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createDirectory(dir.path(), "sub"));
    QVERIFY(createFile(dir.path(), "sub/file"));
    DirectoryListing root;
    QVERIFY(root.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    QVERIFY(root.atRoot());
    QCOMPARE(hrefs(root.render("/")), QByteArrayList{"sub/"});

    DirectoryListing sub;
    QVERIFY(sub.read(QFile::encodeName(dir.filePath(QStringLiteral("sub"))),
                     QFile::encodeName(dir.path())));
    QVERIFY(!sub.atRoot());
    const QByteArray page = sub.render("/sub/");
    QCOMPARE(hrefs(page), (QByteArrayList{"../", "file"}));
    QVERIFY(page.contains("<a href=\"../\">../</a>"));
}

void tst_DirectoryListing::emptyDirectory()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createDirectory(dir.path(), "empty"));
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.filePath(QStringLiteral("empty"))),
                         QFile::encodeName(dir.path())));
    QVERIFY(listing.entries().empty());
    const QByteArray page = listing.render("/empty/");
    QVERIFY(page.startsWith("<!DOCTYPE html>\n"));
    QVERIFY(page.endsWith("</tbody>\n</table>\n</body>\n</html>\n"));
    QCOMPARE(hrefs(page), QByteArrayList{"../"});
    QCOMPARE(page.count("<tr>"), 2); // the heading row and ../
}

void tst_DirectoryListing::sizeAndDate()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createFile(dir.path(), "five", "12345"));
    QVERIFY(createDirectory(dir.path(), "d"));
    const QDateTime when(QDate(2026, 12, 2), QTime(7, 49, 59), Qt::UTC);
    for (const char *name : {"five", "d"}) {
        const timespec times[2] = {{when.toSecsSinceEpoch(), 0}, {when.toSecsSinceEpoch(), 0}};
        QVERIFY(::utimensat(AT_FDCWD, rawPath(dir.path(), name).constData(), times, 0) == 0);
    }
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(dir.path()), QFile::encodeName(dir.path())));
    const QByteArray page = listing.render("/");
    QVERIFY2(page.contains("<a href=\"five\">five</a></td><td>5</td><td>2026-12-02 07:49</td>"),
             page.constData());
    QVERIFY2(page.contains("<a href=\"d/\">d/</a></td><td>-</td><td>2026-12-02 07:49</td>"),
             page.constData());
}

void tst_DirectoryListing::skipsHiddenOutsideAndSpecial()
{
    QTemporaryDir outside;
    QTemporaryDir root;
    QVERIFY(outside.isValid() && root.isValid());
    QVERIFY(createFile(outside.path(), "secret.txt"));
    QVERIFY(createDirectory(root.path(), "sub"));
    QVERIFY(createFile(root.path(), "sub/target.txt", "inside"));
    QVERIFY(createFile(root.path(), ".env"));
    QVERIFY(createDirectory(root.path(), ".git"));
    QVERIFY(createFile(root.path(), "visible"));
    const QString rootPath = root.path();
    const auto link = [&](const QString &target, const char *name) {
        return QFile::link(target, rootPath + u'/' + QLatin1String(name));
    };
    QVERIFY(link(outside.filePath(QStringLiteral("secret.txt")), "file-out"));
    QVERIFY(link(outside.path(), "dir-out"));
    QVERIFY(link(QStringLiteral("../"), "dir-up-out")); // relative, above the root
    QVERIFY(link(QStringLiteral("sub/target.txt"), "file-in"));
    QVERIFY(link(QStringLiteral("sub"), "dir-in"));
    QVERIFY(link(QStringLiteral("nowhere"), "dangling"));
    QVERIFY(link(QStringLiteral(".."), "sub/up-to-root")); // the root itself is inside
    QVERIFY(::mkfifo(rawPath(rootPath, "fifo").constData(), 0644) == 0);

    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(rootPath), QFile::encodeName(rootPath)));
    QCOMPARE(names(listing), (QByteArrayList{"dir-in/", "sub/", "file-in", "visible"}));
    QCOMPARE(listing.entries().at(2).size, qint64(6)); // the target's size

    DirectoryListing sub;
    QVERIFY(sub.read(QFile::encodeName(rootPath) + "/sub", QFile::encodeName(rootPath)));
    QCOMPARE(names(sub), (QByteArrayList{"up-to-root/", "target.txt"}));
}

void tst_DirectoryListing::missingDirectory()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    DirectoryListing listing;
    QVERIFY(!listing.read(QFile::encodeName(dir.filePath(QStringLiteral("gone"))),
                          QFile::encodeName(dir.path())));
    QVERIFY(listing.entries().empty());
}

void tst_DirectoryListing::tenThousandEntries()
{
    ScratchDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createDirectory(dir.path(), "big"));
    const QString big = dir.filePath(QStringLiteral("big"));
    constexpr int count = 10'000;
    QSet<QByteArray> expected;
    for (int i = 0; i < count; ++i) {
        // A few directories among the files, and names of different lengths.
        const QByteArray name = (i % 100 == 0 ? "dir " : "file-") + QByteArray::number(i * 7919);
        QVERIFY(i % 100 == 0 ? createDirectory(big, name) : createFile(big, name));
        expected.insert(name.toPercentEncoding() + (i % 100 == 0 ? "/" : ""));
    }
    DirectoryListing listing;
    QVERIFY(listing.read(QFile::encodeName(big), QFile::encodeName(dir.path())));
    QCOMPARE(listing.entries().size(), size_t(count));
    QVERIFY(std::is_sorted(listing.entries().cbegin(), listing.entries().cend(),
                           [](const auto &a, const auto &b) {
                               return a.directory != b.directory ? a.directory : a.name < b.name;
                           }));
    const QByteArrayList links = hrefs(listing.render("/big/"));
    QCOMPARE(links.size(), count + 1);
    QCOMPARE(links.constFirst(), QByteArray("../"));
    const QSet<QByteArray> listed(links.cbegin() + 1, links.cend());
    QCOMPARE(listed.size(), count);
    QVERIFY(listed == expected);
}

QTEST_GUILESS_MAIN(tst_DirectoryListing)
#include "tst_directorylisting.moc"
