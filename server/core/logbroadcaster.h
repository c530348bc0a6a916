#pragma once

#include <QObject>
#include <QString>

namespace baton {

// Copies Baton's log lines (categories baton.*, info and above) to the window and attached panels,
// from whatever thread logged them, while the previous message handler still writes them to stderr.
class LogBroadcaster : public QObject
{
    Q_OBJECT
public:
    // Installs the message handler once; the instance lives for the rest of the process.
    static LogBroadcaster *instance();

signals:
    // Delivered queued to receivers in other threads; the line is already formatted.
    void lineLogged(const QString &line);

private:
    LogBroadcaster() = default;
};

} // namespace baton
