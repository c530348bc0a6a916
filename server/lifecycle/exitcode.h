#pragma once

namespace baton {

// Exit statuses of the process: part of the command-line contract (--help and README list them).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,      // unexpected runtime failure
    ExitUsage = 2,        // bad option, bad value, unreadable config
    ExitListenFailed = 3, // the listening socket could not be opened
    ExitDrainTimeout = 4, // the drain deadline passed and connections were cut
    ExitForced = 5,       // force kill, or a second shutdown request during a drain
    ExitPidFile = 6,      // the --pid-file cannot be written, or names another running Baton
};

} // namespace baton
