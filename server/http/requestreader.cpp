#include "http/requestreader.h"

#include "core/ioworker.h"
#include "http/httprequestparser.h"

namespace baton {

RequestReader::RequestReader(IoWorker &worker, Listener &listener)
    : m_worker(worker), m_listener(listener)
{}

RequestReader::~RequestReader()
{
    discard();
}

bool RequestReader::inMessage() const
{
    return m_parser && m_parser->inMessage();
}

bool RequestReader::headComplete() const
{
    return m_parser && m_parser->headComplete();
}

HttpRequest RequestReader::requestSoFar() const
{
    if (m_parser)
        return m_parser->requestSoFar();
    HttpRequest nothing;
    nothing.versionMinor = -1;
    return nothing;
}

void RequestReader::receive(const char *data, qsizetype size)
{
    if (!m_listener.acceptsRequests() || !m_held.isEmpty()) {
        m_held.append(data, size);
        return;
    }
    parse(data, size);
}

void RequestReader::resume()
{
    if (m_held.isEmpty() || !m_listener.acceptsRequests())
        return;
    const QByteArray input = std::exchange(m_held, QByteArray());
    parse(input.constData(), input.size());
}

void RequestReader::discard()
{
    m_held = QByteArray();
    if (m_parser)
        m_worker.releaseParser(std::move(m_parser));
}

void RequestReader::releaseParserIfIdle()
{
    if (m_parser && !m_parser->inMessage() && m_held.isEmpty())
        m_worker.releaseParser(std::move(m_parser));
}

void RequestReader::parse(const char *data, qsizetype size)
{
    m_parsing = true;
    for (;;) {
        m_unparsedInParse = size; // the listener may ask how much is left while it decides
        if (size <= 0 || !m_listener.acceptsRequests())
            break;
        if (!m_parser)
            m_parser = m_worker.acquireParser();
        HttpRequestParser &parser = *m_parser;
        if (!parser.inMessage())
            m_listener.requestStarted();
        const bool hadHead = parser.headComplete();
        const HttpRequestParser::Result result = parser.feed(data, size);
        data += result.consumed;
        size -= result.consumed;
        if (!hadHead && parser.headComplete())
            m_listener.headCompleted();
        // The listener may close the connection in any of these, which takes the parser back:
        // nothing below touches it afterwards.
        switch (result.event) {
        case HttpRequestParser::Event::NeedMore:
            break;
        case HttpRequestParser::Event::ContinueExpected:
            // Only worth saying when the client is actually waiting for it.
            if (size == 0)
                m_listener.continueExpected();
            break;
        case HttpRequestParser::Event::RequestReady: {
            const bool keepAlive = parser.keepAlive();
            m_listener.requestReady(parser.takeRequest(), keepAlive);
            break;
        }
        case HttpRequestParser::Event::Failed:
            m_listener.requestFailed(parser.errorStatus(), parser.errorReason());
            break;
        }
    }
    m_unparsedInParse = 0;
    if (size > 0 && m_listener.keepsInput())
        m_held.append(data, size);
    m_parsing = false;
}

} // namespace baton
