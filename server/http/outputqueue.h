#pragma once

#include <QByteArray>
#include <QFile>
#include <QList>

#include <memory>

namespace baton {

// What a connection still owes its client, in order: bytes held in memory and ranges of open
// files sent with sendfile. It counts the bytes it holds in memory, which is what back-pressure
// is decided on: a client that does not read must not make the server buffer without bound.
class OutputQueue
{
public:
    enum class Flush {
        Done,    // everything was written
        Blocked, // the socket buffer is full; wait for EPOLLOUT
        Failed,  // the connection is broken (errno tells why)
    };

    void append(QByteArray bytes);
    void appendFile(std::shared_ptr<QFile> file, qint64 offset, qint64 length);

    bool isEmpty() const { return m_chunks.isEmpty(); }
    // Bytes held in memory; file ranges are not counted (they cost a descriptor, not memory).
    qint64 bufferedBytes() const { return m_buffered; }

    // Writes as much as the socket takes; *sent receives the number of bytes written.
    Flush writeTo(int fd, qint64 *sent);
    // Drops everything, and the memory with it.
    void clear();

private:
    struct Chunk
    {
        QByteArray bytes;
        std::shared_ptr<QFile> file; // when set, send fileRemaining bytes from fileOffset instead
        qint64 fileOffset = 0;
        qint64 fileRemaining = 0;
    };

    Flush writeFile(int fd, Chunk &chunk, qint64 *sent);
    Flush writeBytes(int fd, qint64 *sent);
    void popFront();

    QList<Chunk> m_chunks;
    qsizetype m_frontOffset = 0; // bytes of the first (memory) chunk already sent
    qint64 m_buffered = 0;
};

} // namespace baton
