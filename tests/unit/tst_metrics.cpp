// /metrics as renderMetrics() writes it, read by the strict exposition-format reader the
// integration tests use; and that reader's own strictness, so that its approval means something.
#include "core/lifecyclecounters.h"
#include "core/metrics.h"
#include "prometheustext.h"

#include <QTest>

using namespace baton;
using baton::test::PrometheusText;

namespace {

using Labels = PrometheusText::Labels;

std::shared_ptr<ServerContext> contextWithThreads(int threads)
{
    auto context = std::make_shared<ServerContext>();
    for (int i = 0; i < threads; ++i)
        context->counters.push_back(std::make_unique<WorkerCounters>());
    return context;
}

void observe(WorkerCounters &counters, qint64 durationNs)
{
    size_t bucket = 0;
    while (bucket < requestDurationBoundsNs.size() && durationNs > requestDurationBoundsNs[bucket])
        ++bucket;
    counters.requestDurations[bucket].fetch_add(1);
    counters.requestDurationSumNs.fetch_add(quint64(durationNs));
    counters.responsesByStatus[200].fetch_add(1);
}

QString describe(const PrometheusText &text, const QByteArray &raw)
{
    return text.problems().join(QLatin1Char('\n')) + QStringLiteral("\n---\n") +
           QString::fromUtf8(raw);
}

} // namespace

