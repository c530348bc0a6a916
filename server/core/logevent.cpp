#include "core/logevent.h"

#include <QDebug>

namespace baton {

namespace {

thread_local const LogEvent *t_current = nullptr;

} // namespace

void logEvent(const QLoggingCategory &category, QtMsgType type, const char *name,
              const QString &message, std::initializer_list<LogField> fields)
{
    if (!category.isEnabled(type))
        return;
    const LogEvent event{name, fields};
    // Restored, not cleared: a handler that logs while handling must not lose an outer event.
    const LogEvent *const outer = t_current;
    t_current = &event;
    QMessageLogger logger(nullptr, 0, nullptr, category.categoryName());
    switch (type) {
    case QtDebugMsg:
        logger.debug(category).noquote() << message;
        break;
    case QtInfoMsg:
        logger.info(category).noquote() << message;
        break;
    case QtWarningMsg:
        logger.warning(category).noquote() << message;
        break;
    case QtCriticalMsg:
    case QtFatalMsg:
        logger.critical(category).noquote() << message;
        break;
    }
    t_current = outer;
}

const LogEvent *currentLogEvent()
{
    return t_current;
}

} // namespace baton
