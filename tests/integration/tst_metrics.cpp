// /metrics from the real binary, read whole by a strict reader of the Prometheus text format
// 0.0.4: every line must conform, and the values must move as requests and restarts happen.
#include "batonprocess.h"
#include "processtools.h"
#include "prometheustext.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace baton::test;

namespace {

const QString histogram = QStringLiteral("baton_http_request_duration_seconds");

double restarts(const PrometheusText &metrics, const char *result)
{
    return metrics
        .value(QStringLiteral("baton_restarts_total"),
               {{QStringLiteral("result"), QLatin1String(result)}})
        .value_or(-1);
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void wholeOutputIsStrictlyValid();
    void valuesMoveWithRequests();
    void slowRequestLandsInItsBucket();
    void restartsAreCountedAcrossRestarts();
    void abandonedRestartIsCounted();

private:
    // GET /metrics on `client`, parsed; fails the test (and returns nothing) if it is not valid.
    static std::optional<PrometheusText> scrape(RawClient &client);
    static std::optional<PrometheusText> scrape(const BatonProcess &baton);
};

std::optional<PrometheusText> TestMetrics::scrape(RawClient &client)
{
    const auto response = client.request(httpGet("/metrics"));
    if (!response || response->status != 200) {
        qWarning().noquote() << "GET /metrics failed:"
                             << (response ? response->describe() : client.errorString());
        return std::nullopt;
    }
    PrometheusText metrics = PrometheusText::parse(response->body);
    if (!metrics.isValid()) {
        qWarning().noquote() << metrics.problems().join(QLatin1Char('\n')) << "\n---\n"
                             << response->body;
        return std::nullopt;
    }
    return metrics;
}

std::optional<PrometheusText> TestMetrics::scrape(const BatonProcess &baton)
{
    RawClient client;
    if (!client.connectTo(baton.host(), baton.port()))
        return std::nullopt;
    return scrape(client);
}

void TestMetrics::wholeOutputIsStrictlyValid()
{
    BatonProcess baton;
    QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
    const auto metrics = scrape(baton);
    QVERIFY(metrics);
    const QMap<QString, QString> expected{
        {histogram, QStringLiteral("histogram")},
        {QStringLiteral("baton_http_received_bytes_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_http_sent_bytes_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_restarts_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_drain_duration_seconds"), QStringLiteral("gauge")},
        {QStringLiteral("baton_connections_cut_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_access_log_dropped_lines_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_build_info"), QStringLiteral("gauge")},
        {QStringLiteral("baton_requests_total"), QStringLiteral("counter")},
        {QStringLiteral("baton_connections"), QStringLiteral("gauge")},
        {QStringLiteral("baton_generation"), QStringLiteral("gauge")},
    };
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QCOMPARE(metrics->families().value(it.key()).type, it.value());
    const auto info = metrics->families().value(QStringLiteral("baton_build_info")).samples;
    QCOMPARE(info.size(), 1);
    QCOMPARE(info.first().labels.value(QStringLiteral("version")), QStringLiteral(BATON_VERSION));
    QCOMPARE(info.first().value, 1.0);
    QCOMPARE(restarts(*metrics, "succeeded"), 0.0);
    QCOMPARE(restarts(*metrics, "failed"), 0.0);
    QCOMPARE(restarts(*metrics, "abandoned"), 0.0);
    BATON_VERIFY_CLEAN_STOP(baton);
}

// One connection, so that every count below is final when the next scrape is rendered (the
// same I/O thread answered everything before it).
void TestMetrics::valuesMoveWithRequests()
{
    BatonProcess baton;
    QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(baton.host(), baton.port()));
    const auto before = scrape(client);
    QVERIFY(before);

    const QByteArray body(1000, 'b');
    const QList<QByteArray> requests{httpGet("/"), httpGet("/"), httpPost("/echo", body),
                                     httpGet("/no-such-page"), httpHead("/")};
    qint64 requestBytes = 0;
    qint64 bodyBytes = 0;
    for (const QByteArray &request : requests) {
        QVERIFY(client.send(request));
        const auto response =
            request.startsWith("HEAD") ? client.readHeadResponse() : client.readResponse();
        BATON_VERIFY_READ(response, client);
        requestBytes += request.size();
        bodyBytes += response->body.size();
    }
    const auto after = scrape(client);
    QVERIFY(after);

    // The scrape before is counted too: it was answered after it was rendered.
    const double answered = requests.size() + 1;
    const QString count = histogram + QStringLiteral("_count");
    QCOMPARE(*after->value(count) - *before->value(count), answered);
    QCOMPARE(after->sum(QStringLiteral("baton_requests_total")) -
                 before->sum(QStringLiteral("baton_requests_total")),
             answered);
    // Every answered request is in the histogram, and nothing else is.
    QCOMPARE(*after->value(count), after->sum(QStringLiteral("baton_requests_total")));
    QCOMPARE(*after->value(histogram + QStringLiteral("_bucket"),
                           {{QStringLiteral("le"), QStringLiteral("+Inf")}}) -
                 *before->value(histogram + QStringLiteral("_bucket"),
                                {{QStringLiteral("le"), QStringLiteral("+Inf")}}),
             answered);
    QVERIFY(*after->value(histogram + QStringLiteral("_sum")) >
            *before->value(histogram + QStringLiteral("_sum")));
    const auto grew = [&](const char *name) {
        return *after->value(QLatin1String(name)) - *before->value(QLatin1String(name));
    };
    QVERIFY2(grew("baton_http_received_bytes_total") >= double(requestBytes),
             qPrintable(QString::number(grew("baton_http_received_bytes_total"))));
    QVERIFY2(grew("baton_http_sent_bytes_total") >= double(bodyBytes),
             qPrintable(QString::number(grew("baton_http_sent_bytes_total"))));
    BATON_VERIFY_CLEAN_STOP(baton);
}

