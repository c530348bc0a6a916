#include "core/logbroadcaster.h"

#include <QDateTime>

#include <cstdio>

namespace baton {

namespace {

QtMessageHandler previousHandler = nullptr;

void broadcast(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (previousHandler)
        previousHandler(type, context, message);
    else
        fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
    if (type == QtDebugMsg || !context.category || qstrncmp(context.category, "baton.", 6) != 0)
        return;
    const QString prefix = type == QtWarningMsg    ? QStringLiteral("warning: ")
                           : type == QtCriticalMsg ? QStringLiteral("error: ")
                                                   : QString();
    emit LogBroadcaster::instance()->lineLogged(
        QTime::currentTime().toString(QStringLiteral("hh:mm:ss.zzz ")) + prefix + message);
}

} // namespace

LogBroadcaster *LogBroadcaster::instance()
{
    static LogBroadcaster *const broadcaster = [] {
        auto *created = new LogBroadcaster;
        previousHandler = qInstallMessageHandler(&broadcast);
        return created;
    }();
    return broadcaster;
}

} // namespace baton
