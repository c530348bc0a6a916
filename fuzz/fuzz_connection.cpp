// libFuzzer harness for baton::HttpConnection: the real connection state machine, driven by its
// real I/O thread machinery (IoWorker, its epoll, the Qt event loop), with a client that sends
// arbitrary bytes split at arbitrary points, reads or stops reading, half-closes, and a server
// that drains, cuts or hands it over to a successor (which adopts it or gives it back) mid-way. The transport is a Unix socketpair with small buffers: memory
// only, no network, and exactly the production code path (recv, sendmsg, sendfile, shutdown).
// See fuzz/README.md for the input layout and the invariants.
#include "core/ioworker.h"
#include "core/metrics.h"
#include "http/httpconnection.h"
#include <baton/router.h>
#include "net/monotonicclock.h"

#include <QCoreApplication>
#include <QTimer>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace baton;

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz_connection: invariant violated at line %d: %s\n", __LINE__, \
                         #condition);                                                              \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

// Handlers of every shape a connection must cope with: at once, later, streamed, streamed too
// fast, forgotten, and with header fields a careless handler might set.
std::shared_ptr<Router> makeRouter()
{
    auto router = std::make_shared<Router>();
    router->get("/",
                     [](const Request &, Responder r) { r.respond(200, "hi\n"); });
    router->post("/echo", [](const Request &request, Responder r) {
        r.respond(200, request.body());
    });
    router->get("/later", [](const Request &, Responder r) {
        QObject *context = r.context();
        QTimer::singleShot(0, context, [held = std::make_shared<Responder>(std::move(r))] {
            held->respond(200, "later\n");
        });
    });
    router->get("/stream", [](const Request &, Responder r) {
        r.beginStream(200);
        for (int i = 0; i < 8; ++i)
            r.writeChunk(QByteArray(1000, 'c'));
        r.finishStream();
    });
    router->get("/flood", [](const Request &, Responder r) {
        r.beginStream(200);
        for (int i = 0; i < 64 && r.isActive(); ++i)
            r.writeChunk(QByteArray(4096, 'f'));
        r.finishStream();
    });
    router->get("/users/{id}/files/{path...}", [](const Request &request, Responder r) {
        r.respond(200, request.param("id") + '|' + request.param("path"));
    });
    router->get("/forget", [](const Request &, Responder) {});
    router->get("/bad-headers", [](const Request &, Responder r) {
        Response response(200, "x");
        response.addHeader("X-Split", "a\r\nSet-Cookie: b");
        response.addHeader("Content-Length", "99");
        response.addHeader("Connection", "close");
        r.respond(std::move(response));
    });
    return router;
}

struct Harness
{
    Harness()
    {
        static int argc = 1;
        static char name[] = "fuzz_connection";
        static char *argv[] = {name, nullptr};
        app = std::make_unique<QCoreApplication>(argc, argv);
        context = std::make_shared<ServerContext>();
        // Small limits, so that every input runs into them.
        context->limits.maxHeaderBytes = 512;
        context->limits.maxTargetBytes = 128;
        context->limits.maxBodyBytes = 2048;
        context->limits.outputHighWater = 4096;
        context->limits.maxPendingInput = 4096;
        context->limits.maxHandoverInput = 512; // below the read-ahead, so both cases occur
        context->limits.maxStreamBuffered = 16384;
        context->router = makeRouter();
        context->counters.push_back(std::make_unique<WorkerCounters>());
        worker = std::make_unique<IoWorker>(0, context);
    }

    std::unique_ptr<QCoreApplication> app;
    std::shared_ptr<ServerContext> context;
    std::unique_ptr<IoWorker> worker;
};

void pump()
{
    // Readiness reaches the connection the way it does in production: epoll, then the event
    // loop's notifier on it. Deferred deletes and zero-timers run here too.
    for (int i = 0; i < 4; ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
}

// What the client does between two writes: the low bits of a control byte.
enum Action : uint8_t {
    Read = 1,       // read what the server sent
    Sweep = 2,      // run the deadlines as if a minute had passed
    Drain = 4,      // the server begins a drain
    ForceClose = 8, // the drain deadline passes
    HalfClose = 16, // the client shuts down its writing side
    Handover = 32,  // a restart with connection handover begins
    Answer = 64,    // the successor answers for the connection, if it is in transit:
    Adopted = 128,  //   adopted (else returned)
};

void answerHandover(HttpConnection *connection, bool adopted)
{
    if (!connection->isInTransit())
        return;
    if (adopted)
        connection->handoverCompleted();
    else
        connection->handoverReturned();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Harness harness;
    if (size < 1)
        return 0;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
        return 0;
    const int small = 4096;
    for (int fd : pair) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    const int client = pair[1];
    ServerContext &context = *harness.context;
    // As IoWorker::acceptDescriptor does for an admitted connection.
    context.connectionCount.fetch_add(1);
    context.counters[0]->connectionsByState[size_t(ConnectionState::Idle)] += 1;
    auto *connection = new HttpConnection(pair[0], 1, *harness.worker);
    FUZZ_CHECK(connection->start());
    // The worker deletes a connection some time after it finished; until then it may be used.
    const auto alive = [&context] { return context.connectionCount.load() > 0; };

    QByteArray received;
    bool halfClosed = false;
    size_t at = 0;
    // Input: segments of [control byte][length byte][length bytes of request data].
    while (at + 2 <= size && alive()) {
        const uint8_t control = data[at];
        const size_t length = qMin<size_t>(data[at + 1], size - at - 2);
        const char *bytes = reinterpret_cast<const char *>(data + at + 2);
        at += 2 + length;
        if (!halfClosed && length > 0) {
            const ssize_t n = ::send(client, bytes, length, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)n; // a full socket is the client being pushed back on: fine
        }
        if ((control & HalfClose) && !halfClosed) {
            ::shutdown(client, SHUT_WR);
            halfClosed = true;
        }
        pump();
        if (alive() && (control & Sweep))
            connection->checkTimeouts(monotonicMs() + 120'000);
        if (alive() && (control & Drain))
            connection->beginDrain();
        if (alive() && (control & ForceClose))
            connection->forceClose();
        if (alive() && (control & Handover))
            connection->beginHandover();
        if (alive() && (control & Answer))
            answerHandover(connection, control & Adopted);
        if (control & Read) {
            char buffer[8192];
            ssize_t n;
            while ((n = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
                received.append(buffer, n);
        }
        pump();
    }
    // A successor that never answered is taken to have refused.
    if (alive())
        answerHandover(connection, false);
    pump();
    // The client goes away; the connection must end and account for itself.
    ::close(client);
    pump();
    if (alive())
        connection->checkTimeouts(monotonicMs() + 120'000);
    pump();
    // Only the client's close and the deadlines may end it; an abort here would hide a hang.
    FUZZ_CHECK(!alive());
    // Every answer is an HTTP/1.1 response (or the first one is, at least).
    FUZZ_CHECK(received.isEmpty() || received.startsWith("HTTP/1.1 ") || received.size() < 9);
    // Bookkeeping: nothing left open, every state change undone.
    FUZZ_CHECK(context.connectionCount.load() == 0);
    for (const auto &count : context.counters[0]->connectionsByState)
        FUZZ_CHECK(count.load() == 0);
    return 0;
}
