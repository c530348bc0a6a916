// The built-in routes: /, /sleep, /stream, /echo, /healthz, /readyz, /metrics, plus HEAD,
// 404, 405 and the headers every response carries.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QElapsedTimer>
#include <QHash>
#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

using namespace baton::test;

namespace {

struct Sample
{
    QString name;
    QHash<QString, QString> labels;
    double value = 0;
};

struct Metrics
{
    QHash<QString, QString> types; // family name -> type
    QList<Sample> samples;
    QStringList problems;

    QList<Sample> named(const QString &name) const
    {
        QList<Sample> result;
        for (const Sample &sample : samples) {
            if (sample.name == name)
                result.append(sample);
        }
        return result;
    }
};

// Parses the Prometheus text exposition format, noting every line that does not conform.
Metrics parseMetrics(const QByteArray &text)
{
    static const QRegularExpression typeLine(QStringLiteral(
        "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$"));
    static const QRegularExpression sampleLine(QStringLiteral(
        "^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? ([-+]?(?:[0-9.eE+-]+|Inf|NaN))(?: -?\\d+)?$"));
    static const QRegularExpression label(
        QStringLiteral("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|$)"));
    static const QRegularExpression familySuffix(
        QStringLiteral("_(total|count|sum|bucket|created)$"));

    Metrics metrics;
    for (const QString &line : QString::fromUtf8(text).split(QLatin1Char('\n'))) {
        if (line.isEmpty())
            continue;
        if (line.startsWith(QLatin1String("# TYPE"))) {
            const auto match = typeLine.match(line);
            if (match.hasMatch())
                metrics.types.insert(match.captured(1), match.captured(2));
            else
                metrics.problems << QStringLiteral("bad TYPE line: ") + line;
            continue;
        }
        if (line.startsWith(QLatin1Char('#')))
            continue;
        const auto match = sampleLine.match(line);
        if (!match.hasMatch()) {
            metrics.problems << QStringLiteral("bad sample line: ") + line;
            continue;
        }
        Sample sample;
        sample.name = match.captured(1);
        bool ok = false;
        sample.value = match.captured(3).toDouble(&ok);
        if (!ok)
            metrics.problems << QStringLiteral("bad value: ") + line;
        const QString labels = match.captured(2);
        qsizetype pos = 0;
        while (pos < labels.size()) {
            const auto labelMatch = label.match(labels, pos, QRegularExpression::NormalMatch,
                                                QRegularExpression::AnchorAtOffsetMatchOption);
            if (!labelMatch.hasMatch()) {
                metrics.problems << QStringLiteral("bad labels: ") + line;
                break;
            }
            sample.labels.insert(labelMatch.captured(1), labelMatch.captured(2));
            pos = labelMatch.capturedEnd();
        }
        QString family = sample.name;
        if (!metrics.types.contains(family))
            family.remove(familySuffix);
        if (!metrics.types.contains(sample.name) && !metrics.types.contains(family))
            metrics.problems << QStringLiteral("sample without a preceding # TYPE: ") + line;
        metrics.samples.append(sample);
    }
    return metrics;
}

// The baton_requests_total series whose labels carry `code`; -1 if there is none.
double requestsWithStatus(const Metrics &metrics, int code)
{
    const QString wanted = QString::number(code);
    double total = -1;
    for (const Sample &sample : metrics.named(QStringLiteral("baton_requests_total"))) {
        for (auto it = sample.labels.cbegin(); it != sample.labels.cend(); ++it) {
            if (it.value() == wanted)
                total = qMax(total, 0.0) + sample.value;
        }
    }
    return total;
}

} // namespace

class TestRoutes : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void greeting();
    void defaultGreeting();
    void commonHeadersEverywhere_data();
    void commonHeadersEverywhere();
    void headHasNoBody_data();
    void headHasNoBody();
    void unknownPath_data();
    void unknownPath();
    void wrongMethod_data();
    void wrongMethod();
    void health();
    void sleepWaits();
    void sleepBadValues_data();
    void sleepBadValues();
    void sleepAcceptsMaximum();
    void sleepDoesNotBlockOthers();
    void parallelSleeps_data();
    void parallelSleeps();
    void streamChunksSpreadInTime();
    void echo_data();
    void echo();
    void metricsFormat();
    void metricsCountRequestsByStatus();

private:
    Metrics fetchMetrics(bool *ok);

    QString m_greeting;
    std::unique_ptr<BatonProcess> m_server;
};

