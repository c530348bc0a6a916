// The router's matching engine: literal, parameter and tail segments on the raw path, the most
// specific pattern first, 405s, HEAD served by GET, Allow lists and the patterns it refuses.
#include "http/routetable.h"

#include <QTest>

using namespace baton;

namespace {

// Routes are written "METHOD /pattern" and must be accepted with indices 0, 1, 2...
bool build(RouteTable *table, const QByteArrayList &routes)
{
    for (qsizetype i = 0; i < routes.size(); ++i) {
        const qsizetype space = routes.at(i).indexOf(' ');
        QString error;
        const int index = table->add(routes.at(i).left(space),
                                     QByteArrayView(routes.at(i)).sliced(space + 1), &error);
        if (index != int(i)) {
            qWarning("adding %s gave %d: %s", routes.at(i).constData(), index, qPrintable(error));
            return false;
        }
    }
    return true;
}

// "name=raw value" for each parameter, which is what the caller will cut out of the path.
QByteArrayList paramList(const RouteMatch &match, const QByteArray &rawPath)
{
    QByteArrayList out;
    for (const RouteParam &param : match.params)
        out.append(param.name + '=' + rawPath.mid(param.offset, param.length));
    return out;
}

using Routes = QByteArrayList;
using Params = QByteArrayList;

} // namespace

