#include <baton/responder.h>
#include <baton/router.h>

#include "api/responderhome.h"
#include "api/routeraccess.h"
#include "recordingsink.h"

#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace baton;

namespace {

// Tells, through its destructor, when and where whatever holds it went: given to a decorator,
// it goes with the responder's state.
struct Sentinel
{
    explicit Sentinel(std::atomic<QThread *> *where) : where(where) {}
    Sentinel(const Sentinel &) = delete;
    Sentinel &operator=(const Sentinel &) = delete;
    ~Sentinel() { where->store(QThread::currentThread()); }
    std::atomic<QThread *> *const where;
};

void markWith(Responder &responder, std::atomic<QThread *> *where)
{
    responder.decorate([sentinel = std::make_shared<Sentinel>(where)](Response &) {});
}

Middleware decorating(const QByteArray &name, const QByteArray &value)
{
    return [name, value](const Request &request, Responder responder, Next next) {
        responder.decorate([name, value](Response &response) { response.setHeader(name, value); });
        next(request, std::move(responder));
    };
}

// QThreadPool::start() takes a std::function, which must be copyable; a Responder is not.
using Held = std::shared_ptr<Responder>;
Held hold(Responder responder)
{
    return std::make_shared<Responder>(std::move(responder));
}

// Qt's queues (QThreadPool's and the event loop's) order what goes through them with QMutex, a
// futex ThreadSanitizer does not see, so it would take hand-overs through them for races. These
// tests give work to idle pool threads only, which Qt wakes through a condition variable TSan does
// see, and the gate covers that way in; on the way back, the work counts what it has posted to
// the home thread, and the home thread waits for that count before its event loop delivers it.
// What TSan still reports is then something else than a hand-over.
class Handover
{
public:
    // Home thread: held around the dispatch whose handler or middleware starts pool work.
    std::unique_lock<std::mutex> give() { return std::unique_lock<std::mutex>(m_gate); }
    // Worker: before touching what it was given.
    void take() { std::lock_guard<std::mutex> lock(m_gate); }
    // Worker: after its last call on the responder.
    void posted()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_posted;
        m_changed.notify_all();
    }
    // Home thread, before processing events; false if the workers never got that far.
    bool waitForPosts(int count)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return m_posted >= count; });
    }

private:
    std::mutex m_gate;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_posted = 0;
};

// Threads taking tasks from a queue, as QThreadPool's do, but with std primitives throughout: in a
// QThreadPool, a thread that is busy takes its next task without anything TSan sees (see
// Handover), and Qt reads the task before any gate inside it could be passed.
class WorkerPool
{
public:
    explicit WorkerPool(int count)
    {
        for (int i = 0; i < count; ++i)
            m_threads.emplace_back([this] { run(); });
    }
    ~WorkerPool()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        for (std::thread &thread : m_threads)
            thread.join();
    }
    void start(std::function<void()> task)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_tasks.push_back(std::move(task));
        }
        m_wake.notify_one();
    }

private:
    void run()
    {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
                if (m_tasks.empty())
                    return;
                task = std::move(m_tasks.front());
                m_tasks.pop_front();
            }
            task();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_tasks;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace

class tst_Responder : public QObject
{
    Q_OBJECT

private:
    // The test object plays the I/O worker: it lives in the home thread, where answers posted
    // from other threads are delivered.
    void dispatch(const Router &router, RecordingSink &sink, const QByteArray &method,
                  const QByteArray &path, std::shared_ptr<ResponderHome> home = {})
    {
        HttpRequest request;
        request.method = method;
        request.target = request.path = path;
        RouterAccess::dispatch(router, request, HttpResponder(&sink, sink.serial),
                               home ? home : std::make_shared<ResponderHome>(this));
    }

private slots:
    void cleanup();

    void respondFromPoolThread();
    void streamFromPoolThread();
    void droppedOnAnotherThread();
    void clientGoneWhileWorkerRuns();
    void answerAfterTheServerIsGone();
    void contextOnlyOnHomeThread();
    void nextFromPoolThread();
    void stress();

private:
    std::optional<std::thread> m_worker;
};

void tst_Responder::cleanup()
{
    // A failed check must not leave a joinable thread behind (std::terminate).
    if (m_worker && m_worker->joinable())
        m_worker->join();
    m_worker.reset();
}

