#pragma once

#include <baton/response.h>

#include <QObject>

#include <memory>

namespace baton {

class HttpResponder;

// Where a responder's answer goes: the connection in the server, a recorder in tests.
// Calls carry the serial of the request they answer, so a late answer to a request that was
// already settled (a drain deadline answered 503) is recognised and dropped.
//
// A sink is not a QObject (an idle connection should not carry one): the responders that point
// at it are linked to it instead, and a sink that goes away leaves them inactive. Sinks and
// their responders live in one thread.
class ResponseSink
{
public:
    ResponseSink() = default;
    ResponseSink(const ResponseSink &) = delete;
    ResponseSink &operator=(const ResponseSink &) = delete;

    virtual bool isAwaitingResponse(quint64 serial) const = 0;
    virtual void sendResponse(quint64 serial, Response response) = 0;
    virtual void beginStream(quint64 serial, int status, Headers headers) = 0;
    virtual void writeChunk(quint64 serial, const QByteArray &data) = 0;
    virtual void finishStream(quint64 serial) = 0;
    virtual void responderDropped(quint64 serial, bool streaming) = 0;

    // A QObject that lives while the current request is in a handler's hands: timers and
    // objects a handler binds to it go when the request is answered or its client goes away.
    // Made on first use, so handlers that answer at once pay nothing for it.
    QObject *requestContext();

protected:
    ~ResponseSink();
    // The request is over: its context goes (later, so a handler running now is not cut short).
    void endRequestContext();
    // Every responder still pointing here goes inactive.
    void detachResponders();

private:
    friend class HttpResponder;
    struct DeleteLater
    {
        void operator()(QObject *object) const { object->deleteLater(); }
    };

    HttpResponder *m_responders = nullptr; // intrusive list through HttpResponder::m_next
    std::unique_ptr<QObject, DeleteLater> m_requestContext;
};

} // namespace baton
