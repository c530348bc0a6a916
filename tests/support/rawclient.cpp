#include "rawclient.h"

#include "eventloopwait.h"

#include <QEventLoop>
#include <QFile>
#include <QTcpSocket>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace baton::test {

RawClient::RawClient(QObject *parent) : QObject(parent), m_socket(new QTcpSocket(this))
{
    m_clock.start();
    connect(m_socket, &QTcpSocket::readyRead, this, &RawClient::readAvailable);
    connect(m_socket, &QTcpSocket::readChannelFinished, this, [this] {
        readAvailable();
        m_closed = true;
    });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        readAvailable();
        m_closed = true;
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        readAvailable();
        // A refused or reset connection counts as closed; a timeout of our own does not happen
        // here because we never use the blocking waitFor* API.
        if (error != QAbstractSocket::SocketTimeoutError)
            m_closed = true;
        if (m_error.isEmpty())
            m_error = m_socket->errorString();
    });
}

RawClient::~RawClient()
{
    m_socket->abort();
}

bool RawClient::spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    return waitUntil(done, timeoutMs, [this](QEventLoop &loop) {
        connect(m_socket, &QTcpSocket::readyRead, &loop, &QEventLoop::quit);
        connect(m_socket, &QTcpSocket::bytesWritten, &loop, &QEventLoop::quit);
        connect(m_socket, &QTcpSocket::connected, &loop, &QEventLoop::quit);
        connect(m_socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
        connect(m_socket, &QTcpSocket::readChannelFinished, &loop, &QEventLoop::quit);
        connect(m_socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    });
}

void RawClient::readAvailable()
{
    if (m_socket->bytesAvailable() > 0)
        m_buffer += m_socket->readAll();
}

bool RawClient::connectTo(const QString &host, quint16 port, int timeoutMs)
{
    m_error.clear();
    m_closed = false;
    m_buffer.clear();
    m_socket->connectToHost(host, port);
    spinUntil([this] { return m_socket->state() == QAbstractSocket::ConnectedState || m_closed; },
              timeoutMs);
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        if (m_error.isEmpty())
            m_error = QStringLiteral("timed out connecting to %1:%2").arg(host).arg(port);
        return false;
    }
    // Small writes must leave immediately: trickling tests depend on it.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    return true;
}

bool RawClient::connectToPath(const QString &path)
{
    m_error.clear();
    m_closed = false;
    m_buffer.clear();
    m_socket->abort();
    const QByteArray file = QFile::encodeName(path);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (size_t(file.size()) >= sizeof address.sun_path) {
        m_error = QStringLiteral("socket path too long: ") + path;
        return false;
    }
    std::memcpy(address.sun_path, file.constData(), size_t(file.size()));
    // Non-blocking: a Unix-domain connect either completes at once or fails (EAGAIN: the
    // backlog is full), so no wait is unbounded.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        m_error = QStringLiteral("cannot connect to %1: %2")
                      .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    // QTcpSocket drives any connected stream socket; it takes the descriptor over.
    if (!m_socket->setSocketDescriptor(fd)) {
        m_error = QStringLiteral("cannot use the socket: ") + m_socket->errorString();
        ::close(fd);
        return false;
    }
    return true;
}

bool RawClient::send(const QByteArray &data, int timeoutMs)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        m_error = QStringLiteral("send on a connection that is not open");
        return false;
    }
    if (m_socket->write(data) != data.size()) {
        m_error = QStringLiteral("write failed: ") + m_socket->errorString();
        return false;
    }
    m_socket->flush();
    const bool written = spinUntil(
        [this] {
            return m_socket->bytesToWrite() == 0 ||
                   m_socket->state() != QAbstractSocket::ConnectedState;
        },
        timeoutMs);
    if (!written || m_socket->bytesToWrite() > 0) {
        if (written || m_error.isEmpty())
            m_error = QStringLiteral("could not send %1 of %2 bytes")
                          .arg(m_socket->bytesToWrite())
                          .arg(data.size());
        return false;
    }
    return true;
}

void RawClient::shutdownWrite()
{
    m_socket->flush();
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
}

std::optional<HttpResponse> RawClient::readResponse(int timeoutMs, bool noBody)
{
    ResponseParser parser;
    parser.reset(noBody);
    ResponseParser::Result result = ResponseParser::Result::NeedMore;
    spinUntil(
        [&] {
            result = parser.parse(m_buffer, elapsedMs());
            if (result == ResponseParser::Result::NeedMore && m_closed) {
                readAvailable();
                result = parser.finishAtEof(m_buffer, elapsedMs());
            }
            return result != ResponseParser::Result::NeedMore;
        },
        timeoutMs);
    switch (result) {
    case ResponseParser::Result::Done:
        m_buffer.remove(0, parser.consumed());
        return parser.takeResponse();
    case ResponseParser::Result::Error:
        m_error = parser.errorString();
        break;
    case ResponseParser::Result::NeedMore:
        m_error = QStringLiteral("no complete response within %1 ms (%2 bytes received: %3)")
                      .arg(timeoutMs)
                      .arg(m_buffer.size())
                      .arg(QString::fromLatin1(m_buffer.left(300).toPercentEncoding(" :/=;,.")));
        break;
    }
    return std::nullopt;
}

QList<HttpResponse> RawClient::readResponses(int count, int timeoutMs)
{
    QList<HttpResponse> responses;
    for (int i = 0; i < count; ++i) {
        auto response = readResponse(timeoutMs);
        if (!response) {
            m_error = QStringLiteral("response %1 of %2: ").arg(i + 1).arg(count) + m_error;
            break;
        }
        responses.append(std::move(*response));
    }
    return responses;
}

std::optional<HttpResponse> RawClient::request(const QByteArray &data, int timeoutMs)
{
    if (!send(data, timeoutMs))
        return std::nullopt;
    return readResponse(timeoutMs);
}

bool RawClient::waitForClosed(int timeoutMs)
{
    spinUntil([this] { return m_closed; }, timeoutMs);
    readAvailable();
    return m_closed;
}

bool RawClient::waitForActivity(int timeoutMs)
{
    const qsizetype before = m_buffer.size();
    return spinUntil([this, before] { return m_closed || m_buffer.size() > before; }, timeoutMs);
}

} // namespace baton::test
