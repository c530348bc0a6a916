// Routing: exact paths, 404, the fallback, 405 with Allow, HEAD and OPTIONS, path parameters and
// tails, specificity, groups, pattern errors, copies of routers and requests.
#include "routertesting.h"

#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace baton;
using namespace routertesting;

class tst_Router : public DispatchingTest
{
    Q_OBJECT

private:
    Router m_router;

private slots:
    void initTestCase();

    void routes_data();
    void routes();
    void fallback_data();
    void fallback();
    void params_data();
    void params();
    void groups_data();
    void groups();

    void patternErrors_data();
    void patternErrors();
    void copiedRouterIsIndependent();
    void requestCopyOutlivesTheRequest();
};

void tst_Router::initTestCase()
{
    m_router.get("/thing", answer("thing"));
    m_router.post("/thing", answer("thing", 201));

    // Specificity: added from least to most specific, so the order of adding cannot be what
    // decides.
    m_router.get("/spec/{rest...}", answer("tail"));
    m_router.get("/spec/{one}", answer("param"));
    m_router.get("/spec/literal", answer("literal"));
    m_router.get("/spec/{one}/{two...}", answer("param+tail"));
    m_router.get("/spec/{one}/fixed", answer("param+literal"));

    m_router.get("/users/{id}", answer("user"));
    m_router.get("/users/me", answer("me"));
    m_router.get("/files/{path...}", answer("files"));

    m_router.put("/items/{id}", answer("put"));
    m_router.patch("/items/{id}", answer("patch"));
    m_router.del("/items/{id}", answer("delete"));
    m_router.post("/items", answer("post", 201));
    m_router.route("REPORT", "/items", answer("report"));

    QCOMPARE(m_router.errors(), QStringList());
}

