#include <baton/responder.h>

#include "api/responderaccess.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

namespace baton {

// Heap-allocated so that moving the Responder between threads never touches the connection's
// list of responders: `inner` is only ever used on `home`'s thread, and the State is deleted
// there. Whoever holds the Responder owns the rest (one thread at a time).
struct Responder::State final : HttpResponder::Observer
{
    State(HttpResponder &&responder, std::shared_ptr<ResponderHome> responderHome)
        : inner(std::move(responder)), home(std::move(responderHome))
    {
        inner.setObserver(this);
    }
    ~State() { inner.setObserver(nullptr); }

    void connectionGone() override
    {
        gone.store(true, std::memory_order_release);
        if (clientGone)
            std::exchange(clientGone, nullptr)();
    }

    bool isHome() const { return QThread::currentThread() == home->thread(); }

    // Runs fn(state) on the home thread; with `release`, the posted call owns the state and
    // deletes it there afterwards (fn may take it by nulling its State *& argument).
    template<typename Fn> static void post(State *state, bool release, Fn &&fn)
    {
        struct Owned
        {
            State *state;
            bool owns;
            Owned(State *s, bool o) : state(s), owns(o) {}
            Owned(Owned &&other) noexcept
                : state(std::exchange(other.state, nullptr)), owns(other.owns)
            {}
            ~Owned()
            {
                if (owns)
                    delete state;
            }
        };
        // Held past the post: a closed home drops the call, and with it the state (which the
        // closed home's connections no longer point at).
        const std::shared_ptr<ResponderHome> home = state->home;
        home->post([owned = Owned(state, release), fn = std::forward<Fn>(fn)]() mutable {
            fn(owned.state);
        });
    }

    void decorateResponse(Response &response)
    {
        for (auto it = decorators.rbegin(); it != decorators.rend(); ++it)
            (*it)(response);
    }

    HttpResponder inner;
    std::shared_ptr<ResponderHome> home;
    std::atomic<bool> gone{false};
    bool answered = false;
    bool streaming = false;
    std::vector<std::function<void(Response &)>> decorators;
    std::function<void()> clientGone;
};

Responder::Responder(State *state) : m_state(state)
{}

Responder::Responder(Responder &&other) noexcept : m_state(std::exchange(other.m_state, nullptr))
{}

Responder &Responder::operator=(Responder &&other) noexcept
{
    if (this != &other) {
        Responder old(std::move(*this));
        m_state = std::exchange(other.m_state, nullptr);
    }
    return *this;
}

Responder::~Responder()
{
    State *state = m_state;
    if (!state)
        return;
    if (state->isHome())
        delete state; // answers 500 if nobody answered
    else
        State::post(state, true, [](State *) {});
}

bool Responder::isActive() const
{
    const State *state = m_state;
    if (!state || state->answered || state->gone.load(std::memory_order_acquire))
        return false;
    return !state->isHome() || state->inner.isActive();
}

QObject *Responder::context() const
{
    return m_state && m_state->isHome() && !m_state->answered ? m_state->inner.context() : nullptr;
}

void Responder::onClientGone(std::function<void()> callback)
{
    if (m_state && m_state->isHome())
        m_state->clientGone = std::move(callback);
}

void Responder::decorate(std::function<void(Response &)> decorator)
{
    if (m_state && !m_state->answered)
        m_state->decorators.push_back(std::move(decorator));
}

void Responder::respond(Response response)
{
    State *state = m_state;
    if (!state || state->answered || state->streaming)
        return;
    state->answered = true;
    state->decorateResponse(response);
    if (state->isHome()) {
        state->inner.respond(std::move(response));
        return;
    }
    m_state = nullptr; // it goes with the answer, and is deleted once that is out
    State::post(state, true, [response = std::move(response)](State *s) mutable {
        s->inner.respond(std::move(response));
    });
}

void Responder::respond(int status, QByteArray body, QByteArray contentType)
{
    respond(Response(status, std::move(body), std::move(contentType)));
}

void Responder::beginStream(int status, Headers headers)
{
    State *state = m_state;
    if (!state || state->answered || state->streaming)
        return;
    state->streaming = true;
    if (!state->decorators.empty()) {
        Response head(status, {}, {});
        for (Header &header : headers)
            head.addHeader(std::move(header.first), std::move(header.second));
        state->decorateResponse(head);
        status = head.status();
        headers = head.headers();
    }
    if (state->isHome()) {
        state->inner.beginStream(status, std::move(headers));
        return;
    }
    // The Responder keeps the state: its destructor's posted delete comes after these calls.
    State::post(state, false, [status, headers = std::move(headers)](State *s) mutable {
        s->inner.beginStream(status, std::move(headers));
    });
}

void Responder::writeChunk(QByteArray data)
{
    State *state = m_state;
    if (!state || state->answered || !state->streaming)
        return;
    if (state->isHome())
        state->inner.writeChunk(data);
    else
        State::post(state, false,
                    [data = std::move(data)](State *s) { s->inner.writeChunk(data); });
}

void Responder::finishStream()
{
    State *state = m_state;
    if (!state || state->answered || !state->streaming)
        return;
    state->answered = true;
    if (state->isHome()) {
        state->inner.finishStream();
        return;
    }
    m_state = nullptr;
    State::post(state, true, [](State *s) { s->inner.finishStream(); });
}

Responder ResponderAccess::make(HttpResponder &&responder, std::shared_ptr<ResponderHome> home)
{
    return Responder(new Responder::State(std::move(responder), std::move(home)));
}

bool ResponderAccess::isHome(const Responder &responder)
{
    return !responder.m_state || responder.m_state->isHome();
}

void ResponderAccess::onHomeThread(Responder &&responder, std::function<void(Responder)> work)
{
    Responder::State *state = responder.m_state;
    if (!state || state->isHome()) {
        work(std::move(responder));
        return;
    }
    responder.m_state = nullptr;
    // The posted call owns the state until the work takes it: dropped unrun, it still goes.
    Responder::State::post(state, true, [work = std::move(work)](Responder::State *&s) {
        work(Responder(std::exchange(s, nullptr)));
    });
}

} // namespace baton
