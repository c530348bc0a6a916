#include "core/ioworker.h"
#include "core/servercontext.h"
#include "http/responsewriter.h"

#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

using namespace baton;

namespace {

// What a writer has queued, as the client would receive it.
QByteArray drain(ResponseWriter &writer)
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
        return {};
    qint64 sent = 0;
    writer.output().writeTo(pair[0], &sent);
    ::close(pair[0]);
    QByteArray bytes;
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(pair[1], buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
        bytes.append(buffer, n);
    ::close(pair[1]);
    return bytes;
}

} // namespace

// The framing a response gets from the request it answers, and the stream buffer's limit.
class tst_ResponseWriter : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<ServerContext> m_context;
    std::unique_ptr<IoWorker> m_worker;

private slots:
    void init()
    {
        m_context = std::make_shared<ServerContext>();
        m_context->limits.maxStreamBuffered = 1000;
        m_context->counters.push_back(std::make_unique<WorkerCounters>());
        m_worker = std::make_unique<IoWorker>(0, m_context);
    }

    void chunkedForHttp11()
    {
        ResponseWriter writer(*m_worker);
        writer.startRequest(false, false);
        QVERIFY(!writer.queueStreamHead(200, {}, false));
        QCOMPARE(writer.queueChunk("hello"), ResponseWriter::Chunk::Queued);
        QCOMPARE(writer.finishStream(), 200);
        const QByteArray bytes = drain(writer);
        QVERIFY(bytes.contains("Transfer-Encoding: chunked\r\n"));
        QVERIFY(bytes.endsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    }

    // RFC 9112 7: HTTP/1.0 has no chunked coding; the stream ends when the connection does.
    void untilCloseForHttp10()
    {
        ResponseWriter writer(*m_worker);
        writer.startRequest(false, true);
        QVERIFY(writer.queueStreamHead(200, {}, false)); // the connection must close after it
        QCOMPARE(writer.queueChunk("hello"), ResponseWriter::Chunk::Queued);
        writer.finishStream();
        const QByteArray bytes = drain(writer);
        QVERIFY(!bytes.contains("Transfer-Encoding"));
        QVERIFY(!bytes.contains("Content-Length"));
        QVERIFY(bytes.contains("Connection: close\r\n"));
        QVERIFY(bytes.endsWith("\r\n\r\nhello"));
    }

    void headGetsNoBody()
    {
        ResponseWriter writer(*m_worker);
        writer.startRequest(true, false);
        writer.queueResponse(Response(200, "twelve bytes"), false);
        const QByteArray bytes = drain(writer);
        QVERIFY(bytes.contains("Content-Length: 12\r\n"));
        QVERIFY(bytes.endsWith("\r\n\r\n"));
    }

    void streamPastItsLimitIsRefused()
    {
        ResponseWriter writer(*m_worker);
        writer.startRequest(false, false);
        writer.queueStreamHead(200, {}, false);
        const QByteArray piece(300, 'x');
        int queued = 0;
        while (writer.queueChunk(piece) == ResponseWriter::Chunk::Queued)
            ++queued;
        QCOMPARE(writer.queueChunk(piece), ResponseWriter::Chunk::OverLimit);
        QVERIFY(writer.output().bufferedBytes() <= m_context->limits.maxStreamBuffered);
        QVERIFY(queued >= 1);
    }
};

QTEST_GUILESS_MAIN(tst_ResponseWriter)
#include "tst_responsewriter.moc"
