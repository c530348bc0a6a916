#include "http/responsesink.h"

#include "http/httpresponder.h"

namespace baton {

ResponseSink::~ResponseSink()
{
    while (HttpResponder *responder = m_responders) {
        responder->unlink();
        if (responder->m_observer)
            responder->m_observer->connectionGone();
    }
    // Not later: nothing of this sink runs any more, and a thread that is ending would not get
    // round to a deferred delete.
    delete m_requestContext.release();
}

QObject *ResponseSink::requestContext()
{
    if (!m_requestContext)
        m_requestContext.reset(new QObject);
    return m_requestContext.get();
}

void ResponseSink::endRequestContext()
{
    m_requestContext.reset();
}

void ResponseSink::detachResponders()
{
    while (HttpResponder *responder = m_responders) {
        responder->unlink();
        if (responder->m_observer)
            responder->m_observer->connectionGone();
    }
    m_requestContext.reset();
}

} // namespace baton
