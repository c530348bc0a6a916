#include "core/accesslogformatter.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace baton {

namespace {

bool needsEscape(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\';
}

void appendEscapedWith(QByteArray &out, QByteArrayView text, QByteArrayView backslash)
{
    static const char hex[] = "0123456789ABCDEF";
    qsizetype clean = 0; // start of the run of bytes that need nothing
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!needsEscape(text[i]))
            continue;
        out.append(text.data() + clean, i - clean);
        const auto byte = static_cast<unsigned char>(text[i]);
        const char escape[] = {'x', hex[byte >> 4], hex[byte & 0xf]};
        out.append(backslash);
        out.append(escape, 3);
        clean = i + 1;
    }
    out.append(text.data() + clean, text.size() - clean);
}

// Without the temporary QByteArray::number() would allocate for every field of every line.
void appendNumber(QByteArray &out, qint64 value)
{
    char text[24];
    const auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, result.ptr - text);
}

// Seconds with microseconds, from integers: no locale, no rounding surprises.
void appendSeconds(QByteArray &out, qint64 ns)
{
    ns = qMax<qint64>(0, ns);
    appendNumber(out, ns / 1'000'000'000);
    const qint64 micros = ns % 1'000'000'000 / 1000;
    char fraction[7] = {'.'};
    for (int i = 6, rest = int(micros); i >= 1; --i, rest /= 10)
        fraction[i] = char('0' + rest % 10);
    out.append(fraction, sizeof fraction);
}

void appendJsonString(QByteArray &out, const QByteArray &value)
{
    if (value.isNull()) {
        out.append("null");
        return;
    }
    out.append('"');
    AccessLogFormatter::appendJsonEscaped(out, value);
    out.append('"');
}

QByteArray protocolName(int versionMinor)
{
    return versionMinor == 0 ? QByteArrayLiteral("HTTP/1.0") : QByteArrayLiteral("HTTP/1.1");
}

} // namespace

AccessLogFormatter::AccessLogFormatter(AccessLogFormat format, qint64 pid, quint32 generation)
    : m_format(format), m_pid(QByteArray::number(pid)), m_generation(QByteArray::number(generation))
{}

void AccessLogFormatter::appendEscaped(QByteArray &out, QByteArrayView text)
{
    appendEscapedWith(out, text, "\\");
}

void AccessLogFormatter::appendJsonEscaped(QByteArray &out, QByteArrayView text)
{
    appendEscapedWith(out, text, "\\\\");
}

void AccessLogFormatter::append(QByteArray &out, const RequestRecord &record, qint64 unixTimeMs)
{
    refreshTime(unixTimeMs / 1000);
    if (m_format == AccessLogFormat::Json)
        appendJson(out, record, unixTimeMs);
    else
        appendCombined(out, record);
}

void AccessLogFormatter::appendCombined(QByteArray &out, const RequestRecord &record)
{
    out.append(record.remote.isEmpty() ? QByteArrayLiteral("-") : record.remote);
    out.append(" - - ");
    out.append(m_combinedTime);
    out.append(" \"");
    // The request line as far as it was read; "-" when nothing of it was.
    bool any = false;
    if (!record.method.isEmpty()) {
        appendEscaped(out, record.method);
        any = true;
    }
    if (!record.target.isEmpty()) {
        if (any)
            out.append(' ');
        appendEscaped(out, record.target);
        any = true;
    }
    if (record.versionMinor >= 0) {
        if (any)
            out.append(' ');
        out.append(protocolName(record.versionMinor));
        any = true;
    }
    if (!any)
        out.append('-');
    out.append("\" ");
    appendNumber(out, record.status);
    out.append(' ');
    appendNumber(out, record.bodyBytes);
    out.append(" \"");
    if (record.referer.isNull())
        out.append('-');
    else
        appendEscaped(out, record.referer);
    out.append("\" \"");
    if (record.userAgent.isNull())
        out.append('-');
    else
        appendEscaped(out, record.userAgent);
    out.append("\"\n");
}

void AccessLogFormatter::appendJson(QByteArray &out, const RequestRecord &record, qint64 unixTimeMs)
{
    const int ms = int(unixTimeMs % 1000);
    const char millis[] = {'.', char('0' + ms / 100), char('0' + ms / 10 % 10),
                           char('0' + ms % 10)};
    out.append("{\"time\":\"");
    out.append(m_isoSecond);
    out.append(millis, sizeof millis);
    out.append(m_isoOffset);
    out.append("\",\"remote\":\"");
    out.append(record.remote.isEmpty() ? QByteArrayLiteral("-") : record.remote);
    out.append("\",\"method\":");
    appendJsonString(out, record.method.isEmpty() ? QByteArray() : record.method);
    out.append(",\"target\":");
    appendJsonString(out, record.target.isEmpty() && record.method.isEmpty() ? QByteArray()
                                                                             : record.target);
    out.append(",\"protocol\":");
    appendJsonString(out,
                     record.versionMinor >= 0 ? protocolName(record.versionMinor) : QByteArray());
    out.append(",\"status\":");
    appendNumber(out, record.status);
    out.append(",\"bytes_sent\":");
    appendNumber(out, record.bodyBytes);
    out.append(",\"request_bytes\":");
    appendNumber(out, record.requestBytes);
    out.append(",\"duration_seconds\":");
    appendSeconds(out, record.durationNs);
    out.append(",\"referer\":");
    appendJsonString(out, record.referer);
    out.append(",\"user_agent\":");
    appendJsonString(out, record.userAgent);
    out.append(",\"generation\":");
    out.append(m_generation);
    out.append(",\"pid\":");
    out.append(m_pid);
    out.append("}\n");
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
