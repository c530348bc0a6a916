#pragma once

#include <baton/request.h>

#include "http/httprequest.h"
#include "net/peeraddress.h"

namespace baton {

// The server's side of Request: made around a parsed request, given the route's parameters.
class RequestAccess
{
public:
    static Request make(const HttpRequest &request, const PeerAddress *peer = nullptr)
    {
        return Request(request, peer);
    }
    static void addParam(Request &request, QByteArray name, qsizetype offset, qsizetype length)
    {
        request.m_params.append({std::move(name), offset, length});
    }
    static const HttpRequest &http(const Request &request) { return *request.m_request; }
};

} // namespace baton
