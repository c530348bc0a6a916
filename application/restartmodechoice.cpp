#include "restartmodechoice.h"

#include <fcntl.h>
#include <unistd.h>

namespace baton {

bool hasControllingTerminal()
{
    // /dev/tty opens only for a process with a controlling terminal that has not hung up.
    const int fd = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
}

RestartModeChoice chooseRestartMode(RestartModeOption requested)
{
    switch (requested) {
    case RestartModeOption::Exec:
        return {RestartMode::Exec, QStringLiteral("--restart-mode exec")};
    case RestartModeOption::Reload:
        return {RestartMode::Reload, QStringLiteral("--restart-mode reload")};
    case RestartModeOption::Auto:
        break;
    }
    if (!qEnvironmentVariableIsEmpty("NOTIFY_SOCKET"))
        return {RestartMode::Exec,
                QStringLiteral("NOTIFY_SOCKET is set: the supervisor follows MAINPID to the new "
                               "process")};
    if (::getpid() == 1)
        return {RestartMode::Reload,
                QStringLiteral("running as PID 1: a container ends when its first process "
                               "exits")};
    if (hasControllingTerminal())
        return {RestartMode::Reload,
                QStringLiteral("attached to a terminal: a new process would leave it, out of "
                               "reach of Ctrl+C")};
    return {RestartMode::Exec, QStringLiteral("detached from any terminal")};
}

} // namespace baton