class tst_RouteTable : public QObject
{
    Q_OBJECT

private slots:
    void match_data()
    {
        QTest::addColumn<Routes>("routes");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("route");
        QTest::addColumn<bool>("pathMatched");
        QTest::addColumn<Params>("params");
        const QByteArray get("GET");
        const auto row = [](const char *name, const Routes &routes, const QByteArray &method,
                            const QByteArray &path, int route, bool pathMatched,
                            const Params &params = {}) {
            QTest::addRow("%s", name) << routes << method << path << route << pathMatched << params;
        };

        // Literals
        row("literal", {"GET /users/me"}, get, "/users/me", 0, true);
        row("root", {"GET /"}, get, "/", 0, true);
        row("other literal", {"GET /users/me"}, get, "/users/you", -1, false);
        row("literal trailing slash", {"GET /users/"}, get, "/users/", 0, true);
        row("literal slash is significant", {"GET /users/"}, get, "/users", -1, false);
        row("literal without its slash", {"GET /users"}, get, "/users/", -1, false);
        row("not a path", {"GET /{rest...}"}, QByteArray("OPTIONS"), "*", -1, false);
        row("empty path", {"GET /{rest...}"}, get, "", -1, false);

        // Parameters
        row("param", {"GET /users/{id}"}, get, "/users/42", 0, true, {"id=42"});
        row("param stays encoded", {"GET /users/{id}"}, get, "/users/a%2Fb", 0, true, {"id=a%2Fb"});
        row("param malformed escape is the caller's", {"GET /users/{id}"}, get, "/users/%zz", 0,
            true, {"id=%zz"});
        row("param is not empty", {"GET /users/{id}"}, get, "/users/", -1, false);
        row("param is one segment", {"GET /users/{id}"}, get, "/users/5/x", -1, false);
        row("param trailing slash", {"GET /users/{id}"}, get, "/users/5/", -1, false);
        row("two params", {"GET /orgs/{org}/repos/{repo}"}, get, "/orgs/qt/repos/base", 0, true,
            {"org=qt", "repo=base"});
        row("empty segment between", {"GET /a/{x}/b"}, get, "/a//b", -1, false);
        row("encoded slash does not split", {"GET /a/{x}"}, get, "/a%2Fb", -1, false);
        row("encoded slash in one param", {"GET /{name}"}, get, "/a%2Fb", 0, true, {"name=a%2Fb"});

        // Tails
        row("tail empty", {"GET /files/{path...}"}, get, "/files/", 0, true, {"path="});
        row("tail one", {"GET /files/{path...}"}, get, "/files/a", 0, true, {"path=a"});
        row("tail deep", {"GET /files/{path...}"}, get, "/files/a/b/c", 0, true, {"path=a/b/c"});
        row("tail trailing slash", {"GET /files/{path...}"}, get, "/files/a/", 0, true,
            {"path=a/"});
        row("tail stays encoded", {"GET /files/{path...}"}, get, "/files/a%20b/c%2Fd", 0, true,
            {"path=a%20b/c%2Fd"});
        row("tail needs its slash", {"GET /files/{path...}"}, get, "/files", -1, false);
        row("tail not a prefix", {"GET /files/{path...}"}, get, "/filesystem", -1, false);
        row("root tail empty", {"GET /{rest...}"}, get, "/", 0, true, {"rest="});
        row("root tail", {"GET /{rest...}"}, get, "//x", 0, true, {"rest=/x"});
        row("param then tail", {"GET /u/{id}/{rest...}"}, get, "/u/7/a/b", 0, true,
            {"id=7", "rest=a/b"});

        // Specificity, whatever the order of adding
        row("literal over param", {"GET /users/{id}", "GET /users/me"}, get, "/users/me", 1, true);
        row("param when literal differs", {"GET /users/{id}", "GET /users/me"}, get, "/users/you",
            0, true, {"id=you"});
        row("literal over param, literal first", {"GET /users/me", "GET /users/{id}"}, get,
            "/users/me", 0, true);
        row("param over tail", {"GET /files/{path...}", "GET /files/{name}"}, get, "/files/a", 1,
            true, {"name=a"});
        row("tail when param cannot", {"GET /files/{path...}", "GET /files/{name}"}, get,
            "/files/a/b", 0, true, {"path=a/b"});
        row("literal over tail", {"GET /files/{path...}", "GET /files/readme"}, get,
            "/files/readme", 1, true);
        row("longer literal prefix", {"GET /{a}/{b}", "GET /x/{b}"}, get, "/x/y", 1, true, {"b=y"});
        row("first segment decides", {"GET /{a}/y", "GET /x/{b}"}, get, "/x/y", 1, true, {"b=y"});
        row("param over tail deeper", {"GET /a/{rest...}", "GET /a/{x}/{rest...}"}, get, "/a/b/c",
            1, true, {"x=b", "rest=c"});
        row("same shape, by method", {"POST /u/{a}", "GET /u/{b}"}, get, "/u/1", 1, true, {"b=1"});

        // Methods and 405
        row("param takes another method", {"GET /users/me", "DELETE /users/{id}"},
            QByteArray("DELETE"), "/users/me", 1, true, {"id=me"});
        row("405 on literal", {"GET /users/me", "DELETE /users/{id}"}, QByteArray("PUT"),
            "/users/me", -1, true);
        row("405 on param", {"GET /users/me", "DELETE /users/{id}"}, QByteArray("PUT"), "/users/x",
            -1, true);
        row("405 on tail", {"GET /files/{p...}"}, QByteArray("POST"), "/files/x", -1, true);
        row("method is case-sensitive", {"GET /a"}, QByteArray("get"), "/a", -1, true);
        row("GET does not take HEAD", {"HEAD /a"}, get, "/a", -1, true);
        row("HEAD takes GET", {"GET /a"}, QByteArray("HEAD"), "/a", 0, true);
        row("explicit HEAD", {"GET /a", "HEAD /a"}, QByteArray("HEAD"), "/a", 1, true);
        row("explicit HEAD on a wider pattern", {"GET /users/me", "HEAD /users/{id}"},
            QByteArray("HEAD"), "/users/me", 1, true, {"id=me"});
        row("HEAD takes GET with params", {"GET /users/{id}"}, QByteArray("HEAD"), "/users/7", 0,
            true, {"id=7"});
        row("HEAD takes the most specific GET", {"GET /users/{id}", "GET /users/me"},
            QByteArray("HEAD"), "/users/me", 1, true);
        row("HEAD takes GET under a POST", {"GET /files/{p...}", "POST /files/{name}"},
            QByteArray("HEAD"), "/files/x", 0, true, {"p=x"});

        // Percent-encoding
        row("decoded literal", {"GET /café"}, get, "/caf%C3%A9", 0, true);
        row("decoded literal, lower-case hex", {"GET /café"}, get, "/caf%c3%a9", 0, true);
        row("decoded literal before a param", {"GET /café/{id}"}, get, "/caf%C3%A9/1", 0, true,
            {"id=1"});
        row("encoded plain letters", {"GET /users/me"}, get, "/%75sers/me", 0, true);
        row("encoded plain letters, param route", {"GET /users/{id}/edit"}, get, "/users/1/%65dit",
            0, true, {"id=1"});
        row("malformed escape matches no literal", {"GET /users/me"}, get, "/users/m%e", -1, false);
        row("malformed escape, param route", {"GET /x/{id}/edit"}, get, "/x/1/ed%zzit", -1, false);
        row("encoded slash is no separator", {"GET /a/b"}, get, "/a%2Fb", -1, false);
        row("encoded slash, lower case", {"GET /a/b"}, get, "/a%2fb", -1, false);
        row("encoded letter beside a real slash", {"GET /a/b"}, get, "/a/%62", 0, true);
        row("pattern spells a percent decoded", {"GET /100%"}, get, "/100%25", 0, true);
        row("a bare percent is malformed", {"GET /100%"}, get, "/100%", -1, false);
    }
    void match()
    {
        QFETCH(Routes, routes);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(int, route);
        QFETCH(bool, pathMatched);
        QFETCH(Params, params);
        RouteTable table;
        QVERIFY(build(&table, routes));
        const RouteMatch match = table.match(method, path);
        QCOMPARE(match.route, route);
        QCOMPARE(match.pathMatched, pathMatched);
        QCOMPARE(paramList(match, path), params);
    }

