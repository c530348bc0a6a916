#pragma once

#include "http/httprequest.h"

#include <QByteArray>

#include <memory>

namespace baton {

class HttpRequestParser;
class IoWorker;

// The input side of a connection: bytes read ahead of the request being answered (pipelining,
// or a client that sends while its answer is still being written), the parser — borrowed from
// the I/O worker only while a request is arriving, so an idle connection holds none — and the
// loop that turns bytes into requests for the connection.
class RequestReader
{
public:
    class Listener
    {
    public:
        // Whether another request may be parsed now (no handler holds one, output has room).
        virtual bool acceptsRequests() const = 0;
        // Whether bytes not parsed yet are worth keeping (false once the connection closes).
        virtual bool keepsInput() const = 0;
        virtual void requestStarted() = 0;
        virtual void headCompleted() = 0;
        virtual void continueExpected() = 0;
        virtual void requestReady(HttpRequest request, bool keepAlive) = 0;
        virtual void requestFailed(int status, const QByteArray &reason) = 0;

    protected:
        ~Listener() = default;
    };

    RequestReader(IoWorker &worker, Listener &listener);
    ~RequestReader();
    RequestReader(const RequestReader &) = delete;
    RequestReader &operator=(const RequestReader &) = delete;

    // Bytes from the socket: parsed at once when requests are accepted and nothing is held back,
    // held otherwise.
    void receive(const char *data, qsizetype size);
    // Parses what was held back, as far as requests are accepted.
    void resume();
    // Closing: what was held back and the parser go.
    void discard();
    // Input read but not parsed (a connection moving to another process carries a copy).
    const QByteArray &held() const { return m_held; }
    // Gives the parser back while it is between requests.
    void releaseParserIfIdle();

    bool isParsing() const { return m_parsing; }
    qsizetype heldBytes() const { return m_held.size(); }
    // Read and not parsed yet, including what the parse under way has still to go through.
    qsizetype unparsedBytes() const { return m_held.size() + m_unparsedInParse; }
    bool inMessage() const;
    bool headComplete() const;
    // What was read of the request under way (HttpRequestParser::requestSoFar()); without one,
    // an empty request whose version is unknown.
    HttpRequest requestSoFar() const;

private:
    void parse(const char *data, qsizetype size);

    IoWorker &m_worker;
    Listener &m_listener;
    std::unique_ptr<HttpRequestParser> m_parser;
    QByteArray m_held;
    qsizetype m_unparsedInParse = 0; // the input parse() has not consumed yet
    bool m_parsing = false;
};

} // namespace baton