void TestRoutes::initTestCase()
{
    m_greeting = QStringLiteral("Greetings from the routes test, run %1")
                     .arg(QCoreApplication::applicationPid());
    m_server = std::make_unique<BatonProcess>();
    QVERIFY2(m_server->start({QStringLiteral("--greeting"), m_greeting}),
             qPrintable(m_server->errorString() + QLatin1Char('\n') + m_server->diagnostics()));
    BATON_VERIFY_SERVING(*m_server);
}

void TestRoutes::cleanupTestCase()
{
    BATON_VERIFY_CLEAN_STOP(*m_server);
}

void TestRoutes::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << m_server->diagnostics();
    QVERIFY2(m_server->isRunning(), "baton is no longer running");
}

void TestRoutes::greeting()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto response = client.request(httpGet("/"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(response->body.contains(m_greeting.toUtf8()), qPrintable(response->describe()));
}

void TestRoutes::defaultGreeting()
{
    BatonProcess server;
    QVERIFY2(server.start(),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    const auto response = client.request(httpGet("/"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, server.pid());
    QVERIFY2(response->body.toLower().contains("baton"),
             qPrintable(QStringLiteral("default greeting does not mention Baton\n") +
                        response->describe()));
}

void TestRoutes::commonHeadersEverywhere_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::addRow("GET /") << httpGet("/") << 200;
    QTest::addRow("GET /healthz") << httpGet("/healthz") << 200;
    QTest::addRow("GET /readyz") << httpGet("/readyz") << 200;
    QTest::addRow("GET /metrics") << httpGet("/metrics") << 200;
    QTest::addRow("GET /sleep?ms=0") << httpGet("/sleep?ms=0") << 200;
    QTest::addRow("GET /sleep?ms=bad") << httpGet("/sleep?ms=bad") << 400;
    QTest::addRow("GET /stream?seconds=1") << httpGet("/stream?seconds=1") << 200;
    QTest::addRow("POST /echo") << httpPost("/echo", "x") << 200;
    QTest::addRow("GET /missing") << httpGet("/missing") << 404;
    QTest::addRow("POST /") << httpPost("/", "") << 405;
}

void TestRoutes::commonHeadersEverywhere()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto response = client.request(request);
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, status);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
}

void TestRoutes::headHasNoBody_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");

    QTest::addRow("/") << QByteArray("/") << 200;
    QTest::addRow("/healthz") << QByteArray("/healthz") << 200;
    QTest::addRow("/readyz") << QByteArray("/readyz") << 200;
    QTest::addRow("/metrics") << QByteArray("/metrics") << 200;
    QTest::addRow("/sleep?ms=10") << QByteArray("/sleep?ms=10") << 200;
    QTest::addRow("/sleep?ms=bad") << QByteArray("/sleep?ms=bad") << 400;
    QTest::addRow("/stream?seconds=1") << QByteArray("/stream?seconds=1") << 200;
    QTest::addRow("unknown path") << QByteArray("/no-such-thing") << 404;
}

void TestRoutes::headHasNoBody()
{
    QFETCH(QByteArray, target);
    QFETCH(int, status);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    // HEAD, then GET on the same connection: any body bytes after the HEAD answer would be
    // read as the start of the next response and break it.
    QVERIFY(client.send(httpHead(target) + httpGet(target)));
    const auto head = client.readHeadResponse(8000);
    BATON_VERIFY_READ(head, client);
    BATON_COMPARE_STATUS(head, status);
    BATON_VERIFY_COMMON_HEADERS(head, m_server->pid());
    const auto get = client.readResponse(8000);
    BATON_VERIFY_READ(get, client);
    BATON_COMPARE_STATUS(get, status);
    if (target == "/" && head->hasHeader("content-length"))
        QCOMPARE(head->header("content-length"), get->header("content-length"));
    QVERIFY(!client.waitForActivity(100));
    QVERIFY2(client.unreadData().isEmpty(), qPrintable(printable(client.unreadData())));
}

void TestRoutes::unknownPath_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<bool>("isHead");

    QTest::addRow("GET /missing") << httpGet("/missing") << false;
    QTest::addRow("GET /healthz/extra") << httpGet("/healthz/extra") << false;
    QTest::addRow("GET /metricsx") << httpGet("/metricsx") << false;
    QTest::addRow("GET /echo/more") << httpGet("/echo/more") << false;
    QTest::addRow("HEAD /missing") << httpHead("/missing") << true;
    QTest::addRow("POST /missing") << httpPost("/missing", "x") << false;
}

void TestRoutes::unknownPath()
{
    QFETCH(QByteArray, request);
    QFETCH(bool, isHead);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(client.send(request));
    const auto response = client.readResponse(RawClient::DefaultTimeoutMs, isHead);
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 404);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    // Still a usable connection.
    const auto next = client.request(httpGet("/healthz"));
    BATON_VERIFY_READ(next, client);
    BATON_COMPARE_STATUS(next, 200);
}