    void paramOffsets()
    {
        RouteTable table;
        QVERIFY(build(&table, {"GET /users/{id}", "GET /orgs/{org}/files/{path...}"}));
        RouteMatch match = table.match("GET", "/users/a%2Fb");
        QCOMPARE(match.route, 0);
        QCOMPARE(match.params.size(), 1);
        QCOMPARE(match.params[0].name, QByteArray("id"));
        QCOMPARE(match.params[0].offset, 7);
        QCOMPARE(match.params[0].length, 5);

        match = table.match("GET", "/orgs/qt/files/");
        QCOMPARE(match.route, 1);
        QCOMPARE(match.params.size(), 2);
        QCOMPARE(match.params[0].name, QByteArray("org"));
        QCOMPARE(match.params[0].offset, 6);
        QCOMPARE(match.params[0].length, 2);
        QCOMPARE(match.params[1].name, QByteArray("path"));
        QCOMPARE(match.params[1].offset, 15);
        QCOMPARE(match.params[1].length, 0);
    }

    void allowedMethods_data()
    {
        QTest::addColumn<Routes>("routes");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("allow");
        const Routes users{"GET /users/me", "DELETE /users/{id}"};
        QTest::addRow("literal and param")
            << users << QByteArray("/users/me") << QByteArray("GET, HEAD, DELETE, OPTIONS");
        QTest::addRow("param only")
            << users << QByteArray("/users/5") << QByteArray("DELETE, OPTIONS");
        QTest::addRow("no pattern") << users << QByteArray("/nope") << QByteArray();
        QTest::addRow("not a path") << users << QByteArray("*") << QByteArray();
        QTest::addRow("GET and POST") << Routes{"GET /thing", "POST /thing"} << QByteArray("/thing")
                                      << QByteArray("GET, HEAD, POST, OPTIONS");
        QTest::addRow("HEAD before GET")
            << Routes{"HEAD /a", "GET /a"} << QByteArray("/a") << QByteArray("HEAD, GET, OPTIONS");
        QTest::addRow("HEAD after GET")
            << Routes{"GET /a", "HEAD /a"} << QByteArray("/a") << QByteArray("GET, HEAD, OPTIONS");
        QTest::addRow("OPTIONS last")
            << Routes{"OPTIONS /a", "POST /a"} << QByteArray("/a") << QByteArray("POST, OPTIONS");
        QTest::addRow("once each") << Routes{"GET /users/me", "GET /users/{id}"}
                                   << QByteArray("/users/me") << QByteArray("GET, HEAD, OPTIONS");
        QTest::addRow("order of adding across patterns")
            << Routes{"POST /files/{p...}", "GET /files/{name}", "PUT /files/a"}
            << QByteArray("/files/a") << QByteArray("POST, GET, HEAD, PUT, OPTIONS");
        QTest::addRow("deeper path, tail only")
            << Routes{"POST /files/{p...}", "GET /files/{name}", "PUT /files/a"}
            << QByteArray("/files/a/b") << QByteArray("POST, OPTIONS");
        QTest::addRow("tail needs its slash")
            << Routes{"GET /files/{p...}"} << QByteArray("/files") << QByteArray();
        QTest::addRow("decoded literal")
            << Routes{"GET /café"} << QByteArray("/caf%C3%A9") << QByteArray("GET, HEAD, OPTIONS");
        QTest::addRow("malformed escape")
            << Routes{"GET /café"} << QByteArray("/caf%C3%A") << QByteArray();
    }
    void allowedMethods()
    {
        QFETCH(Routes, routes);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, allow);
        RouteTable table;
        QVERIFY(build(&table, routes));
        QCOMPARE(table.allowedMethods(path), allow);
    }

    void addErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("problem");
        const QByteArray get("GET");
        const auto row = [](const QByteArray &method, const QByteArray &pattern,
                            const char *problem) {
            QTest::addRow("%s %s", method.constData(), pattern.constData())
                << method << pattern << QString::fromUtf8(problem);
        };
        row(get, "", "the pattern is empty");
        row(get, "users", "does not start with '/'");
        row(get, "*", "does not start with '/'");
        row(get, "/users/{id", "unbalanced braces");
        row(get, "/users/id}", "unbalanced braces");
        row(get, "/users/{{id}}", "unbalanced braces");
        row(get, "/a/}id{", "unbalanced braces");
        row(get, "/a{b}", "not a whole segment");
        row(get, "/{b}a", "not a whole segment");
        row(get, "/x/pre{b}post", "not a whole segment");
        row(get, "/{x}{y}", "not a whole segment");
        row(get, "/{}", "bad parameter name");
        row(get, "/{...}", "bad parameter name");
        row(get, "/{a-b}", "bad parameter name");
        row(get, "/{a..}", "bad parameter name");
        row(get, "/{a b}", "bad parameter name");
        row(get, "/{caf\xc3\xa9}", "bad parameter name");
        row(get, "/{a\nb}", "bad parameter name");
        row(get, "/{id}/{id}", "parameter \"id\" appears twice");
        row(get, "/{id}/x/{id...}", "parameter \"id\" appears twice");
        row(get, "/{rest...}/x", "{rest...} is not the last segment");
        row(get, "/{rest...}/", "{rest...} is not the last segment");
        row(get, "/{a...}/{b...}", "{a...} is not the last segment");
        row("", "/a", "the method is empty");
        row("GE T", "/a", "the method is not a token");
        row("GET\n", "/a", "the method is not a token");
        row("GET/1", "/a", "the method is not a token");
    }
    void addErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, pattern);
        QFETCH(QString, problem);
        RouteTable table;
        QString error;
        QCOMPARE(table.add(method, pattern, &error), -1);
        QVERIFY2(error.contains(problem), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
        // Names the route, with control bytes escaped.
        const QString printablePattern =
            QString::fromUtf8(pattern).replace(QLatin1Char('\n'), QStringLiteral("\\x0a"));
        QVERIFY2(error.contains(printablePattern), qPrintable(error));
        QVERIFY(table.isEmpty());
        QCOMPARE(table.match(method, "/a").pathMatched, false);
        // A null error pointer is allowed.
        QCOMPARE(table.add(method, pattern, nullptr), -1);
    }

    void duplicates()
    {
        RouteTable table;
        QVERIFY(table.isEmpty());
        QString error;
        QCOMPARE(table.add("GET", "/users/{id}", &error), 0);
        QVERIFY(!table.isEmpty());
        QCOMPARE(table.add("GET", "/users/{id}", &error), -1);
        QCOMPARE(error, QStringLiteral("route \"GET /users/{id}\": already routed"));
        // Another name for the same shape could never be chosen either.
        QCOMPARE(table.add("GET", "/users/{uid}", &error), -1);
        QCOMPARE(error,
                 QStringLiteral("route \"GET /users/{uid}\": already routed as \"/users/{id}\""));
        QCOMPARE(table.add("POST", "/users/{uid}", &error), 1);
        QCOMPARE(table.add("GET", "/users/{id}/", &error), 2);
        QCOMPARE(table.add("GET", "/users/{id...}", &error), 3);
        QCOMPARE(table.add("GET", "/a", &error), 4);
        QCOMPARE(table.add("GET", "/a", &error), -1);
        QCOMPARE(error, QStringLiteral("route \"GET /a\": already routed"));
        QCOMPARE(table.add("get", "/a", &error), 5);
        QCOMPARE(table.add("GET", "/", &error), 6);
        QCOMPARE(table.add("GET", "/", &error), -1);

        // The refused routes left nothing behind.
        QCOMPARE(table.match("GET", "/users/5").route, 0);
        RouteMatch post = table.match("POST", "/users/5");
        QCOMPARE(post.route, 1);
        QCOMPARE(paramList(post, "/users/5"), QByteArrayList{"uid=5"});
        QCOMPARE(table.match("GET", "/users/5/").route, 2);
        QCOMPARE(table.match("GET", "/users/5/6").route, 3);
        QCOMPARE(table.allowedMethods("/a"), QByteArray("GET, HEAD, get, OPTIONS"));
        QCOMPARE(table.allowedMethods("/users/5"), QByteArray("GET, HEAD, POST, OPTIONS"));
    }

    void manyRoutes()
    {
        // Enough segments and parameters to go past the inline storage of the arrays.
        RouteTable table;
        QVERIFY(build(&table, {"GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}", "GET /s/{rest...}"}));
        const QByteArray path("/1/2/3/4/5/6/7");
        const RouteMatch match = table.match("GET", path);
        QCOMPARE(match.route, 0);
        QCOMPARE(paramList(match, path),
                 QByteArrayList({"a=1", "b=2", "c=3", "d=4", "e=5", "f=6", "g=7"}));
        QByteArray deep("/s");
        for (int i = 0; i < 40; ++i)
            deep += "/x";
        const RouteMatch tail = table.match("GET", deep);
        QCOMPARE(tail.route, 1);
        QCOMPARE(tail.params.size(), 1);
        QCOMPARE(tail.params[0].offset, 3);
        QCOMPARE(tail.params[0].length, deep.size() - 3);
    }
};

QTEST_GUILESS_MAIN(tst_RouteTable)
#include "tst_routetable.moc"