void tst_Router::routes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("allow");

    const QByteArray get = QByteArrayLiteral("GET");
    const QByteArray none;
    const QByteArray notFound = QByteArrayLiteral("not found\n");
    const QByteArray notAllowed = QByteArrayLiteral("method not allowed\n");
    const QByteArray thingMethods = QByteArrayLiteral("GET, HEAD, POST, OPTIONS");

    QTest::addRow("GET") << get << QByteArray("/thing") << 200 << QByteArray("thing GET") << none;
    QTest::addRow("POST") << QByteArray("POST") << QByteArray("/thing") << 201
                          << QByteArray("thing POST") << none;
    QTest::addRow("query is not the path")
        << get << QByteArray("/thing?x=1") << 200 << QByteArray("thing GET") << none;
    QTest::addRow("HEAD by the GET handler")
        << QByteArray("HEAD") << QByteArray("/thing") << 200 << QByteArray("thing HEAD") << none;
    QTest::addRow("encoded literal")
        << get << QByteArray("/%74hing") << 200 << QByteArray("thing GET") << none;
    QTest::addRow("malformed escape names no route")
        << get << QByteArray("/%7$hing") << 404 << notFound << none;
    QTest::addRow("unknown path") << get << QByteArray("/nothing") << 404 << notFound << none;
    QTest::addRow("prefix is not a match")
        << get << QByteArray("/thing/x") << 404 << notFound << none;
    QTest::addRow("trailing slash counts")
        << get << QByteArray("/thing/") << 404 << notFound << none;
    QTest::addRow("wrong method") << QByteArray("DELETE") << QByteArray("/thing") << 405
                                  << notAllowed << thingMethods;
    QTest::addRow("OPTIONS") << QByteArray("OPTIONS") << QByteArray("/thing") << 204 << QByteArray()
                             << thingMethods;
    // The server as a whole: every method some route of this router takes.
    QTest::addRow("OPTIONS *") << QByteArray("OPTIONS") << QByteArray("*") << 204 << QByteArray()
                               << QByteArray(
                                      "GET, HEAD, POST, PUT, PATCH, DELETE, REPORT, OPTIONS");
    QTest::addRow("GET * is no path") << get << QByteArray("*") << 404 << notFound << none;

    QTest::addRow("literal beats param")
        << get << QByteArray("/spec/literal") << 200 << QByteArray("literal GET") << none;
    QTest::addRow("param beats tail")
        << get << QByteArray("/spec/other") << 200 << QByteArray("param GET") << none;
    QTest::addRow("tail takes the rest")
        << get << QByteArray("/spec/a/b/c") << 200 << QByteArray("param+tail GET") << none;
    QTest::addRow("literal beats tail in a later segment")
        << get << QByteArray("/spec/a/fixed") << 200 << QByteArray("param+literal GET") << none;
    QTest::addRow("an empty segment is no param")
        << get << QByteArray("/spec/") << 200 << QByteArray("tail GET") << none;
    QTest::addRow("literal beats param (added after)")
        << get << QByteArray("/users/me") << 200 << QByteArray("me GET") << none;
    QTest::addRow("param") << get << QByteArray("/users/7") << 200 << QByteArray("user GET")
                           << none;
    QTest::addRow("param HEAD by GET")
        << QByteArray("HEAD") << QByteArray("/users/7") << 200 << QByteArray("user HEAD") << none;
    QTest::addRow("param wrong method") << QByteArray("POST") << QByteArray("/users/7") << 405
                                        << notAllowed << QByteArray("GET, HEAD, OPTIONS");
    QTest::addRow("param needs its segment")
        << get << QByteArray("/users/") << 404 << notFound << none;

    QTest::addRow("tail") << get << QByteArray("/files/a/b/c") << 200 << QByteArray("files GET")
                          << none;
    QTest::addRow("tail may be empty")
        << get << QByteArray("/files/") << 200 << QByteArray("files GET") << none;
    QTest::addRow("tail needs its slash") << get << QByteArray("/files") << 404 << notFound << none;

    QTest::addRow("put") << QByteArray("PUT") << QByteArray("/items/1") << 200
                         << QByteArray("put PUT") << none;
    QTest::addRow("patch") << QByteArray("PATCH") << QByteArray("/items/1") << 200
                           << QByteArray("patch PATCH") << none;
    QTest::addRow("del") << QByteArray("DELETE") << QByteArray("/items/1") << 200
                         << QByteArray("delete DELETE") << none;
    QTest::addRow("post") << QByteArray("POST") << QByteArray("/items") << 201
                          << QByteArray("post POST") << none;
    QTest::addRow("any method") << QByteArray("REPORT") << QByteArray("/items") << 200
                                << QByteArray("report REPORT") << none;
    QTest::addRow("helpers' methods in order of adding")
        << get << QByteArray("/items/1") << 405 << notAllowed
        << QByteArray("PUT, PATCH, DELETE, OPTIONS");
    QTest::addRow("no HEAD without GET") << QByteArray("HEAD") << QByteArray("/items") << 405
                                         << notAllowed << QByteArray("POST, REPORT, OPTIONS");
    QTest::addRow("OPTIONS on a param route")
        << QByteArray("OPTIONS") << QByteArray("/items/1") << 204 << QByteArray()
        << QByteArray("PUT, PATCH, DELETE, OPTIONS");
}

void tst_Router::routes()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, allow);

    RecordingSink sink;
    dispatch(m_router, sink, method, target);
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), status);
    QCOMPARE(sink.response.body(), body);
    QCOMPARE(sink.header("Allow"), allow);
    QVERIFY(!sink.dropped);
}

void tst_Router::fallback_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");

    QTest::addRow("unknown path") << QByteArray("GET") << QByteArray("/some/file") << 299
                                  << QByteArray("fallback GET /some/file");
    QTest::addRow("unknown path, any method")
        << QByteArray("PURGE") << QByteArray("/x") << 299 << QByteArray("fallback PURGE /x");
    // The server's fallback (static files) answers for the server as a whole then.
    QTest::addRow("OPTIONS *") << QByteArray("OPTIONS") << QByteArray("*") << 299
                               << QByteArray("fallback OPTIONS *");
    QTest::addRow("routes still win")
        << QByteArray("GET") << QByteArray("/thing") << 200 << QByteArray("thing GET");
    QTest::addRow("a routed path's other methods stay 405")
        << QByteArray("PUT") << QByteArray("/thing") << 405 << QByteArray("method not allowed\n");
}