void tst_Responder::respondFromPoolThread()
{
    QThread *const home = QThread::currentThread();
    std::atomic<QThread *> handlerThread{nullptr};
    std::atomic<QThread *> workerThread{nullptr};
    std::atomic<QThread *> stateGone{nullptr};
    Handover handover;

    Router router;
    router.use(decorating("X-Outer", "home"));
    router.get("/work/{id}", [&](const Request &request, Responder responder) {
        handlerThread = QThread::currentThread();
        responder.decorate([](Response &response) {
            response.setHeader(QByteArrayLiteral("X-Inner"), response.header("X-From"));
        });
        markWith(responder, &stateGone);
        QThreadPool::globalInstance()->start(
            [&workerThread, &handover, held = hold(std::move(responder)), copy = request] {
                handover.take();
                Responder responder = std::move(*held);
                workerThread = QThread::currentThread();
                Response response(200, "done " + copy.param("id"));
                response.addHeader(QByteArrayLiteral("X-From"), QByteArrayLiteral("worker"));
                responder.respond(std::move(response));
                handover.posted();
            });
    });

    RecordingSink sink;
    {
        const auto given = handover.give();
        dispatch(router, sink, "GET", "/work/a%20b");
    }
    QCOMPARE(handlerThread.load(), home);
    QVERIFY(handover.waitForPosts(1));
    // Answered, but only posted so far: nothing of the connection's was touched on the worker.
    QVERIFY(!sink.answered);
    QVERIFY(stateGone.load() == nullptr);
    QTRY_VERIFY(sink.answered);
    QVERIFY(!sink.calledOffHome);
    QVERIFY(workerThread.load() != nullptr);
    QVERIFY(workerThread.load() != home);
    QCOMPARE(sink.response.status(), 200);
    QCOMPARE(sink.response.body(), QByteArray("done a b"));
    QCOMPARE(sink.header("X-Outer"), QByteArray("home"));
    QCOMPARE(sink.header("X-Inner"), QByteArray("worker"));
    QVERIFY(!sink.dropped);
    // The state that the answer took along is deleted where the connection is.
    QTRY_VERIFY(stateGone.load() != nullptr);
    QCOMPARE(stateGone.load(), home);
}

