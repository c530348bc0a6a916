#include "http/outputqueue.h"

#include <cerrno>
#include <sys/sendfile.h>
#include <sys/socket.h>

namespace baton {

namespace {

constexpr int maxIov = 16;
// One sendfile call at most this much, so one large download cannot monopolise its thread.
constexpr qint64 maxSendfileBytes = 1 << 20;

} // namespace

void OutputQueue::append(QByteArray bytes)
{
    if (bytes.isEmpty())
        return;
    m_buffered += bytes.size();
    Chunk chunk;
    chunk.bytes = std::move(bytes);
    m_chunks.append(std::move(chunk));
}

void OutputQueue::appendFile(std::shared_ptr<QFile> file, qint64 offset, qint64 length)
{
    if (length <= 0)
        return;
    Chunk chunk;
    chunk.file = std::move(file);
    chunk.fileOffset = offset;
    chunk.fileRemaining = length;
    m_chunks.append(std::move(chunk));
}

void OutputQueue::clear()
{
    // Assigning an empty list (not clear()) hands the list's own storage back too: an idle
    // connection keeps nothing.
    m_chunks = QList<Chunk>();
    m_frontOffset = 0;
    m_buffered = 0;
}

void OutputQueue::popFront()
{
    m_buffered -= m_chunks.first().bytes.size();
    m_chunks.removeFirst();
    m_frontOffset = 0;
    if (m_chunks.isEmpty())
        clear();
}

OutputQueue::Flush OutputQueue::writeTo(int fd, qint64 *sent)
{
    *sent = 0;
    while (!m_chunks.isEmpty()) {
        Chunk &front = m_chunks.first();
        const Flush result = front.file ? writeFile(fd, front, sent) : writeBytes(fd, sent);
        if (result != Flush::Done)
            return result;
    }
    return Flush::Done;
}

OutputQueue::Flush OutputQueue::writeFile(int fd, Chunk &chunk, qint64 *sent)
{
    off_t offset = chunk.fileOffset;
    const ssize_t n = ::sendfile(fd, chunk.file->handle(), &offset,
                                 size_t(qMin(chunk.fileRemaining, maxSendfileBytes)));
    if (n < 0) {
        if (errno == EINTR)
            return Flush::Done; // the caller's loop tries again
        return errno == EAGAIN || errno == EWOULDBLOCK ? Flush::Blocked : Flush::Failed;
    }
    if (n == 0) {
        // The file shrank under us: the promised length cannot be kept.
        errno = EIO;
        return Flush::Failed;
    }
    *sent += n;
    chunk.fileOffset = offset;
    chunk.fileRemaining -= n;
    if (chunk.fileRemaining == 0)
        popFront();
    return Flush::Done;
}

OutputQueue::Flush OutputQueue::writeBytes(int fd, qint64 *sent)
{
    iovec iov[maxIov];
    int count = 0;
    qsizetype i = 0;
    for (; i < m_chunks.size() && count < maxIov && !m_chunks[i].file; ++i) {
        const QByteArray &bytes = m_chunks[i].bytes;
        const qsizetype skip = i == 0 ? m_frontOffset : 0;
        iov[count].iov_base = const_cast<char *>(bytes.constData() + skip);
        iov[count].iov_len = size_t(bytes.size() - skip);
        ++count;
    }
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = size_t(count);
    // A head followed by a file: the kernel holds the head back until sendfile adds the body,
    // so both leave in full segments instead of a small one first.
    const bool fileFollows = i < m_chunks.size() && m_chunks[i].file;
    ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL | (fileFollows ? MSG_MORE : 0));
    if (n < 0) {
        if (errno == EINTR)
            return Flush::Done;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Flush::Blocked : Flush::Failed;
    }
    *sent += n;
    while (n > 0) {
        const qsizetype left = m_chunks.first().bytes.size() - m_frontOffset;
        if (n >= left) {
            n -= left;
            popFront();
        } else {
            m_frontOffset += n;
            n = 0;
        }
    }
    return Flush::Done;
}

} // namespace baton
