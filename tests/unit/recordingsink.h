#pragma once

#include "http/responsesink.h"

// Records what a responder sends, so routing and handlers can be tested without sockets.
class RecordingSink : public baton::ResponseSink
{
public:
    quint64 serial = 1;
    bool answered = false;
    bool dropped = false;
    baton::Response response;

    bool isAwaitingResponse(quint64 s) const override { return s == serial && !answered; }
    void sendResponse(quint64 s, baton::Response r) override
    {
        if (isAwaitingResponse(s)) {
            response = std::move(r);
            answered = true;
        }
    }
    void beginStream(quint64, int status, baton::Headers) override
    {
        response.setStatus(status);
    }
    void writeChunk(quint64, const QByteArray &data) override { chunks.append(data); }
    void finishStream(quint64) override { answered = true; }
    void responderDropped(quint64 s, bool) override { dropped = isAwaitingResponse(s); }

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : response.headers()) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }

    QByteArrayList chunks;
};
