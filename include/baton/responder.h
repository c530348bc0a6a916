#pragma once

#include <baton/response.h>

#include <functional>

class QObject;

namespace baton {

// The right to answer one request, passed to the handler by value and moved wherever the answer
// will come from. While it exists the connection is busy (a drain waits for it, a restart moves
// the connection only after it answered); one destroyed without answering answers 500, so a
// forgotten request cannot hang its client (that 500 comes from the connection itself, without
// decorators).
//
// Threads: a handler runs on its connection's I/O thread and must not block it. Blocking work
// goes to a thread pool with the responder moved along: respond(), the stream calls and
// isActive() work from any thread (the answer is posted to the connection's thread, in order).
// context() and onClientGone() are for the connection's thread.
class Responder
{
public:
    Responder() = default;
    Responder(Responder &&other) noexcept;
    Responder &operator=(Responder &&other) noexcept;
    Responder(const Responder &) = delete;
    Responder &operator=(const Responder &) = delete;
    ~Responder();

    // False once answered, or once the request cannot be answered any more (its client went
    // away, or the drain deadline answered it). From any thread: long work can stop early.
    bool isActive() const;
    // A QObject that lives while the request is in the handler's hands: bind timers and
    // callbacks to it, and they go when the request is answered or the client goes away. Null
    // when inactive, or when called from another thread than the connection's.
    QObject *context() const;
    // Called on the connection's thread if the client goes away before the answer.
    void onClientGone(std::function<void()> callback);

    void respond(Response response);
    void respond(int status, QByteArray body = {},
                 QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    // A chunked response: the head now, chunks as they come, then finishStream().
    void beginStream(int status, Headers headers = {});
    void writeChunk(QByteArray data);
    void finishStream();

    // For middleware: runs on the response (or a stream's head, as a Response without body)
    // just before it goes out, on the thread that answers. Decorators added later run first, so
    // an outer middleware sees what the inner ones made.
    void decorate(std::function<void(Response &)> decorator);

private:
    friend class ResponderAccess;
    struct State;
    explicit Responder(State *state);

    State *m_state = nullptr;
};

} // namespace baton