void tst_Router::fallback()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, body);

    Router router = m_router;
    QVERIFY(!router.hasFallback());
    router.setFallback([](const Request &request, Responder responder) {
        responder.respond(299, "fallback " + request.method() + ' ' + request.path());
    });
    QVERIFY(router.hasFallback());

    RecordingSink sink;
    dispatch(router, sink, method, target);
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), status);
    QCOMPARE(sink.response.body(), body);
}

void tst_Router::params_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valueIsNull");
    QTest::addColumn<QByteArray>("raw");

    QTest::addRow("plain") << QByteArray("/users/42") << QByteArray("id") << QByteArray("42")
                           << false << QByteArray("42");
    QTest::addRow("decoded") << QByteArray("/users/a%20b") << QByteArray("id") << QByteArray("a b")
                             << false << QByteArray("a%20b");
    QTest::addRow("plus is no space in a path") << QByteArray("/users/a+b") << QByteArray("id")
                                                << QByteArray("a+b") << false << QByteArray("a+b");
    QTest::addRow("encoded slash stays in the segment")
        << QByteArray("/users/a%2Fb") << QByteArray("id") << QByteArray("a/b") << false
        << QByteArray("a%2Fb");
    QTest::addRow("utf-8") << QByteArray("/users/caf%C3%A9") << QByteArray("id")
                           << QByteArray("caf\xc3\xa9") << false << QByteArray("caf%C3%A9");
    QTest::addRow("malformed escape") << QByteArray("/users/a%2") << QByteArray("id")
                                      << QByteArray() << true << QByteArray("a%2");
    QTest::addRow("malformed escape, not hex") << QByteArray("/users/%zz") << QByteArray("id")
                                               << QByteArray() << true << QByteArray("%zz");
    QTest::addRow("no such name") << QByteArray("/users/42") << QByteArray("ID") << QByteArray()
                                  << true << QByteArray();
    QTest::addRow("query is not a param") << QByteArray("/users/42?id=7") << QByteArray("id")
                                          << QByteArray("42") << false << QByteArray("42");
    QTest::addRow("tail") << QByteArray("/files/a/b/c") << QByteArray("path") << QByteArray("a/b/c")
                          << false << QByteArray("a/b/c");
    QTest::addRow("tail decoded") << QByteArray("/files/a%20b/c%2Fd") << QByteArray("path")
                                  << QByteArray("a b/c/d") << false << QByteArray("a%20b/c%2Fd");
    QTest::addRow("tail empty") << QByteArray("/files/") << QByteArray("path") << QByteArray("")
                                << false << QByteArray("");
    QTest::addRow("tail keeps a trailing slash")
        << QByteArray("/files/dir/") << QByteArray("path") << QByteArray("dir/") << false
        << QByteArray("dir/");
    QTest::addRow("second param") << QByteArray("/two/x/y") << QByteArray("b") << QByteArray("y")
                                  << false << QByteArray("y");
    QTest::addRow("group prefix param") << QByteArray("/orgs/acme/repos") << QByteArray("org")
                                        << QByteArray("acme") << false << QByteArray("acme");
}

void tst_Router::params()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(bool, valueIsNull);
    QFETCH(QByteArray, raw);

    std::optional<QByteArray> seen;
    std::optional<QByteArray> seenRaw;
    const Handler record = [&](const Request &request, Responder responder) {
        seen = request.param(name);
        seenRaw = request.rawParam(name);
        responder.respond(200);
    };
    Router router;
    router.get("/users/{id}", record);
    router.get("/files/{path...}", record);
    router.get("/two/{a}/{b}", record);
    router.group("/orgs/{org}").get("/repos", record);
    QCOMPARE(router.errors(), QStringList());

    RecordingSink sink;
    dispatch(router, sink, "GET", target);
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), 200);
    QVERIFY(seen && seenRaw);
    QCOMPARE(*seen, value);
    QCOMPARE(seen->isNull(), valueIsNull);
    QCOMPARE(*seenRaw, raw);
    QCOMPARE(seenRaw->isNull(), raw.isNull());
}

