#include "http/httpresponder.h"

#include "http/responsesink.h"

namespace baton {

HttpResponder::HttpResponder(ResponseSink *sink, quint64 serial) : m_serial(serial)
{
    link(sink);
}

HttpResponder::HttpResponder(HttpResponder &&other) noexcept
    : m_observer(other.m_observer), m_serial(other.m_serial), m_streaming(other.m_streaming)
{
    ResponseSink *sink = other.m_sink;
    other.unlink();
    link(sink);
}

HttpResponder &HttpResponder::operator=(HttpResponder &&other) noexcept
{
    if (this != &other) {
        release();
        ResponseSink *sink = other.m_sink;
        m_observer = other.m_observer;
        m_serial = other.m_serial;
        m_streaming = other.m_streaming;
        other.unlink();
        link(sink);
    }
    return *this;
}

HttpResponder::~HttpResponder()
{
    release();
}

void HttpResponder::link(ResponseSink *sink)
{
    m_sink = sink;
    if (!sink)
        return;
    m_previous = nullptr;
    m_next = sink->m_responders;
    if (m_next)
        m_next->m_previous = this;
    sink->m_responders = this;
}

void HttpResponder::unlink()
{
    if (!m_sink)
        return;
    if (m_previous)
        m_previous->m_next = m_next;
    else
        m_sink->m_responders = m_next;
    if (m_next)
        m_next->m_previous = m_previous;
    m_sink = nullptr;
    m_previous = m_next = nullptr;
}

void HttpResponder::release()
{
    if (ResponseSink *sink = m_sink) {
        unlink();
        sink->responderDropped(m_serial, m_streaming);
    }
}

bool HttpResponder::isActive() const
{
    return m_sink && m_sink->isAwaitingResponse(m_serial);
}

QObject *HttpResponder::context() const
{
    return isActive() ? m_sink->requestContext() : nullptr;
}

void HttpResponder::respond(Response response)
{
    if (!m_sink || m_streaming)
        return;
    ResponseSink *sink = m_sink;
    unlink();
    sink->sendResponse(m_serial, std::move(response));
}

void HttpResponder::respond(int status, QByteArray body, QByteArray contentType)
{
    respond(Response(status, std::move(body), std::move(contentType)));
}

void HttpResponder::beginStream(int status, Headers headers)
{
    if (!m_sink || m_streaming)
        return;
    m_streaming = true;
    m_sink->beginStream(m_serial, status, std::move(headers));
}

void HttpResponder::writeChunk(const QByteArray &data)
{
    if (m_sink && m_streaming)
        m_sink->writeChunk(m_serial, data);
}

void HttpResponder::finishStream()
{
    if (!m_sink || !m_streaming)
        return;
    ResponseSink *sink = m_sink;
    unlink();
    sink->finishStream(m_serial);
}

} // namespace baton
