#pragma once

#include <baton/response.h>

class QObject;

namespace baton {

class ResponseSink;

// The right to answer one request. While a responder exists its connection is busy; a responder
// that is destroyed without answering answers 500, so a forgetful handler cannot hang a client.
// Use it on the connection's thread only: for a later answer, bind timers and callbacks to
// context(), which goes when the request is answered or its client goes away.
class HttpResponder
{
public:
    // Told, on the connection's thread, when the connection goes away before the answer.
    class Observer
    {
    public:
        virtual void connectionGone() = 0;

    protected:
        ~Observer() = default;
    };

    HttpResponder() = default;
    HttpResponder(ResponseSink *sink, quint64 serial);
    HttpResponder(HttpResponder &&other) noexcept;
    HttpResponder &operator=(HttpResponder &&other) noexcept;
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;
    ~HttpResponder();

    void setObserver(Observer *observer) { m_observer = observer; }

    // False once answered, or when the connection has gone away.
    bool isActive() const;
    // Null once the connection has gone away.
    QObject *context() const;

    void respond(Response response);
    void respond(int status, QByteArray body = {},
                 QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    // A chunked response: the head now, chunks as they come, then finishStream().
    void beginStream(int status, Headers headers = {});
    void writeChunk(const QByteArray &data);
    void finishStream();

private:
    friend class ResponseSink;
    void link(ResponseSink *sink);
    void unlink();
    void release();

    ResponseSink *m_sink = nullptr;
    // Neighbours in the sink's list of responders (usually just this one).
    HttpResponder *m_previous = nullptr;
    HttpResponder *m_next = nullptr;
    Observer *m_observer = nullptr;
    quint64 m_serial = 0;
    bool m_streaming = false;
};

} // namespace baton
