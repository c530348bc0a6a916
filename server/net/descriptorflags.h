#pragma once

#include <fcntl.h>

namespace baton {

// Non-blocking (an event loop must never wait on it) and closed on exec (a restart passes
// descriptors on purpose, never by accident). False, with errno set, when fcntl refuses.
inline bool makeNonBlockingCloseOnExec(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
           ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

} // namespace baton