void tst_Router::groups_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");

    QTest::addRow("nested") << QByteArray("/api/v1/x") << 200 << QByteArray("v1 GET");
    QTest::addRow("outer group") << QByteArray("/api/y") << 200 << QByteArray("api GET");
    QTest::addRow("outside") << QByteArray("/x") << 200 << QByteArray("root GET");
    QTest::addRow("trailing slash dropped")
        << QByteArray("/slash/z") << 200 << QByteArray("slash GET");
    QTest::addRow("nested trailing slashes")
        << QByteArray("/slash/deeper/w") << 200 << QByteArray("deeper GET");
    QTest::addRow("not a doubled slash")
        << QByteArray("/slash//z") << 404 << QByteArray("not found\n");
    QTest::addRow("group root") << QByteArray("/api") << 200 << QByteArray("api root GET");
    QTest::addRow("group path needs the prefix")
        << QByteArray("/v1/x") << 404 << QByteArray("not found\n");
    QTest::addRow("prefix alone is no route")
        << QByteArray("/api/v1") << 404 << QByteArray("not found\n");
}

void tst_Router::groups()
{
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, body);

    Router router;
    router.get("/x", answer("root"));
    RouteGroup api = router.group("/api");
    api.get("/y", answer("api"));
    api.get("", answer("api root"));
    api.group("/v1").get("/x", answer("v1"));
    RouteGroup slash = router.group("/slash/");
    slash.get("/z", answer("slash"));
    slash.group("/deeper//").get("/w", answer("deeper"));
    QCOMPARE(router.errors(), QStringList());

    RecordingSink sink;
    dispatch(router, sink, "GET", target);
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), status);
    QCOMPARE(sink.response.body(), body);
}

void tst_Router::patternErrors_data()
{
    QTest::addColumn<QByteArray>("pattern");
    QTest::addColumn<QString>("problem");

    QTest::addRow("param not a whole segment")
        << QByteArray("/a{b}") << QStringLiteral("not a whole segment");
    QTest::addRow("tail not last")
        << QByteArray("/{x...}/y") << QStringLiteral("is not the last segment");
    QTest::addRow("duplicate") << QByteArray("/ok") << QStringLiteral("already routed");
    QTest::addRow("same shape") << QByteArray("/users/{name}")
                                << QStringLiteral("already routed as \"/users/{id}\"");
    QTest::addRow("unbalanced") << QByteArray("/{a") << QStringLiteral("unbalanced braces");
    QTest::addRow("bad name") << QByteArray("/{a-b}") << QStringLiteral("bad parameter name");
    QTest::addRow("no slash") << QByteArray("ok") << QStringLiteral("does not start with '/'");
    QTest::addRow("empty") << QByteArray("") << QStringLiteral("the pattern is empty");
    QTest::addRow("param twice") << QByteArray("/{a}/{a}") << QStringLiteral("appears twice");
}

void tst_Router::patternErrors()
{
    QFETCH(QByteArray, pattern);
    QFETCH(QString, problem);

    Router router;
    router.get("/ok", answer("ok"));
    router.get("/users/{id}", answer("user"));
    QCOMPARE(router.errors(), QStringList());
    router.get(pattern, answer("bad"));
    router.get("/after", answer("after"));

    const QStringList errors = router.errors();
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().contains(QString::fromUtf8(pattern)), qPrintable(errors.first()));
    QVERIFY2(errors.first().contains(problem), qPrintable(errors.first()));
    QVERIFY2(!errors.first().contains(u'\n'), qPrintable(errors.first()));

    // The good routes, before and after the bad one, are served; the first of a duplicate
    // pair keeps its path.
    const std::pair<QByteArray, QByteArray> served[] = {
        {"/ok", "ok GET"}, {"/users/7", "user GET"}, {"/after", "after GET"}};
    for (const auto &[target, body] : served) {
        RecordingSink sink;
        dispatch(router, sink, "GET", target);
        QVERIFY(sink.answered);
        QCOMPARE(sink.response.status(), 200);
        QCOMPARE(sink.response.body(), body);
    }
}

