#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QString>
#include <QVarLengthArray>

namespace baton {

struct RouteParam
{
    QByteArray name;      // as written in the pattern, e.g. "id"
    qsizetype offset = 0; // the value's position in the raw (still percent-encoded) request path
    qsizetype length = 0;
};

struct RouteMatch
{
    int route = -1;           // index returned by add() of the route chosen, -1 when none
    bool pathMatched = false; // some pattern matched the path (so: 405 when route == -1)
    QVarLengthArray<RouteParam, 4> params; // the chosen route's parameters, in pattern order
};

// Which route takes a method and a raw request path: literal segments ("/users/me"), one-segment
// parameters ("/users/{id}") and a trailing wildcard ("/files/{path...}", like Go 1.22's
// ServeMux). Among patterns matching a path the most specific wins (literal, then parameter,
// then wildcard, segment by segment), ties going to the first added. Literal segments are
// compared with the percent-decoded request segment, so patterns spell them decoded ("/café");
// parameter values are handed back raw, because a decoded "%2F" could no longer be told from a
// segment separator. Build it before serving; it is read-only (and thread-safe) afterwards.
class RouteTable
{
public:
    // Adds a route; returns its index (0, 1, 2... in order of adding), or -1 with *error set.
    // A method already routed on the same pattern, parameter names aside, is refused: the
    // second route could never be chosen.
    int add(const QByteArray &method, QByteArrayView pattern, QString *error);
    RouteMatch match(QByteArrayView method, QByteArrayView rawPath) const;
    // "GET, HEAD, POST, OPTIONS": methods of every route whose pattern matches rawPath, in order
    // of adding, HEAD after GET when a GET route exists, OPTIONS always last; empty when no
    // pattern matches.
    QByteArray allowedMethods(QByteArrayView rawPath) const;
    bool isEmpty() const { return m_routes.isEmpty(); }

private:
    enum class SegmentKind : quint8 { Literal, Param, Tail };
    struct Segment
    {
        SegmentKind kind;
        QByteArray text; // the literal, or the parameter's name
    };
    struct Pattern
    {
        QByteArray text;
        QList<Segment> segments;        // never empty: "/" is one empty literal
        QVarLengthArray<int, 4> routes; // in order of adding
    };
    struct Route
    {
        QByteArray method;
        int pattern;
    };
    // Where each segment of a raw path lies; the leading '/' belongs to none.
    struct Span
    {
        qsizetype offset;
        qsizetype length;
    };
    using Spans = QVarLengthArray<Span, 16>;

    static bool moreSpecific(const Pattern &a, const Pattern &b);
    static void split(QByteArrayView rawPath, Spans *spans);
    static bool matches(const Pattern &pattern, QByteArrayView rawPath, const Spans &spans);
    static void collectParams(const Pattern &pattern, QByteArrayView rawPath, const Spans &spans,
                              QVarLengthArray<RouteParam, 4> *params);
    int literalPattern(QByteArrayView rawPath) const;

    QList<Route> m_routes;
    QList<Pattern> m_patterns;
    // Exact pattern text to its index in m_patterns: the literal-only ones are looked up by the
    // decoded request path, the others only when adding.
    QHash<QByteArray, int> m_literalPatterns;
    QHash<QByteArray, int> m_paramPatterns;
    QList<int> m_scanOrder; // patterns with parameters, most specific first
    // "METHOD shape" (the pattern with its names left out) to the route, to refuse a route that
    // could never be chosen.
    QHash<QByteArray, int> m_routeKeys;
};

} // namespace baton
