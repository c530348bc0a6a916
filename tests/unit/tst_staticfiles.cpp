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
};

QTEST_GUILESS_MAIN(tst_StaticFiles)
#include "tst_staticfiles.moc"
