// Middleware: the order of the chain (router, outer group, inner group), early answers,
// decorators, the router's middleware around its own 404/405/OPTIONS answers, next called
// later, and a chain that never answers.
#include "routertesting.h"

#include <QTest>
#include <QTimer>

using namespace baton;
using namespace routertesting;

class tst_Middleware : public DispatchingTest
{
    Q_OBJECT

private slots:
    void middlewareOrder_data();
    void middlewareOrder();
    void middlewareAnswersEarly_data();
    void middlewareAnswersEarly();
    void decoratorsRunInReverseOrder();
    void routerMiddlewareWrapsBuiltInAnswers_data();
    void routerMiddlewareWrapsBuiltInAnswers();
    void nextCalledLater();
    void forgottenRequestIsDropped();
};

void tst_Middleware::middlewareOrder_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArrayList>("trace");

    QTest::addRow("inner group") << QByteArray("/api/v1/x")
                                 << QByteArrayList{"router1", "router2", "router3",   "api1",
                                                   "api2",    "v1",      "handler /x"};
    QTest::addRow("outer group") << QByteArray("/api/y")
                                 << QByteArrayList{"router1", "router2", "router3",
                                                   "api1",    "api2",    "handler /y"};
    QTest::addRow("outside every group")
        << QByteArray("/x") << QByteArrayList{"router1", "router2", "router3", "handler /x"};
    QTest::addRow("sibling group")
        << QByteArray("/other/z")
        << QByteArrayList{"router1", "router2", "router3", "other", "handler /z"};
    QTest::addRow("404") << QByteArray("/nowhere")
                         << QByteArrayList{"router1", "router2", "router3"};
}

void tst_Middleware::middlewareOrder()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArrayList, trace);

    auto seen = std::make_shared<QByteArrayList>();
    const auto handler = [seen](const QByteArray &name) -> Handler {
        return [seen, name](const Request &, Responder responder) {
            seen->append("handler " + name);
            responder.respond(200);
        };
    };

    // Middleware is added between routes and groups on purpose: where it runs depends on
    // whom it was added to, not when.
    Router router;
    router.use(tracing(seen, "router1"));
    router.get("/x", handler("/x"));
    RouteGroup api = router.group("/api");
    api.use(tracing(seen, "api1"));
    RouteGroup v1 = api.group("/v1");
    v1.get("/x", handler("/x"));
    v1.use(tracing(seen, "v1"));
    api.get("/y", handler("/y"));
    router.use(tracing(seen, "router2"));
    api.use(tracing(seen, "api2"));
    RouteGroup other = router.group("/other");
    other.use(tracing(seen, "other"));
    other.get("/z", handler("/z"));
    router.use(tracing(seen, "router3"));
    QCOMPARE(router.errors(), QStringList());

    RecordingSink sink;
    dispatch(router, sink, "GET", target);
    QVERIFY(sink.answered);
    QCOMPARE(*seen, trace);
}

void tst_Middleware::middlewareAnswersEarly_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("handlerRuns");

    QTest::addRow("authorised") << QByteArray("Bearer secret") << 200 << true;
    QTest::addRow("wrong token") << QByteArray("Bearer guess") << 401 << false;
    QTest::addRow("no token") << QByteArray() << 401 << false;
}

void tst_Middleware::middlewareAnswersEarly()
{
    QFETCH(QByteArray, token);
    QFETCH(int, status);
    QFETCH(bool, handlerRuns);

    bool handlerRan = false;
    bool innerRan = false;
    Router router;
    RouteGroup admin = router.group("/admin");
    admin.use([](const Request &request, Responder responder, Next next) {
        if (request.header("authorization") != "Bearer secret") {
            Response response(401, QByteArrayLiteral("who are you?\n"));
            response.addHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer"));
            responder.respond(std::move(response));
            return;
        }
        next(request, std::move(responder));
    });
    admin.use([&innerRan](const Request &request, Responder responder, Next next) {
        innerRan = true;
        next(request, std::move(responder));
    });
    admin.get("/panel", [&handlerRan](const Request &, Responder responder) {
        handlerRan = true;
        responder.respond(200, QByteArrayLiteral("welcome"));
    });

    HttpRequest request = makeRequest("GET", "/admin/panel");
    if (!token.isNull())
        request.headers.append({QByteArrayLiteral("Authorization"), token});
    RecordingSink sink;
    dispatch(router, sink, request);
    QVERIFY(sink.answered);
    QVERIFY(!sink.dropped);
    QCOMPARE(sink.response.status(), status);
    QCOMPARE(handlerRan, handlerRuns);
    QCOMPARE(innerRan, handlerRuns);
    QCOMPARE(sink.header("WWW-Authenticate").isNull(), handlerRuns);
}

