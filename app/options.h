#pragma once

#include "listensocket.h"
#include "serverconfig.h"

#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace baton {

// Exit statuses: part of the command-line contract (documented in --help and README).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,      // unexpected runtime failure
    ExitUsage = 2,        // bad option, bad value, unreadable config
    ExitListenFailed = 3, // the listening socket could not be opened
    // 4 (drain deadline passed) and 5 (forced) come from LifecycleController::ExitCode.
};

struct AppOptions
{
    ListenAddress listen{QStringLiteral("127.0.0.1"), 8080};
    bool headless = false;
    QString greeting = QStringLiteral("Hello from Baton, the graceful-restart HTTP server.");
    QString root;
    QString configFile;
    int threads = 0; // 0: one per available core
    ServerLimits limits;
    std::chrono::milliseconds lameDuck{0};
    std::chrono::milliseconds drainTimeout{30'000};
    std::chrono::milliseconds restartTimeout{30'000};
    QString pidFile;
};

// Parses the command line (and the --config file it names). Returns the options, or an exit
// code when the process should stop now: after --help/--version (ExitOk, text printed to
// stdout) or after a usage error (ExitUsage, one line printed to stderr).
struct ParsedOptions
{
    std::optional<AppOptions> options;
    int exitCode = ExitOk;
};
ParsedOptions parseOptions(const QStringList &arguments);

} // namespace baton
