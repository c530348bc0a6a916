#pragma once

#include "control/controlsocket.h"
#include "core/logformatter.h"
#include "core/serverconfig.h"
#include "lifecycle/exitcode.h"
#include "net/listensocket.h"

#include <QCommandLineOption>
#include <QHash>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace baton {

enum class RestartModeOption { Auto, Exec, Reload };

struct AppOptions
{
    ListenAddress listen{QStringLiteral("127.0.0.1"), 8080};
    bool headless = false;
    bool noConnectionHandover = false;
    QString root;
    // --admin-listen: /metrics, /healthz and /readyz there instead of on the public port.
    std::optional<ListenAddress> adminListen;
    // With --root: the type of files whose extension is not in the table, and a Cache-Control
    // value for file answers (empty: none).
    QByteArray defaultType;
    QByteArray cacheControl;
    // With --root: serve file.gz / file.br to clients that take them; how long a looked-up path
    // is trusted before the file system is asked again.
    bool gzipStatic = false;
    std::chrono::milliseconds fileCacheValidity{1000};
    // With --root: list a directory that has no index.html instead of answering 403.
    bool autoindex = false;
    QString configFile;
    // --control-socket and --control-group.
    control::ControlSocketSettings controlSocket;
    // --attach: no server, a panel on these instances' control sockets.
    QStringList attach;
    int threads = 0; // 0: one per available core
    ServerLimits limits;
    std::chrono::milliseconds lameDuck{0};
    std::chrono::milliseconds drainTimeout{30'000};
    std::chrono::milliseconds restartTimeout{30'000};
    QString pidFile;
    RestartModeOption restartMode = RestartModeOption::Auto;
    LogFormatter::Format logFormat = LogFormatter::Format::Text;
    // --access-log: one line per request to this file ("-": standard output); empty: none.
    // With --log-format json it is JSON too (the combined log format otherwise).
    QString accessLog;
    // Every option given, by long name, as written (the application's own options included):
    // command line first, then the config file. A flag given on the command line is "true"; in
    // the config file it is "true" or "false".
    QHash<QString, QString> given;
};

// What a program built on Baton adds to the command line.
struct OptionsExtension
{
    QString programName = QStringLiteral("baton"); // in --help, --version and errors
    QString version = QStringLiteral(BATON_VERSION);
    QString description;               // --help's first paragraph; empty: Baton's
    QString helpText;                  // --help, between the options and Baton's sections
    QList<QCommandLineOption> options; // the program's own, also accepted in the config file
};

// Parses the command line (and the --config file it names). Returns the options, or an exit
// code when the process should stop now: after --help/--version (ExitOk, text printed to
// stdout) or after a usage error (ExitUsage, one line printed to stderr).
struct ParsedOptions
{
    std::optional<AppOptions> options;
    int exitCode = ExitOk;
    QString error; // the usage error, when exitCode is ExitUsage
};
ParsedOptions parseOptions(const QStringList &arguments, const OptionsExtension &extension = {});
// The same without printing anything: for a reload, which reads the config file again.
ParsedOptions parseOptionsQuietly(const QStringList &arguments,
                                  const OptionsExtension &extension = {});

} // namespace baton
