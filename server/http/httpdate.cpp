#include "http/httpdate.h"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace baton {

namespace {
const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
} // namespace

QByteArray httpDate(qint64 secondsSinceEpoch)
{
    const time_t t = time_t(secondsSinceEpoch);
    tm parts{};
    ::gmtime_r(&t, &parts);
    char text[32];
    const int length =
        std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                      weekdays[parts.tm_wday], parts.tm_mday, months[parts.tm_mon],
                      parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec);
    return QByteArray(text, length);
}

std::optional<qint64> parseHttpDate(QByteArrayView text)
{
    // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 characters.
    if (text.size() != 29 || text[3] != ',' || !text.endsWith(" GMT"))
        return std::nullopt;
    char month[4] = {};
    tm parts{};
    const QByteArray copy = text.toByteArray();
    if (std::sscanf(copy.constData() + 5, "%2d %3s %4d %2d:%2d:%2d", &parts.tm_mday, month,
                    &parts.tm_year, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6)
        return std::nullopt;
    parts.tm_mon = -1;
    for (int i = 0; i < 12; ++i) {
        if (std::strcmp(month, months[i]) == 0)
            parts.tm_mon = i;
    }
    if (parts.tm_mon < 0 || parts.tm_mday < 1 || parts.tm_mday > 31 || parts.tm_hour > 23 ||
        parts.tm_min > 59 || parts.tm_sec > 60)
        return std::nullopt;
    parts.tm_year -= 1900;
    return qint64(::timegm(&parts));
}

} // namespace baton
