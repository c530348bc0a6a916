#include "core/accesslogformatter.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace baton {

namespace {

// Every escaped byte becomes \xHH (4 bytes), or \\xHH (5) inside a JSON string.
constexpr qsizetype maxEscapedPerByte = 5;
// Everything of a line but the client's own fields and the cached texts: JSON's keys, quotes
// and nulls take about 200 bytes, four numbers of up to 20 digits 80 more.
constexpr qsizetype fixedPartBound = 512;

bool needsEscape(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\';
}

char *put(char *to, QByteArrayView bytes)
{
    if (!bytes.isEmpty()) // a null view's data() is null, which memcpy may not be given
        std::memcpy(to, bytes.data(), size_t(bytes.size()));
    return to + bytes.size();
}

char *putEscaped(char *to, QByteArrayView text, QByteArrayView backslash)
{
    static const char hex[] = "0123456789ABCDEF";
    qsizetype clean = 0; // start of the run of bytes that need nothing
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!needsEscape(text[i]))
            continue;
        to = put(to, text.sliced(clean, i - clean));
        const auto byte = static_cast<unsigned char>(text[i]);
        to = put(to, backslash);
        *to++ = 'x';
        *to++ = hex[byte >> 4];
        *to++ = hex[byte & 0xf];
        clean = i + 1;
    }
    return put(to, text.sliced(clean));
}

char *putNumber(char *to, qint64 value)
{
    return std::to_chars(to, to + 24, value).ptr;
}