void tst_Middleware::decoratorsRunInReverseOrder()
{
    Router router;
    router.use(appending("outer"));
    // Reads what the handler set, after the inner middleware had its say.
    router.use([](const Request &request, Responder responder, Next next) {
        responder.decorate([](Response &response) {
            response.setHeader(QByteArrayLiteral("X-Seen"),
                               response.header("X-Handler") + '/' + response.header("X-Trace"));
        });
        next(request, std::move(responder));
    });
    RouteGroup group = router.group("/g");
    group.use(appending("inner"));
    group.get("/x", [](const Request &, Responder responder) {
        responder.decorate([](Response &response) {
            response.setHeader(QByteArrayLiteral("X-Trace"),
                               response.header("X-Trace") + " handler-decorator");
        });
        Response response(200, QByteArrayLiteral("body"));
        response.addHeader(QByteArrayLiteral("X-Trace"), QByteArrayLiteral("handler"));
        response.addHeader(QByteArrayLiteral("X-Handler"), QByteArrayLiteral("h"));
        responder.respond(std::move(response));
    });

    RecordingSink sink;
    dispatch(router, sink, "GET", "/g/x");
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), 200);
    QCOMPARE(sink.header("X-Trace"), QByteArray("handler handler-decorator inner outer"));
    QCOMPARE(sink.header("X-Seen"), QByteArray("h/handler handler-decorator inner"));
    QCOMPARE(sink.response.body(), QByteArray("body"));
}

void tst_Middleware::routerMiddlewareWrapsBuiltInAnswers_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("inGroup");

    QTest::addRow("404") << QByteArray("GET") << QByteArray("/nowhere") << 404 << false;
    QTest::addRow("405") << QByteArray("DELETE") << QByteArray("/x") << 405 << false;
    QTest::addRow("OPTIONS") << QByteArray("OPTIONS") << QByteArray("/x") << 204 << false;
    QTest::addRow("OPTIONS *") << QByteArray("OPTIONS") << QByteArray("*") << 204 << false;
    QTest::addRow("root route") << QByteArray("GET") << QByteArray("/x") << 200 << false;
    QTest::addRow("group route") << QByteArray("GET") << QByteArray("/g/x") << 200 << true;
}

void tst_Middleware::routerMiddlewareWrapsBuiltInAnswers()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(bool, inGroup);

    Router router;
    router.use(cors());
    router.get("/x", answer("x"));
    RouteGroup group = router.group("/g");
    group.use([](const Request &request, Responder responder, Next next) {
        responder.decorate([](Response &response) {
            response.setHeader(QByteArrayLiteral("X-Group"), QByteArrayLiteral("yes"));
        });
        next(request, std::move(responder));
    });
    group.get("/x", answer("g"));

    RecordingSink sink;
    dispatch(router, sink, method, target);
    QVERIFY(sink.answered);
    QCOMPARE(sink.response.status(), status);
    QCOMPARE(sink.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(sink.header("X-Group").isNull(), !inGroup);
}

void tst_Middleware::nextCalledLater()
{
    bool handlerRan = false;
    Router router;
    RouteGroup group = router.group("/slow");
    group.use([this](const Request &request, Responder responder, Next next) {
        // QTimer's functor must be copyable; the responder is not.
        auto held = std::make_shared<Responder>(std::move(responder));
        QTimer::singleShot(0, this, [copy = request, held, next] { next(copy, std::move(*held)); });
    });
    group.get("/{id}", [&handlerRan](const Request &request, Responder responder) {
        handlerRan = true;
        responder.respond(200, "later " + request.param("id") + ' ' + request.header("x-h"));
    });

    HttpRequest request = makeRequest("GET", "/slow/a%20b");
    request.headers.append({QByteArrayLiteral("X-H"), QByteArrayLiteral("v")});
    RecordingSink sink;
    dispatch(router, sink, request);
    QVERIFY(!handlerRan);
    QVERIFY(!sink.answered);
    QTRY_VERIFY(sink.answered);
    QVERIFY(handlerRan);
    QCOMPARE(sink.response.status(), 200);
    QCOMPARE(sink.response.body(), QByteArray("later a b v"));
    QVERIFY(!sink.dropped);
}

void tst_Middleware::forgottenRequestIsDropped()
{
    Router router;
    router.get("/forgetful", [](const Request &, Responder) {});
    bool handlerRan = false;
    RouteGroup group = router.group("/g");
    group.use([](const Request &, Responder, Next) {}); // neither answers nor goes on
    group.get("/x", [&handlerRan](const Request &, Responder responder) {
        handlerRan = true;
        responder.respond(200);
    });

    for (const QByteArray &target : {QByteArrayLiteral("/forgetful"), QByteArrayLiteral("/g/x")}) {
        RecordingSink sink;
        dispatch(router, sink, "GET", target);
        QVERIFY(!sink.answered);
        QVERIFY(sink.dropped);
        QCOMPARE(sink.dropCount, 1);
    }
    QVERIFY(!handlerRan);
}

QTEST_GUILESS_MAIN(tst_Middleware)
#include "tst_middleware.moc"
