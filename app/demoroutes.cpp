#include "demoroutes.h"

#include <QTimer>

#include <memory>

namespace baton {

namespace {

constexpr qint64 maxSleepMs = 600'000;
constexpr qint64 maxStreamSeconds = 3'600;

// A whole non-negative decimal number no larger than max; -1 otherwise (signs, spaces, overflow).
qint64 parseBoundedNumber(const QByteArray &text, qint64 max)
{
    if (text.isEmpty() || text.size() > 12)
        return -1;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value <= max ? value : -1;
}

// One chunk a second until the count is reached; lives as a child of the connection, so a
// client that goes away takes the stream down with it.
class ChunkStream : public QObject
{
public:
    ChunkStream(Responder responder, qint64 chunks)
        : QObject(responder.context()), m_responder(std::move(responder)), m_total(chunks)
    {
        m_timer.setInterval(1000);
        connect(&m_timer, &QTimer::timeout, this, &ChunkStream::next);
        m_responder.beginStream(
            200,
            {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain; charset=utf-8")},
             {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store")}});
        next();
        if (m_sent < m_total)
            m_timer.start();
    }

private:
    void next()
    {
        if (m_sent < m_total) {
            ++m_sent;
            m_responder.writeChunk("chunk " + QByteArray::number(m_sent) + " of " +
                                   QByteArray::number(m_total) + '\n');
        }
        if (m_sent >= m_total || !m_responder.isActive()) {
            m_timer.stop();
            m_responder.finishStream();
            deleteLater();
        }
    }

    Responder m_responder;
    QTimer m_timer;
    qint64 m_total;
    qint64 m_sent = 0;
};

void addSleepStreamEcho(Router &router)
{
    router.get("/sleep", [](const Request &request, Responder responder) {
        const qint64 ms = parseBoundedNumber(request.queryValue("ms"), maxSleepMs);
        if (ms < 0) {
            responder.respond(400,
                              QByteArrayLiteral("ms must be a whole number from 0 to 600000\n"));
            return;
        }
        if (ms == 0) {
            responder.respond(200, QByteArrayLiteral("slept 0 ms\n"));
            return;
        }
        QObject *context = responder.context();
        QTimer::singleShot(std::chrono::milliseconds(ms), context,
                           [r = std::make_shared<Responder>(std::move(responder)), ms] {
                               r->respond(200, "slept " + QByteArray::number(ms) + " ms\n");
                           });
    });

    router.get("/stream", [](const Request &request, Responder responder) {
        const qint64 seconds = parseBoundedNumber(request.queryValue("seconds"), maxStreamSeconds);
        if (seconds < 0) {
            responder.respond(400,
                              QByteArrayLiteral("seconds must be a whole number from 0 to 3600\n"));
            return;
        }
        new ChunkStream(std::move(responder), seconds);
    });

    router.post("/echo", [](const Request &request, Responder responder) {
        QByteArray type = request.header("Content-Type");
        if (type.isEmpty())
            type = QByteArrayLiteral("application/octet-stream");
        responder.respond(200, request.body(), type);
    });
}

} // namespace

void addDemoRoutes(Router &router, const DemoRoutesOptions &options)
{
    if (!options.greeting.isEmpty()) {
        // Typed, not auto: "a + b" is a lazy QStringBuilder that would refer to a temporary.
        QByteArray greeting = options.greeting + '\n';
        router.get("/", [greeting = std::move(greeting)](const Request &, Responder responder) {
            responder.respond(200, greeting);
        });
    }
    if (options.demoRoutes)
        addSleepStreamEcho(router);
}

} // namespace baton
