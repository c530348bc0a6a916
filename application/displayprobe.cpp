#include "displayprobe.h"

#include <QByteArray>
#include <QDir>

#include <cerrno>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace baton {

namespace {

bool connectsToUnixSocket(const QByteArray &path, bool abstract)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const size_t offset = abstract ? 1 : 0;
    if (size_t(path.size()) + offset >= sizeof address.sun_path) {
        ::close(fd);
        return false;
    }
    memcpy(address.sun_path + offset, path.constData(), size_t(path.size()));
    const socklen_t length = socklen_t(offsetof(sockaddr_un, sun_path) + offset +
                                       size_t(path.size()) + (abstract ? 0 : 1));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&address), length) == 0;
    ::close(fd);
    return ok;
}

bool connectsToTcp(const QByteArray &host, int port)
{
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *result = nullptr;
    if (::getaddrinfo(host.constData(), QByteArray::number(port).constData(), &hints, &result) != 0)
        return false;
    bool ok = false;
    for (addrinfo *ai = result; ai && !ok; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0) {
            ok = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
            ::close(fd);
        }
    }
    ::freeaddrinfo(result);
    return ok;
}

// DISPLAY is [host]:number[.screen]; a local display listens on /tmp/.X11-unix/X<number> (and
// on the abstract socket of the same name).
bool xDisplayAnswers(const QByteArray &display)
{
    const qsizetype colon = display.lastIndexOf(':');
    if (colon < 0)
        return false;
    const QByteArray host = display.left(colon);
    QByteArray number = display.mid(colon + 1);
    if (const qsizetype dot = number.indexOf('.'); dot >= 0)
        number.truncate(dot);
    bool ok = false;
    const int n = number.toInt(&ok);
    if (!ok)
        return false;
    if (host.isEmpty() || host == "unix") {
        const QByteArray path = "/tmp/.X11-unix/X" + number;
        return connectsToUnixSocket(path, false) || connectsToUnixSocket(path, true);
    }
    return connectsToTcp(host, 6000 + n);
}

} // namespace

bool displayAvailable(QString *why)
{
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    if (!platform.isEmpty() && !platform.startsWith("xcb") && !platform.startsWith("wayland"))
        return true;
    const QByteArray wayland = qgetenv("WAYLAND_DISPLAY");
    if (!wayland.isEmpty() && !platform.startsWith("xcb")) {
        const QByteArray path =
            wayland.startsWith('/') ? wayland : qgetenv("XDG_RUNTIME_DIR") + '/' + wayland;
        if (connectsToUnixSocket(path, false))
            return true;
    }
    const QByteArray display = qgetenv("DISPLAY");
    if (!display.isEmpty() && xDisplayAnswers(display))
        return true;
    if (display.isEmpty() && wayland.isEmpty())
        *why = QStringLiteral("no display available (neither DISPLAY nor WAYLAND_DISPLAY is set)");
    else
        *why = QStringLiteral("no display available (%1 does not answer)")
                   .arg(QString::fromLocal8Bit(display.isEmpty() ? wayland : display));
    return false;
}

} // namespace baton
