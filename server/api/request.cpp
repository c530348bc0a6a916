#include <baton/request.h>

#include "http/httprequest.h"
#include "http/percentencoding.h"
#include "net/peeraddress.h"

namespace baton {

Request::Request(const HttpRequest &request, const PeerAddress *peer)
    : m_request(&request), m_peer(peer)
{}

Request::Request(const Request &other)
    : m_request(other.m_request), m_owned(other.m_owned), m_remoteAddress(other.remoteAddress()),
      m_params(other.m_params)
{
    // The original points at the connection's request (and address), which live for the
    // handler call only.
    if (!m_owned) {
        m_owned = std::make_shared<const HttpRequest>(*other.m_request);
        m_request = m_owned.get();
    }
}

Request &Request::operator=(const Request &other)
{
    if (this != &other) {
        Request copy(other);
        m_request = copy.m_request;
        m_owned = std::move(copy.m_owned);
        m_params = std::move(copy.m_params);
        m_peer = nullptr;
        m_remoteAddress = std::move(copy.m_remoteAddress);
    }
    return *this;
}

Request::~Request() = default;

QByteArray Request::method() const
{
    return m_request->method;
}

bool Request::isHead() const
{
    return m_request->isHead();
}

QByteArray Request::target() const
{
    return m_request->target;
}

QByteArray Request::path() const
{
    return m_request->path;
}

QByteArray Request::query() const
{
    return m_request->query;
}

QByteArray Request::queryValue(QByteArrayView name) const
{
    return m_request->queryValue(name);
}

int Request::httpVersionMinor() const
{
    return m_request->versionMinor;
}

const Headers &Request::headers() const
{
    return m_request->headers;
}

QByteArray Request::header(QByteArrayView name) const
{
    return m_request->header(name);
}

bool Request::hasHeader(QByteArrayView name) const
{
    return m_request->hasHeader(name);
}

const QByteArray &Request::body() const
{
    return m_request->body;
}

QByteArray Request::remoteAddress() const
{
    return m_peer ? m_peer->addressText() : m_remoteAddress;
}

const Request::Param *Request::findParam(QByteArrayView name) const
{
    for (const Param &param : m_params) {
        if (param.name == name)
            return &param;
    }
    return nullptr;
}

QByteArray Request::rawParam(QByteArrayView name) const
{
    const Param *param = findParam(name);
    return param ? m_request->path.mid(param->offset, param->length) : QByteArray();
}

QByteArray Request::param(QByteArrayView name) const
{
    const Param *param = findParam(name);
    if (!param)
        return {};
    const QByteArrayView raw = QByteArrayView(m_request->path).sliced(param->offset, param->length);
    if (!raw.contains('%'))
        return raw.toByteArray();
    return percent::decode(raw).value_or(QByteArray());
}

} // namespace baton
