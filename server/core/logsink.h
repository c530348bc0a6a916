#pragma once

#include "core/logformatter.h"

#include <QByteArray>
#include <QtGlobal>

namespace baton {

// The process's Qt message handler: every qDebug()/qCInfo()/... line goes to stderr in the
// chosen format, each line with a single write(2) to fd 2, so lines of several threads (and of
// an old and a new generation sharing the same stderr) never mix mid-line. Handlers installed
// later (the window's log view) chain to it.
class LogSink
{
public:
    // Installs the handler for the rest of the process. Call once, from main(), before any
    // other thread exists: the formatter is not guarded. Under systemd, when JOURNAL_STREAM
    // names stderr itself, lines carry journald's priority prefix.
    // `program` names text lines (the executable's name).
    static void install(LogFormatter::Format format,
                        const QByteArray &program = QByteArrayLiteral("baton"));

    // Changes the format of an installed sink; while only the calling thread logs (the format
    // is known only once the command line and config file are read).
    static void setFormat(LogFormatter::Format format);

    // The generation JSON lines are stamped with. Process-wide: the generation this process
    // serves now (set at start-up, and by the lifecycle when it starts another one).
    static void setGeneration(quint32 generation);
    static quint32 generation();

    // Whether `journalStream` ("DEV:INODE", as systemd sets JOURNAL_STREAM) names the file fd
    // is open on. A process whose stderr was redirected elsewhere keeps the variable from its
    // parent, hence the comparison rather than the variable alone (as sd_journal_stream_fd's
    // users do).
    static bool isJournalStream(const QByteArray &journalStream, int fd);

    LogSink() = delete;

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message);
};

} // namespace baton
