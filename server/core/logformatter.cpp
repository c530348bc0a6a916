#include "core/logformatter.h"

#include "core/logevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace baton {

namespace {

// Keys of every JSON line; an event field of the same name is left out rather than allowed to
// make a line with two "time"s or to pass for the record's own field.
constexpr const char *reservedKeys[] = {"time", "level",      "category", "message",
                                        "pid",  "generation", "event"};

bool isReserved(const char *key)
{
    for (const char *reserved : reservedKeys) {
        if (std::strcmp(key, reserved) == 0)
            return true;
    }
    return false;
}

void appendHex4(QByteArray &out, char16_t unit)
{
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", unsigned(unit));
    out += buffer;
}

// A message in the text format: one line, and nothing a terminal would act on (a client's bytes
// can end up in a message), but otherwise as written.
QByteArray textMessage(const QString &message)
{
    QString clean;
    clean.reserve(message.size());
    for (const QChar c : message) {
        const char16_t u = c.unicode();
        if (u == u'\n') {
            clean += QLatin1String("\\n");
        } else if (u == u'\r') {
            clean += QLatin1String("\\r");
        } else if ((u < 0x20 && u != u'\t') || u == 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", unsigned(u));
            clean += QLatin1String(buffer);
        } else {
            clean += c;
        }
    }
    return clean.toUtf8();
}

QByteArray jsonValue(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (!std::isfinite(d))
            return QByteArrayLiteral("null");
        // Counts and durations are whole numbers: written as such, never as 1.2e+06.
        if (std::abs(d) < 9007199254740992.0 && d == std::floor(d))
            return QByteArray::number(value.toInteger());
        return QByteArray::number(d, 'g', 17);
    }
    case QJsonValue::String:
        return LogFormatter::jsonString(value.toString());
    case QJsonValue::Array:
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    case QJsonValue::Object:
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return QByteArrayLiteral("null");
}

} // namespace

std::optional<LogFormatter::Format> LogFormatter::parseFormat(const QString &name)
{
    if (name == u"text")
        return Format::Text;
    if (name == u"json")
        return Format::Json;
    return std::nullopt;
}

int LogFormatter::syslogPriority(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 7; // SD_DEBUG
    case QtInfoMsg:
        return 6; // SD_INFO
    case QtWarningMsg:
        return 4; // SD_WARNING
    case QtCriticalMsg:
        return 3; // SD_ERR
    case QtFatalMsg:
        return 2; // SD_CRIT
    }
    return 6;
}

const char *LogFormatter::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

QByteArray LogFormatter::timestamp(qint64 msSinceEpoch, int utcOffsetSeconds)
{
    // The local wall-clock time is UTC shifted by the offset; gmtime_r then needs no time zone.
    const qint64 localMs = msSinceEpoch + qint64(utcOffsetSeconds) * 1000;
    qint64 seconds = localMs / 1000;
    qint64 ms = localMs % 1000;
    if (ms < 0) {
        ms += 1000;
        --seconds;
    }
    const time_t t = time_t(seconds);
    struct tm parts
    {
    };
    gmtime_r(&t, &parts);
    const int offset = utcOffsetSeconds < 0 ? -utcOffsetSeconds : utcOffsetSeconds;
    char buffer[96]; // roomy enough for any int the compiler imagines in the fields
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d",
                  parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                  parts.tm_min, parts.tm_sec, int(ms), utcOffsetSeconds < 0 ? '-' : '+',
                  offset / 3600, offset / 60 % 60);
    return QByteArray(buffer);
}

QByteArray LogFormatter::jsonString(QStringView text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    out += '"';
    qsizetype plainFrom = 0;
    const auto flushPlain = [&](qsizetype upTo) {
        if (upTo > plainFrom)
            out += text.mid(plainFrom, upTo - plainFrom).toUtf8();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t u = text[i].unicode();
        const char *escape = nullptr;
        switch (u) {
        case u'"':
            escape = "\\\"";
            break;
        case u'\\':
            escape = "\\\\";
            break;
        case u'\n':
            escape = "\\n";
            break;
        case u'\r':
            escape = "\\r";
            break;
        case u'\t':
            escape = "\\t";
            break;
        default:
            break;
        }
        // Control characters must be escaped (RFC 8259); DEL and lone surrogates too, so that
        // the line stays plain printable UTF-8 whatever a message held.
        const bool loneSurrogate =
            QChar::isSurrogate(u) &&
            !(QChar::isHighSurrogate(u) && i + 1 < text.size() && text[i + 1].isLowSurrogate()) &&
            !(QChar::isLowSurrogate(u) && i > 0 && text[i - 1].isHighSurrogate());
        if (!escape && u >= 0x20 && u != 0x7f && !loneSurrogate)
            continue;
        flushPlain(i);
        plainFrom = i + 1;
        if (escape)
            out += escape;
        else if (loneSurrogate)
            appendHex4(out, 0xfffd);
        else
            appendHex4(out, u);
    }
    flushPlain(text.size());
    out += '"';
    return out;
}

QByteArray LogFormatter::format(const LogRecord &record) const
{
    QByteArray line;
    if (m_journal)
        line += '<' + QByteArray::number(syslogPriority(record.type)) + '>';
    line += m_format == Format::Json ? json(record) : text(record);
    line += '\n';
    return line;
}

QByteArray LogFormatter::text(const LogRecord &record) const
{
    QByteArray line;
    // The journal stamps every line as it arrives (journalctl shows it), so a second time would
    // only crowd the line. The pid stays: journald takes _PID from the process that opened the
    // stream, and after a restart the process writing is a successor that inherited it.
    if (!m_journal)
        line += timestamp(record.msSinceEpoch, record.utcOffsetSeconds) + ' ';
    line += m_program + '[' + QByteArray::number(record.pid) + "] ";
    if (record.type != QtInfoMsg)
        line += QByteArray(levelName(record.type)) + ": ";
    line += textMessage(record.message);
    return line;
}

QByteArray LogFormatter::json(const LogRecord &record) const
{
    QByteArray line;
    line.reserve(160 + record.message.size());
    line += "{\"time\":\"" + timestamp(record.msSinceEpoch, record.utcOffsetSeconds) +
            "\",\"level\":\"" + levelName(record.type) + "\",\"category\":" +
            jsonString(QString::fromLatin1(record.category ? record.category : "default")) +
            ",\"message\":" + jsonString(record.message) +
            ",\"pid\":" + QByteArray::number(record.pid) +
            ",\"generation\":" + QByteArray::number(record.generation);
    if (record.event && record.event->name) {
        line += ",\"event\":" + jsonString(QString::fromLatin1(record.event->name));
        for (const LogField &field : record.event->fields) {
            // Undefined: a field this occurrence of the event does not have (no --root, ...).
            if (!field.key || isReserved(field.key) || field.value.isUndefined())
                continue;
            line += ',' + jsonString(QString::fromLatin1(field.key)) + ':' + jsonValue(field.value);
        }
    }
    line += '}';
    return line;
}

} // namespace baton
