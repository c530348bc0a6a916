#pragma once

#include "http/httpresponse.h"

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
    HttpResponder() = default;
    HttpResponder(ResponseSink *sink, quint64 serial);
    HttpResponder(HttpResponder &&other) noexcept;
    HttpResponder &operator=(HttpResponder &&other) noexcept;
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;
    ~HttpResponder();

    // False once answered, or when the connection has gone away.
    bool isActive() const;
    // Null once the connection has gone away.
    QObject *context() const;

    void respond(HttpResponse response);
    void respond(int status, QByteArray body = {},
                 QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    // A chunked response: the head now, chunks as they come, then finishStream().
    void beginStream(int status, HttpHeaders headers = {});
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
    quint64 m_serial = 0;
    bool m_streaming = false;
};

} // namespace baton
