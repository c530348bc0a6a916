// What is public: the demo routes (/sleep, /stream, /echo) are off with --root unless
// --demo-routes.
#include "batonprocess.h"
#include "processtools.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace baton::test;

namespace {

int statusOf(const std::optional<HttpResponse> &response)
{
    return response ? response->status : -1;
}

} // namespace

class tst_PublicRoutes : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_root = m_dir.filePath(QStringLiteral("root"));
        QVERIFY(QDir().mkpath(m_root));
        // Files named like the routes: served once the routes no longer shadow them.
        QVERIFY(writeFile(m_root + QStringLiteral("/sleep"), "the file named sleep\n"));
    }

    void demoRoutes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("demo");
        QTest::addColumn<bool>("withRoot");
        const QString root = m_root;
        QTest::addRow("no --root: on") << QStringList() << true << false;
        QTest::addRow("--root: off")
            << QStringList{QStringLiteral("--root"), root} << false << true;
        QTest::addRow("--root --demo-routes: on")
            << QStringList{QStringLiteral("--root"), root, QStringLiteral("--demo-routes")} << true
            << true;
        const QString on = m_dir.filePath(QStringLiteral("demo-on.ini"));
        QVERIFY(writeFile(on, "demo-routes = true\n"));
        QTest::addRow("--root, config demo-routes = true: on")
            << QStringList{QStringLiteral("--root"), root, QStringLiteral("--config"), on} << true
            << true;
        const QString off = m_dir.filePath(QStringLiteral("demo-off.ini"));
        QVERIFY(writeFile(off, "demo-routes = false\n"));
        QTest::addRow("no --root, config demo-routes = false: off")
            << QStringList{QStringLiteral("--config"), off} << false << false;
    }

    void demoRoutes()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, demo);
        QFETCH(bool, withRoot);
        BatonProcess baton;
        QVERIFY2(baton.start(args), qPrintable(baton.diagnostics()));

        const auto sleep = fetch(baton, "/sleep?ms=0");
        QVERIFY(sleep);
        const auto stream = fetch(baton, "/stream?seconds=1");
        QVERIFY(stream);
        RawClient client;
        QVERIFY(client.connectTo(baton.host(), baton.port()));
        const auto echo = client.request(httpPost("/echo", "echo me"));
        BATON_VERIFY_READ(echo, client);
        if (demo) {
            BATON_COMPARE_STATUS(sleep, 200);
            QCOMPARE(sleep->body, QByteArray("slept 0 ms\n"));
            BATON_COMPARE_STATUS(stream, 200);
            QCOMPARE(stream->body, QByteArray("chunk 1 of 1\n"));
            BATON_COMPARE_STATUS(echo, 200);
            QCOMPARE(echo->body, QByteArray("echo me"));
        } else {
            if (withRoot) {
                // No route shadows the file of that name any more; the query is the file's.
                BATON_COMPARE_STATUS(sleep, 200);
                QCOMPARE(sleep->body, QByteArray("the file named sleep\n"));
            } else {
                BATON_COMPARE_STATUS(sleep, 404);
            }
            BATON_COMPARE_STATUS(stream, 404);
            QVERIFY2(echo->status == 404 || echo->status == 405, qPrintable(echo->describe()));
        }
        // Without --admin-listen, the admin routes stay public.
        QCOMPARE(statusOf(fetch(baton, "/healthz")), 200);
        QCOMPARE(statusOf(fetch(baton, "/readyz")), 200);
        const auto metrics = fetch(baton, "/metrics");
        QVERIFY(metrics);
        BATON_COMPARE_STATUS(metrics, 200);
        QVERIFY(metrics->body.contains("baton_generation 1"));
        BATON_VERIFY_CLEAN_STOP(baton);
    }

private:
    QTemporaryDir m_dir;
    QString m_root;
};

QTEST_GUILESS_MAIN(tst_PublicRoutes)
#include "tst_publicroutes.moc"
