#include "http/responsewriter.h"

#include "core/ioworker.h"

namespace baton {

ResponseWriter::ResponseWriter(IoWorker &worker) : m_worker(worker)
{}

void ResponseWriter::startRequest(bool headRequest, bool http10)
{
    m_headRequest = headRequest;
    m_http10 = http10;
    m_streaming = false;
    m_streamFraming = BodyFraming::Kind::None;
    m_bodyBytes = 0;
}

QByteArray ResponseWriter::head(int status, const Headers &headers, BodyFraming framing,
                                bool lastResponse, bool *closeRequested)
{
    const ResponseHead head(headers);
    if (head.droppedFields() > 0)
        m_worker.warnThrottled(QStringLiteral("a handler's response to a %1 request had %2 "
                                              "header field(s) with an invalid name or a CR, LF "
                                              "or NUL in the value; they were not sent")
                                   .arg(status)
                                   .arg(head.droppedFields()));
    *closeRequested = head.closeRequested();
    const auto persistence = lastResponse || *closeRequested ? ResponseHead::Persistence::Close
                             : m_http10 ? ResponseHead::Persistence::KeepAliveHttp10
                                        : ResponseHead::Persistence::KeepAlive;
    return head.build(status, m_worker.commonHeaders(), framing, persistence);
}

bool ResponseWriter::queueResponse(const Response &response, bool lastResponse)
{
    const int status = response.status();
    BodyFraming framing;
    if (Response::statusAllowsBody(status)) {
        framing.kind = m_headRequest ? BodyFraming::Kind::LengthNoBody : BodyFraming::Kind::Length;
        framing.length = response.bodySize();
    }
    bool closeRequested = false;
    m_output.append(head(status, response.headers(), framing, lastResponse, &closeRequested));
    if (framing.kind == BodyFraming::Kind::Length) {
        m_bodyBytes = response.bodySize();
        if (response.bodyFile())
            m_output.appendFile(response.bodyFile(), response.bodyFileOffset(),
                                response.bodySize());
        else
            m_output.append(response.body());
    }
    return closeRequested;
}

bool ResponseWriter::queueStreamHead(int status, const Headers &headers, bool lastResponse)
{
    BodyFraming framing;
    if (Response::statusAllowsBody(status))
        framing.kind = m_http10 ? BodyFraming::Kind::UntilClose : BodyFraming::Kind::Chunked;
    const bool untilClose = framing.kind == BodyFraming::Kind::UntilClose;
    bool closeRequested = false;
    m_output.append(head(status, headers, framing, lastResponse || untilClose, &closeRequested));
    m_streaming = true;
    m_streamStatus = status;
    m_streamFraming = m_headRequest ? BodyFraming::Kind::None : framing.kind;
    return closeRequested || untilClose;
}

ResponseWriter::Chunk ResponseWriter::queueChunk(const QByteArray &data)
{
    if (!m_streaming || data.isEmpty() || m_streamFraming == BodyFraming::Kind::None)
        return Chunk::Ignored;
    if (m_output.bufferedBytes() + data.size() > m_worker.limits().maxStreamBuffered)
        return Chunk::OverLimit;
    m_bodyBytes += data.size();
    if (m_streamFraming == BodyFraming::Kind::Chunked)
        m_output.append(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    else
        m_output.append(data);
    return Chunk::Queued;
}

int ResponseWriter::finishStream()
{
    if (m_streamFraming == BodyFraming::Kind::Chunked)
        m_output.append(QByteArrayLiteral("0\r\n\r\n"));
    m_streaming = false;
    m_streamFraming = BodyFraming::Kind::None;
    return m_streamStatus;
}

} // namespace baton
