#include "core/accesslog.h"

#include "core/logging.h"
#include "net/monotonicclock.h"

#include <QFile>

#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <pthread.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace baton {

namespace {

constexpr qint64 dropWarningIntervalMs = 1000;
// The writer lets lines gather this long (or up to gatherBytes) before it writes them: a few
// write() calls a second instead of one per request, and no wake-up of the writer per line.
constexpr std::chrono::milliseconds gatherTime{50};
constexpr size_t gatherBytes = 64 * 1024;
constexpr std::chrono::seconds exitFlushTimeout{3};
// A burst may leave the buffers large; past this they are given back once the burst is over.
constexpr size_t keptCapacity = 1024 * 1024;

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// -1 and errno when it cannot be opened.
int openForAppend(const QByteArray &path)
{
    return ::open(path.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

bool isRegularFile(int fd)
{
    struct stat info
    {
    };
    return ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
}

} // namespace

// Everything the writer thread touches. Under `mutex`: pending, the totals and the flags;
// the descriptor and the drop bookkeeping belong to the writer thread alone once it runs.
struct AccessLog::State
{
    QString path;
    QByteArray nativePath;
    AccessLogFormat format = AccessLogFormat::Combined;
    bool standardOutput = false;

    std::mutex mutex;
    std::condition_variable wake;    // the writer waits for lines, a reopen or the end
    std::condition_variable written; // flush() and the destructor wait for the writer
    std::string pending;
    quint64 queuedBytes = 0; // every byte ever queued, and every byte since written
    quint64 writtenBytes = 0;
    enum class Writer { Busy, Idle, Gathering };
    Writer writer = Writer::Busy; // Idle: waits for a first line; Gathering: for more
    bool urgent = false;          // flush() waits: write what there is now
    bool reopenRequested = false;
    bool stopping = false;
    bool writerDone = false;
    std::atomic<quint64> dropped{0};

    int fd = -1;
    bool regularFile = true;
    quint64 droppedReported = 0;
    qint64 lastDropWarningMs = 0;
    QString lastWriteError; // warned about once, until a write succeeds again

    void run();
    void reopenFile();
    void write(const std::string &batch);
    void countUnwritten(const char *from, const char *end);
    void reportDrops(qint64 nowMs);
};

std::shared_ptr<AccessLog> AccessLog::open(const QString &path, AccessLogFormat format,
                                           QString *error)
{
    auto state = std::make_shared<State>();
    state->path = path;
    state->format = format;
    state->standardOutput = path == u"-";
    if (state->standardOutput) {
        state->fd = STDOUT_FILENO;
    } else {
        state->nativePath = QFile::encodeName(path);
        state->fd = openForAppend(state->nativePath);
        if (state->fd < 0) {
            *error = QStringLiteral("cannot open access log %1: %2").arg(path, errnoText());
            return nullptr;
        }
    }
    state->regularFile = isRegularFile(state->fd);
    std::thread([state] {
        ::pthread_setname_np(::pthread_self(), "baton-accesslog");
        state->run();
    }).detach();
    return std::shared_ptr<AccessLog>(new AccessLog(std::move(state)));
}

AccessLog::AccessLog(std::shared_ptr<State> state) : m_state(std::move(state))
{}

AccessLog::~AccessLog()
{
    State &s = *m_state;
    std::unique_lock lock(s.mutex);
    s.stopping = true;
    s.wake.notify_one();
    // The writer thread holds the state too: if the output is stuck (a pipe nobody reads), the
    // process leaves without it rather than hanging on its way out.
    if (!s.written.wait_for(lock, exitFlushTimeout, [&s] { return s.writerDone; }))
        qCWarning(lcServer).noquote()
            << QStringLiteral("access log %1: %2 bytes could not be written before exiting")
                   .arg(s.path)
                   .arg(s.queuedBytes - s.writtenBytes);
}

AccessLogFormat AccessLog::format() const
{
    return m_state->format;
}

QString AccessLog::path() const
{
    return m_state->path;
}

bool AccessLog::append(QByteArrayView lines, int lineCount)
{
    State &s = *m_state;
    bool wakeWriter = false;
    {
        std::lock_guard lock(s.mutex);
        if (qsizetype(s.pending.size()) + lines.size() > maxPendingBytes) {
            s.dropped.fetch_add(quint64(lineCount), std::memory_order_relaxed);
            return false;
        }
        const size_t before = s.pending.size();
        s.pending.append(lines.data(), size_t(lines.size()));
        s.queuedBytes += quint64(lines.size());
        // The writer needs waking only for a first line, or once enough have gathered; while
        // it writes, it finds the new lines on its next pass.
        wakeWriter = s.writer == State::Writer::Idle ||
                     (s.writer == State::Writer::Gathering && before < gatherBytes &&
                      s.pending.size() >= gatherBytes);
        if (wakeWriter)
            s.writer = State::Writer::Busy;
    }
    if (wakeWriter)
        s.wake.notify_one();
    return true;
}

void AccessLog::reopen()
{
    State &s = *m_state;
    {
        std::lock_guard lock(s.mutex);
        s.reopenRequested = true;
    }
    s.wake.notify_one();
}

quint64 AccessLog::droppedLines() const
{
    return m_state->dropped.load(std::memory_order_relaxed);
}

bool AccessLog::flush(int timeoutMs)
{
    State &s = *m_state;
    std::unique_lock lock(s.mutex);
    const quint64 target = s.queuedBytes;
    s.urgent = true;
    s.wake.notify_one();
    return s.written.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                              [&s, target] { return s.writtenBytes >= target || s.writerDone; });
}

void AccessLog::State::run()
{
    std::string batch;
    std::unique_lock lock(mutex);
    for (;;) {
        const auto now = [this] { return reopenRequested || stopping || urgent; };
        const auto due = [&] { return !pending.empty() || now(); };
        if (!due()) {
            writer = Writer::Idle;
            // Woken by a first line, a reopen, a flush or the end; also when a drop warning
            // falls due.
            if (dropped.load(std::memory_order_relaxed) > droppedReported)
                wake.wait_for(lock, std::chrono::milliseconds(dropWarningIntervalMs), due);
            else
                wake.wait(lock, due);
        }
        if (!now() && pending.size() < gatherBytes) {
            writer = Writer::Gathering;
            wake.wait_for(lock, gatherTime, [&] { return pending.size() >= gatherBytes || now(); });
        }
        writer = Writer::Busy;
        urgent = false;
        const bool reopenNow = std::exchange(reopenRequested, false);
        const bool last = stopping;
        batch.swap(pending);
        lock.unlock();

        if (reopenNow)
            reopenFile();
        write(batch);
        const quint64 batchBytes = batch.size();
        if (batch.capacity() > keptCapacity && batchBytes < keptCapacity / 16) {
            batch.clear();
            batch.shrink_to_fit();
        }
        batch.clear();
        reportDrops(monotonicMs());

        lock.lock();
        writtenBytes += batchBytes;
        if (last && pending.empty()) {
            writerDone = true;
            if (!standardOutput)
                ::close(fd);
            written.notify_all();
            return;
        }
        written.notify_all();
    }
}

void AccessLog::State::reopenFile()
{
    if (standardOutput)
        return;
    const int reopened = openForAppend(nativePath);
    if (reopened < 0) {
        qCWarning(lcServer).noquote()
            << QStringLiteral("access log: cannot reopen %1: %2; still writing to the file "
                              "opened before")
                   .arg(path, errnoText());
        return;
    }
    ::close(fd);
    fd = reopened;
    regularFile = isRegularFile(fd);
    qCInfo(lcServer).noquote() << QStringLiteral("access log %1 reopened").arg(path);
}

void AccessLog::State::write(const std::string &batch)
{
    const char *next = batch.data();
    const char *const end = next + batch.size();
    while (next < end) {
        size_t piece = size_t(end - next);
        if (!regularFile && piece > PIPE_BUF) {
            // Whole lines of at most PIPE_BUF bytes, which the kernel keeps together on a pipe
            // that another process (the other generation of a restart) writes to as well; a
            // longer line goes alone.
            const void *cut = memrchr(next, '\n', PIPE_BUF);
            if (!cut)
                cut = std::memchr(next, '\n', piece);
            piece = cut ? size_t(static_cast<const char *>(cut) - next + 1) : piece;
        }
        const ssize_t n = ::write(fd, next, piece);
        if (n > 0) {
            next += n;
            lastWriteError.clear();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd writable{fd, POLLOUT, 0};
            ::poll(&writable, 1, -1);
            continue;
        }
        const QString why = n < 0 ? errnoText() : QStringLiteral("no progress");
        if (why != std::exchange(lastWriteError, why))
            qCWarning(lcServer).noquote()
                << QStringLiteral("access log %1: cannot write: %2; lines are dropped until it "
                                  "works again")
                       .arg(path, why);
        countUnwritten(next, end);
        return;
    }
}

void AccessLog::State::countUnwritten(const char *from, const char *end)
{
    quint64 lines = 0;
    for (const char *p = from; p < end; ++p)
        lines += *p == '\n';
    dropped.fetch_add(lines, std::memory_order_relaxed);
}

void AccessLog::State::reportDrops(qint64 nowMs)
{
    const quint64 total = dropped.load(std::memory_order_relaxed);
    if (total == droppedReported || nowMs - lastDropWarningMs < dropWarningIntervalMs)
        return;
    qCWarning(lcServer).noquote()
        << QStringLiteral("access log %1: %2 lines dropped (more than %3 MiB waiting to be "
                          "written, or the output fails)")
               .arg(path)
               .arg(total - droppedReported)
               .arg(maxPendingBytes / (1024 * 1024));
    droppedReported = total;
    lastDropWarningMs = nowMs;
}

} // namespace baton
