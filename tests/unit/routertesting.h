// What tst_router and tst_middleware share: requests as the parser would make them, handlers and
// middleware that leave traces, and the connection's side of a dispatch.
#pragma once

#include <baton/router.h>

#include "api/responderhome.h"
#include "api/routeraccess.h"
#include "recordingsink.h"

#include <QObject>

#include <memory>

namespace routertesting {

using namespace baton;

inline HttpRequest makeRequest(const QByteArray &method, const QByteArray &target)
{
    HttpRequest r;
    r.method = method;
    r.target = target;
    const qsizetype question = target.indexOf('?');
    r.path = question < 0 ? target : target.left(question);
    r.query = question < 0 ? QByteArray() : target.mid(question + 1);
    return r;
}

// A handler answering with its name and what it saw, so a test can tell which one ran.
inline Handler answer(const QByteArray &name, int status = 200)
{
    return [name, status](const Request &request, Responder responder) {
        responder.respond(status, name + ' ' + request.method());
    };
}

// A middleware appending its name to a shared trace, then going on.
inline Middleware tracing(std::shared_ptr<QByteArrayList> trace, const QByteArray &name)
{
    return [trace, name](const Request &request, Responder responder, Next next) {
        trace->append(name);
        next(request, std::move(responder));
    };
}

// Appends `word` to X-Trace once the response is made.
inline Middleware appending(const QByteArray &word)
{
    return [word](const Request &request, Responder responder, Next next) {
        responder.decorate([word](Response &response) {
            response.setHeader(QByteArrayLiteral("X-Trace"),
                               response.header("X-Trace") + ' ' + word);
        });
        next(request, std::move(responder));
    };
}

inline Middleware cors()
{
    return [](const Request &request, Responder responder, Next next) {
        responder.decorate([](Response &response) {
            response.setHeader(QByteArrayLiteral("Access-Control-Allow-Origin"),
                               QByteArrayLiteral("*"));
        });
        next(request, std::move(responder));
    };
}

// The connection's side, for a test object: it lives in the test's thread, as an I/O worker
// lives in its connections'.
class DispatchingTest : public QObject
{
protected:
    void dispatch(const Router &router, RecordingSink &sink, const HttpRequest &request)
    {
        RouterAccess::dispatch(router, request, HttpResponder(&sink, sink.serial),
                               std::make_shared<ResponderHome>(this));
    }
    void dispatch(const Router &router, RecordingSink &sink, const QByteArray &method,
                  const QByteArray &target)
    {
        dispatch(router, sink, makeRequest(method, target));
    }
};

} // namespace routertesting
