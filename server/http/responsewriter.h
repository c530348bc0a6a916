#pragma once

#include <baton/response.h>
#include "http/outputqueue.h"
#include "http/responsehead.h"

namespace baton {

class IoWorker;

// The output side of a connection: turns a handler's answer into bytes on the output queue.
// It chooses the framing the request allows (Content-Length; chunked for an HTTP/1.1 stream and
// close-delimited for an HTTP/1.0 one, which knows no chunked coding; no body for HEAD, 1xx, 204
// and 304), encodes chunks, and refuses to buffer a stream past the limit.
class ResponseWriter
{
public:
    enum class Chunk { Queued, Ignored, OverLimit };

    explicit ResponseWriter(IoWorker &worker);

    OutputQueue &output() { return m_output; }
    const OutputQueue &output() const { return m_output; }
    bool isStreaming() const { return m_streaming; }
    // Body bytes of the current response queued so far (no head, no chunk framing).
    qint64 bodyBytes() const { return m_bodyBytes; }

    // The request about to be answered.
    void startRequest(bool headRequest, bool http10);
    // Each returns true when this response must end the connection (the handler said
    // Connection: close, or an HTTP/1.0 stream ends with the connection). lastResponse: the
    // connection already knows it ends after this one.
    bool queueResponse(const Response &response, bool lastResponse);
    bool queueStreamHead(int status, const Headers &headers, bool lastResponse);
    Chunk queueChunk(const QByteArray &data);
    // Ends the stream; returns its status.
    int finishStream();
    void queueInterim(QByteArray bytes) { m_output.append(std::move(bytes)); }

private:
    QByteArray head(int status, const Headers &headers, BodyFraming framing, bool lastResponse,
                    bool *closeRequested);

    IoWorker &m_worker;
    OutputQueue m_output;
    qint64 m_bodyBytes = 0;
    int m_streamStatus = 0;
    BodyFraming::Kind m_streamFraming = BodyFraming::Kind::None;
    bool m_streaming = false;
    bool m_headRequest = false;
    bool m_http10 = false;
};

} // namespace baton
