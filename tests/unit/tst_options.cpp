#include "options.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryFile>
#include <QTest>

using namespace baton;

class tst_Options : public QObject
{
    Q_OBJECT

private:
    // As the baton executable extends the command line: a value option and a flag of its own.
    static OptionsExtension extension()
    {
        OptionsExtension extension;
        extension.options = {{QStringLiteral("greeting"), QStringLiteral("Body text of GET /."),
                              QStringLiteral("TEXT"), QStringLiteral("Hello")},
                             {QStringLiteral("demo-routes"), QStringLiteral("Demo routes.")}};
        return extension;
    }
    static ParsedOptions parse(QStringList arguments)
    {
        arguments.prepend(QStringLiteral("baton"));
        return parseOptions(arguments, extension());
    }

private slots:
    void defaults()
    {
        const ParsedOptions parsed = parse({});
        QVERIFY(parsed.options);
        const AppOptions &o = *parsed.options;
        QCOMPARE(o.listen.toString(), QStringLiteral("127.0.0.1:8080"));
        QCOMPARE(o.limits.headerTimeout, std::chrono::milliseconds(10'000));
        QCOMPARE(o.limits.idleTimeout, std::chrono::milliseconds(60'000));
        QCOMPARE(o.limits.maxConnections, 10'000);
        QCOMPARE(o.limits.maxHeaderBytes, 32'768);
        QCOMPARE(o.limits.maxBodyBytes, qint64(1) << 20);
        QVERIFY(!o.headless);
    }

    void values()
    {
        const ParsedOptions parsed =
            parse({QStringLiteral("--listen"), QStringLiteral("[::1]:0"),
                   QStringLiteral("--idle-timeout"), QStringLiteral("0.25"),
                   QStringLiteral("--header-timeout=1.5"), QStringLiteral("--threads"),
                   QStringLiteral("3"), QStringLiteral("--headless"), QStringLiteral("--greeting"),
                   QStringLiteral("hi, there")});
        QVERIFY(parsed.options);
        QCOMPARE(parsed.options->listen.host, QStringLiteral("::1"));
        QCOMPARE(parsed.options->listen.port, quint16(0));
        QCOMPARE(parsed.options->limits.idleTimeout, std::chrono::milliseconds(250));
        QCOMPARE(parsed.options->limits.headerTimeout, std::chrono::milliseconds(1500));
        QCOMPARE(parsed.options->threads, 3);
        QVERIFY(parsed.options->headless);
        QCOMPARE(parsed.options->given.value(QStringLiteral("greeting")), QStringLiteral("hi, there"));
        QCOMPARE(parsed.options->given.value(QStringLiteral("threads")), QStringLiteral("3"));
    }

    void fileAnswerHeaders()
    {
        const ParsedOptions parsed =
            parse({QStringLiteral("--default-type"), QStringLiteral("text/plain; charset=utf-8"),
                   QStringLiteral("--cache-control"), QStringLiteral(" public, max-age=60 ")});
        QVERIFY(parsed.options);
        QCOMPARE(parsed.options->defaultType, QByteArray("text/plain; charset=utf-8"));
        QCOMPARE(parsed.options->cacheControl, QByteArray("public, max-age=60"));
        QVERIFY(parse({}).options->cacheControl.isEmpty());
    }

    // --gzip-static and --file-cache-valid (seconds, 0 allowed: every request looks again).
    void staticFileCache()
    {
        const ParsedOptions defaults = parse({});
        QVERIFY(!defaults.options->gzipStatic);
        QCOMPARE(defaults.options->fileCacheValidity, std::chrono::milliseconds(1000));
        const ParsedOptions set =
            parse({QStringLiteral("--gzip-static"), QStringLiteral("--file-cache-valid"),
                   QStringLiteral("0.25")});
        QVERIFY(set.options);
        QVERIFY(set.options->gzipStatic);
        QCOMPARE(set.options->fileCacheValidity, std::chrono::milliseconds(250));
        QCOMPARE(parse({QStringLiteral("--file-cache-valid"), QStringLiteral("0")})
                     .options->fileCacheValidity,
                 std::chrono::milliseconds(0));
        QCOMPARE(parse({QStringLiteral("--file-cache-valid"), QStringLiteral("-1")}).exitCode,
                 int(ExitUsage));
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("gzip-static = true\nfile-cache-valid = 5\n");
        config.close();
        const ParsedOptions fromFile = parse({QStringLiteral("--config"), config.fileName()});
        QVERIFY(fromFile.options);
        QVERIFY(fromFile.options->gzipStatic);
        QCOMPARE(fromFile.options->fileCacheValidity, std::chrono::milliseconds(5000));
    }

    // --autoindex on the command line, or "autoindex = true/false" in the config file.
    void autoindex()
    {
        QVERIFY(!parse({}).options->autoindex);
        QVERIFY(parse({QStringLiteral("--autoindex")}).options->autoindex);
        for (const auto &[line, expected] : {std::pair{QByteArray("autoindex = yes\n"), true},
                                             std::pair{QByteArray("autoindex = false\n"), false}}) {
            QTemporaryFile config;
            QVERIFY(config.open());
            config.write(line);
            config.close();
            const ParsedOptions parsed = parse({QStringLiteral("--config"), config.fileName()});
            QVERIFY(parsed.options);
            QCOMPARE(parsed.options->autoindex, expected);
        }
    }

    // --restart-mode: auto by default, exec or reload when asked, from the file too; anything
    // else is a usage error that names the key, and the quiet parser returns it for a reload.
    void restartMode()
    {
        QCOMPARE(parse({}).options->restartMode, RestartModeOption::Auto);
        QCOMPARE(
            parse({QStringLiteral("--restart-mode"), QStringLiteral("exec")}).options->restartMode,
            RestartModeOption::Exec);
        QCOMPARE(parse({QStringLiteral("--restart-mode"), QStringLiteral("reload")})
                     .options->restartMode,
                 RestartModeOption::Reload);
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("restart-mode = reload\n");
        config.close();
        QCOMPARE(parse({QStringLiteral("--config"), config.fileName()}).options->restartMode,
                 RestartModeOption::Reload);
        const ParsedOptions bad = parseOptionsQuietly(
            {QStringLiteral("baton"), QStringLiteral("--restart-mode"), QStringLiteral("fork")});
        QCOMPARE(bad.exitCode, int(ExitUsage));
        QVERIFY2(bad.error.contains(QStringLiteral("--restart-mode")) &&
                     bad.error.contains(QStringLiteral("\"fork\"")),
                 qPrintable(bad.error));
    }

    // A program's own flag: absent, given on the command line, or true/false in the config
    // file; and its own options are keys the config file may use.
    void programFlags()
    {
        QVERIFY(!parse({}).options->given.contains(QStringLiteral("demo-routes")));
        QCOMPARE(parse({QStringLiteral("--demo-routes")})
                     .options->given.value(QStringLiteral("demo-routes")),
                 QStringLiteral("true"));
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("demo-routes = no\n");
        config.close();
        QCOMPARE(parse({QStringLiteral("--config"), config.fileName()})
                     .options->given.value(QStringLiteral("demo-routes")),
                 QStringLiteral("false"));
        // Without the extension the same file names an unknown key.
        const ParsedOptions plain =
            parseOptionsQuietly({QStringLiteral("baton"), QStringLiteral("--config"),
                                 config.fileName()});
        QVERIFY(!plain.options);
        QVERIFY2(plain.error.contains(QStringLiteral("unknown key \"demo-routes\"")),
                 qPrintable(plain.error));
    }

    // A program option that clashes with one of Baton's is a usage error, not a silent loss.
    void programOptionClash()
    {
        OptionsExtension clash;
        clash.options = {{QStringLiteral("listen"), QStringLiteral("mine"), QStringLiteral("X")}};
        const ParsedOptions parsed = parseOptionsQuietly({QStringLiteral("baton")}, clash);
        QVERIFY(!parsed.options);
        QVERIFY2(parsed.error.contains(QStringLiteral("--listen")), qPrintable(parsed.error));
    }

    void adminListen_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected"); // ListenAddress::toString()
        const QString cwd = QDir::currentPath();
        QTest::addRow("none") << QString() << QString();
        QTest::addRow("host:port")
            << QStringLiteral("127.0.0.1:9100") << QStringLiteral("127.0.0.1:9100");
        QTest::addRow("port 0 beside the default --listen")
            << QStringLiteral("127.0.0.1:0") << QStringLiteral("127.0.0.1:0");
        QTest::addRow("absolute path") << QStringLiteral("/run/baton/admin.sock")
                                       << QStringLiteral("unix:/run/baton/admin.sock");
        QTest::addRow("unix:absolute")
            << QStringLiteral("unix:/tmp/a.sock") << QStringLiteral("unix:/tmp/a.sock");
        QTest::addRow("unix:relative, made absolute")
            << QStringLiteral("unix:run/../a.sock")
            << QStringLiteral("unix:") + cwd + QStringLiteral("/a.sock");
    }
    void adminListen()
    {
        QFETCH(QString, value);
        QFETCH(QString, expected);
        const ParsedOptions parsed =
            value.isEmpty() ? parse({}) : parse({QStringLiteral("--admin-listen"), value});
        QVERIFY(parsed.options);
        QCOMPARE(parsed.options->adminListen.has_value(), !expected.isEmpty());
        if (parsed.options->adminListen)
            QCOMPARE(parsed.options->adminListen->toString(), expected);
    }

    // With the public socket passed in (systemd's LISTEN_FDS), --listen's default is unused, so
    // an admin address equal to it is no clash.
    void adminListenBesideAnInheritedSocket()
    {
        const QStringList arguments{QStringLiteral("--admin-listen"),
                                    QStringLiteral("127.0.0.1:8080")};
        QCOMPARE(parse(arguments).exitCode, int(ExitUsage));
        qputenv("LISTEN_FDS", "1");
        qputenv("LISTEN_PID", QByteArray::number(QCoreApplication::applicationPid()));
        const ParsedOptions parsed = parse(arguments);
        qunsetenv("LISTEN_FDS");
        qunsetenv("LISTEN_PID");
        QVERIFY(parsed.options);
        QCOMPARE(parsed.options->adminListen->toString(), QStringLiteral("127.0.0.1:8080"));
    }

    // --log-format text|json, or "log-format = json" in the config file; the command line wins.
    void logFormat()
    {
        QVERIFY(parse({}).options->logFormat == LogFormatter::Format::Text);
        QVERIFY(
            parse({QStringLiteral("--log-format"), QStringLiteral("json")}).options->logFormat ==
            LogFormatter::Format::Json);
        QVERIFY(parse({QStringLiteral("--log-format=text")}).options->logFormat ==
                LogFormatter::Format::Text);
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("log-format = json\n");
        config.close();
        QVERIFY(parse({QStringLiteral("--config"), config.fileName()}).options->logFormat ==
                LogFormatter::Format::Json);
        QVERIFY(parse({QStringLiteral("--config"), config.fileName(),
                       QStringLiteral("--log-format"), QStringLiteral("text")})
                    .options->logFormat == LogFormatter::Format::Text);
    }

    // --access-log FILE|- and --log-format text|json, from the command line or the file.
    void accessLog()
    {
        const ParsedOptions defaults = parse({});
        QVERIFY(defaults.options->accessLog.isEmpty());
        QCOMPARE(defaults.options->logFormat, LogFormatter::Format::Text);
        const ParsedOptions relative =
            parse({QStringLiteral("--access-log"), QStringLiteral("logs/access.log")});
        QVERIFY(relative.options);
        QCOMPARE(relative.options->accessLog,
                 QDir::current().absoluteFilePath(QStringLiteral("logs/access.log")));
        const ParsedOptions standardOutput =
            parse({QStringLiteral("--access-log"), QStringLiteral("-"),
                   QStringLiteral("--log-format"), QStringLiteral("json")});
        QVERIFY(standardOutput.options);
        QCOMPARE(standardOutput.options->accessLog, QStringLiteral("-"));
        QCOMPARE(standardOutput.options->logFormat, LogFormatter::Format::Json);
        QCOMPARE(parse({QStringLiteral("--log-format=text")}).options->logFormat,
                 LogFormatter::Format::Text);

        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("access-log = /var/log/baton/access.log\nlog-format = json\n");
        config.close();
        const ParsedOptions fromFile = parse({QStringLiteral("--config"), config.fileName()});
        QVERIFY(fromFile.options);
        QCOMPARE(fromFile.options->accessLog, QStringLiteral("/var/log/baton/access.log"));
        QCOMPARE(fromFile.options->logFormat, LogFormatter::Format::Json);
        const ParsedOptions overridden =
            parse({QStringLiteral("--config"), config.fileName(), QStringLiteral("--access-log"),
                   QStringLiteral("-"), QStringLiteral("--log-format"), QStringLiteral("text")});
        QCOMPARE(overridden.options->accessLog, QStringLiteral("-"));
        QCOMPARE(overridden.options->logFormat, LogFormatter::Format::Text);
    }

    void badValues_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addRow("unknown option") << QStringList{QStringLiteral("--frobnicate")};
        QTest::addRow("root is /") << QStringList{QStringLiteral("--root"), QStringLiteral("/")};
        QTest::addRow("missing value") << QStringList{QStringLiteral("--listen")};
        QTest::addRow("no port") << QStringList{QStringLiteral("--listen"),
                                                QStringLiteral("localhost")};
        QTest::addRow("port too big")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:70000")};
        QTest::addRow("negative timeout")
            << QStringList{QStringLiteral("--idle-timeout"), QStringLiteral("-1")};
        QTest::addRow("zero timeout")
            << QStringList{QStringLiteral("--header-timeout"), QStringLiteral("0")};
        QTest::addRow("text timeout")
            << QStringList{QStringLiteral("--idle-timeout"), QStringLiteral("soon")};
        QTest::addRow("zero threads")
            << QStringList{QStringLiteral("--threads"), QStringLiteral("0")};
        QTest::addRow("fraction connections")
            << QStringList{QStringLiteral("--max-connections"), QStringLiteral("1.5")};
        QTest::addRow("root not a dir")
            << QStringList{QStringLiteral("--root"), QStringLiteral("/nonexistent/dir")};
        QTest::addRow("stray argument") << QStringList{QStringLiteral("extra")};
        QTest::addRow("default type without a slash")
            << QStringList{QStringLiteral("--default-type"), QStringLiteral("text")};
        QTest::addRow("cache control with a line break") << QStringList{
            QStringLiteral("--cache-control"), QStringLiteral("max-age=1\r\nSet-Cookie: a=b")};
        QTest::addRow("cache control not ASCII")
            << QStringList{QStringLiteral("--cache-control"), QStringLiteral("max-âge=1")};
        QTest::addRow("admin-listen without a port")
            << QStringList{QStringLiteral("--admin-listen"), QStringLiteral("localhost")};
        QTest::addRow("admin-listen unix: without a path")
            << QStringList{QStringLiteral("--admin-listen"), QStringLiteral("unix:")};
        QTest::addRow("admin-listen same as listen")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:9000"),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:9000")};
        QTest::addRow("admin-listen on every interface, same port as listen")
            << QStringList{QStringLiteral("--admin-listen"), QStringLiteral("*:8080")};
        QTest::addRow("demo-routes with a value")
            << QStringList{QStringLiteral("--demo-routes=yes")};
        QTest::addRow("empty access-log") << QStringList{QStringLiteral("--access-log=")};
        QTest::addRow("access-log without a value") << QStringList{QStringLiteral("--access-log")};
        QTest::addRow("unknown log format")
            << QStringList{QStringLiteral("--log-format"), QStringLiteral("xml")};
        QTest::addRow("log format in capitals")
            << QStringList{QStringLiteral("--log-format"), QStringLiteral("JSON")};
        QTest::addRow("missing config")
            << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent.ini")};
        QTest::addRow("unknown log format")
            << QStringList{QStringLiteral("--log-format"), QStringLiteral("logfmt")};
        QTest::addRow("log format in capitals")
            << QStringList{QStringLiteral("--log-format"), QStringLiteral("JSON")};
    }
    void badValues()
    {
        QFETCH(QStringList, arguments);
        const ParsedOptions parsed = parse(arguments);
        QVERIFY(!parsed.options);
        QCOMPARE(parsed.exitCode, int(ExitUsage));
    }

    void configFileAndCommandLinePrecedence()
    {
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write("# comment\n[baton]\ngreeting = Hello, from the file\nidle-timeout = 7\n"
                     "threads = 2\n");
        config.close();
        const ParsedOptions parsed = parse({QStringLiteral("--config"), config.fileName(),
                                            QStringLiteral("--threads"), QStringLiteral("4")});
        QVERIFY(parsed.options);
        QCOMPARE(parsed.options->given.value(QStringLiteral("greeting")),
                 QStringLiteral("Hello, from the file"));
        QCOMPARE(parsed.options->given.value(QStringLiteral("threads")), QStringLiteral("4"));
        QCOMPARE(parsed.options->limits.idleTimeout, std::chrono::milliseconds(7000));
        QCOMPARE(parsed.options->threads, 4);
    }

    void configFileErrors_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addRow("unknown key") << QByteArray("greting = typo\n");
        QTest::addRow("no equals") << QByteArray("greeting\n");
        QTest::addRow("bad value") << QByteArray("idle-timeout = forever\n");
        QTest::addRow("bad flag") << QByteArray("autoindex = sometimes\n");
        QTest::addRow("bad log format") << QByteArray("log-format = xml\n");
        QTest::addRow("empty access log") << QByteArray("access-log =\n");
    }
    void configFileErrors()
    {
        QFETCH(QByteArray, content);
        QTemporaryFile config;
        QVERIFY(config.open());
        config.write(content);
        config.close();
        const ParsedOptions parsed = parse({QStringLiteral("--config"), config.fileName()});
        QVERIFY(!parsed.options);
        QCOMPARE(parsed.exitCode, int(ExitUsage));
    }
};

QTEST_GUILESS_MAIN(tst_Options)
#include "tst_options.moc"
