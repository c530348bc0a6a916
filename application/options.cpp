#include "options.h"

#include "configfile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QTextStream>

#include <algorithm>
#include <cmath>

namespace baton {

namespace {

const char *const extraHelp = R"(
Built-in routes:
  GET /healthz          200 while the process runs
  GET /readyz           200 while accepting and the application is ready, else 503
  GET /metrics          Prometheus text format
  With --root DIR, paths no route takes are files under DIR (with --autoindex, a
  directory without index.html is listed instead of answering 403). With
  --admin-listen, /healthz, /readyz and /metrics are served only there, not on the
  public port.

Config file: INI lines "key = value" with the long option names as keys, e.g.
  root = /srv/www
  idle-timeout = 30
Options given on the command line win over the file.

Exit status:
  0  clean exit
  1  unexpected runtime failure
  2  usage error: unknown option, bad value, unreadable config file, an
     --access-log file that cannot be opened
  3  cannot listen on the address (in use, no permission, unknown host)
  4  the drain deadline passed: remaining connections were cut
  5  forced stop (SIGUSR2, Force kill, or a second SIGINT/SIGTERM while draining)
  6  --pid-file cannot be written, or names another Baton that is running

Signals:
  SIGINT, SIGTERM  graceful shutdown: (lame duck,) stop accepting, finish in-flight
                   requests with Connection: close, close idle connections, exit
  SIGHUP           zero-downtime restart: start the executable found at the path Baton
                   was started from, with the same arguments, hand it the listening
                   sockets (public and admin), and drain once it is ready
  SIGUSR1          reopen the --access-log file (after logrotate has renamed it)
  SIGUSR2          force kill: abort every connection and exit at once
)";

class OptionReader
{
public:
    OptionReader(const QCommandLineParser &parser, const ConfigFile *config)
        : m_parser(parser), m_config(config)
    {}

    // The value from the command line, else from the config file; nullopt if neither has it.
    std::optional<QString> raw(const QString &name) const
    {
        if (m_parser.isSet(name))
            return m_parser.value(name);
        if (m_config && m_config->contains(name))
            return m_config->value(name);
        return std::nullopt;
    }

    QString source(const QString &name) const
    {
        if (m_parser.isSet(name) || !m_config)
            return QStringLiteral("--") + name;
        return QStringLiteral("%1:%2: %3")
            .arg(m_config->path())
            .arg(m_config->lineOf(name))
            .arg(name);
    }

    bool seconds(const QString &name, std::chrono::milliseconds *out, QString *error,
                 bool allowZero = false) const
    {
        const auto text = raw(name);
        if (!text)
            return true;
        bool ok = false;
        const double value = text->toDouble(&ok);
        if (!ok || !std::isfinite(value) || value < 0 || (value == 0 && !allowZero) ||
            value > 86400 * 365) {
            *error =
                QStringLiteral("%1: expected a %2 number of seconds, got \"%3\"")
                    .arg(source(name),
                         allowZero ? QStringLiteral("non-negative") : QStringLiteral("positive"),
                         *text);
            return false;
        }
        const qint64 ms = qint64(std::llround(value * 1000));
        *out = std::chrono::milliseconds(value > 0 ? qMax<qint64>(1, ms) : 0);
        return true;
    }

    template<typename Int>
    bool integer(const QString &name, Int *out, qint64 min, qint64 max, QString *error) const
    {
        const auto text = raw(name);
        if (!text)
            return true;
        bool ok = false;
        const qint64 value = text->toLongLong(&ok);
        if (!ok || value < min || value > max) {
            *error = QStringLiteral("%1: expected a whole number from %2 to %3, got \"%4\"")
                         .arg(source(name))
                         .arg(min)
                         .arg(max)
                         .arg(*text);
            return false;
        }
        *out = Int(value);
        return true;
    }

private:
    const QCommandLineParser &m_parser;
    const ConfigFile *m_config;
};

ParsedOptions usageError(const QString &message)
{
    return {std::nullopt, ExitUsage, message};
}

} // namespace

ParsedOptions parseOptions(const QStringList &arguments, const OptionsExtension &extension)
{
    ParsedOptions parsed = parseOptionsQuietly(arguments, extension);
    if (parsed.exitCode == ExitUsage)
        QTextStream(stderr) << extension.programName << ": " << parsed.error << " (see "
                            << extension.programName << " --help)\n";
    return parsed;
}