class tst_Metrics : public QObject
{
    Q_OBJECT

private slots:
    void renderedOutputIsStrictlyValid()
    {
        auto context = contextWithThreads(2);
        observe(*context->counters[0], 1'000'000);      // 1 ms
        observe(*context->counters[1], 5'000'000);      // exactly 5 ms: le="0.005"
        observe(*context->counters[1], 300'000'000);    // 0.3 s
        observe(*context->counters[0], 60'000'000'000); // past every bound
        context->counters[0]->bytesReceived = 100;
        context->counters[1]->bytesReceived = 23;
        context->counters[1]->bytesSent = 4567;
        LifecycleCounters lifecycle;
        lifecycle.restartSucceeded();
        lifecycle.restartFailed();
        lifecycle.restartFailed();
        lifecycle.restartAbandoned();
        lifecycle.connectionsCut(3);
        lifecycle.drainFinished(1000, 3500);

        const QByteArray raw = renderMetrics(*context, &lifecycle);
        const PrometheusText text = PrometheusText::parse(raw);
        QVERIFY2(text.isValid(), qPrintable(describe(text, raw)));

        const QString histogram = QStringLiteral("baton_http_request_duration_seconds");
        QCOMPARE(text.families().value(histogram).type, QStringLiteral("histogram"));
        const auto bucket = [&](const char *le) {
            return text.value(histogram + QStringLiteral("_bucket"),
                              {{QStringLiteral("le"), QLatin1String(le)}});
        };
        QCOMPARE(bucket("0.005"), 2.0);
        QCOMPARE(bucket("0.01"), 2.0);
        QCOMPARE(bucket("0.25"), 2.0);
        QCOMPARE(bucket("0.5"), 3.0);
        QCOMPARE(bucket("10"), 3.0);
        QCOMPARE(bucket("+Inf"), 4.0);
        QCOMPARE(text.value(histogram + QStringLiteral("_count")), 4.0);
        QCOMPARE(text.value(histogram + QStringLiteral("_sum")), 60.306);
        QCOMPARE(text.value(QStringLiteral("baton_http_received_bytes_total")), 123.0);
        QCOMPARE(text.value(QStringLiteral("baton_http_sent_bytes_total")), 4567.0);

        const auto restarts = [&](const char *result) {
            return text.value(QStringLiteral("baton_restarts_total"),
                              {{QStringLiteral("result"), QLatin1String(result)}});
        };
        QCOMPARE(restarts("succeeded"), 1.0);
        QCOMPARE(restarts("failed"), 2.0);
        QCOMPARE(restarts("abandoned"), 1.0);
        QCOMPARE(text.value(QStringLiteral("baton_drain_duration_seconds")), 2.5);
        QCOMPARE(text.value(QStringLiteral("baton_connections_cut_total")), 3.0);
        QCOMPARE(text.value(QStringLiteral("baton_access_log_dropped_lines_total")), 0.0);
        QCOMPARE(text.value(QStringLiteral("baton_build_info"),
                            {{QStringLiteral("version"), QStringLiteral(BATON_VERSION)}}),
                 1.0);
        // The names that were there before stay.
        for (const char *name :
             {"baton_connections", "baton_requests_total", "baton_connections_accepted_total",
              "baton_connections_rejected_total", "baton_accept_pauses_total",
              "baton_connections_handed_over_total", "baton_connections_adopted_total",
              "baton_generation", "baton_ready"})
            QVERIFY2(text.families().contains(QLatin1String(name)), name);
    }

    // Without lifecycle counters (a server on its own) the output is still complete and valid.
    void withoutLifecycleCounters()
    {
        auto context = contextWithThreads(1);
        const QByteArray raw = renderMetrics(*context);
        const PrometheusText text = PrometheusText::parse(raw);
        QVERIFY2(text.isValid(), qPrintable(describe(text, raw)));
        QCOMPARE(text.value(QStringLiteral("baton_http_request_duration_seconds_count")), 0.0);
        QVERIFY(!text.families().contains(QStringLiteral("baton_restarts_total")));
    }

    // A restart hands the counts on; the successor's own restart counts as succeeded.
    void restartCountsCarryOver()
    {
        LifecycleCounters old;
        old.restartSucceeded();
        old.restartFailed();
        old.restartAbandoned();
        old.restartAbandoned();
        const QString entry = old.successorEnvironment();
        QCOMPARE(entry, QStringLiteral("BATON_RESTART_COUNTS=2,1,2"));
        qputenv(LifecycleCounters::environmentVariable, entry.section(u'=', 1).toLatin1());
        LifecycleCounters successor;
        successor.inheritFromEnvironment();
        QVERIFY(!qEnvironmentVariableIsSet(LifecycleCounters::environmentVariable));
        QCOMPARE(successor.values().restartsSucceeded, quint64(2));
        QCOMPARE(successor.values().restartsFailed, quint64(1));
        QCOMPARE(successor.values().restartsAbandoned, quint64(2));

        qputenv(LifecycleCounters::environmentVariable, "1,x,2");
        LifecycleCounters garbled;
        garbled.inheritFromEnvironment();
        QCOMPARE(garbled.values().restartsSucceeded, quint64(0));
    }

    void drainWithoutStartIsIgnored()
    {
        LifecycleCounters lifecycle;
        lifecycle.drainFinished(0, 5000);
        QCOMPARE(lifecycle.values().lastDrainMs, qint64(0));
        lifecycle.connectionsCut(0);
        lifecycle.connectionsCut(-1);
        QCOMPARE(lifecycle.values().connectionsCut, quint64(0));
    }

    void strictReaderRefuses_data()
    {
        QTest::addColumn<QByteArray>("text");
        const QByteArray counter = "# HELP a_total A.\n# TYPE a_total counter\n";
        const QByteArray histogram = "# HELP h H.\n# TYPE h histogram\n";
        QTest::addRow("no final line feed") << QByteArray(counter + "a_total 1");
        QTest::addRow("sample without family") << QByteArray(counter + "b_total 1\n");
        QTest::addRow("no HELP") << QByteArray("# TYPE a_total counter\na_total 1\n");
        QTest::addRow("no TYPE") << QByteArray("# HELP a_total A.\na_total 1\n");
        QTest::addRow("TYPE after samples") << QByteArray("# HELP g G.\ng 1\n# TYPE g gauge\n");
        QTest::addRow("counter not _total") << QByteArray("# HELP c C.\n# TYPE c counter\nc 1\n");
        QTest::addRow("negative counter") << QByteArray(counter + "a_total -1\n");
        QTest::addRow("bad name") << QByteArray(counter + "a-total 1\n");
        QTest::addRow("bad label name") << QByteArray(counter + "a_total{1x=\"y\"} 1\n");
        QTest::addRow("reserved label") << QByteArray(counter + "a_total{__x=\"y\"} 1\n");
        QTest::addRow("unquoted label") << QByteArray(counter + "a_total{x=y} 1\n");
        QTest::addRow("bad escape") << QByteArray(counter + "a_total{x=\"\\t\"} 1\n");
        QTest::addRow("trailing comma") << QByteArray(counter + "a_total{x=\"y\",} 1\n");
        QTest::addRow("duplicate label") << QByteArray(counter + "a_total{x=\"1\",x=\"2\"} 1\n");
        QTest::addRow("duplicate series") << QByteArray(counter + "a_total 1\na_total 2\n");
        QTest::addRow("bad value") << QByteArray(counter + "a_total one\n");
        QTest::addRow("two spaces") << QByteArray(counter + "a_total  1\n");
        QTest::addRow("split group")
            << QByteArray(counter + "a_total{x=\"1\"} 1\n# HELP g G.\n# TYPE g gauge\ng 1\n"
                                    "a_total{x=\"2\"} 1\n");
        QTest::addRow("second TYPE") << QByteArray(counter + "# TYPE a_total counter\na_total 1\n");
        QTest::addRow("unknown type") << QByteArray("# HELP a A.\n# TYPE a meter\na 1\n");
        QTest::addRow("buckets decrease")
            << QByteArray(histogram + "h_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4\nh_sum 1\n"
                                      "h_count 4\n");
        QTest::addRow("+Inf differs from count")
            << QByteArray(histogram + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
                                      "h_count 3\n");
        QTest::addRow("no +Inf") << QByteArray(histogram +
                                               "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
        QTest::addRow("le not increasing")
            << QByteArray(histogram + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
                                      "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n");
        QTest::addRow("no sum") << QByteArray(histogram + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n");
        QTest::addRow("le outside a histogram") << QByteArray(counter + "a_total{le=\"1\"} 1\n");
        QTest::addRow("bad HELP escape") << QByteArray("# HELP a_total A \\q.\n# TYPE a_total "
                                                       "counter\na_total 1\n");
        QTest::addRow("not UTF-8") << QByteArray(counter + "a_total{x=\"\xff\"} 1\n");
    }
    void strictReaderRefuses()
    {
        QFETCH(QByteArray, text);
        QVERIFY2(!PrometheusText::parse(text).isValid(), text.constData());
    }

    void strictReaderAccepts()
    {
        const QByteArray text =
            "# A comment.\n# HELP a_total A \\\\ b\\n.\n# TYPE a_total counter\n"
            "a_total{x=\"q\\\"u\\\\o\\nte\",y=\"\"} 1.5e3 1700000000000\n"
            "# HELP g G.\n# TYPE g gauge\ng -Inf\n# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{k=\"a\",le=\"0.5\"} 1\nh_bucket{k=\"a\",le=\"+Inf\"} 2\nh_sum{k=\"a\"} 1.2\n"
            "h_count{k=\"a\"} 2\n";
        const PrometheusText parsed = PrometheusText::parse(text);
        QVERIFY2(parsed.isValid(), qPrintable(parsed.problems().join(QLatin1Char('\n'))));
        QCOMPARE(parsed.value(QStringLiteral("a_total"),
                              {{QStringLiteral("x"), QStringLiteral("q\"u\\o\nte")},
                               {QStringLiteral("y"), QString()}}),
                 1500.0);
    }
};

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