// Seconds with microseconds, from integers: no locale, no rounding surprises.
char *putSeconds(char *to, qint64 ns)
{
    ns = qMax<qint64>(0, ns);
    to = putNumber(to, ns / 1'000'000'000);
    *to++ = '.';
    int micros = int(ns % 1'000'000'000 / 1000);
    for (int i = 5; i >= 0; --i, micros /= 10)
        to[i] = char('0' + micros % 10);
    return to + 6;
}

char *putJsonString(char *to, const QByteArray &value)
{
    if (value.isNull())
        return put(to, "null");
    *to++ = '"';
    to = putEscaped(to, value, "\\\\");
    *to++ = '"';
    return to;
}

QByteArrayView protocolName(int versionMinor)
{
    return versionMinor == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

QByteArrayView remoteOf(const RequestRecord &record)
{
    return record.remote.isEmpty() ? QByteArrayView("-") : QByteArrayView(record.remote);
}

// Makes room for up to `bound` more bytes, lets `write` fill them, and keeps what it wrote.
template<typename Write> void appendWith(QByteArray &out, qsizetype bound, Write &&write)
{
    const qsizetype start = out.size();
    out.resize(start + bound); // within the capacity kept from earlier lines: no allocation
    char *const begin = out.data() + start;
    out.truncate(start + (write(begin) - begin));
}

} // namespace

AccessLogFormatter::AccessLogFormatter(AccessLogFormat format, qint64 pid, quint32 generation)
    : m_format(format), m_pid(QByteArray::number(pid)), m_generation(QByteArray::number(generation))
{}

void AccessLogFormatter::appendEscaped(QByteArray &out, QByteArrayView text)
{
    appendWith(out, text.size() * maxEscapedPerByte,
               [&](char *to) { return putEscaped(to, text, "\\"); });
}

void AccessLogFormatter::appendJsonEscaped(QByteArray &out, QByteArrayView text)
{
    appendWith(out, text.size() * maxEscapedPerByte,
               [&](char *to) { return putEscaped(to, text, "\\\\"); });
}

qsizetype AccessLogFormatter::maxLineSize(const RequestRecord &record) const
{
    return fixedPartBound + record.remote.size() + m_combinedTime.size() + m_isoSecond.size() +
           m_isoOffset.size() + m_pid.size() + m_generation.size() +
           maxEscapedPerByte * (record.method.size() + record.target.size() +
                                record.referer.size() + record.userAgent.size());
}

void AccessLogFormatter::append(QByteArray &out, const RequestRecord &record, qint64 unixTimeMs)
{
    refreshTime(unixTimeMs / 1000);
    appendWith(out, maxLineSize(record), [&](char *to) {
        return m_format == AccessLogFormat::Json ? writeJson(to, record, unixTimeMs)
                                                 : writeCombined(to, record);
    });
}

char *AccessLogFormatter::writeCombined(char *to, const RequestRecord &record) const
{
    to = put(to, remoteOf(record));
    to = put(to, " - - ");
    to = put(to, m_combinedTime);
    to = put(to, " \"");
    // The request line as far as it was read; "-" when nothing of it was.
    char *const lineStart = to;
    if (!record.method.isEmpty())
        to = putEscaped(to, record.method, "\\");
    if (!record.target.isEmpty()) {
        if (to != lineStart)
            *to++ = ' ';
        to = putEscaped(to, record.target, "\\");
    }
    if (record.versionMinor >= 0) {
        if (to != lineStart)
            *to++ = ' ';
        to = put(to, protocolName(record.versionMinor));
    }
    if (to == lineStart)
        *to++ = '-';
    to = put(to, "\" ");
    to = putNumber(to, record.status);
    *to++ = ' ';
    to = putNumber(to, record.bodyBytes);
    to = put(to, " \"");
    to = record.referer.isNull() ? put(to, "-") : putEscaped(to, record.referer, "\\");
    to = put(to, "\" \"");
    to = record.userAgent.isNull() ? put(to, "-") : putEscaped(to, record.userAgent, "\\");
    return put(to, "\"\n");
}

char *AccessLogFormatter::writeJson(char *to, const RequestRecord &record, qint64 unixTimeMs) const
{
    const int ms = int(unixTimeMs % 1000);
    to = put(to, "{\"time\":\"");
    to = put(to, m_isoSecond);
    *to++ = '.';
    *to++ = char('0' + ms / 100);
    *to++ = char('0' + ms / 10 % 10);
    *to++ = char('0' + ms % 10);
    to = put(to, m_isoOffset);
    to = put(to, "\",\"remote\":\"");
    to = put(to, remoteOf(record));
    to = put(to, "\",\"method\":");
    to = putJsonString(to, record.method.isEmpty() ? QByteArray() : record.method);
    to = put(to, ",\"target\":");
    to = putJsonString(to, record.target.isEmpty() && record.method.isEmpty() ? QByteArray()
                                                                              : record.target);
    to = put(to, ",\"protocol\":");
    if (record.versionMinor >= 0) {
        *to++ = '"';
        to = put(to, protocolName(record.versionMinor));
        *to++ = '"';
    } else {
        to = put(to, "null");
    }
    to = put(to, ",\"status\":");
    to = putNumber(to, record.status);
    to = put(to, ",\"bytes_sent\":");
    to = putNumber(to, record.bodyBytes);
    to = put(to, ",\"request_bytes\":");
    to = putNumber(to, record.requestBytes);
    to = put(to, ",\"duration_seconds\":");
    to = putSeconds(to, record.durationNs);
    to = put(to, ",\"referer\":");
    to = putJsonString(to, record.referer);
    to = put(to, ",\"user_agent\":");
    to = putJsonString(to, record.userAgent);
    to = put(to, ",\"generation\":");
    to = put(to, m_generation);
    to = put(to, ",\"pid\":");
    to = put(to, m_pid);
    return put(to, "}\n");
}

void AccessLogFormatter::refreshTime(qint64 second)
{
    if (second == m_second)
        return;
    m_second = second;
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const time_t t = time_t(second);
    tm local{};
    ::localtime_r(&t, &local);
    const long offsetMinutes = local.tm_gmtoff / 60;
    const char sign = offsetMinutes < 0 ? '-' : '+';
    const long absolute = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    char text[64];
    // Month names from a table: strftime's %b follows the locale, the log format does not.
    int n =
        std::snprintf(text, sizeof text, "[%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld]",
                      local.tm_mday, months[local.tm_mon % 12], local.tm_year + 1900, local.tm_hour,
                      local.tm_min, local.tm_sec, sign, absolute / 60, absolute % 60);
    m_combinedTime = QByteArray(text, n);
    n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", local.tm_year + 1900,
                      local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
    m_isoSecond = QByteArray(text, n);
    n = std::snprintf(text, sizeof text, "%c%02ld:%02ld", sign, absolute / 60, absolute % 60);
    m_isoOffset = QByteArray(text, n);
}

} // namespace baton
