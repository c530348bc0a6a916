#pragma once

#include <QJsonValue>
#include <QLoggingCategory>
#include <QString>

#include <initializer_list>

namespace baton {

// A field of a log event: JSON logs carry it as "key": value beside the message.
struct LogField
{
    const char *key; // snake_case ASCII
    QJsonValue value;
};

// A well-known lifecycle event (listening, restart, drained, ...) that a machine reading the
// JSON log can pick out without parsing the message. Lives only for the logEvent() call.
struct LogEvent
{
    const char *name = nullptr;
    std::initializer_list<LogField> fields;
};

// Logs `message` in `category` at `type` like qCInfo()/qCWarning() would, and lets the message
// handler see the event for the duration of the call (the handler runs synchronously in the
// calling thread, so a thread-local is enough, and every other handler in the chain, such as the
// window's, sees an ordinary message). The text format shows only the message, which should
// therefore say the same in words. Not for QtFatalMsg.
void logEvent(const QLoggingCategory &category, QtMsgType type, const char *name,
              const QString &message, std::initializer_list<LogField> fields = {});

// The event this thread is logging right now; null outside logEvent().
const LogEvent *currentLogEvent();

} // namespace baton
