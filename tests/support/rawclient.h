// A raw-socket HTTP client for the integration tests: sends exactly the bytes it is given and
// parses exactly what comes back. Every wait is bounded and driven by the event loop, so the
// server's stderr (read by BatonProcess through the same loop) keeps draining meanwhile.
#pragma once

#include "httpresponse.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class QTcpSocket;

namespace baton::test {

class RawClient : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultTimeoutMs = 5000;

    explicit RawClient(QObject *parent = nullptr);
    ~RawClient() override;

    bool connectTo(const QString &host, quint16 port, int timeoutMs = DefaultTimeoutMs);
    // Connects to a Unix-domain socket at `path` instead; everything else works the same.
    bool connectToPath(const QString &path);

    // Writes `data` and waits until the kernel has taken all of it. Returns false if the
    // connection broke first (the server may legitimately close early, e.g. after a 413).
    bool send(const QByteArray &data, int timeoutMs = DefaultTimeoutMs);
    // Half-closes the connection (shutdown(SHUT_WR)): the server sees EOF, we can still read.
    void shutdownWrite();

    // Reads the next response. `noBody` for responses to HEAD. Interim (1xx) responses are
    // returned like any other. On failure returns nullopt and errorString() says why.
    std::optional<HttpResponse> readResponse(int timeoutMs = DefaultTimeoutMs, bool noBody = false);
    std::optional<HttpResponse> readHeadResponse(int timeoutMs = DefaultTimeoutMs)
    {
        return readResponse(timeoutMs, true);
    }
    // Reads `count` responses in order; stops at the first failure (errorString() says why).
    QList<HttpResponse> readResponses(int count, int timeoutMs = DefaultTimeoutMs);
    // send() + readResponse().
    std::optional<HttpResponse> request(const QByteArray &data, int timeoutMs = DefaultTimeoutMs);

    // True once the server closed (FIN or RST). Waits at most `timeoutMs` for that.
    bool waitForClosed(int timeoutMs = DefaultTimeoutMs);
    // Waits until either a byte arrives or the connection closes; false on timeout.
    bool waitForActivity(int timeoutMs);
    bool isClosed() const { return m_closed; }
    // Bytes received but not (yet) part of a parsed response.
    QByteArray unreadData() const { return m_buffer; }

    // Milliseconds since this client was created; the clock of HttpResponse::chunkTimesMs.
    qint64 elapsedMs() const { return m_clock.elapsed(); }
    QString errorString() const { return m_error; }

private:
    bool spinUntil(const std::function<bool()> &done, int timeoutMs);
    void readAvailable();

    QTcpSocket *m_socket;
    QByteArray m_buffer;
    bool m_closed = false;
    QString m_error;
    QElapsedTimer m_clock;
};

} // namespace baton::test