// A request that took at least 300 ms is not in the 0.25 s bucket; the sum grows by as much.
void TestMetrics::slowRequestLandsInItsBucket()
{
    BatonProcess baton;
    QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(baton.host(), baton.port()));
    const auto before = scrape(client);
    QVERIFY(before);
    const auto slow = client.request(httpGet("/sleep?ms=300"));
    BATON_VERIFY_READ(slow, client);
    BATON_COMPARE_STATUS(slow, 200);
    const auto after = scrape(client);
    QVERIFY(after);
    const auto bucket = [&](const PrometheusText &m, const char *le) {
        return *m.value(histogram + QStringLiteral("_bucket"),
                        {{QStringLiteral("le"), QLatin1String(le)}});
    };
    // Only the scrape before (fast or not) may have joined the 0.25 s bucket.
    QVERIFY(bucket(*after, "0.25") - bucket(*before, "0.25") <= 1);
    QCOMPARE(bucket(*after, "+Inf") - bucket(*before, "+Inf"), 2.0);
    QVERIFY(*after->value(histogram + QStringLiteral("_sum")) -
                *before->value(histogram + QStringLiteral("_sum")) >=
            0.3);
    BATON_VERIFY_CLEAN_STOP(baton);
}

// A successful restart is counted in the new process too (the counts travel with the restart),
// and a failed one in the process that serves on.
void TestMetrics::restartsAreCountedAcrossRestarts()
{
    QTemporaryDir dir;
    const QString original = BatonProcess::binaryPath();
    const QString binary = copyExecutable(dir);
    QVERIFY(!binary.isEmpty());
    qputenv("BATON_BINARY", binary.toLocal8Bit());
    auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
    BatonProcess baton;
    QVERIFY2(baton.start(), qPrintable(baton.diagnostics()));

    QVERIFY(baton.sendSignal(SIGHUP));
    const qint64 successor = waitForHandover(baton);
    QVERIFY2(successor > 0, qPrintable(baton.diagnostics()));
    auto cleanup = qScopeGuard([successor] { stopProcess(successor); });
    QCOMPARE(baton.waitForExit(10000), std::optional<int>(0));
    auto metrics = scrape(baton);
    QVERIFY(metrics);
    QCOMPARE(metrics->value(QStringLiteral("baton_generation")), 2.0);
    QCOMPARE(restarts(*metrics, "succeeded"), 1.0);
    QCOMPARE(restarts(*metrics, "failed"), 0.0);

    QVERIFY(writeFile(binary, "#!/bin/sh\nexit 1\n", true));
    QVERIFY(::kill(pid_t(successor), SIGHUP) == 0);
    // The successor's log lines may not reach this test once its parent has gone: ask it.
    QTRY_VERIFY_WITH_TIMEOUT((metrics = scrape(baton)) && restarts(*metrics, "failed") == 1,
                             10000);
    QCOMPARE(restarts(*metrics, "succeeded"), 1.0);
    QCOMPARE(restarts(*metrics, "failed"), 1.0);
    QCOMPARE(restarts(*metrics, "abandoned"), 0.0);
    QVERIFY(QFile::remove(binary));
    QVERIFY(QFile::copy(original, binary));
}

// A shutdown while the new process is not ready yet abandons the restart; the lame duck leaves
// time to read the count before the process goes.
void TestMetrics::abandonedRestartIsCounted()
{
    QTemporaryDir dir;
    const QString binary = copyExecutable(dir);
    QVERIFY(!binary.isEmpty());
    qputenv("BATON_BINARY", binary.toLocal8Bit());
    auto restoreEnv = qScopeGuard([] { qunsetenv("BATON_BINARY"); });
    BatonProcess baton;
    QVERIFY2(baton.start({QStringLiteral("--lame-duck"), QStringLiteral("600")}),
             qPrintable(baton.diagnostics()));
    QVERIFY(writeFile(binary, "#!/bin/sh\nexec sleep 600\n", true));
    QVERIFY(baton.sendSignal(SIGHUP));
    QVERIFY2(baton.waitForStderrLine(QRegularExpression(QStringLiteral("restart: started")), 10000),
             qPrintable(baton.diagnostics()));
    QVERIFY(baton.sendSignal(SIGTERM));
    QVERIFY2(baton.waitForStderrLine(QRegularExpression(QStringLiteral("lame duck for")), 10000),
             qPrintable(baton.diagnostics()));
    const auto metrics = scrape(baton);
    QVERIFY(metrics);
    QCOMPARE(restarts(*metrics, "abandoned"), 1.0);
    QCOMPARE(restarts(*metrics, "failed"), 0.0);
    QCOMPARE(restarts(*metrics, "succeeded"), 0.0);
    // A second SIGTERM ends the lame duck by force.
    QVERIFY(baton.sendSignal(SIGTERM));
    QCOMPARE(baton.waitForExit(10000), std::optional<int>(5));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
