#include "http/httpresponder.h"

#include "http/responsesink.h"

namespace baton {

HttpResponder::HttpResponder(ResponseSink *sink, quint64 serial)
    : m_connection(sink), m_serial(serial)
{}

HttpResponder::HttpResponder(HttpResponder &&other) noexcept
    : m_connection(std::move(other.m_connection)), m_serial(other.m_serial),
      m_streaming(other.m_streaming)
{
    other.m_connection.clear();
}

HttpResponder &HttpResponder::operator=(HttpResponder &&other) noexcept
{
    if (this != &other) {
        release();
        m_connection = std::move(other.m_connection);
        other.m_connection.clear();
        m_serial = other.m_serial;
        m_streaming = other.m_streaming;
    }
    return *this;
}

HttpResponder::~HttpResponder()
{
    release();
}

void HttpResponder::release()
{
    if (m_connection) {
        m_connection->responderDropped(m_serial, m_streaming);
        m_connection.clear();
    }
}

bool HttpResponder::isActive() const
{
    return m_connection && m_connection->isAwaitingResponse(m_serial);
}

QObject *HttpResponder::context() const
{
    return m_connection.data();
}

void HttpResponder::respond(HttpResponse response)
{
    if (!m_connection || m_streaming)
        return;
    m_connection->sendResponse(m_serial, std::move(response));
    m_connection.clear();
}

void HttpResponder::respond(int status, QByteArray body, QByteArray contentType)
{
    respond(HttpResponse(status, std::move(body), std::move(contentType)));
}

void HttpResponder::beginStream(int status, HttpHeaders headers)
{
    if (!m_connection || m_streaming)
        return;
    m_streaming = true;
    m_connection->beginStream(m_serial, status, std::move(headers));
}

void HttpResponder::writeChunk(const QByteArray &data)
{
    if (m_connection && m_streaming)
        m_connection->writeChunk(m_serial, data);
}

void HttpResponder::finishStream()
{
    if (!m_connection || !m_streaming)
        return;
    m_connection->finishStream(m_serial);
    m_connection.clear();
}

} // namespace baton
