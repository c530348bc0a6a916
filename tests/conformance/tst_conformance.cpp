// RFC conformance of the real `baton` binary, one row per requirement: RFC 9112 (HTTP/1.1 message
// syntax, framing, persistence) and the request-handling parts of RFC 9110 (methods, Host,
// Expect, conditional requests, responses without content). Row names cite the section.
//
// Every row of messages() sends its request with a valid `GET /healthz` pipelined right behind
// it. When the connection must close, that request must never be answered (a server that
// answers it has misread where the first message ended: request smuggling / desync); when the
// connection stays open, it must be answered, which proves the first message was consumed
// exactly. Some rows re-cover cases of tst_badinput.cpp and tst_http11.cpp in table form.
//
// Where the RFC leaves a choice (MAY), the row says "(choice)" and takes one side; the report
// that came with this suite lists those decisions.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace baton::test;

namespace {

// What must happen to the connection after the response.
enum Conn {
    Close,  // the server must close (and should say so with Connection: close, 9112-9.6)
    Open,   // the connection must persist: the pipelined request is answered
    Either, // the RFC does not say; but the response must tell the truth about it
};

const QByteArray host = "Host: 127.0.0.1\r\n";
const QByteArray pipelined = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
// The main server runs with this body limit.
constexpr int maxBody = 100000;
// Baton's fixed request-target limit (see `baton --help`).
constexpr int maxTarget = 8192;

QByteArray get(const QByteArray &target, const QByteArray &headers = {})
{
    return "GET " + target + " HTTP/1.1\r\n" + host + headers + "\r\n";
}

QByteArray post(const QByteArray &headers, const QByteArray &body)
{
    return "POST /echo HTTP/1.1\r\n" + host + headers + "\r\n" + body;
}

QByteArray chunked(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return post("Transfer-Encoding: chunked\r\n" + extraHeaders, body);
}

QByteArray http10(const QByteArray &method, const QByteArray &target, const QByteArray &headers,
                  const QByteArray &body = {})
{
    return method + ' ' + target + " HTTP/1.0\r\n" + headers + "\r\n" + body;
}

QByteArray withHost(const QByteArray &value)
{
    return "GET /healthz HTTP/1.1\r\nHost: " + value + "\r\n\r\n";
}

QString statusList(const QList<int> &statuses)
{
    QStringList list;
    for (int status : statuses)
        list.append(QString::number(status));
    return list.join(QLatin1String(" or "));
}

bool isHttp10(const QByteArray &request)
{
    const QByteArray trimmed = request.mid(request.indexOf(QByteArray("HTTP/")));
    return trimmed.startsWith("HTTP/1.0\r\n");
}

// RFC requirements every response of an HTTP/1.1 origin server meets, whatever the request.
QString responseProblems(const HttpResponse &response, bool toHttp10)
{
    QStringList problems;
    // 9110-6.2: the highest version the server conforms to, with the request's major version.
    if (response.version != "HTTP/1.1")
        problems << QStringLiteral("9110-6.2: response version is not HTTP/1.1");
    // 9110-6.6.1: an origin server with a clock MUST send Date in 2xx, 3xx and 4xx responses.
    const QByteArrayList dates = response.headerValues("date");
    static const QRegularExpression imfFixdate(
        QStringLiteral("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                       "Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$"));
    if (response.status >= 200 && response.status < 500 && dates.size() != 1)
        problems
            << QStringLiteral("9110-6.6.1: expected one Date header, got %1").arg(dates.size());
    for (const QByteArray &date : dates) {
        if (!imfFixdate.match(QString::fromLatin1(date)).hasMatch())
            problems << QStringLiteral("9110-5.6.7: Date is not an IMF-fixdate: ") +
                            QString::fromLatin1(date);
    }
    const bool hasLength = response.hasHeader("content-length");
    const bool hasCoding = response.hasHeader("transfer-encoding");
    // 9112-6.1 / 9110-8.6: no Transfer-Encoding or Content-Length in 1xx and 204 responses.
    if ((response.status < 200 || response.status == 204) && (hasLength || hasCoding))
        problems << QStringLiteral("9110-8.6/9112-6.1: 1xx or 204 with Content-Length or "
                                   "Transfer-Encoding");
    // 9112-6.2: a sender MUST NOT send Content-Length in a message with Transfer-Encoding.
    if (hasLength && hasCoding)
        problems << QStringLiteral("9112-6.2: both Content-Length and Transfer-Encoding");
    if (response.headerCount("content-length") > 1)
        problems << QStringLiteral("9110-8.6: more than one Content-Length");
    // 9112-6.1: no Transfer-Encoding unless the request indicates HTTP/1.1.
    if (toHttp10 && hasCoding)
        problems << QStringLiteral("9112-6.1: Transfer-Encoding in a response to HTTP/1.0");
    if (problems.isEmpty())
        return {};
    return problems.join(QLatin1String("; ")) + QLatin1String("\nin response: ") +
           response.describe();
}

// "Name: value" (first value equal), "Name~token" (token in the list, lower-case),
// "!Name" (absent), "Name" (present).
QString headerProblem(const HttpResponse &response, const QByteArray &check)
{
    bool ok = true;
    if (check.startsWith('!')) {
        ok = !response.hasHeader(check.mid(1));
    } else if (const qsizetype colon = check.indexOf(": "); colon > 0) {
        ok = response.hasHeader(check.left(colon)) &&
             response.header(check.left(colon)) == check.mid(colon + 2);
    } else if (const qsizetype tilde = check.indexOf('~'); tilde > 0) {
        ok = response.headerTokens(check.left(tilde)).contains(check.mid(tilde + 1));
    } else {
        ok = response.hasHeader(check);
    }
    if (ok)
        return {};
    return QStringLiteral("header check '%1' failed in: ").arg(QString::fromLatin1(check)) +
           response.describe();
}

const QByteArray secret = "SECRET outside the root";

} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void messages_data();
    void messages();

    void expectContinue_data();
    void expectContinue();
    void chunkOverBodyLimitAnsweredBeforeData_data();
    void chunkOverBodyLimitAnsweredBeforeData();
    void noChunkedResponseToHttp10_data();
    void noChunkedResponseToHttp10();
    void pipelinedAnsweredInOrder();
    void headMatchesGet_data();
    void headMatchesGet();

    void files_data();
    void files();
    void entityTagConditionals();

private:
    void addRow(const char *name, const QByteArray &request, const QList<int> &statuses, Conn conn,
                const QByteArrayList &checks = {}, const std::optional<QByteArray> &body = {},
                bool noInterim = false);

    std::unique_ptr<BatonProcess> m_server;
    std::unique_ptr<BatonProcess> m_files;
    QTemporaryDir m_dir;
    QDateTime m_fileTime;
};

void TestConformance::initTestCase()
{
    m_server = std::make_unique<BatonProcess>();
    QVERIFY2(m_server->start({QStringLiteral("--max-body-bytes"), QString::number(maxBody)}),
             qPrintable(m_server->errorString() + QLatin1Char('\n') + m_server->diagnostics()));
    BATON_VERIFY_SERVING(*m_server);

    // Static files: root/a.txt, root/sub/a.txt; outside the root x and outside/secret.txt.
    QVERIFY(m_dir.isValid());
    QDir base(m_dir.path());
    QVERIFY(base.mkpath(QStringLiteral("root/sub")));
    QVERIFY(base.mkpath(QStringLiteral("outside")));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("root/a.txt")), "root a\n"));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("root/sub/a.txt")), "sub a\n"));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("x")), secret));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("outside/secret.txt")), secret));
    // A modification time in the past, whole seconds.
    m_fileTime = QDateTime::currentDateTimeUtc().addDays(-3);
    m_fileTime = QDateTime::fromSecsSinceEpoch(m_fileTime.toSecsSinceEpoch(), Qt::UTC);
    QFile file(m_dir.filePath(QStringLiteral("root/a.txt")));
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(m_fileTime, QFileDevice::FileModificationTime));
    file.close();

    m_files = std::make_unique<BatonProcess>();
    QVERIFY2(m_files->start({QStringLiteral("--root"), m_dir.filePath(QStringLiteral("root"))}),
             qPrintable(m_files->errorString() + QLatin1Char('\n') + m_files->diagnostics()));
    BATON_VERIFY_SERVING(*m_files);
}

