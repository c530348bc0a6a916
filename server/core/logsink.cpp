#include "core/logsink.h"

#include "core/logevent.h"

#include <QList>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace baton {

namespace {

std::atomic<quint32> s_generation{1};
// Set once by install() before other threads start, read by all afterwards.
LogFormatter s_formatter;
// Serialises the rare retry of a partial write, which would otherwise let another thread's line
// into the middle of this one.
std::mutex s_writeMutex;

void writeLine(const QByteArray &line)
{
    std::lock_guard<std::mutex> lock(s_writeMutex);
    const char *data = line.constData();
    qsizetype left = line.size();
    while (left > 0) {
        const ssize_t written = ::write(STDERR_FILENO, data, size_t(left));
        if (written > 0) {
            data += written;
            left -= written;
        } else if (written < 0 && errno == EINTR) {
            continue;
        } else if (written < 0 && errno == EAGAIN) {
            // Someone made the shared stderr non-blocking; wait a little for a slow reader,
            // but never hang the server on its log.
            pollfd out{STDERR_FILENO, POLLOUT, 0};
            if (::poll(&out, 1, 1000) <= 0)
                return;
        } else {
            return; // stderr closed or broken: nowhere left to say so
        }
    }
}

LogRecord recordNow()
{
    LogRecord record;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    record.msSinceEpoch = qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
    struct tm local
    {
    };
    if (::localtime_r(&now.tv_sec, &local))
        record.utcOffsetSeconds = int(local.tm_gmtoff);
    record.pid = qint64(::getpid());
    record.generation = s_generation.load(std::memory_order_relaxed);
    record.event = currentLogEvent();
    return record;
}

} // namespace

void LogSink::install(LogFormatter::Format format, const QByteArray &program)
{
    const bool journal = isJournalStream(qgetenv("JOURNAL_STREAM"), STDERR_FILENO);
    s_formatter = LogFormatter(format, journal, program);
    qInstallMessageHandler(&LogSink::handle);
}

void LogSink::setFormat(LogFormatter::Format format)
{
    const bool journal = isJournalStream(qgetenv("JOURNAL_STREAM"), STDERR_FILENO);
    s_formatter = LogFormatter(format, journal, s_formatter.program());
}

void LogSink::setGeneration(quint32 generation)
{
    s_generation.store(generation, std::memory_order_relaxed);
}

quint32 LogSink::generation()
{
    return s_generation.load(std::memory_order_relaxed);
}

bool LogSink::isJournalStream(const QByteArray &journalStream, int fd)
{
    const QList<QByteArray> parts = journalStream.split(':');
    if (parts.size() != 2)
        return false;
    bool deviceOk = false;
    bool inodeOk = false;
    const qulonglong device = parts[0].toULongLong(&deviceOk);
    const qulonglong inode = parts[1].toULongLong(&inodeOk);
    struct stat status
    {
    };
    if (!deviceOk || !inodeOk || ::fstat(fd, &status) != 0)
        return false;
    return qulonglong(status.st_dev) == device && qulonglong(status.st_ino) == inode;
}

void LogSink::handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogRecord record = recordNow();
    record.type = type;
    record.category = context.category;
    record.message = message;
    // A trailing newline (qWarning("...\n")) is the caller's line end, not part of the message.
    while (record.message.endsWith(u'\n'))
        record.message.chop(1);
    writeLine(s_formatter.format(record));
}

} // namespace baton