void tst_Responder::streamFromPoolThread()
{
    constexpr int chunkCount = 100;
    std::atomic<QThread *> stateGone{nullptr};
    std::atomic<bool> activeWhileStreaming{false};
    std::atomic<bool> activeAfterFinish{true};
    Handover handover;

    Router router;
    router.use(decorating("X-Decorated", "yes"));
    router.get("/stream", [&](const Request &, Responder responder) {
        markWith(responder, &stateGone);
        QThreadPool::globalInstance()->start([&activeWhileStreaming, &activeAfterFinish, &handover,
                                              held = hold(std::move(responder))] {
            handover.take();
            Responder responder = std::move(*held);
            // A decorator added on the answering thread counts too.
            responder.decorate([](Response &head) {
                head.setHeader(QByteArrayLiteral("X-Worker"), QByteArrayLiteral("yes"));
            });
            responder.beginStream(
                200, {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain")}});
            for (int i = 0; i < chunkCount; ++i)
                responder.writeChunk(QByteArray::number(i) + '\n');
            activeWhileStreaming = responder.isActive();
            responder.finishStream();
            activeAfterFinish = responder.isActive();
            responder.writeChunk(QByteArrayLiteral("after the end"));
            handover.posted();
        });
    });

    RecordingSink sink;
    {
        const auto given = handover.give();
        dispatch(router, sink, "GET", "/stream");
    }
    QVERIFY(handover.waitForPosts(1));
    QVERIFY(!sink.streaming);
    QVERIFY(stateGone.load() == nullptr);
    QTRY_VERIFY(sink.answered);
    QVERIFY(!sink.calledOffHome);
    QVERIFY(sink.streaming);
    QCOMPARE(sink.response.status(), 200);
    QCOMPARE(sink.header("Content-Type"), QByteArray("text/plain"));
    QCOMPARE(sink.header("X-Decorated"), QByteArray("yes"));
    QCOMPARE(sink.header("X-Worker"), QByteArray("yes"));
    QCOMPARE(sink.chunks.size(), chunkCount);
    for (int i = 0; i < chunkCount; ++i)
        QCOMPARE(sink.chunks.at(i), QByteArray::number(i) + '\n');
    QVERIFY(!sink.dropped);
    QVERIFY(activeWhileStreaming);
    QVERIFY(!activeAfterFinish);
    QTRY_COMPARE(stateGone.load(), QThread::currentThread());
}

void tst_Responder::droppedOnAnotherThread()
{
    std::atomic<QThread *> stateGone{nullptr};
    Router router;
    router.get("/forgetful", [&](const Request &, Responder responder) {
        markWith(responder, &stateGone);
        m_worker.emplace([responder = std::move(responder)]() mutable {
            const Responder dropped = std::move(responder); // goes here, unanswered
        });
    });

    RecordingSink sink;
    dispatch(router, sink, "GET", "/forgetful");
    QVERIFY(m_worker);
    m_worker->join();
    // Nothing of the connection's was touched on the worker: the drop is only posted so far.
    QVERIFY(!sink.dropped);
    QVERIFY(stateGone.load() == nullptr);
    QTRY_VERIFY(sink.dropped);
    QCOMPARE(sink.dropCount, 1);
    QVERIFY(!sink.answered);
    QVERIFY(!sink.calledOffHome);
    QCOMPARE(stateGone.load(), QThread::currentThread());
}

void tst_Responder::clientGoneWhileWorkerRuns()
{
    QThread *const home = QThread::currentThread();
    std::promise<bool> activeBefore;
    std::promise<void> clientGone;
    std::promise<bool> activeAfter;
    int goneCalls = 0;
    QThread *goneThread = nullptr;
    QObject *homeContext = nullptr;
    std::atomic<QThread *> stateGone{nullptr};

    Router router;
    router.get("/long", [&](const Request &, Responder responder) {
        homeContext = responder.context();
        responder.onClientGone([&goneCalls, &goneThread] {
            ++goneCalls;
            goneThread = QThread::currentThread();
        });
        markWith(responder, &stateGone);
        m_worker.emplace([&activeBefore, &activeAfter, gone = clientGone.get_future(),
                          responder = std::move(responder)]() mutable {
            activeBefore.set_value(responder.isActive());
            // The long work ends here, and checks whether anyone still waits for its result.
            gone.wait();
            activeAfter.set_value(responder.isActive());
            responder.respond(200, QByteArrayLiteral("too late"));
            responder.respond(200, QByteArrayLiteral("twice too late"));
        });
    });

    RecordingSink sink;
    dispatch(router, sink, "GET", "/long");
    QVERIFY(m_worker);
    QVERIFY(homeContext);
    QVERIFY(activeBefore.get_future().get());

    QVERIFY(stateGone.load() == nullptr);
    sink.goAway();
    QCOMPARE(goneCalls, 1);
    QCOMPARE(goneThread, home);
    clientGone.set_value();
    QVERIFY(!activeAfter.get_future().get());
    m_worker->join();

    // The late answer was posted; once it has been through, the state is gone, and nothing
    // reached the sink.
    QTRY_VERIFY(stateGone.load() != nullptr);
    QCOMPARE(stateGone.load(), home);
    QVERIFY(!sink.answered);
    QVERIFY(!sink.dropped);
    QCOMPARE(sink.dropCount, 0);
    QVERIFY(!sink.calledOffHome);
    QCOMPARE(goneCalls, 1);
}

// The server stopped (its connections gone, its I/O worker closing the home) while a worker still
// held a responder: the late answer and the drop are not posted anywhere, and the responder's
// state goes on the worker (a leak would show under ASan, a post to a deleted worker as a crash).
void tst_Responder::answerAfterTheServerIsGone()
{
    auto home = std::make_shared<ResponderHome>(this);
    std::promise<void> serverGone;
    std::atomic<QThread *> stateGone{nullptr};
    QThread *worker = nullptr;
    bool activeAtTheEnd = true;

    Router router;
    router.get("/late", [&](const Request &, Responder responder) {
        markWith(responder, &stateGone);
        m_worker.emplace([gone = serverGone.get_future(), &worker, &activeAtTheEnd,
                          responder = std::move(responder)]() mutable {
            worker = QThread::currentThread();
            gone.wait();
            activeAtTheEnd = responder.isActive();
            responder.respond(200, QByteArrayLiteral("nobody is listening"));
        });
    });

    auto sink = std::make_unique<RecordingSink>();
    dispatch(router, *sink, "GET", "/late", home);
    QVERIFY(m_worker);
    // As ~IoWorker does it: the connections go (and detach their responders), then the home.
    sink->goAway();
    sink.reset();
    home->close();
    serverGone.set_value();
    m_worker->join();
    QVERIFY(!activeAtTheEnd);
    QCOMPARE(stateGone.load(), worker);
}

void tst_Responder::contextOnlyOnHomeThread()
{
    std::promise<QObject *> workerContext;
    std::promise<bool> workerActive;
    QObject *homeContext = nullptr;
    QObject *contextAfterAnswer = this;
    bool activeAfterAnswer = true;

    Router router;
    router.get("/away", [&](const Request &, Responder responder) {
        homeContext = responder.context();
        m_worker.emplace(
            [&workerContext, &workerActive, responder = std::move(responder)]() mutable {
                workerContext.set_value(responder.context());
                workerActive.set_value(responder.isActive());
                responder.respond(200);
            });
    });
    router.get("/here", [&](const Request &, Responder responder) {
        responder.respond(200);
        contextAfterAnswer = responder.context();
        activeAfterAnswer = responder.isActive();
    });

    RecordingSink sink;
    dispatch(router, sink, "GET", "/away");
    QVERIFY(m_worker);
    QVERIFY(homeContext);
    QCOMPARE(homeContext, sink.requestContext());
    QCOMPARE(workerContext.get_future().get(), nullptr);
    QVERIFY(workerActive.get_future().get());
    m_worker->join();
    QTRY_VERIFY(sink.answered);
    QVERIFY(!sink.calledOffHome);

    RecordingSink other;
    dispatch(router, other, "GET", "/here");
    QVERIFY(other.answered);
    QCOMPARE(contextAfterAnswer, nullptr);
    QVERIFY(!activeAfterAnswer);
}

void tst_Responder::nextFromPoolThread()
{
    QThread *const home = QThread::currentThread();
    std::atomic<QThread *> middlewareWorker{nullptr};
    std::atomic<QThread *> handlerThread{nullptr};
    Handover handover;

    Router router;
    RouteGroup group = router.group("/checked");
    group.use(decorating("X-Checked", "yes"));
    group.use([&](const Request &request, Responder responder, Next next) {
        // An asynchronous check (a token looked up elsewhere), then on.
        QThreadPool::globalInstance()->start([&middlewareWorker, &handover,
                                              held = hold(std::move(responder)), copy = request,
                                              next] {
            handover.take();
            middlewareWorker = QThread::currentThread();
            next(copy, std::move(*held));
            handover.posted();
        });
    });
    group.get("/{id}", [&handlerThread](const Request &request, Responder responder) {
        handlerThread = QThread::currentThread();
        responder.respond(200, "checked " + request.param("id"));
    });

    RecordingSink sink;
    {
        const auto given = handover.give();
        dispatch(router, sink, "GET", "/checked/x%2Fy");
    }
    QVERIFY(handover.waitForPosts(1));
    QVERIFY(handlerThread.load() == nullptr);
    QTRY_VERIFY(sink.answered);
    QVERIFY(!sink.calledOffHome);
    QVERIFY(middlewareWorker.load() != nullptr);
    QVERIFY(middlewareWorker.load() != home);
    QCOMPARE(handlerThread.load(), home);
    QCOMPARE(sink.response.body(), QByteArray("checked x/y"));
    QCOMPARE(sink.header("X-Checked"), QByteArray("yes"));
}

void tst_Responder::stress()
{
    constexpr int requestCount = 200;
    Handover handover;
    WorkerPool pool(4);
    Router router;
    router.use(decorating("X-Decorated", "yes"));
    router.get("/n/{n}", [&handover, &pool](const Request &request, Responder responder) {
        pool.start([&handover, held = hold(std::move(responder)), copy = request] {
            Responder responder = std::move(*held);
            const QByteArray n = copy.param("n");
            // Half of them stream, so that posted calls of different kinds interleave.
            if (n.toInt() % 2 == 0) {
                responder.respond(200, n);
            } else {
                responder.beginStream(200);
                responder.writeChunk(n);
                responder.finishStream();
            }
            handover.posted();
        });
    });

    std::vector<std::unique_ptr<RecordingSink>> sinks;
    for (int i = 0; i < requestCount; ++i) {
        sinks.push_back(std::make_unique<RecordingSink>());
        dispatch(router, *sinks.back(), "GET", "/n/" + QByteArray::number(i));
    }
    QVERIFY(handover.waitForPosts(requestCount));
    const auto answered = [&sinks] {
        return std::count_if(sinks.cbegin(), sinks.cend(),
                             [](const auto &sink) { return sink->answered; });
    };
    QTRY_COMPARE_WITH_TIMEOUT(answered(), requestCount, 30000);
    for (int i = 0; i < requestCount; ++i) {
        const RecordingSink &sink = *sinks[size_t(i)];
        QVERIFY(!sink.calledOffHome);
        QVERIFY(!sink.dropped);
        QCOMPARE(sink.response.status(), 200);
        QCOMPARE(sink.streaming ? sink.chunks.join() : sink.response.body(), QByteArray::number(i));
        QCOMPARE(sink.streaming, i % 2 == 1);
        QCOMPARE(sink.header("X-Decorated"), QByteArray("yes"));
    }
}

QTEST_GUILESS_MAIN(tst_Responder)
#include "tst_responder.moc"