void TestConformance::cleanupTestCase()
{
    if (m_server)
        BATON_VERIFY_CLEAN_STOP(*m_server);
    if (m_files)
        BATON_VERIFY_CLEAN_STOP(*m_files);
}

void TestConformance::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << m_server->diagnostics(10);
        qWarning().noquote() << m_files->diagnostics(10);
    }
    QVERIFY2(m_server->isRunning(), "baton is no longer running");
    QVERIFY2(m_files->isRunning(), "baton --root is no longer running");
}

void TestConformance::addRow(const char *name, const QByteArray &request,
                             const QList<int> &statuses, Conn conn, const QByteArrayList &checks,
                             const std::optional<QByteArray> &body, bool noInterim)
{
    QTest::newRow(name) << request << statuses << int(conn) << checks << body.value_or(QByteArray())
                        << body.has_value() << noInterim;
}

void TestConformance::messages_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QList<int>>("statuses");
    QTest::addColumn<int>("conn");
    QTest::addColumn<QByteArrayList>("checks");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("checkBody");
    QTest::addColumn<bool>("noInterim");

    const QByteArray ok = "ok\n";
    const QByteArray hello = "hello";

    // --- RFC 9112 section 2: message format, line endings, whitespace ---
    addRow("9112-3 origin-form GET", get("/healthz"), {200}, Open, {}, ok);
    addRow("9112-2.2 one empty line before the request-line is ignored", "\r\n" + get("/healthz"),
           {200}, Open, {}, ok);
    addRow("9112-2.2 bare LF line endings rejected (choice: MAY accept)",
           "GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n", {400}, Close);
    addRow("9112-2.2 bare LF ending one field line rejected (choice)",
           "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n", {400}, Close);
    addRow("9112-2.2 bare CR ending the request-line rejected",
           "GET /healthz HTTP/1.1\r" + host + "\r\n", {400}, Close);
    addRow("9112-2.2 bare CR in a field value rejected", get("/healthz", "X-A: a\rb\r\n"), {400},
           Close);
    // Whether rejected or consumed unprocessed, the indented Host line never counts: 400.
    addRow("9112-2.2 whitespace between start-line and first field never processed",
           "GET /healthz HTTP/1.1\r\n Host: 127.0.0.1\r\n\r\n", {400}, Either);
    addRow("9112-2.2 whitespace line before a field rejected (choice: MAY consume it)",
           "GET /healthz HTTP/1.1\r\n X-A: b\r\n" + host + "\r\n", {400}, Close);

    // --- RFC 9112 section 3: request line ---
    addRow("9112-3 two SP after the method accepted (choice: MAY parse on whitespace)",
           "GET  /healthz HTTP/1.1\r\n" + host + "\r\n", {200}, Open, {}, ok);
    addRow("9112-3.2 SP inside the request-target rejected",
           "GET /heal thz HTTP/1.1\r\n" + host + "\r\n", {400}, Close);
    addRow("9112-3 SP after the version rejected", "GET /healthz HTTP/1.1 \r\n" + host + "\r\n",
           {400}, Close);
    addRow("9112-3 request-line without version (HTTP/0.9) refused",
           "GET /healthz\r\n" + host + "\r\n", {400, 505}, Close);
    addRow("9112-2.3 HTTP-name is case-sensitive", "GET /healthz http/1.1\r\n" + host + "\r\n",
           {400}, Close);
    addRow("9112-2.3 version with two-digit minor rejected",
           "GET /healthz HTTP/1.10\r\n" + host + "\r\n", {400}, Close);
    addRow("9112-2.3 version with two-digit major rejected",
           "GET /healthz HTTP/01.1\r\n" + host + "\r\n", {400}, Close);
    addRow("9112-2.3 version without minor rejected", "GET /healthz HTTP/1\r\n" + host + "\r\n",
           {400}, Close);
    addRow("9110-2.5 HTTP/1.2 is processed as HTTP/1.1",
           "GET /healthz HTTP/1.2\r\n" + host + "\r\n", {200}, Open, {}, ok);
    addRow("9110-2.5 HTTP/1.9 is processed as HTTP/1.1",
           "GET /healthz HTTP/1.9\r\n" + host + "\r\n", {200}, Open, {}, ok);
    addRow("9110-15.6.6 HTTP/2.0 request-line gets 505",
           "GET /healthz HTTP/2.0\r\n" + host + "\r\n", {505}, Either);
    addRow("9110-15.6.6 HTTP/3.0 request-line gets 505",
           "GET /healthz HTTP/3.0\r\n" + host + "\r\n", {505}, Either);
    addRow("9110-15.6.6 HTTP/0.9 request-line gets 505",
           "GET /healthz HTTP/0.9\r\n" + host + "\r\n", {505}, Either);
    addRow("9110-9.1 unknown method FOO gets 501", "FOO /healthz HTTP/1.1\r\n" + host + "\r\n",
           {501}, Either);
    addRow("9110-9.1 methods are case-sensitive: get is unknown, 501",
           "get /healthz HTTP/1.1\r\n" + host + "\r\n", {501}, Either);
    addRow("9112-3.1 method that is not a token rejected",
           "G(T /healthz HTTP/1.1\r\n" + host + "\r\n", {400}, Close);
    addRow("9110-9.3.6 CONNECT gets 501 (no proxying)",
           "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", {501}, Either);
    addRow("9110-15.5.6 DELETE on a GET route gets 405 with Allow",
           "DELETE /healthz HTTP/1.1\r\n" + host + "\r\n", {405}, Either, {"Allow~get"});
    addRow("9110-15.5.6 POST on a GET route gets 405 with Allow",
           "POST /healthz HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", {405}, Either,
           {"Allow~get"});
    addRow("9110-15.5.6 PUT on a POST route gets 405 with Allow",
           "PUT /echo HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", {405}, Either,
           {"Allow~post"});
    addRow("9110-9.3.7 OPTIONS * gets 2xx with Allow", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n",
           {200, 204}, Open, {"Allow"});
    addRow("9110-9.3.7 OPTIONS on a route gets 2xx with Allow",
           "OPTIONS /healthz HTTP/1.1\r\n" + host + "\r\n", {200, 204}, Open, {"Allow~get"});
    addRow("9110-7.6.2 Max-Forwards: 0 on OPTIONS, answered as final recipient",
           "OPTIONS * HTTP/1.1\r\n" + host + "Max-Forwards: 0\r\n\r\n", {200, 204}, Open,
           {"Allow"});
    addRow("9110-7.6.2 Max-Forwards is irrelevant to GET", get("/healthz", "Max-Forwards: 0\r\n"),
           {200}, Open, {}, ok);
    addRow("9110-9.3.2 HEAD gets headers and no content",
           "HEAD /healthz HTTP/1.1\r\n" + host + "\r\n", {200}, Open, {"Content-Length: 3"});
    addRow("9110-6.6.1 Date also on a 404", get("/no/such/path"), {404}, Open, {"Date"});

    // --- RFC 9112 section 3.2: request-target forms ---
    addRow("9112-3.2.1 origin-form with query", get("/healthz?a=1&b"), {200}, Open, {}, ok);
    addRow("9112-3.2.2 absolute-form accepted",
           "GET http://127.0.0.1/healthz HTTP/1.1\r\n" + host + "\r\n", {200}, Open, {}, ok);
    addRow("9112-3.2.2 absolute-form with port accepted",
           "GET http://127.0.0.1:8080/healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", {200},
           Open, {}, ok);
    addRow("9112-3.2.2 absolute-form wins over a different Host",
           "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: other.example\r\n\r\n", {200}, Open, {},
           ok);
    addRow("9112-3.2.2 absolute-form scheme is case-insensitive",
           "GET HTTP://127.0.0.1/healthz HTTP/1.1\r\n" + host + "\r\n", {200}, Open, {}, ok);
    addRow("9112-3.2 absolute-form on HTTP/1.1 still needs Host",
           "GET http://127.0.0.1/healthz HTTP/1.1\r\n\r\n", {400}, Either);
    addRow("9112-3.2.3 authority-form with GET rejected",
           "GET 127.0.0.1:80 HTTP/1.1\r\n" + host + "\r\n", {400}, Either);
    addRow("9112-3.2.4 asterisk-form with GET rejected", "GET * HTTP/1.1\r\n" + host + "\r\n",
           {400}, Either);
    addRow("9112-3.2 fragment in the request-target rejected", get("/healthz#frag"), {400}, Either);
    addRow("9112-3.2 target without leading slash rejected", get("healthz"), {400}, Either);
    addRow("9112-3 request-target at the 8192-byte limit accepted",
           get('/' + QByteArray(maxTarget - 1, 'a')), {404}, Open);
    addRow("9112-3 request-target over the limit gets 414", get('/' + QByteArray(maxTarget, 'a')),
           {414}, Either);

    // --- RFC 9112 section 3.2 / RFC 9110 section 7.2: Host ---
    addRow("9112-3.2 HTTP/1.1 without Host gets 400", "GET /healthz HTTP/1.1\r\n\r\n", {400},
           Either);
    addRow("9112-3.2 HTTP/1.0 without Host accepted", http10("GET", "/healthz", {}), {200}, Close,
           {}, ok);
    addRow("9112-3.2 two Host lines get 400",
           "GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n", {400}, Either);
    addRow("9112-3.2 Host 'a b' is invalid", withHost("a b"), {400}, Either);
    addRow("9112-3.2 Host 'u@t' (userinfo) is invalid", withHost("u@t"), {400}, Either);
    addRow("9112-3.2 Host 't:abc' (port not digits) is invalid", withHost("t:abc"), {400}, Either);
    addRow("9112-3.2 Host 'a/b' is invalid", withHost("a/b"), {400}, Either);
    addRow("9112-3.2 Host '[::1' is invalid", withHost("[::1"), {400}, Either);
    addRow("9110-7.2 Host 't:' (empty port, port = *DIGIT) is valid", withHost("t:"), {200}, Open,
           {}, ok);
    addRow("9110-7.2 Host '[::1]' is valid", withHost("[::1]"), {200}, Open, {}, ok);
    addRow("9110-7.2 Host '[::1]:8080' is valid", withHost("[::1]:8080"), {200}, Open, {}, ok);
    addRow("9110-7.2 Host 'host:99999' is valid (port = *DIGIT)", withHost("host:99999"), {200},
           Open, {}, ok);
    addRow("9110-7.2 Host with port is valid", withHost("127.0.0.1:8080"), {200}, Open, {}, ok);
    addRow("9110-7.2 Host reg-name with underscore is valid", withHost("exa_mple.test"), {200},
           Open, {}, ok);
    addRow("9112-3.3 empty Host rejected: http needs an authority (choice: MAY default)",
           withHost(""), {400}, Either);

    // --- RFC 9112 section 5 / RFC 9110 section 5: field syntax ---
    addRow("9112-5.1 empty field name rejected", get("/healthz", ": x\r\n"), {400}, Close);
    addRow("9112-5.1 whitespace before the colon rejected", get("/healthz", "X-A : b\r\n"), {400},
           Close);
    addRow("9112-5.1 whitespace before the colon in Host rejected",
           "GET /healthz HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n", {400}, Close);
    addRow("9112-5.1 space inside a field name rejected", get("/healthz", "X A: b\r\n"), {400},
           Close);
    addRow("9110-5.1 non-token character in a field name rejected", get("/healthz", "X(A): b\r\n"),
           {400}, Close);
    addRow("9110-5.1 NUL in a field name rejected",
           get("/healthz", QByteArray("X-") + '\0' + QByteArray("A: b\r\n")), {400}, Close);
    addRow("9112-5 field line without colon rejected", get("/healthz", "X-A b\r\n"), {400}, Close);
    addRow("9112-5.2 obs-fold with SP rejected (choice: MAY unfold)",
           get("/healthz", "X-A: b\r\n c\r\n"), {400}, Close);
    addRow("9112-5.2 obs-fold with HTAB rejected (choice)", get("/healthz", "X-A: b\r\n\tc\r\n"),
           {400}, Close);
    addRow("9110-5.5 NUL in a field value rejected (choice: MAY replace with SP)",
           get("/healthz", QByteArray("X-A: a") + '\0' + QByteArray("b\r\n")), {400}, Close);
    addRow("9110-5.5 DEL in a field value rejected (choice: MAY retain)",
           get("/healthz", "X-A: a\x7f-b\r\n"), {400}, Close);
    addRow("9110-5.5 other CTL in a field value rejected (choice)",
           get("/healthz", "X-A: a\x01-b\r\n"), {400}, Close);
    addRow("9110-5.5 obs-text in a field value accepted", get("/healthz", "X-A: caf\xe9\r\n"),
           {200}, Open, {}, ok);
    addRow("9110-5.5 empty field value accepted", get("/healthz", "X-Empty:\r\n"), {200}, Open, {},
           ok);
    addRow("9110-5.5 field value of only OWS accepted", get("/healthz", "X-Empty: \r\n"), {200},
           Open, {}, ok);
    addRow("9112-5.1 no OWS after the colon",
           post("Content-Length: 5\r\nContent-Type:text/x-a\r\n", hello), {200}, Open,
           {"Content-Type: text/x-a"}, hello);
    addRow("9112-5.1 leading and trailing OWS is not part of the value",
           post("Content-Length: 5\r\nContent-Type: \t text/x-a \t \r\n", hello), {200}, Open,
           {"Content-Type: text/x-a"}, hello);
    addRow("9110-5.1 field names are case-insensitive",
           "POST /echo HTTP/1.1\r\nhOsT: 127.0.0.1\r\ncOnTeNt-LeNgTh: 5\r\n\r\nhello", {200}, Open,
           {}, hello);
    addRow("9110-15.5.20 head over the limit gets 431",
           get("/healthz", "X-Big: " + QByteArray(40000, 'h') + "\r\n"), {431}, Either);
    {
        QByteArray many;
        for (int i = 0; i < 40; ++i)
            many += "X-Fill-" + QByteArray::number(i) + ": " + QByteArray(1000, 'h') + "\r\n";
        addRow("9110-15.5.20 many fields over the limit get 431", get("/healthz", many), {431},
               Either);
    }
    addRow("9110-15.5.20 head just under the limit accepted",
           get("/healthz", "X-Big: " + QByteArray(30000, 'h') + "\r\n"), {200}, Open, {}, ok);

    // --- RFC 9112 section 9 / RFC 9110 section 7.6.1: persistence ---
    addRow("9112-9.3 HTTP/1.1 persists by default", get("/healthz"), {200}, Open, {"!Connection"},
           ok);
    addRow("9112-9.6 Connection: close closes", get("/healthz", "Connection: close\r\n"), {200},
           Close, {}, ok);
    addRow("9110-7.6.1 connection options are case-insensitive: Close",
           get("/healthz", "Connection: Close\r\n"), {200}, Close, {}, ok);
    addRow("9112-9.6 close among other options closes",
           get("/healthz", "Connection: keep-alive, close\r\n"), {200}, Close, {}, ok);
    addRow("9110-7.6.1 unknown connection option ignored", get("/healthz", "Connection: foo\r\n"),
           {200}, Open, {}, ok);
    addRow("9112-9.3 HTTP/1.0 closes by default", http10("GET", "/healthz", host), {200}, Close, {},
           ok);
    addRow("9112-9.3 HTTP/1.0 keep-alive persists (choice: honour it)",
           http10("GET", "/healthz", host + "Connection: keep-alive\r\n"), {200}, Open,
           {"Connection~keep-alive", "Content-Length: 3"}, ok);
    addRow("9112-9.3 HTTP/1.0 Keep-Alive token is case-insensitive",
           http10("GET", "/healthz", host + "Connection: Keep-Alive\r\n"), {200}, Open,
           {"Connection~keep-alive"}, ok);
    addRow("9112-9.3 HTTP/1.0 POST with Content-Length and keep-alive",
           http10("POST", "/echo", "Connection: keep-alive\r\nContent-Length: 5\r\n", hello), {200},
           Open, {"Connection~keep-alive"}, hello);

    // --- RFC 9112 section 6: message body length ---
    addRow("9112-6.2 Content-Length body", post("Content-Length: 5\r\n", hello), {200}, Open, {},
           hello);
    addRow("9112-6.3 Content-Length: 0", post("Content-Length: 0\r\n", {}), {200}, Open, {},
           QByteArray());
    addRow("9112-6.3 request without Content-Length or Transfer-Encoding has no body", post({}, {}),
           {200}, Open, {}, QByteArray());
    addRow("9112-6.3 GET with a Content-Length body: body consumed",
           get("/healthz", "Content-Length: 5\r\n") + hello, {200}, Open, {}, ok);
    addRow("9112-6.3 GET with a chunked body: body consumed",
           get("/healthz", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", {200},
           Open, {}, ok);
    addRow("9110-8.6 Content-Length with leading zeros", post("Content-Length: 005\r\n", hello),
           {200}, Open, {}, hello);
    addRow("9110-5.5 Content-Length followed by SP (OWS)", post("Content-Length: 5 \r\n", hello),
           {200}, Open, {}, hello);
    addRow("9110-5.5 Content-Length followed by HTAB (OWS)", post("Content-Length: 5\t\r\n", hello),
           {200}, Open, {}, hello);
    addRow("9110-8.6 Content-Length list '5, 5' rejected (choice: MAY use 5)",
           post("Content-Length: 5, 5\r\n", hello), {400}, Close);
    addRow("9110-8.6 two equal Content-Length lines rejected (choice: MAY use 5)",
           post("Content-Length: 5\r\nContent-Length: 5\r\n", hello), {400}, Close);
    addRow("9112-6.3 Content-Length list '5, 6' gets 400 and close",
           post("Content-Length: 5, 6\r\n", "hello!"), {400}, Close);
    addRow("9112-6.3 differing Content-Length lines get 400 and close",
           post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), {400}, Close);
    addRow("9112-6.3 negative Content-Length", post("Content-Length: -1\r\n", "h"), {400}, Close);
    addRow("9112-6.3 Content-Length with plus sign", post("Content-Length: +5\r\n", hello), {400},
           Close);
    addRow("9112-6.3 non-digit Content-Length", post("Content-Length: abc\r\n", hello), {400},
           Close);
    addRow("9112-6.3 hexadecimal Content-Length", post("Content-Length: 0x5\r\n", hello), {400},
           Close);
    addRow("9112-6.3 empty Content-Length", post("Content-Length:\r\n", hello), {400}, Close);
    addRow("9112-6.3 Content-Length with inner SP", post("Content-Length: 1 0\r\n", hello), {400},
           Close);
    addRow("9110-8.6 overflowing Content-Length is invalid",
           post("Content-Length: 184467440737095516170\r\n", hello), {400}, Close);
    addRow("9110-15.5.14 declared body over the limit gets 413",
           post("Content-Length: " + QByteArray::number(maxBody + 1) + "\r\n", hello), {413},
           Either);
    addRow("9112-6.1 Transfer-Encoding: chunked", chunked("5\r\nhello\r\n0\r\n\r\n"), {200}, Open,
           {}, hello);
    addRow("9112-7 transfer-coding names are case-insensitive",
           post("Transfer-Encoding: Chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), {200}, Open, {},
           hello);
    addRow("9110-5.5 Transfer-Encoding followed by SP (OWS)",
           post("Transfer-Encoding: chunked \r\n", "5\r\nhello\r\n0\r\n\r\n"), {200}, Open, {},
           hello);
    addRow("9110-5.5 Transfer-Encoding followed by HTAB (OWS)",
           post("Transfer-Encoding: chunked\t\r\n", "5\r\nhello\r\n0\r\n\r\n"), {200}, Open, {},
           hello);
    addRow("9112-6.1 TE+CL rejected and closed",
           post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.1 CL+TE rejected and closed",
           post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.1 TE with Content-Length: 0 rejected and closed",
           post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.1 unknown coding before chunked gets 501",
           post("Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), {501}, Either);
    addRow("9112-6.1 unregistered coding before chunked gets 501",
           post("Transfer-Encoding: foo, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), {501}, Either);
    addRow("9112-6.3 chunked applied twice rejected",
           post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.3 chunked twice on two lines rejected",
           post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), {400},
           Close);
    addRow("9112-6.3 chunked not the final coding gets 400 and close",
           post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.3 TE without chunked gets 400 and close",
           post("Transfer-Encoding: gzip\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.3 TE identity (not chunked) gets 400 and close",
           post("Transfer-Encoding: identity\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.3 empty Transfer-Encoding gets 400 and close",
           post("Transfer-Encoding:\r\n", "0\r\n\r\n"), {400}, Close);
    addRow("9112-6.1 HTTP/1.0 with TE chunked and keep-alive: faulty framing, 400 and close",
           http10("POST", "/echo", "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n",
                  "5\r\nhello\r\n0\r\n\r\n"),
           {400}, Close);
    addRow("9112-6.1 HTTP/1.0 with TE chunked: faulty framing, 400 and close",
           http10("POST", "/echo", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
           {400}, Close);
    addRow("9112-6.1 HTTP/1.0 with TE and CL: faulty framing, 400 and close",
           http10("POST", "/echo",
                  "Transfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: keep-alive\r\n",
                  "0\r\n\r\n"),
           {400}, Close);

    // --- RFC 9112 section 7.1: chunked coding ---
    addRow("9112-7.1 two chunks", chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), {200}, Open,
           {}, "hello world");
    addRow("9112-7.1 upper-case hex chunk size", chunked("A\r\n0123456789\r\n0\r\n\r\n"), {200},
           Open, {}, "0123456789");
    addRow("9112-7.1 chunk size with leading zeros", chunked("0005\r\nhello\r\n0\r\n\r\n"), {200},
           Open, {}, hello);
    addRow("9112-7.1.1 chunk extension name=value", chunked("5;a=b\r\nhello\r\n0\r\n\r\n"), {200},
           Open, {}, hello);
    addRow("9112-7.1.1 several chunk extensions with values",
           chunked("5;a=b;c=d\r\nhello\r\n0\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9112-7.1.1 chunk extension without value", chunked("5;a\r\nhello\r\n0\r\n\r\n"), {200},
           Open, {}, hello);
    addRow("9112-7.1.1 chunk extension quoted-string with quoted-pair",
           chunked("5;a=\"b\\\"c\"\r\nhello\r\n0\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9112-7.1.1 chunk extension on the last chunk", chunked("5\r\nhello\r\n0;x=y\r\n\r\n"),
           {200}, Open, {}, hello);
    addRow("9112-7.1.1 BWS before a chunk extension accepted (9110-5.6.3 MUST)",
           chunked("5 ;a=b\r\nhello\r\n0\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9112-7.1.1 chunk extension without a name rejected",
           chunked("5;=b\r\nhello\r\n0\r\n\r\n"), {400}, Close);
    addRow("9112-7.1.1 unterminated quoted chunk extension rejected",
           chunked("5;a=\"b\r\nhello\r\n0\r\n\r\n"), {400}, Close);
    addRow("9112-7.1 SP after chunk size without extension rejected",
           chunked("5 \r\nhello\r\n0\r\n\r\n"), {400}, Close);
    addRow("9112-7.1 chunk-size line ended by bare LF rejected", chunked("5\nhello\r\n0\r\n\r\n"),
           {400}, Close);
    addRow("9112-7.1 chunk data ended by bare LF rejected", chunked("5\r\nhello\n0\r\n\r\n"), {400},
           Close);
    addRow("9112-7.1 chunk data not followed by CRLF rejected", chunked("5\r\nhelloXX0\r\n\r\n"),
           {400}, Close);
    addRow("9112-7.1 non-hex chunk size rejected", chunked("zz\r\nhello\r\n0\r\n\r\n"), {400},
           Close);
    addRow("9112-7.1 chunk size with 0x prefix rejected", chunked("0x5\r\nhello\r\n0\r\n\r\n"),
           {400}, Close);
    addRow("9112-7.1 negative chunk size rejected", chunked("-5\r\nhello\r\n0\r\n\r\n"), {400},
           Close);
    addRow("9112-7.1 overflowing chunk size rejected",
           chunked("10000000000000005\r\nhello\r\n0\r\n\r\n"), {400}, Close);
    {
        // 9112-7.1.1: "A server ought to limit the total length of chunk extensions received in
        // a request to an amount reasonable for the services provided". 64 KiB is not.
        addRow("9112-7.1.1 64 KiB extension value on one chunk refused with 400",
               chunked("5;x=" + QByteArray(64 * 1024, 'y') + "\r\nhello\r\n0\r\n\r\n"), {400},
               Close);
        QByteArray names;
        while (names.size() < 64 * 1024)
            names += ";x";
        addRow("9112-7.1.1 64 KiB of extensions on one chunk refused with 400",
               chunked("5" + names + "\r\nhello\r\n0\r\n\r\n"), {400}, Close);
        QByteArray many;
        const QByteArray smallExt = ";name=" + QByteArray(58, 'v');
        for (int i = 0; i < 1200; ++i) // 1200 chunks x 64 bytes of extension: 75 KiB in all
            many += "1" + smallExt + "\r\nz\r\n";
        addRow("9112-7.1.1 over 64 KiB of extensions across chunks refused with 400",
               chunked(many + "0\r\n\r\n"), {400}, Close);
    }
    addRow("9112-7.1.2 trailer field accepted",
           chunked("5\r\nhello\r\n0\r\nX-Checksum: 1234\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9112-7.1.2 trailer Host is not a second Host",
           chunked("5\r\nhello\r\n0\r\nHost: evil.example\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9110-6.5.1 trailer Content-Type not merged into the header section",
           chunked("5\r\nhello\r\n0\r\nContent-Type: text/x-trailer\r\n\r\n"), {200}, Open,
           {"Content-Type: application/octet-stream"}, hello);
    addRow("9110-6.5.1 trailer Content-Length not used for framing",
           chunked("5\r\nhello\r\n0\r\nContent-Length: 40\r\n\r\n"), {200}, Open, {}, hello);
    addRow("9112-7.1.2 malformed trailer line rejected",
           chunked("5\r\nhello\r\n0\r\nX-Checksum 1234\r\n\r\n"), {400}, Close);
    addRow("9112-7.1.2 obs-fold in a trailer rejected",
           chunked("5\r\nhello\r\n0\r\nX-A: b\r\n c\r\n\r\n"), {400}, Close);
    {
        QByteArray trailers;
        for (int i = 0; trailers.size() < 1024 * 1024; ++i)
            trailers += "X-T" + QByteArray::number(i) + ": " + QByteArray(80, 't') + "\r\n";
        addRow("9112-7.1.2 1 MiB trailer section gets 431 and close",
               chunked("5\r\nhello\r\n0\r\n" + trailers + "\r\n"), {431}, Close);
    }

    // --- RFC 9110 section 10.1.1: Expect ---
    addRow("9110-10.1.1 unknown expectation gets 417 (choice: MAY)",
           get("/healthz", "Expect: foo\r\n"), {417}, Either);
    addRow("9110-10.1.1 100-continue on a request without content: no 100 (choice: MAY omit)",
           get("/healthz", "Expect: 100-continue\r\n"), {200}, Open, {}, ok, true);
    addRow("9110-10.1.1 100-continue from HTTP/1.0 is ignored, no 1xx to 1.0 (15.2)",
           http10("POST", "/echo", "Expect: 100-continue\r\nContent-Length: 5\r\n", hello), {200},
           Close, {}, hello, true);
    addRow("9110-10.1.1 100-continue with the content already sent",
           post("Expect: 100-continue\r\nContent-Length: 5\r\n", hello), {200}, Open, {}, hello);
}

void TestConformance::messages()
{
    QFETCH(QByteArray, request);
    QFETCH(QList<int>, statuses);
    QFETCH(int, conn);
    QFETCH(QByteArrayList, checks);
    QFETCH(QByteArray, body);
    QFETCH(bool, checkBody);
    QFETCH(bool, noInterim);

    RawClient client;
    QVERIFY2(client.connectTo(m_server->host(), m_server->port()),
             qPrintable(client.errorString()));
    // The server may close before taking everything (it must not read a refused body).
    client.send(request + pipelined);
    const bool head = request.startsWith("HEAD ");
    auto response = client.readResponse(RawClient::DefaultTimeoutMs, head);
    QList<int> interim;
    while (response && response->status >= 100 && response->status < 200) {
        interim.append(response->status);
        response = client.readResponse(RawClient::DefaultTimeoutMs, head);
    }
    QVERIFY2(response.has_value(),
             qPrintable(QStringLiteral("no response: %1\nrequest: %2")
                            .arg(client.errorString(), printable(request, 200))));
    QVERIFY2(statuses.contains(response->status),
             qPrintable(QStringLiteral("expected %1, got ").arg(statusList(statuses)) +
                        response->describe()));
    if (noInterim && !interim.isEmpty())
        QFAIL(qPrintable(QStringLiteral("unexpected interim response %1").arg(interim.first())));
    const QString problems = responseProblems(*response, isHttp10(request));
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    for (const QByteArray &check : std::as_const(checks)) {
        const QString problem = headerProblem(*response, check);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
    if (checkBody)
        QCOMPARE(response->body, body);

    const bool saysClose = response->headerTokens("connection").contains("close");
    if (conn == Close)
        QVERIFY2(saysClose, qPrintable(QStringLiteral("9112-9.6: the connection must close and "
                                                      "the response should say so\n") +
                                       response->describe()));
    if (conn == Open)
        QVERIFY2(!saysClose,
                 qPrintable(QStringLiteral("the connection must persist, but the response says "
                                           "Connection: close\n") +
                            response->describe()));
    if (saysClose) {
        QVERIFY2(client.waitForClosed(), "Connection: close, but the connection stayed open");
        QVERIFY2(client.unreadData().isEmpty(),
                 qPrintable(QStringLiteral("desync: the request pipelined behind was answered "
                                           "after Connection: close: ") +
                            printable(client.unreadData())));
        return;
    }
    // The connection persists: the pipelined request is the next message, nothing else is.
    const auto next = client.readResponse();
    QVERIFY2(next.has_value(),
             qPrintable(QStringLiteral("the request pipelined behind was not answered on a "
                                       "persistent connection: ") +
                        client.errorString()));
    QVERIFY2(
        next->status == 200 && next->body == "ok\n",
        qPrintable(QStringLiteral("desync: the pipelined GET /healthz got ") + next->describe()));
    QVERIFY2(client.unreadData().isEmpty(),
             qPrintable(QStringLiteral("more bytes than two responses: ") +
                        printable(client.unreadData())));
}

void TestConformance::expectContinue_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("9110-10.1.1 100-continue with Content-Length: 100 then 200")
        << post("Content-Length: 14\r\nExpect: 100-continue\r\n", {})
        << QByteArray("continued body") << QByteArray("continued body");
    QTest::newRow("9110-10.1.1 100-continue with chunked: 100 then 200")
        << post("Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n", {})
        << QByteArray("5\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
    QTest::newRow("9110-10.1.1 expectation is case-insensitive: 100-Continue")
        << post("Content-Length: 5\r\nExpect: 100-Continue\r\n", {}) << QByteArray("hello")
        << QByteArray("hello");
}

void TestConformance::expectContinue()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, expected);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(client.send(head));
    // Only the head is out: the 100 must come before the content is sent.
    const auto interim = client.readResponse();
    BATON_VERIFY_READ(interim, client);
    BATON_COMPARE_STATUS(interim, 100);
    QVERIFY(client.send(body + pipelined));
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    QCOMPARE(response->body, expected);
    const auto next = client.readResponse();
    BATON_VERIFY_READ(next, client);
    BATON_COMPARE_STATUS(next, 200);
}

void TestConformance::chunkOverBodyLimitAnsweredBeforeData_data()
{
    QTest::addColumn<QByteArray>("request");

    // 0x200000 = 2 MiB, over the 100000-byte limit; only the chunk-size line is sent.
    QTest::newRow("9110-15.5.14 first chunk-size over the limit gets 413 before its data")
        << chunked("200000\r\n");
    // 50000 + 0x10000 = 115536 bytes: the second size line alone goes over.
    QTest::newRow("9110-15.5.14 chunk-size taking the total over the limit gets 413")
        << chunked("c350\r\n" + QByteArray(50000, 'a') + "\r\n10000\r\n");
}

void TestConformance::chunkOverBodyLimitAnsweredBeforeData()
{
    QFETCH(QByteArray, request);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(client.send(request));
    // No more data follows: the answer must not wait for the chunk data.
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 413);
    const QString problems = responseProblems(*response, false);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    QVERIFY2(response->headerTokens("connection").contains("close"),
             qPrintable(response->describe()));
    QVERIFY2(client.waitForClosed(), "connection left open after refusing the body");
}

void TestConformance::noChunkedResponseToHttp10_data()
{
    QTest::addColumn<QByteArray>("request");

    QTest::newRow("9112-6.1 GET /stream from HTTP/1.0: no chunked coding")
        << http10("GET", "/stream?seconds=1", {});
    QTest::newRow("9112-6.1 GET /stream from HTTP/1.0 keep-alive: no chunked coding")
        << http10("GET", "/stream?seconds=1", "Connection: keep-alive\r\n");
}

void TestConformance::noChunkedResponseToHttp10()
{
    QFETCH(QByteArray, request);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(client.send(request));
    // Content-Length or a close-delimited body: both are read here.
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);
    QVERIFY2(!response->hasHeader("transfer-encoding") && !response->chunked,
             qPrintable(QStringLiteral("9112-6.1: Transfer-Encoding sent to an HTTP/1.0 client\n") +
                        response->describe()));
    QCOMPARE(response->body, QByteArray("chunk 1 of 1\n"));
    const QString problems = responseProblems(*response, true);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    if (!response->hasHeader("content-length")) {
        // 9112-6.3: the only other framing left is the close.
        QVERIFY2(response->closeDelimited, qPrintable(response->describe()));
        QVERIFY(client.isClosed());
    }
}

void TestConformance::pipelinedAnsweredInOrder()
{
    // 9112-9.3.2: a server MUST send its responses in the order the requests were received.
    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    QVERIFY(
        client.send(get("/sleep?ms=200") + post("Content-Length: 3\r\n", "two") + get("/healthz")));
    const auto responses = client.readResponses(3);
    QVERIFY2(responses.size() == 3, qPrintable(client.errorString()));
    QCOMPARE(responses.at(0).status, 200);
    QCOMPARE(responses.at(0).body, QByteArray("slept 200 ms\n"));
    QCOMPARE(responses.at(1).status, 200);
    QCOMPARE(responses.at(1).body, QByteArray("two"));
    QCOMPARE(responses.at(2).status, 200);
    QCOMPARE(responses.at(2).body, QByteArray("ok\n"));
    QVERIFY(!client.isClosed());
}

void TestConformance::headMatchesGet_data()
{
    QTest::addColumn<QByteArray>("target");

    QTest::newRow("9110-9.3.2 HEAD / like GET /") << QByteArray("/");
    QTest::newRow("9110-9.3.2 HEAD /healthz like GET") << QByteArray("/healthz");
    QTest::newRow("9110-9.3.2 HEAD /readyz like GET") << QByteArray("/readyz");
    QTest::newRow("9110-9.3.2 HEAD on a missing path like GET") << QByteArray("/no/such/path");
}

void TestConformance::headMatchesGet()
{
    QFETCH(QByteArray, target);

    RawClient client;
    QVERIFY(client.connectTo(m_server->host(), m_server->port()));
    const auto getResponse = client.request(get(target));
    BATON_VERIFY_READ(getResponse, client);
    QVERIFY(client.send("HEAD " + target + " HTTP/1.1\r\n" + host + "\r\n" + pipelined));
    const auto headResponse = client.readHeadResponse();
    BATON_VERIFY_READ(headResponse, client);
    QCOMPARE(headResponse->status, getResponse->status);
    const QString problems = responseProblems(*headResponse, false);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));

    // 9110-9.3.2: the same header fields as GET (SHOULD).
    QStringList getNames;
    QStringList headNames;
    for (const auto &field : getResponse->headers)
        getNames << QString::fromLatin1(field.first).toLower();
    for (const auto &field : headResponse->headers)
        headNames << QString::fromLatin1(field.first).toLower();
    getNames.sort();
    headNames.sort();
    QCOMPARE(headNames, getNames);
    QCOMPARE(headResponse->header("content-type"), getResponse->header("content-type"));
    // 9110-8.6: Content-Length in a HEAD response only with the length GET would send.
    if (headResponse->hasHeader("content-length"))
        QCOMPARE(headResponse->header("content-length"),
                 QByteArray::number(getResponse->body.size()));

    // No content follows the HEAD response: the next bytes are the pipelined response.
    const auto next = client.readResponse();
    BATON_VERIFY_READ(next, client);
    BATON_COMPARE_STATUS(next, 200);
    QCOMPARE(next->body, QByteArray("ok\n"));
}

void TestConformance::files_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QList<int>>("statuses");
    QTest::addColumn<QByteArray>("body"); // checked for 200

    const QByteArray rootA = "root a\n";
    const QByteArray subA = "sub a\n";
    const QList<int> refused = {400, 403, 404};

    // RFC 3986 5.2.4 (referenced by 9110-4.2.3 for normalisation): dot segments are removed.
    QTest::newRow("3986-5.2.4 /x/../sub/./a.txt is /sub/a.txt")
        << QByteArray("/x/../sub/./a.txt") << QByteArray() << QList<int>{200} << subA;
    QTest::newRow("3986-5.2.4 /sub/./a.txt is /sub/a.txt")
        << QByteArray("/sub/./a.txt") << QByteArray() << QList<int>{200} << subA;
    QTest::newRow("3986-5.2.4 /sub/../a.txt is /a.txt")
        << QByteArray("/sub/../a.txt") << QByteArray() << QList<int>{200} << rootA;
    QTest::newRow("3986-5.2.4 /./a.txt is /a.txt")
        << QByteArray("/./a.txt") << QByteArray() << QList<int>{200} << rootA;
    // Never outside the root, however the dots are written.
    QTest::newRow("3986-5.2.4 /../etc/passwd stays inside the root")
        << QByteArray("/../etc/passwd") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-5.2.4 /sub/../../x stays inside the root")
        << QByteArray("/sub/../../x") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-5.2.4 /../outside/secret.txt stays inside the root")
        << QByteArray("/../outside/secret.txt") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-5.2.4 /x/../../../../etc/passwd stays inside the root")
        << QByteArray("/x/../../../../etc/passwd") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-6.2.2.2 %2e%2e stays inside the root")
        << QByteArray("/%2e%2e/outside/secret.txt") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-6.2.2.2 /sub/%2e%2e/%2e%2e/x stays inside the root")
        << QByteArray("/sub/%2e%2e/%2e%2e/x") << QByteArray() << refused << QByteArray();
    QTest::newRow("3986-6.2.2.2 %2E%2E/%2E%2E/etc/passwd stays inside the root")
        << QByteArray("/%2E%2E/%2E%2E/etc/passwd") << QByteArray() << refused << QByteArray();

    // RFC 9110 section 13: conditional requests on a file with Last-Modified.
    const QByteArray modified = httpDate(m_fileTime);
    const QByteArray before = httpDate(m_fileTime.addDays(-1));
    const QByteArray after = httpDate(m_fileTime.addDays(1));
    const QByteArray future = httpDate(QDateTime::currentDateTimeUtc().addDays(365));
    QTest::newRow("9110-13.1.2 If-None-Match: * on an existing file gets 304")
        << QByteArray("/a.txt") << QByteArray("If-None-Match: *\r\n") << QList<int>{304}
        << QByteArray();
    QTest::newRow("9110-13.1.2 If-None-Match: * on a missing file gets 404")
        << QByteArray("/missing.txt") << QByteArray("If-None-Match: *\r\n") << QList<int>{404}
        << QByteArray();
    QTest::newRow("9110-13.2.2 non-matching If-None-Match wins over future If-Modified-Since")
        << QByteArray("/a.txt")
        << QByteArray("If-None-Match: \"no-such-tag\"\r\nIf-Modified-Since: " + future + "\r\n")
        << QList<int>{200} << rootA;
    QTest::newRow("9110-13.2.2 non-matching If-None-Match wins over If-Modified-Since = mtime")
        << QByteArray("/a.txt")
        << QByteArray("If-None-Match: \"no-such-tag\"\r\nIf-Modified-Since: " + modified + "\r\n")
        << QList<int>{200} << rootA;
    QTest::newRow("9110-13.1.3 If-Modified-Since = Last-Modified gets 304")
        << QByteArray("/a.txt") << QByteArray("If-Modified-Since: " + modified + "\r\n")
        << QList<int>{304} << QByteArray();
    QTest::newRow("9110-13.1.3 If-Modified-Since before Last-Modified gets 200")
        << QByteArray("/a.txt") << QByteArray("If-Modified-Since: " + before + "\r\n")
        << QList<int>{200} << rootA;
    QTest::newRow("9110-13.1.3 invalid If-Modified-Since is ignored")
        << QByteArray("/a.txt") << QByteArray("If-Modified-Since: yesterday\r\n") << QList<int>{200}
        << rootA;
    QTest::newRow("9110-13.1.3 If-Modified-Since on a route without Last-Modified is ignored")
        << QByteArray("/healthz") << QByteArray("If-Modified-Since: " + future + "\r\n")
        << QList<int>{200} << QByteArray("ok\n");
    QTest::newRow("9110-13.1.1 If-Match: * on an existing file gets 200")
        << QByteArray("/a.txt") << QByteArray("If-Match: *\r\n") << QList<int>{200} << rootA;
    QTest::newRow("9110-13.1.1 non-matching If-Match gets 412")
        << QByteArray("/a.txt") << QByteArray("If-Match: \"no-such-tag\"\r\n") << QList<int>{412}
        << QByteArray();
    QTest::newRow("9110-13.2.1 preconditions ignored when the answer would be 404")
        << QByteArray("/missing.txt") << QByteArray("If-Match: \"no-such-tag\"\r\n")
        << QList<int>{404} << QByteArray();
    QTest::newRow("9110-13.1.4 If-Unmodified-Since before Last-Modified gets 412")
        << QByteArray("/a.txt") << QByteArray("If-Unmodified-Since: " + before + "\r\n")
        << QList<int>{412} << QByteArray();
    QTest::newRow("9110-13.1.4 If-Unmodified-Since after Last-Modified gets 200")
        << QByteArray("/a.txt") << QByteArray("If-Unmodified-Since: " + after + "\r\n")
        << QList<int>{200} << rootA;
    QTest::newRow("9110-13.1.4 invalid If-Unmodified-Since is ignored")
        << QByteArray("/a.txt") << QByteArray("If-Unmodified-Since: someday\r\n") << QList<int>{200}
        << rootA;
}

void TestConformance::files()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, headers);
    QFETCH(QList<int>, statuses);
    QFETCH(QByteArray, body);

    RawClient client;
    QVERIFY(client.connectTo(m_files->host(), m_files->port()));
    client.send(get(target, headers) + pipelined);
    const auto response = client.readResponse();
    BATON_VERIFY_READ(response, client);
    QVERIFY2(
        !response->body.contains(secret) && !response->body.contains("root:"),
        qPrintable(QStringLiteral("served a file outside the root!\n") + response->describe()));
    QVERIFY2(statuses.contains(response->status),
             qPrintable(QStringLiteral("GET %1: expected %2, got ")
                            .arg(QString::fromLatin1(target), statusList(statuses)) +
                        response->describe()));
    const QString problems = responseProblems(*response, false);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    if (response->status == 200)
        QCOMPARE(response->body, body);
    if (response->status == 304)
        QVERIFY2(response->body.isEmpty() && response->hasHeader("date"),
                 qPrintable(response->describe()));
    // Nothing of a 304 or any other answer spills into the next response.
    if (!response->headerTokens("connection").contains("close")) {
        const auto next = client.readResponse();
        BATON_VERIFY_READ(next, client);
        BATON_COMPARE_STATUS(next, 200);
    }
}

void TestConformance::entityTagConditionals()
{
    // 9110-13.1.2 / 15.4.5. Baton may not send ETag (yet): then no tag can match, and a
    // conditional GET with any tag gets 200; with an ETag, that tag gets 304 repeating it.
    RawClient client;
    QVERIFY(client.connectTo(m_files->host(), m_files->port()));
    const auto plain = client.request(get("/a.txt"));
    BATON_VERIFY_READ(plain, client);
    BATON_COMPARE_STATUS(plain, 200);
    const QByteArray etag = plain->header("etag");
    const QByteArray tag = etag.isEmpty() ? QByteArray("\"baton-sends-no-etag\"") : etag;

    const auto conditional = client.request(get("/a.txt", "If-None-Match: " + tag + "\r\n"));
    BATON_VERIFY_READ(conditional, client);
    if (etag.isEmpty()) {
        BATON_COMPARE_STATUS(conditional, 200);
        QCOMPARE(conditional->body, QByteArray("root a\n"));
        return;
    }
    BATON_COMPARE_STATUS(conditional, 304);
    // 15.4.5: a 304 carries the ETag a 200 would have carried.
    QCOMPARE(conditional->header("etag"), etag);
    // 13.1.2: If-None-Match uses the weak comparison.
    const QByteArray weak = etag.startsWith("W/") ? etag : "W/" + etag;
    const auto weakConditional = client.request(get("/a.txt", "If-None-Match: " + weak + "\r\n"));
    BATON_VERIFY_READ(weakConditional, client);
    BATON_COMPARE_STATUS(weakConditional, 304);
    const auto match = client.request(get("/a.txt", "If-Match: " + etag + "\r\n"));
    BATON_VERIFY_READ(match, client);
    BATON_COMPARE_STATUS(match, etag.startsWith("W/") ? 412 : 200);
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