ParsedOptions parseOptionsQuietly(const QStringList &arguments, const OptionsExtension &extension)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        !extension.description.isEmpty()
            ? extension.description
            : QStringLiteral("Baton: an HTTP/1.1 server that shuts down gracefully and restarts "
                             "without dropping a connection, with a desktop control panel."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help and exit."));
    const QCommandLineOption version(QStringLiteral("version"),
                                     QStringLiteral("Show the version and exit."));
    const QList<QCommandLineOption> valueOptions = {
        {QStringLiteral("listen"),
         QStringLiteral("Address to listen on (default 127.0.0.1:8080). Port 0 picks a free "
                        "port; the real address is logged. '*:PORT' listens everywhere."),
         QStringLiteral("HOST:PORT")},
        {QStringLiteral("admin-listen"),
         QStringLiteral("Serve /metrics, /healthz and /readyz on ADDR only, not on the public "
                        "port. ADDR is HOST:PORT, or a Unix socket path: unix:PATH, or any value "
                        "starting with '/'. A stale socket file is replaced; the last process "
                        "removes it at exit. A restart hands this listener over too."),
         QStringLiteral("ADDR")},
        {QStringLiteral("root"),
         QStringLiteral("Serve static files from DIR for paths no route takes."),
         QStringLiteral("DIR")},
        {QStringLiteral("default-type"),
         QStringLiteral("With --root: Content-Type of files whose extension is unknown (default "
                        "application/octet-stream)."),
         QStringLiteral("TYPE")},
        {QStringLiteral("cache-control"),
         QStringLiteral("With --root: a Cache-Control value for file answers, e.g. \"public, "
                        "max-age=3600\" (default: none)."),
         QStringLiteral("VALUE")},
        {QStringLiteral("file-cache-valid"),
         QStringLiteral("With --root: how long what a path led to (the file, its size and "
                        "validators, a small file's bytes) is trusted before the file system is "
                        "asked again; a changed file is served at most this late (default 1, 0: "
                        "every request)."),
         QStringLiteral("SEC")},
        {QStringLiteral("config"),
         QStringLiteral("INI file with the same keys as the long options."),
         QStringLiteral("FILE")},
        {QStringLiteral("threads"),
         QStringLiteral("I/O threads for connections (default: one per available core)."),
         QStringLiteral("N")},
        {QStringLiteral("header-timeout"),
         QStringLiteral("Deadline for a whole request head from its first byte (default 10)."),
         QStringLiteral("SEC")},
        {QStringLiteral("idle-timeout"),
         QStringLiteral("Close keep-alive connections idle this long (default 60)."),
         QStringLiteral("SEC")},
        {QStringLiteral("body-timeout"),
         QStringLiteral("Deadline for a whole request body from the end of its head (default "
                        "60)."),
         QStringLiteral("SEC")},
        {QStringLiteral("send-timeout"),
         QStringLiteral("Reset a connection whose client reads nothing of its answer for this "
                        "long (default 60)."),
         QStringLiteral("SEC")},
        {QStringLiteral("max-connections"),
         QStringLiteral("Open connections at most; more get 503 (default 10000)."),
         QStringLiteral("N")},
        {QStringLiteral("max-header-bytes"),
         QStringLiteral("Request head limit, else 431 (default 32768). A request-target over "
                        "8192 bytes gets 414."),
         QStringLiteral("N")},
        {QStringLiteral("max-body-bytes"),
         QStringLiteral("Request body limit, else 413 (default 1048576)."), QStringLiteral("N")},
        {QStringLiteral("lame-duck"),
         QStringLiteral("On shutdown, first answer /readyz with 503 for SEC seconds while still "
                        "serving, so load balancers stop sending traffic (default 0)."),
         QStringLiteral("SEC")},
        {QStringLiteral("drain-timeout"),
         QStringLiteral("How long a drain may take before remaining connections are cut: "
                        "unanswered requests get 503, the rest are reset (default 30)."),
         QStringLiteral("SEC")},
        {QStringLiteral("restart-timeout"),
         QStringLiteral("How long a restarted process may take to become ready before it is "
                        "killed and the old one serves on (default 30)."),
         QStringLiteral("SEC")},
        {QStringLiteral("restart-mode"),
         QStringLiteral("What SIGHUP and the Restart button do: 'exec' starts a new process (new "
                        "pid; runs a new executable), 'reload' starts a new server generation in "
                        "this process (same pid; re-reads the config file), 'auto' (default) "
                        "reloads when attached to a terminal or running as PID 1, else execs. "
                        "Either way open connections move to the new generation."),
         QStringLiteral("MODE")},
        {QStringLiteral("access-log"),
         QStringLiteral("Log one line per request to FILE, '-' for standard output (default: "
                        "none): the combined log format, or JSON with --log-format json. "
                        "Reopened on SIGUSR1."),
         QStringLiteral("FILE")},
        {QStringLiteral("pid-file"),
         QStringLiteral("Write the serving process's pid to FILE (replaced atomically on "
                        "restart, removed on shutdown)."),
         QStringLiteral("FILE")},
        {QStringLiteral("control-socket"),
         QStringLiteral("Unix socket where `baton --attach PATH` panels watch and steer this "
                        "instance ('none': no socket). Default: $RUNTIME_DIRECTORY/control.sock "
                        "under systemd's RuntimeDirectory=, else $XDG_RUNTIME_DIR/baton/"
                        "NAME-PORT.sock, else none. Mode 0600; a restart hands it over."),
         QStringLiteral("PATH")},
        {QStringLiteral("control-group"),
         QStringLiteral("Members of GROUP may attach to the control socket too (mode 0660)."),
         QStringLiteral("GROUP")},
        {QStringLiteral("attach"),
         QStringLiteral("Serve nothing: open the control panel of the running instance whose "
                        "control socket is PATH (repeat for several, in tabs)."),
         QStringLiteral("PATH")},
        {QStringLiteral("log-format"),
         QStringLiteral("Log lines on stderr (and the access log) as text (default) or json (one "
                        "JSON object per line). When stderr is systemd's journal, each line "
                        "carries its priority."),
         QStringLiteral("FORMAT")},
    };
    const QCommandLineOption headless(
        QStringLiteral("headless"),
        QStringLiteral("No window (chosen automatically when no display is available)."));
    const QCommandLineOption autoindex(
        QStringLiteral("autoindex"),
        QStringLiteral("With --root: list a directory that has no index.html (else 403). "
                       "Names starting with '.' and symlinks leading out of DIR are not listed."));
    const QCommandLineOption noConnectionHandover(
        QStringLiteral("no-connection-handover"),
        QStringLiteral("On restart, close idle keep-alive connections and answer in-flight "
                       "requests with Connection: close, instead of moving open connections to "
                       "the new process."));
    const QCommandLineOption gzipStatic(
        QStringLiteral("gzip-static"),
        QStringLiteral("With --root: send FILE.br or FILE.gz, when there is one beside FILE, to "
                       "clients that accept that coding (with Vary: Accept-Encoding)."));
    parser.addOption(help);
    parser.addOption(version);
    parser.addOption(headless);
    parser.addOption(autoindex);
    parser.addOption(noConnectionHandover);
    parser.addOption(gzipStatic);
    parser.addOptions(valueOptions);
    for (const QCommandLineOption &option : extension.options) {
        if (!parser.addOption(option))
            return usageError(
                QStringLiteral("the program's option --%1 clashes with one of Baton's")
                    .arg(option.names().constLast()));
    }

    if (!parser.parse(arguments))
        return usageError(parser.errorText().replace(u'\n', u' '));
    if (parser.isSet(help)) {
        // Parsed before any QCoreApplication exists, so Qt cannot know the program's name.
        QString text = parser.helpText();
        // Without an application object Qt writes a placeholder; with one, the path it was
        // started by. Either way the usage line names the program.
        text.replace(QStringLiteral("<executable_name>"), extension.programName);
        if (text.startsWith(u"Usage: ")) {
            const qsizetype end = text.indexOf(u' ', 7);
            if (end > 7)
                text.replace(7, end - 7, extension.programName);
        }
        QTextStream out(stdout);
        out << text;
        if (!extension.helpText.isEmpty())
            out << '\n' << extension.helpText.trimmed() << '\n';
        out << QString::fromUtf8(extraHelp);
        return {std::nullopt, ExitOk, {}};
    }
    if (parser.isSet(version)) {
        QTextStream(stdout) << extension.programName << ' ' << extension.version << '\n';
        return {std::nullopt, ExitOk, {}};
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument \"%1\"")
                              .arg(parser.positionalArguments().constFirst()));

    std::optional<ConfigFile> config;
    AppOptions options;
    QString error;
    if (parser.isSet(QStringLiteral("config"))) {
        options.configFile = parser.value(QStringLiteral("config"));
        config = ConfigFile::load(options.configFile, &error);
        if (!config)
            return usageError(error);
        QStringList known{QStringLiteral("headless"), QStringLiteral("autoindex"),
                          QStringLiteral("no-connection-handover"), QStringLiteral("gzip-static")};
        for (const QCommandLineOption &option : valueOptions)
            known += option.names();
        for (const QCommandLineOption &option : extension.options)
            known += option.names();
        for (const QString &key : config->keys()) {
            if (!known.contains(key) || key == u"config")
                return usageError(QStringLiteral("%1:%2: unknown key \"%3\"")
                                      .arg(options.configFile)
                                      .arg(config->lineOf(key))
                                      .arg(key));
        }
    }
    const OptionReader reader(parser, config ? &*config : nullptr);

    if (const auto listen = reader.raw(QStringLiteral("listen"))) {
        const auto address = ListenAddress::parse(*listen, &error);
        if (!address)
            return usageError(reader.source(QStringLiteral("listen")) + QStringLiteral(": ") +
                              error);
        options.listen = *address;
    }
    if (const auto admin = reader.raw(QStringLiteral("admin-listen"))) {
        const QString source = reader.source(QStringLiteral("admin-listen"));
        const auto address =
            ListenAddress::parse(*admin, &error, ListenAddress::Accept::TcpOrUnixPath);
        if (!address)
            return usageError(source + QStringLiteral(": ") + error);
        // A public socket passed in (systemd, or a restart) is not --listen's address, which is
        // then unused: a real clash shows when the admin address is bound (exit 3).
        const QByteArray listenPid = qgetenv("LISTEN_PID");
        const bool publicInherited =
            !qgetenv("LISTEN_FDS").isEmpty() &&
            (listenPid.isEmpty() || listenPid.toLongLong() == QCoreApplication::applicationPid());
        if (!publicInherited && address->overlaps(options.listen))
            return usageError(QStringLiteral("%1: %2 clashes with the --listen address %3; the "
                                             "admin routes need an address of their own")
                                  .arg(source, address->toString(), options.listen.toString()));
        options.adminListen = *address;
    }
    // A flag on the command line, or "key = true/false" in the config file.
    const auto flag = [&](const QCommandLineOption &option, bool *value) {
        const QString key = option.names().constFirst();
        if (parser.isSet(option)) {
            *value = true;
        } else if (const auto raw = reader.raw(key)) {
            const QString v = raw->toLower();
            if (v != u"true" && v != u"false" && v != u"1" && v != u"0" && v != u"yes" &&
                v != u"no") {
                error = reader.source(key) +
                        QStringLiteral(": expected true or false, got \"%1\"").arg(*raw);
                return false;
            }
            *value = v == u"true" || v == u"1" || v == u"yes";
        }
        return true;
    };
    if (!flag(headless, &options.headless) || !flag(autoindex, &options.autoindex) ||
        !flag(noConnectionHandover, &options.noConnectionHandover) ||
        !flag(gzipStatic, &options.gzipStatic))
        return usageError(error);
    // Field values that go into every file answer: visible ASCII and spaces only, so an option
    // can never split a response head.
    const auto fieldValue = [&](const QString &key, QByteArray *out) {
        const auto raw = reader.raw(key);
        if (!raw)
            return true;
        const QByteArray value = raw->trimmed().toLatin1();
        const bool clean =
            !value.isEmpty() && raw->trimmed() == QString::fromLatin1(value) &&
            std::all_of(value.cbegin(), value.cend(), [](char c) { return c >= 0x20 && c < 0x7f; });
        if (!clean) {
            error = reader.source(key) +
                    QStringLiteral(": expected printable ASCII, got \"%1\"").arg(*raw);
            return false;
        }
        *out = value;
        return true;
    };
    if (!fieldValue(QStringLiteral("default-type"), &options.defaultType) ||
        !fieldValue(QStringLiteral("cache-control"), &options.cacheControl))
        return usageError(error);
    if (!options.defaultType.isEmpty() && !options.defaultType.contains('/'))
        return usageError(reader.source(QStringLiteral("default-type")) +
                          QStringLiteral(": expected a media type such as text/plain, got \"%1\"")
                              .arg(QString::fromLatin1(options.defaultType)));
    if (const auto root = reader.raw(QStringLiteral("root"))) {
        if (!QFileInfo(*root).isDir())
            return usageError(reader.source(QStringLiteral("root")) +
                              QStringLiteral(": \"%1\" is not a directory").arg(*root));
        if (QFileInfo(*root).canonicalFilePath() == u"/")
            return usageError(reader.source(QStringLiteral("root")) +
                              QStringLiteral(": \"%1\" is the whole file system; serve a "
                                             "directory of its own")
                                  .arg(*root));
        options.root = *root;
    }
    for (const QCommandLineOption &option : extension.options) {
        if (!option.valueName().isEmpty())
            continue;
        bool set = false;
        if (!flag(option, &set))
            return usageError(error);
        if (set || reader.raw(option.names().constLast()))
            options.given.insert(option.names().constLast(),
                                 set ? QStringLiteral("true") : QStringLiteral("false"));
    }
    for (const QString &name : parser.optionNames()) {
        // The long name, whichever spelling was used.
        for (const QCommandLineOption &option : extension.options + valueOptions) {
            if (option.names().contains(name) && !option.valueName().isEmpty())
                options.given.insert(option.names().constLast(), parser.value(name));
        }
    }
    if (config) {
        for (const QString &key : config->keys()) {
            if (!options.given.contains(key))
                options.given.insert(key, config->value(key));
        }
    }

    ServerLimits &limits = options.limits;
    if (!reader.integer(QStringLiteral("threads"), &options.threads, 1, 256, &error) ||
        !reader.seconds(QStringLiteral("header-timeout"), &limits.headerTimeout, &error) ||
        !reader.seconds(QStringLiteral("idle-timeout"), &limits.idleTimeout, &error) ||
        !reader.seconds(QStringLiteral("body-timeout"), &limits.bodyTimeout, &error) ||
        !reader.seconds(QStringLiteral("send-timeout"), &limits.sendTimeout, &error) ||
        !reader.integer(QStringLiteral("max-connections"), &limits.maxConnections, 1, 1'000'000,
                        &error) ||
        !reader.integer(QStringLiteral("max-header-bytes"), &limits.maxHeaderBytes, 256,
                        16 * 1024 * 1024, &error) ||
        !reader.integer(QStringLiteral("max-body-bytes"), &limits.maxBodyBytes, 0, qint64(1) << 40,
                        &error) ||
        !reader.seconds(QStringLiteral("lame-duck"), &options.lameDuck, &error, true) ||
        !reader.seconds(QStringLiteral("drain-timeout"), &options.drainTimeout, &error) ||
        !reader.seconds(QStringLiteral("restart-timeout"), &options.restartTimeout, &error) ||
        !reader.seconds(QStringLiteral("file-cache-valid"), &options.fileCacheValidity, &error,
                        true))
        return usageError(error);
    if (const auto mode = reader.raw(QStringLiteral("restart-mode"))) {
        if (*mode == u"auto")
            options.restartMode = RestartModeOption::Auto;
        else if (*mode == u"exec")
            options.restartMode = RestartModeOption::Exec;
        else if (*mode == u"reload")
            options.restartMode = RestartModeOption::Reload;
        else
            return usageError(
                reader.source(QStringLiteral("restart-mode")) +
                QStringLiteral(": expected exec, reload or auto, got \"%1\"").arg(*mode));
    }
    if (const auto control = reader.raw(QStringLiteral("control-socket")))
        options.controlSocket.setFrom(*control);
    if (const auto group = reader.raw(QStringLiteral("control-group")))
        options.controlSocket.group = *group;
    options.attach = parser.values(QStringLiteral("attach"));
    for (QString &path : options.attach)
        path = QFileInfo(path).absoluteFilePath();
    if (const auto pidFile = reader.raw(QStringLiteral("pid-file")))
        options.pidFile = QFileInfo(*pidFile).absoluteFilePath();
    if (const auto accessLog = reader.raw(QStringLiteral("access-log"))) {
        if (accessLog->isEmpty())
            return usageError(reader.source(QStringLiteral("access-log")) +
                              QStringLiteral(": expected a file name or '-'"));
        // Absolute, so that a reopen finds the same path whatever the working directory.
        options.accessLog =
            *accessLog == u"-" ? *accessLog : QFileInfo(*accessLog).absoluteFilePath();
    }
    if (const auto format = reader.raw(QStringLiteral("log-format"))) {
        const auto parsedFormat = LogFormatter::parseFormat(*format);
        if (!parsedFormat)
            return usageError(reader.source(QStringLiteral("log-format")) +
                              QStringLiteral(": expected text or json, got \"%1\"").arg(*format));
        options.logFormat = *parsedFormat;
    }
    return {options, ExitOk, {}};
}

} // namespace baton