void TestRoutes::wrongMethod_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArrayList>("allowed");
    QTest::addColumn<QByteArrayList>("notAllowed");

    const QByteArrayList getRoute = {"get", "head"};
    const QByteArray empty = "Content-Length: 0\r\n";
    QTest::addRow("POST /") << httpRequest("POST", "/", empty) << getRoute
                            << QByteArrayList{"post"};
    QTest::addRow("DELETE /healthz")
        << httpRequest("DELETE", "/healthz") << getRoute << QByteArrayList{"delete"};
    QTest::addRow("PUT /readyz") << httpRequest("PUT", "/readyz", empty) << getRoute
                                 << QByteArrayList{"put"};
    QTest::addRow("POST /metrics")
        << httpRequest("POST", "/metrics", empty) << getRoute << QByteArrayList{"post"};
    QTest::addRow("POST /sleep") << httpRequest("POST", "/sleep?ms=1", empty) << getRoute
                                 << QByteArrayList{"post"};
    QTest::addRow("POST /stream") << httpRequest("POST", "/stream?seconds=1", empty) << getRoute
                                  << QByteArrayList{"post"};
    QTest::addRow("GET /echo") << httpGet("/echo") << QByteArrayList{"post"}
                               << QByteArrayList{"get"};
    QTest::addRow("PUT /echo") << httpRequest("PUT", "/echo", empty) << QByteArrayList{"post"}
                               << QByteArrayList{"put"};
    QTest::addRow("DELETE /echo") << httpRequest("DELETE", "/echo") << QByteArrayList{"post"}
                                  << QByteArrayList{"delete"};
}

void TestRoutes::wrongMethod()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArrayList, allowed);
    QFETCH(QByteArrayList, notAllowed);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto response = client.request(request);
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 405);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(response->hasHeader("allow"), qPrintable(response->describe()));
    const QByteArrayList tokens = response->headerTokens("allow");
    for (const QByteArray &method : allowed)
        QVERIFY2(tokens.contains(method),
                 qPrintable(QStringLiteral("Allow lacks ") + QString::fromLatin1(method) +
                            QLatin1String(": ") + response->describe()));
    for (const QByteArray &method : notAllowed)
        QVERIFY2(!tokens.contains(method),
                 qPrintable(QStringLiteral("Allow lists ") + QString::fromLatin1(method) +
                            QLatin1String(": ") + response->describe()));
}

void TestRoutes::health()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    for (const QByteArray &target : {QByteArray("/healthz"), QByteArray("/readyz")}) {
        const auto response = client.request(httpGet(target));
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 200);
    }
}

void TestRoutes::sleepWaits()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    // ms=0 does not wait: it is answered while a 3 s sleep sent before it is still pending.
    RawClient pending;
    QVERIFY(pending.connectTo(m_server->host(), m_server->port()));
    QVERIFY(pending.send(httpGet("/sleep?ms=3000")));
    const auto quick = client.request(httpGet("/sleep?ms=0"));
    BATON_VERIFY_READ(quick, client);
    BATON_COMPARE_STATUS(quick, 200);
    QVERIFY2(!pending.waitForActivity(0), "/sleep?ms=0 came after a 3 s sleep sent before it");
    QElapsedTimer timer;

    timer.start();
    const auto slow = client.request(httpGet("/sleep?ms=400"));
    BATON_VERIFY_READ(slow, client);
    BATON_COMPARE_STATUS(slow, 200);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed >= 390, qPrintable(QStringLiteral("answered after %1 ms").arg(elapsed)));
}

void TestRoutes::sleepBadValues_data()
{
    QTest::addColumn<QByteArray>("target");

    QTest::addRow("negative") << QByteArray("/sleep?ms=-1");
    QTest::addRow("not a number") << QByteArray("/sleep?ms=abc");
    QTest::addRow("trailing junk") << QByteArray("/sleep?ms=10x");
    QTest::addRow("fraction") << QByteArray("/sleep?ms=1.5");
    QTest::addRow("above maximum") << QByteArray("/sleep?ms=600001");
    QTest::addRow("overflowing") << QByteArray("/sleep?ms=99999999999999999999999");
    QTest::addRow("empty value") << QByteArray("/sleep?ms=");
    QTest::addRow("no ms parameter") << QByteArray("/sleep");
}

