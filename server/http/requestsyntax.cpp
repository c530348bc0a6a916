#include "http/requestsyntax.h"

#include <cctype>
#include <cstring>

namespace baton {

int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QByteArray trimmedOws(const QByteArray &value)
{
    qsizetype begin = 0;
    qsizetype end = value.size();
    while (begin < end && (value[begin] == ' ' || value[begin] == '\t'))
        ++begin;
    while (end > begin && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        --end;
    return begin == 0 && end == value.size() ? value : value.sliced(begin, end - begin);
}

// Splits a request-target into path and query; absolute-form (RFC 9112 3.2.2) keeps only its
// path so that routing never depends on the form the client chose.
void splitTarget(HttpRequest &request)
{
    QByteArrayView target(request.target);
    if (!target.startsWith('/') && target != "*") {
        const qsizetype scheme = target.indexOf("://");
        if (scheme > 0) {
            const qsizetype pathStart = target.indexOf('/', scheme + 3);
            const qsizetype queryStart = target.indexOf('?', scheme + 3);
            if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
                request.path = QByteArrayLiteral("/");
                request.query =
                    queryStart < 0 ? QByteArray() : target.sliced(queryStart + 1).toByteArray();
                return;
            }
            target = target.sliced(pathStart);
        }
    }
    const qsizetype question = target.indexOf('?');
    request.path = (question < 0 ? target : target.first(question)).toByteArray();
    request.query = question < 0 ? QByteArray() : target.sliced(question + 1).toByteArray();
}

// uri-host [ ":" port ] (RFC 9112 3.2, RFC 3986 3.2.2): an IP literal in brackets, or a reg-name
// of unreserved, percent-encoded and sub-delim characters; the port is digits.
const char *hostProblem(QByteArrayView host)
{
    qsizetype portColon = -1;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 2)
            return "invalid IP literal in Host";
        for (qsizetype i = 1; i < close; ++i) {
            const char c = host[i];
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.' && c != 'v' &&
                c != 'V')
                return "invalid IP literal in Host";
        }
        if (close + 1 < host.size() && host[close + 1] != ':')
            return "invalid character after the IP literal in Host";
        portColon = close + 1 < host.size() ? close + 1 : -1;
    } else {
        portColon = host.indexOf(':');
        const qsizetype end = portColon < 0 ? host.size() : portColon;
        if (end == 0)
            return "empty host in Host";
        for (qsizetype i = 0; i < end; ++i) {
            const char c = host[i];
            const bool unreserved = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                    c == '.' || c == '_' || c == '~';
            if (!unreserved && c != '%' && !std::strchr("!$&'()*+,;=", c))
                return "invalid character in Host";
        }
    }
    if (portColon >= 0) {
        for (qsizetype i = portColon + 1; i < host.size(); ++i) {
            if (host[i] < '0' || host[i] > '9')
                return "invalid port in Host";
        }
    }
    return nullptr;
}

} // namespace baton