void tst_Router::copiedRouterIsIndependent()
{
    auto trace = std::make_shared<QByteArrayList>();
    Router original;
    original.get("/a", answer("a"));
    RouteGroup group = original.group("/g");
    group.get("/x", answer("gx"));

    Router copy(original);
    Router assigned;
    assigned.get("/only-assigned", answer("gone"));
    assigned = original;

    original.get("/b", answer("b"));
    original.use(tracing(trace, "late"));
    group.get("/y", answer("gy"));
    original.setFallback(answer("fallback", 299));
    original.get("/bad{", answer("bad"));
    QCOMPARE(original.errors().size(), 1);

    const auto status = [this](const Router &router, const QByteArray &target) {
        RecordingSink sink;
        dispatch(router, sink, "GET", target);
        return sink.answered ? sink.response.status() : -1;
    };
    for (const Router *router : {&copy, &assigned}) {
        QCOMPARE(status(*router, "/a"), 200);
        QCOMPARE(status(*router, "/g/x"), 200);
        QCOMPARE(status(*router, "/b"), 404);
        QCOMPARE(status(*router, "/g/y"), 404);
        QCOMPARE(status(*router, "/only-assigned"), 404);
        QVERIFY(!router->hasFallback());
        QCOMPARE(router->errors(), QStringList());
    }
    QVERIFY(trace->isEmpty());

    QCOMPARE(status(original, "/b"), 200);
    QCOMPARE(status(original, "/g/y"), 200);
    QCOMPARE(status(original, "/nowhere"), 299);
    QCOMPARE(trace->size(), 3);

    Router moved(std::move(copy));
    QCOMPARE(status(moved, "/a"), 200);
}

void tst_Router::requestCopyOutlivesTheRequest()
{
    std::optional<Request> kept;
    std::optional<Request> assigned;
    Router router;
    router.post("/users/{id}/{rest...}", [&](const Request &request, Responder responder) {
        kept.emplace(request);
        const Request copyOfCopy = *kept;
        assigned.emplace(copyOfCopy);
        assigned = request;
        responder.respond(204);
    });

    auto http = std::make_unique<HttpRequest>(makeRequest("POST", "/users/a%20b/c/d?q=x%20y&r=1"));
    http->headers.append({QByteArrayLiteral("X-Name"), QByteArrayLiteral("value")});
    http->body = QByteArrayLiteral("payload");
    http->versionMinor = 0;
    RecordingSink sink;
    dispatch(router, sink, *http);
    QVERIFY(sink.answered);
    QVERIFY(kept && assigned);

    // Overwritten first, so a copy still looking at the original would see the difference
    // even where freed memory happens to stay readable.
    http->method = "GET";
    http->target = http->path = "/users/zzzzzzz/zzz";
    http->query.clear();
    http->headers.clear();
    http->body.clear();
    http->versionMinor = 1;
    http.reset();

    for (const Request *request : {&*kept, &*assigned}) {
        QCOMPARE(request->method(), QByteArray("POST"));
        QCOMPARE(request->target(), QByteArray("/users/a%20b/c/d?q=x%20y&r=1"));
        QCOMPARE(request->path(), QByteArray("/users/a%20b/c/d"));
        QCOMPARE(request->query(), QByteArray("q=x%20y&r=1"));
        QCOMPARE(request->queryValue("q"), QByteArray("x y"));
        QCOMPARE(request->httpVersionMinor(), 0);
        QCOMPARE(request->header("x-name"), QByteArray("value"));
        QVERIFY(request->hasHeader("X-NAME"));
        QCOMPARE(request->headers().size(), 1);
        QCOMPARE(request->body(), QByteArray("payload"));
        QCOMPARE(request->param("id"), QByteArray("a b"));
        QCOMPARE(request->rawParam("id"), QByteArray("a%20b"));
        QCOMPARE(request->param("rest"), QByteArray("c/d"));
    }
}

QTEST_GUILESS_MAIN(tst_Router)
#include "tst_router.moc"
