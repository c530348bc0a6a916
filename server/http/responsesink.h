#pragma once

#include "http/httpresponse.h"

#include <QObject>

namespace baton {

// Where a responder's answer goes: the connection in the server, a recorder in tests.
// Calls carry the serial of the request they answer, so a late answer to a request that was
// already settled (a drain deadline answered 503) is recognised and dropped.
class ResponseSink : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual bool isAwaitingResponse(quint64 serial) const = 0;
    virtual void sendResponse(quint64 serial, HttpResponse response) = 0;
    virtual void beginStream(quint64 serial, int status, HttpHeaders headers) = 0;
    virtual void writeChunk(quint64 serial, const QByteArray &data) = 0;
    virtual void finishStream(quint64 serial) = 0;
    virtual void responderDropped(quint64 serial, bool streaming) = 0;
};

} // namespace baton
