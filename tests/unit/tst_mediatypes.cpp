// Content-Type by extension: the types browsers act on, text with its charset, and the default
// for names without a known extension (never a guess from the content).
#include "http/mediatypes.h"

#include <QTest>

using namespace baton;

class tst_MediaTypes : public QObject
{
    Q_OBJECT

private slots:
    void byExtension_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("type");
        QTest::addRow("html") << QByteArray("/index.html")
                              << QByteArray("text/html; charset=utf-8");
        QTest::addRow("upper case") << QByteArray("/PHOTO.JPG") << QByteArray("image/jpeg");
        QTest::addRow("module script") << QByteArray("/app.mjs")
                                       << QByteArray("text/javascript; charset=utf-8");
        QTest::addRow("wasm") << QByteArray("/pkg/app.wasm") << QByteArray("application/wasm");
        QTest::addRow("web manifest")
            << QByteArray("/site.webmanifest")
            << QByteArray("application/manifest+json; charset=utf-8");
        QTest::addRow("avif") << QByteArray("/a.avif") << QByteArray("image/avif");
        QTest::addRow("woff2") << QByteArray("/fonts/x.woff2") << QByteArray("font/woff2");
        QTest::addRow("svg") << QByteArray("/logo.svg") << QByteArray("image/svg+xml; charset=utf-8");
        QTest::addRow("last extension counts")
            << QByteArray("/backup.tar.gz") << QByteArray("application/gzip");
        QTest::addRow("dot in a directory only")
            << QByteArray("/v1.2/README") << QByteArray("application/octet-stream");
        QTest::addRow("dot file") << QByteArray("/.profile")
                                  << QByteArray("application/octet-stream");
        QTest::addRow("trailing dot") << QByteArray("/name.")
                                      << QByteArray("application/octet-stream");
        QTest::addRow("unknown") << QByteArray("/data.xyz123")
                                 << QByteArray("application/octet-stream");
    }
    void byExtension()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, type);
        QCOMPARE(MediaTypes().forPath(path), type);
    }

    void defaultTypeIsConfigurable()
    {
        const MediaTypes types("text/plain; charset=utf-8");
        QCOMPARE(types.forPath("/README"), QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(types.forPath("/a.png"), QByteArray("image/png"));
    }
};

QTEST_GUILESS_MAIN(tst_MediaTypes)
#include "tst_mediatypes.moc"