void TestRoutes::sleepBadValues()
{
    QFETCH(QByteArray, target);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    // Refused before any waiting: answered while a 3 s sleep sent before it is still pending.
    RawClient pending;
    QVERIFY(pending.connectTo(m_server->host(), m_server->port()));
    QVERIFY(pending.send(httpGet("/sleep?ms=3000")));
    const auto response = client.request(httpGet(target));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 400);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(!pending.waitForActivity(0), "a bad /sleep was answered only after a delay");
}

void TestRoutes::sleepAcceptsMaximum()
{
    // 600000 ms is valid: no 400 comes back (we do not wait the ten minutes). A server of its
    // own, killed afterwards: a graceful stop would wait for the pending sleep.
    BatonProcess server;
    QVERIFY2(server.start(),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    QVERIFY(client.send(httpGet("/sleep?ms=600000")));
    const bool answered = client.waitForActivity(300);
    server.sendSignal(SIGKILL);
    QVERIFY2(!answered, qPrintable(QStringLiteral("/sleep?ms=600000 answered at once: ") +
                                   printable(client.unreadData())));
}

void TestRoutes::sleepDoesNotBlockOthers()
{
    RawClient sleeper;
    QVERIFY(sleeper.connectTo(m_server->host(), m_server->port()));
    QVERIFY(sleeper.send(httpGet("/sleep?ms=1500")));
    QElapsedTimer timer;
    timer.start();
    RawClient other;
    QVERIFY(other.connectTo(m_server->host(), m_server->port()));
    const auto response = other.request(httpGet("/healthz"));
    BATON_VERIFY_READ(response, other);
    BATON_COMPARE_STATUS(response, 200);
    // Answered during the sleep, not after it.
    QVERIFY2(!sleeper.waitForActivity(0), "/healthz was answered only after the sleep ended");
    const auto slept = sleeper.readResponse();
    BATON_VERIFY_READ(slept, sleeper);
    BATON_COMPARE_STATUS(slept, 200);
    QVERIFY(timer.elapsed() >= 1400);
}

void TestRoutes::parallelSleeps_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addRow("default threads") << QStringList();
    QTest::addRow("--threads 1") << QStringList{QStringLiteral("--threads"), QStringLiteral("1")};
}

void TestRoutes::parallelSleeps()
{
    QFETCH(QStringList, args);

    BatonProcess *server = m_server.get();
    std::unique_ptr<BatonProcess> own;
    if (!args.isEmpty()) {
        own = std::make_unique<BatonProcess>();
        QVERIFY2(own->start(args),
                 qPrintable(own->errorString() + QLatin1Char('\n') + own->diagnostics()));
        server = own.get();
    }
    constexpr int count = 20;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        QVERIFY(clients.back()->connectTo(server->host(), server->port()));
    }
    // A 3 s sleep sent first is the yardstick: handled one after another, the twenty 500 ms
    // sleeps would end after it; handled concurrently, all of them end before it.
    RawClient yardstick;
    QVERIFY(yardstick.connectTo(server->host(), server->port()));
    QVERIFY(yardstick.send(httpGet("/sleep?ms=3000")));
    QElapsedTimer timer;
    timer.start();
    for (auto &client : clients)
        QVERIFY(client->send(httpGet("/sleep?ms=500")));
    for (auto &client : clients) {
        const auto response = client->readResponse(30000);
        BATON_VERIFY_READ(response, *client);
        BATON_COMPARE_STATUS(response, 200);
    }
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed >= 490, qPrintable(QStringLiteral("all done after %1 ms").arg(elapsed)));
    QVERIFY2(
        !yardstick.waitForActivity(0),
        "the 3 s sleep sent first ended before twenty 500 ms sleeps: they were not concurrent");
}

void TestRoutes::streamChunksSpreadInTime()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const qint64 start = client.elapsedMs();
    const auto response = client.request(httpGet("/stream?seconds=3"), 10000);
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(response->chunked, qPrintable(response->describe()));
    QCOMPARE(response->chunks.size(), 3);
    const QList<qint64> &times = response->chunkTimesMs;
    for (int i = 1; i < times.size(); ++i) {
        const qint64 gap = times.at(i) - times.at(i - 1);
        QVERIFY2(gap >= 600 && gap <= 2000,
                 qPrintable(
                     QStringLiteral("chunk %1 came %2 ms after the previous one").arg(i).arg(gap)));
    }
    QVERIFY2(times.last() - start <= 5000,
             qPrintable(QStringLiteral("3 chunks took %1 ms").arg(times.last() - start)));
    // The connection stays usable after the stream.
    const auto next = client.request(httpGet("/healthz"));
    BATON_VERIFY_READ(next, client);
    BATON_COMPARE_STATUS(next, 200);
}

