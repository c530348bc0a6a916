#pragma once

#include "lifecycle/lifecyclecontroller.h"
#include "options.h"

#include <QString>

namespace baton {

struct RestartModeChoice
{
    RestartMode mode = RestartMode::Exec;
    QString reason; // for the log: why this mode, in the operator's terms
};

// --restart-mode auto picks what keeps the process reachable by whoever started it: a
// supervisor that follows MAINPID (NOTIFY_SOCKET) is told the new pid, and a detached daemon has
// nobody to lose it, so both exec; a terminal (make run, Ctrl+C) and a container (PID 1, whose
// exit ends the container) keep their pid only with a reload.
RestartModeChoice chooseRestartMode(RestartModeOption requested);

// Whether this process has a controlling terminal now. After the terminal hangs up, it has none.
bool hasControllingTerminal();

} // namespace baton
