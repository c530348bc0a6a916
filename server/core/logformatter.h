#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace baton {

struct LogEvent;

// One message as the formatter sees it; plain values, so tests can build any record.
struct LogRecord
{
    qint64 msSinceEpoch = 0;
    int utcOffsetSeconds = 0; // of the local time zone at that moment
    QtMsgType type = QtInfoMsg;
    const char *category = nullptr;
    QString message;
    qint64 pid = 0;
    quint32 generation = 1;
    const LogEvent *event = nullptr;
};

// Turns a record into one line of stderr, ending in '\n' and containing no other newline (a
// multi-line message is folded: one record, one line, so nothing reading lines can split it).
//   text: 2026-12-02T11:48:28.123+01:00 baton[1234] warning: message
//   json: {"time":"...","level":"warning","category":"baton.lifecycle","message":"...",
//          "pid":1234,"generation":2,"event":"drained","ms":12,"exit_code":0}
// With `journal` (stderr is systemd's journal stream) each line starts with the syslog priority
// "<N>" that journald takes off and keeps as the entry's priority (sd-daemon(3)).
class LogFormatter
{
public:
    enum class Format { Text, Json };

    // `program` names text lines ("baton[1234] ..."): the executable's name.
    explicit LogFormatter(Format format = Format::Text, bool journal = false,
                          QByteArray program = QByteArrayLiteral("baton"))
        : m_format(format), m_journal(journal), m_program(std::move(program))
    {}

    QByteArray format(const LogRecord &record) const;

    Format logFormat() const { return m_format; }
    bool journal() const { return m_journal; }
    const QByteArray &program() const { return m_program; }

    // "text" or "json"; nullopt for anything else.
    static std::optional<Format> parseFormat(const QString &name);
    // sd-daemon.h's SD_DEBUG (7) ... SD_CRIT (2).
    static int syslogPriority(QtMsgType type);
    // debug, info, warning, error, fatal.
    static const char *levelName(QtMsgType type);
    // RFC 3339 with milliseconds and the numeric offset: 2026-12-02T11:48:28.123+01:00.
    static QByteArray timestamp(qint64 msSinceEpoch, int utcOffsetSeconds);
    // `text` as a JSON string, quotes included: control characters, '"' and '\' escaped.
    static QByteArray jsonString(QStringView text);

private:
    QByteArray text(const LogRecord &record) const;
    QByteArray json(const LogRecord &record) const;

    Format m_format;
    bool m_journal;
    QByteArray m_program;
};

} // namespace baton