void TestRoutes::echo_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("chunked");

    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes.append(char(i));
    QByteArray large;
    for (int i = 0; i < 20000; ++i)
        large += "line " + QByteArray::number(i) + "\r\n";

    QTest::addRow("text") << QByteArray("Hello, echo!") << false;
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("every byte value") << allBytes << false;
    QTest::addRow("looks like HTTP") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << false;
    QTest::addRow("large") << large << false;
    QTest::addRow("chunked text") << QByteArray("Hello, chunked echo!") << true;
    QTest::addRow("chunked every byte value") << allBytes << true;
    QTest::addRow("chunked large") << large << true;
}

void TestRoutes::echo()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, chunked);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QByteArrayList chunks;
    for (qsizetype offset = 0; offset < body.size(); offset += 7000)
        chunks.append(body.mid(offset, 7000));
    const auto response =
        client.request(chunked ? httpPostChunked("/echo", chunks) : httpPost("/echo", body));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QCOMPARE(response->body.size(), body.size());
    QVERIFY(response->body == body);
}

Metrics TestRoutes::fetchMetrics(bool *ok)
{
    *ok = false;
    RawClient client;
    if (!client.connectTo(m_server->host(), m_server->port()))
        return {};
    const auto response = client.request(httpGet("/metrics"));
    if (!response || response->status != 200) {
        qWarning().noquote() << "GET /metrics failed:"
                             << (response ? response->describe() : client.errorString());
        return {};
    }
    *ok = true;
    return parseMetrics(response->body);
}

void TestRoutes::metricsFormat()
{
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto response = client.request(httpGet("/metrics"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    BATON_VERIFY_COMMON_HEADERS(response, m_server->pid());
    QVERIFY2(response->header("content-type").startsWith("text/plain"),
             qPrintable(response->describe()));

    const Metrics metrics = parseMetrics(response->body);
    QVERIFY2(metrics.problems.isEmpty(), qPrintable(metrics.problems.join(QLatin1Char('\n'))));
    QCOMPARE(metrics.types.value(QStringLiteral("baton_connections")), QStringLiteral("gauge"));
    QCOMPARE(metrics.types.value(QStringLiteral("baton_generation")), QStringLiteral("gauge"));
    const QString requestsType =
        metrics.types.value(QStringLiteral("baton_requests_total"),
                            metrics.types.value(QStringLiteral("baton_requests")));
    QCOMPARE(requestsType, QStringLiteral("counter"));

    const auto generation = metrics.named(QStringLiteral("baton_generation"));
    QCOMPARE(generation.size(), 1);
    QCOMPARE(generation.first().value, 1.0);

    const auto connections = metrics.named(QStringLiteral("baton_connections"));
    QVERIFY2(!connections.isEmpty(), "no baton_connections samples");
    double open = 0;
    for (const Sample &sample : connections) {
        QVERIFY2(sample.labels.contains(QStringLiteral("state")),
                 "baton_connections samples need a state label");
        open += sample.value;
    }
    // At least this very connection is open.
    QVERIFY2(open >= 1, qPrintable(QString::fromUtf8(response->body)));

    QVERIFY2(requestsWithStatus(metrics, 200) >= 1, qPrintable(QString::fromUtf8(response->body)));
}

void TestRoutes::metricsCountRequestsByStatus()
{
    bool ok = false;
    const Metrics before = fetchMetrics(&ok);
    QVERIFY(ok);
    const double notFoundBefore = qMax(0.0, requestsWithStatus(before, 404));
    const double badBefore = qMax(0.0, requestsWithStatus(before, 400));

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    for (int i = 0; i < 3; ++i) {
        const auto response = client.request(httpGet("/metrics-test-missing"));
        BATON_VERIFY_READ(response, client);
        BATON_COMPARE_STATUS(response, 404);
    }
    const auto bad = client.request(httpGet("/sleep?ms=nope"));
    BATON_VERIFY_READ(bad, client);
    BATON_COMPARE_STATUS(bad, 400);

    // Counters may be updated just after the response is written: poll briefly.
    Metrics after;
    QTRY_VERIFY_WITH_TIMEOUT((after = fetchMetrics(&ok), ok) &&
                                 requestsWithStatus(after, 404) >= notFoundBefore + 3 &&
                                 requestsWithStatus(after, 400) >= badBefore + 1,
                             3000);
    QCOMPARE(requestsWithStatus(after, 404), notFoundBefore + 3);
    QCOMPARE(requestsWithStatus(after, 400), badBefore + 1);
}

QTEST_GUILESS_MAIN(TestRoutes)
#include "tst_routes.moc"
