#pragma once

#include "core/requestrecord.h"

#include <QByteArray>
#include <QByteArrayView>

namespace baton {

enum class AccessLogFormat {
    Combined, // Apache's and nginx's "combined"
    Json,     // one JSON object per line
};

// Turns request records into access log lines. One per I/O thread: it keeps the current
// second's time text, so most lines cost no time conversion at all.
class AccessLogFormatter
{
public:
    AccessLogFormatter(AccessLogFormat format, qint64 pid, quint32 generation);

    // Appends one line, '\n' included. unixTimeMs: when the response was complete (wall clock).
    void append(QByteArray &out, const RequestRecord &record, qint64 unixTimeMs);

    // nginx's log escaping: '"', '\', control bytes and bytes >= 0x7f become \xHH, so a client
    // can neither end a field nor start a line of its own.
    static void appendEscaped(QByteArray &out, QByteArrayView text);
    // The same text as a JSON string's contents: the backslashes of the escapes doubled. Every
    // value stays ASCII, hence valid UTF-8, whatever bytes the client sent.
    static void appendJsonEscaped(QByteArray &out, QByteArrayView text);

private:
    // Write into room reserved beforehand (at most maxLineSize() bytes) and return the end:
    // a line costs no allocation and no per-field bookkeeping of QByteArray's.
    char *writeCombined(char *to, const RequestRecord &record) const;
    char *writeJson(char *to, const RequestRecord &record, qint64 unixTimeMs) const;
    qsizetype maxLineSize(const RequestRecord &record) const;
    void refreshTime(qint64 second);

    AccessLogFormat m_format;
    QByteArray m_pid;
    QByteArray m_generation;
    qint64 m_second = -1;
    QByteArray m_combinedTime; // [25/Nov/2026:10:00:00 +0000], local time as nginx writes it
    QByteArray m_isoSecond;    // 2026-11-25T10:00:00
    QByteArray m_isoOffset;    // +00:00
};

} // namespace baton
