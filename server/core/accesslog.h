#pragma once

#include "core/accesslogformatter.h"

#include <QByteArrayView>
#include <QString>

#include <memory>

namespace baton {

// The access log's file and its writer thread (--access-log). I/O threads append finished lines
// to a bounded queue under a short lock and never wait for the disk: the writer thread takes the
// whole queue at once and writes it with as few write() calls as it can. Past maxPendingBytes
// waiting, lines are dropped and counted (a warning at most once a second) rather than blocking
// the I/O threads or growing without bound.
//
// The file is opened with O_APPEND and every write() carries whole lines, so the old and new
// process of a restart can share it without a line being cut; on a pipe (standard output) a
// write() carries at most PIPE_BUF bytes, the size the kernel keeps whole.
class AccessLog
{
public:
    static constexpr qsizetype maxPendingBytes = 8 * 1024 * 1024;

    // path "-" is standard output. nullptr, and *error, when the file cannot be opened.
    static std::shared_ptr<AccessLog> open(const QString &path, AccessLogFormat format,
                                           QString *error);
    // Writes what is queued, waiting a few seconds at most for a stuck output.
    ~AccessLog();
    AccessLog(const AccessLog &) = delete;
    AccessLog &operator=(const AccessLog &) = delete;

    AccessLogFormat format() const;
    QString path() const;

    // Thread-safe and never waits for I/O. `lines` holds `lineCount` whole lines; they are
    // queued or, when the queue is full, dropped and counted.
    bool append(QByteArrayView lines, int lineCount = 1);
    // Thread-safe: the writer opens the path anew before its next write (logrotate's SIGUSR1).
    // Standard output stays as it is.
    void reopen();
    quint64 droppedLines() const;
    // Waits until what was queued before the call is written (or timeoutMs passes).
    bool flush(int timeoutMs);

private:
    struct State;
    explicit AccessLog(std::shared_ptr<State> state);

    // Shared with the writer thread, which may outlive this object if its output is stuck.
    std::shared_ptr<State> m_state;
};

} // namespace baton
