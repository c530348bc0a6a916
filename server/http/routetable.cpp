#include "http/routetable.h"

#include "http/percentencoding.h"
#include "http/requestsyntax.h"

#include <algorithm>

namespace baton {

namespace {

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Each '{' closed before the next opens: "{x}{y}" is balanced (if not a whole segment), "{{x}}"
// and "{x" are not.
bool bracesBalanced(QByteArrayView segment)
{
    bool open = false;
    for (const char c : segment) {
        if (c == '{' || c == '}') {
            if (open == (c == '{'))
                return false;
            open = !open;
        }
    }
    return !open;
}

// Control bytes escaped, so that an error about any pattern stays on one line.
QString printable(QByteArrayView bytes)
{
    QByteArray out;
    for (const char c : bytes) {
        const auto byte = uchar(c);
        if (byte < 0x20 || byte == 0x7f)
            out += "\\x" + QByteArray::number(byte, 16).rightJustified(2, '0');
        else
            out += c;
    }
    return QString::fromUtf8(out);
}

// A raw request segment against a literal spelled decoded; a malformed escape matches nothing.
bool literalEquals(QByteArrayView raw, const QByteArray &literal)
{
    if (!raw.contains('%'))
        return raw == QByteArrayView(literal);
    const std::optional<QByteArray> decoded = percent::decode(raw);
    return decoded && *decoded == literal;
}

} // namespace

int RouteTable::add(const QByteArray &method, QByteArrayView pattern, QString *error)
{
    const auto fail = [&](const QString &problem) {
        if (error)
            *error = QStringLiteral("route \"%1 %2\": %3")
                         .arg(printable(method), printable(pattern), problem);
        return -1;
    };
    if (method.isEmpty())
        return fail(QStringLiteral("the method is empty"));
    if (!isToken(method))
        return fail(QStringLiteral("the method is not a token"));
    if (pattern.isEmpty())
        return fail(QStringLiteral("the pattern is empty"));
    if (pattern.front() != '/')
        return fail(QStringLiteral("the pattern does not start with '/'"));

    Pattern parsed;
    parsed.text = pattern.toByteArray();
    // The pattern without its parameter names: two routes of one method and one shape would
    // always match together, and the second could never be chosen.
    QByteArray shape = method + ' ';
    qsizetype start = 1;
    for (;;) {
        qsizetype end = pattern.indexOf('/', start);
        if (end < 0)
            end = pattern.size();
        const QByteArrayView segment = pattern.sliced(start, end - start);
        if (!parsed.segments.isEmpty() && parsed.segments.constLast().kind == SegmentKind::Tail) {
            return fail(QStringLiteral("{%1...} is not the last segment")
                            .arg(QString::fromLatin1(parsed.segments.constLast().text)));
        }
        shape += '/';
        const qsizetype open = segment.indexOf('{');
        const qsizetype close = segment.indexOf('}');
        if (open < 0 && close < 0) {
            parsed.segments.append({SegmentKind::Literal, segment.toByteArray()});
            shape += segment;
        } else {
            if (!bracesBalanced(segment)) {
                return fail(
                    QStringLiteral("unbalanced braces in segment \"%1\"").arg(printable(segment)));
            }
            if (open != 0 || close != segment.size() - 1 || segment.count('{') != 1) {
                return fail(QStringLiteral("the parameter in \"%1\" is not a whole segment")
                                .arg(printable(segment)));
            }
            QByteArrayView name = segment.sliced(1, segment.size() - 2);
            SegmentKind kind = SegmentKind::Param;
            if (name.endsWith("...")) {
                kind = SegmentKind::Tail;
                name.chop(3);
            }
            if (name.isEmpty() || !std::all_of(name.begin(), name.end(), isNameChar)) {
                return fail(QStringLiteral("bad parameter name \"%1\" (letters, digits and _ only)")
                                .arg(printable(name)));
            }
            for (const Segment &earlier : std::as_const(parsed.segments)) {
                if (earlier.kind != SegmentKind::Literal && QByteArrayView(earlier.text) == name) {
                    return fail(QStringLiteral("parameter \"%1\" appears twice")
                                    .arg(QString::fromLatin1(name)));
                }
            }
            parsed.segments.append({kind, name.toByteArray()});
            shape += kind == SegmentKind::Tail ? "{...}" : "{}";
        }
        if (end == pattern.size())
            break;
        start = end + 1;
    }

    if (const auto it = m_routeKeys.constFind(shape); it != m_routeKeys.constEnd()) {
        const QByteArray &earlier = m_patterns.at(m_routes.at(*it).pattern).text;
        return fail(earlier == parsed.text
                        ? QStringLiteral("already routed")
                        : QStringLiteral("already routed as \"%1\"").arg(printable(earlier)));
    }

    const bool literalOnly =
        std::all_of(parsed.segments.cbegin(), parsed.segments.cend(),
                    [](const Segment &segment) { return segment.kind == SegmentKind::Literal; });
    QHash<QByteArray, int> &byText = literalOnly ? m_literalPatterns : m_paramPatterns;
    int patternIndex = byText.value(parsed.text, -1);
    if (patternIndex < 0) {
        patternIndex = int(m_patterns.size());
        byText.insert(parsed.text, patternIndex);
        m_patterns.append(std::move(parsed));
        if (!literalOnly) {
            // After the patterns as specific as this one: ties go to the first added.
            const auto at = std::upper_bound(
                m_scanOrder.begin(), m_scanOrder.end(), patternIndex,
                [this](int a, int b) { return moreSpecific(m_patterns.at(a), m_patterns.at(b)); });
            m_scanOrder.insert(at, patternIndex);
        }
    }

    const int routeIndex = int(m_routes.size());
    m_routes.append({method, patternIndex});
    m_patterns[patternIndex].routes.append(routeIndex);
    m_routeKeys.insert(shape, routeIndex);
    return routeIndex;
}

RouteMatch RouteTable::match(QByteArrayView method, QByteArrayView rawPath) const
{
    RouteMatch result;
    if (rawPath.isEmpty() || rawPath.front() != '/')
        return result;

    // HEAD takes the most specific GET route, but only once no matching pattern has a HEAD route.
    const bool isHead = method == QByteArrayView("HEAD");
    int getRoute = -1;
    const auto take = [&](int patternIndex) {
        result.pathMatched = true;
        for (const int routeIndex : m_patterns.at(patternIndex).routes) {
            const QByteArrayView routeMethod(m_routes.at(routeIndex).method);
            if (routeMethod == method) {
                result.route = routeIndex;
                return true;
            }
            if (isHead && getRoute < 0 && routeMethod == QByteArrayView("GET"))
                getRoute = routeIndex;
        }
        return false;
    };

    // A literal-only pattern is more specific than any pattern with parameters matching the same
    // path, so the hash comes first, and most requests end there.
    const int literal = literalPattern(rawPath);
    if (literal >= 0 && take(literal))
        return result;
    if (m_scanOrder.isEmpty()) {
        result.route = getRoute;
        return result;
    }

    Spans spans;
    split(rawPath, &spans);
    for (const int patternIndex : m_scanOrder) {
        const Pattern &pattern = m_patterns.at(patternIndex);
        if (matches(pattern, rawPath, spans) && take(patternIndex)) {
            collectParams(pattern, rawPath, spans, &result.params);
            return result;
        }
    }
    if (getRoute >= 0) {
        result.route = getRoute;
        collectParams(m_patterns.at(m_routes.at(getRoute).pattern), rawPath, spans, &result.params);
    }
    return result;
}

QByteArray RouteTable::allowedMethods(QByteArrayView rawPath) const
{
    if (rawPath.isEmpty() || rawPath.front() != '/')
        return {};
    QList<bool> matched(m_patterns.size(), false);
    bool any = false;
    if (const int literal = literalPattern(rawPath); literal >= 0)
        matched[literal] = any = true;
    if (!m_scanOrder.isEmpty()) {
        Spans spans;
        split(rawPath, &spans);
        for (const int patternIndex : m_scanOrder) {
            if (matches(m_patterns.at(patternIndex), rawPath, spans))
                matched[patternIndex] = any = true;
        }
    }
    if (!any)
        return {};

    QByteArrayList methods;
    for (const Route &route : m_routes) {
        if (!matched.at(route.pattern) || route.method == "OPTIONS")
            continue;
        if (!methods.contains(route.method))
            methods.append(route.method);
        if (route.method == "GET" && !methods.contains("HEAD"))
            methods.append(QByteArrayLiteral("HEAD"));
    }
    methods.append(QByteArrayLiteral("OPTIONS"));
    return methods.join(", ");
}

bool RouteTable::moreSpecific(const Pattern &a, const Pattern &b)
{
    // SegmentKind is declared from most to least specific.
    const qsizetype common = std::min(a.segments.size(), b.segments.size());
    for (qsizetype i = 0; i < common; ++i) {
        const SegmentKind kindA = a.segments.at(i).kind;
        const SegmentKind kindB = b.segments.at(i).kind;
        if (kindA != kindB)
            return kindA < kindB;
    }
    // Patterns that can match one path never get here with different lengths; ordering the
    // longer first just keeps the order total.
    return a.segments.size() > b.segments.size();
}

void RouteTable::split(QByteArrayView rawPath, Spans *spans)
{
    qsizetype start = 1;
    for (;;) {
        const qsizetype end = rawPath.indexOf('/', start);
        if (end < 0) {
            spans->append({start, rawPath.size() - start});
            return;
        }
        spans->append({start, end - start});
        start = end + 1;
    }
}

bool RouteTable::matches(const Pattern &pattern, QByteArrayView rawPath, const Spans &spans)
{
    const qsizetype count = pattern.segments.size();
    // A tail matches zero or more segments, but the slash before it must be there.
    const bool tail = pattern.segments.constLast().kind == SegmentKind::Tail;
    if (tail ? spans.size() < count : spans.size() != count)
        return false;
    for (qsizetype i = 0; i < count; ++i) {
        const Segment &segment = pattern.segments.at(i);
        const QByteArrayView value = rawPath.sliced(spans[i].offset, spans[i].length);
        switch (segment.kind) {
        case SegmentKind::Literal:
            if (!literalEquals(value, segment.text))
                return false;
            break;
        case SegmentKind::Param:
            if (value.isEmpty())
                return false;
            break;
        case SegmentKind::Tail:
            break;
        }
    }
    return true;
}

void RouteTable::collectParams(const Pattern &pattern, QByteArrayView rawPath, const Spans &spans,
                               QVarLengthArray<RouteParam, 4> *params)
{
    for (qsizetype i = 0; i < pattern.segments.size(); ++i) {
        const Segment &segment = pattern.segments.at(i);
        if (segment.kind == SegmentKind::Param)
            params->append({segment.text, spans[i].offset, spans[i].length});
        else if (segment.kind == SegmentKind::Tail)
            params->append({segment.text, spans[i].offset, rawPath.size() - spans[i].offset});
    }
}

int RouteTable::literalPattern(QByteArrayView rawPath) const
{
    if (m_literalPatterns.isEmpty())
        return -1;
    if (!rawPath.contains('%')) {
        // Wraps the bytes without copying them.
        return m_literalPatterns.value(QByteArray::fromRawData(rawPath.data(), rawPath.size()), -1);
    }
    // An encoded slash is data inside a segment, and no literal segment holds a slash.
    if (rawPath.contains("%2F") || rawPath.contains("%2f"))
        return -1;
    const std::optional<QByteArray> decoded = percent::decode(rawPath);
    return decoded ? m_literalPatterns.value(*decoded, -1) : -1;
}

} // namespace baton
