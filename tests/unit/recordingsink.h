#pragma once

#include "http/responsesink.h"

#include <QByteArrayList>
#include <QThread>

#include <atomic>

// Records what a responder sends, so routing and handlers can be tested without sockets.
//
// Like a connection, it lives in one thread (the one that made it) and must only be called
// there: a call from any other thread sets calledOffHome, which tests check, instead of
// recording into members another thread may be reading.
class RecordingSink : public baton::ResponseSink
{
public:
    quint64 serial = 1;
    bool answered = false;
    bool streaming = false;
    bool dropped = false;
    int dropCount = 0;
    baton::Response response; // a stream's head has no body; its data is in chunks
    QByteArrayList chunks;
    QThread *const home = QThread::currentThread();
    std::atomic<bool> calledOffHome{false};

    // What a connection does when its client goes away.
    void goAway() { detachResponders(); }

    bool isAwaitingResponse(quint64 s) const override { return s == serial && !answered; }
    void sendResponse(quint64 s, baton::Response r) override
    {
        if (!onHome() || !isAwaitingResponse(s))
            return;
        response = std::move(r);
        answered = true;
    }
    void beginStream(quint64 s, int status, baton::Headers headers) override
    {
        if (!onHome() || !isAwaitingResponse(s))
            return;
        response = baton::Response(status, {}, {});
        for (auto &[name, value] : headers)
            response.addHeader(std::move(name), std::move(value));
        streaming = true;
    }
    void writeChunk(quint64 s, const QByteArray &data) override
    {
        if (onHome() && isAwaitingResponse(s) && streaming)
            chunks.append(data);
    }
    void finishStream(quint64 s) override
    {
        if (onHome() && isAwaitingResponse(s) && streaming)
            answered = true;
    }
    void responderDropped(quint64 s, bool) override
    {
        if (!onHome())
            return;
        ++dropCount;
        dropped = isAwaitingResponse(s);
    }

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : response.headers()) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }

private:
    bool onHome()
    {
        if (QThread::currentThread() == home)
            return true;
        calledOffHome = true;
        return false;
    }
};
