// The command line: --help, --version, usage errors (exit 2, one line), port in use (exit 3,
// naming the address), --listen with port 0, and --config files with the command line winning.
#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace baton::test;

class TestCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void help();
    void version();
    void usageErrors_data();
    void usageErrors();
    void portInUse();
    void listenLogsRealAddress();
    void configFile();
    void commandLineWinsOverConfig();
    void badConfigValue();

private:
    QTemporaryDir m_dir;
};

void TestCommandLine::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!BatonProcess::binaryPath().isEmpty(), "no baton binary configured");
}

void TestCommandLine::help()
{
    BatonProcess process;
    QVERIFY2(process.startRaw({QStringLiteral("--help")}), qPrintable(process.errorString()));
    const auto code = process.waitForExit(10000);
    QVERIFY2(code.has_value(), qPrintable(process.diagnostics()));
    QCOMPARE(*code, 0);
    const QString text =
        QString::fromUtf8(process.stdoutData()) + process.stderrLines().join(QLatin1Char('\n'));
    const QStringList options = {
        QStringLiteral("--listen"),          QStringLiteral("--headless"),
        QStringLiteral("--greeting"),        QStringLiteral("--root"),
        QStringLiteral("--config"),          QStringLiteral("--threads"),
        QStringLiteral("--header-timeout"),  QStringLiteral("--idle-timeout"),
        QStringLiteral("--max-connections"), QStringLiteral("--max-header-bytes"),
        QStringLiteral("--max-body-bytes"),  QStringLiteral("--help"),
        QStringLiteral("--version"),         QStringLiteral("--admin-listen"),
        QStringLiteral("--demo-routes")};
    for (const QString &option : options)
        QVERIFY2(text.contains(option), qPrintable(QStringLiteral("--help does not mention ") +
                                                   option + QLatin1String(":\n") + text));
    QVERIFY2(!text.contains(QLatin1String("listening on")), "--help started a server");
    // The program's name, not the path it was started by, and nothing on stderr (no line about
    // the display or the window).
    QVERIFY2(process.stdoutData().startsWith("Usage: baton [options]"),
             process.stdoutData().left(80).constData());
    QVERIFY2(process.stderrLines().isEmpty(), qPrintable(process.stderrLines().join(u'\n')));
}

void TestCommandLine::version()
{
    BatonProcess process;
    QVERIFY2(process.startRaw({QStringLiteral("--version")}), qPrintable(process.errorString()));
    const auto code = process.waitForExit(10000);
    QVERIFY2(code.has_value(), qPrintable(process.diagnostics()));
    QCOMPARE(*code, 0);
    const QString text =
        QString::fromUtf8(process.stdoutData()) + process.stderrLines().join(QLatin1Char('\n'));
    QVERIFY2(text.contains(QLatin1String(BATON_VERSION)),
             qPrintable(QStringLiteral("--version does not print " BATON_VERSION ": ") + text));
    QCOMPARE(process.stdoutData(), QByteArray("baton " BATON_VERSION "\n"));
    QVERIFY2(process.stderrLines().isEmpty(), qPrintable(process.stderrLines().join(u'\n')));
}

void TestCommandLine::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    // The single error line must mention this (the option or the offending value).
    QTest::addColumn<QString>("mentions");

    const auto row = [](const char *name, std::initializer_list<const char *> args,
                        const char *mentions) {
        QStringList list;
        for (const char *arg : args)
            list.append(QString::fromUtf8(arg));
        QTest::addRow("%s", name) << list << QString::fromUtf8(mentions);
    };
    row("unknown option", {"--bogus-option"}, "bogus-option");
    row("positional argument", {"stray-argument"}, "stray-argument");
    row("--listen without value", {"--listen"}, "listen");
    row("--listen port not a number", {"--listen", "127.0.0.1:http"}, "127.0.0.1:http");
    row("--listen port too large", {"--listen", "127.0.0.1:65536"}, "65536");
    row("--threads not a number", {"--threads", "many"}, "many");
    row("--threads negative", {"--threads", "-2"}, "-2");
    row("--header-timeout not a number", {"--header-timeout", "soon"}, "soon");
    row("--header-timeout negative", {"--header-timeout", "-1"}, "-1");
    row("--idle-timeout not a number", {"--idle-timeout", "1s"}, "1s");
    row("--idle-timeout negative", {"--idle-timeout", "-0.5"}, "-0.5");
    row("--max-connections not a number", {"--max-connections", "lots"}, "lots");
    row("--max-header-bytes not a number", {"--max-header-bytes", "32k"}, "32k");
    row("--max-body-bytes negative", {"--max-body-bytes", "-1"}, "-1");
    row("--root missing directory", {"--root", "/nonexistent/baton/root"},
        "/nonexistent/baton/root");
    row("--config missing file", {"--config", "/nonexistent/baton.ini"}, "/nonexistent/baton.ini");
}

void TestCommandLine::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);

    BatonProcess process;
    // --headless and a free port, so that nothing but the bad argument can be the problem.
    QStringList all{QStringLiteral("--headless")};
    if (!args.contains(QLatin1String("--listen")))
        all << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:0");
    QVERIFY2(process.startRaw(all + args), qPrintable(process.errorString()));
    const auto code = process.waitForExit(10000);
    QVERIFY2(code.has_value(),
             qPrintable(QStringLiteral("did not exit normally\n") + process.diagnostics()));
    QVERIFY2(*code == 2, qPrintable(QStringLiteral("exit code %1, expected 2\n").arg(*code) +
                                    process.diagnostics()));
    const QStringList lines = nonEmptyLines(process.stderrLines());
    QVERIFY2(lines.size() == 1,
             qPrintable(QStringLiteral("expected one line on stderr, got %1:\n").arg(lines.size()) +
                        lines.join(QLatin1Char('\n'))));
    QVERIFY2(lines.first().contains(mentions),
             qPrintable(QStringLiteral("error line does not mention '") + mentions +
                        QLatin1String("': ") + lines.first()));
    QVERIFY2(!lines.first().contains(QLatin1String("listening on")), "started anyway");
}

void TestCommandLine::portInUse()
{
    // A plain listening socket (no SO_REUSEPORT) holds the port.
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    const QString address = QStringLiteral("127.0.0.1:%1").arg(occupant.serverPort());

    BatonProcess process;
    QVERIFY(process.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"), address}));
    const auto code = process.waitForExit(30000);
    QVERIFY2(code.has_value(),
             qPrintable(QStringLiteral("still running or crashed with the port taken\n") +
                        process.diagnostics()));
    QVERIFY2(*code == 3, qPrintable(QStringLiteral("exit code %1, expected 3\n").arg(*code) +
                                    process.diagnostics()));
    const QString text = process.stderrLines().join(QLatin1Char('\n'));
    QVERIFY2(text.contains(address), qPrintable(QStringLiteral("error does not name ") + address +
                                                QLatin1String(":\n") + text));
}

void TestCommandLine::listenLogsRealAddress()
{
    // Port 0 picks a free port and the log names the real one; connecting there works.
    BatonProcess process;
    QVERIFY2(process.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}),
             qPrintable(process.errorString() + QLatin1Char('\n') + process.diagnostics()));
    QCOMPARE(process.host(), QStringLiteral("127.0.0.1"));
    QVERIFY(process.port() != 0);
    RawClient client;
    QVERIFY(client.connectTo(process.host(), process.port()));
    const auto response = client.request(httpGet("/healthz"));
    BATON_VERIFY_READ(response, client);
    BATON_COMPARE_STATUS(response, 200);

    // The same port again: a second instance reports it in use.
    BatonProcess second;
    const QString address = QStringLiteral("127.0.0.1:%1").arg(process.port());
    QVERIFY(second.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"), address}));
    const auto code = second.waitForExit(5000);
    QVERIFY2(code == 3, qPrintable(second.diagnostics()));
}

void TestCommandLine::configFile()
{
    const QString config = m_dir.filePath(QStringLiteral("config.ini"));
    QVERIFY(writeFile(config, "greeting=Hello from the config file\n"
                              "max-body-bytes=10\n"));
    BatonProcess server;
    QVERIFY2(server.start({QStringLiteral("--config"), config}),
             qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    const auto root = client.request(httpGet("/"));
    BATON_VERIFY_READ(root, client);
    BATON_COMPARE_STATUS(root, 200);
    QVERIFY2(root->body.contains("Hello from the config file"), qPrintable(root->describe()));
    const auto fits = client.request(httpPost("/echo", "0123456789"));
    BATON_VERIFY_READ(fits, client);
    BATON_COMPARE_STATUS(fits, 200);
    const auto tooBig = client.request(httpPost("/echo", "0123456789A"));
    BATON_VERIFY_READ(tooBig, client);
    BATON_COMPARE_STATUS(tooBig, 413);
}

void TestCommandLine::commandLineWinsOverConfig()
{
    const QString config = m_dir.filePath(QStringLiteral("override.ini"));
    QVERIFY(writeFile(config, "greeting=Greeting from the file\n"
                              "max-body-bytes=10\n"));
    BatonProcess server;
    // Options on both sides of --config: the command line wins regardless of order.
    QVERIFY2(
        server.start({QStringLiteral("--greeting"),
                      QStringLiteral("Greeting from the command line"), QStringLiteral("--config"),
                      config, QStringLiteral("--max-body-bytes"), QStringLiteral("20")}),
        qPrintable(server.errorString() + QLatin1Char('\n') + server.diagnostics()));
    RawClient client;
    QVERIFY(client.connectTo(server.host(), server.port()));
    const auto root = client.request(httpGet("/"));
    BATON_VERIFY_READ(root, client);
    BATON_COMPARE_STATUS(root, 200);
    QVERIFY2(root->body.contains("Greeting from the command line"), qPrintable(root->describe()));
    QVERIFY(!root->body.contains("from the file"));
    const auto fits = client.request(httpPost("/echo", QByteArray(20, 'x')));
    BATON_VERIFY_READ(fits, client);
    BATON_COMPARE_STATUS(fits, 200);
    const auto tooBig = client.request(httpPost("/echo", QByteArray(21, 'x')));
    BATON_VERIFY_READ(tooBig, client);
    BATON_COMPARE_STATUS(tooBig, 413);
}

void TestCommandLine::badConfigValue()
{
    const QString config = m_dir.filePath(QStringLiteral("bad.ini"));
    QVERIFY(writeFile(config, "idle-timeout=whenever\n"));
    BatonProcess process;
    QVERIFY(process.startRaw({QStringLiteral("--headless"), QStringLiteral("--listen"),
                              QStringLiteral("127.0.0.1:0"), QStringLiteral("--config"), config}));
    const auto code = process.waitForExit(10000);
    QVERIFY2(code.has_value(), qPrintable(process.diagnostics()));
    QVERIFY2(*code == 2, qPrintable(QStringLiteral("exit code %1, expected 2\n").arg(*code) +
                                    process.diagnostics()));
    const QStringList lines = nonEmptyLines(process.stderrLines());
    QVERIFY2(lines.size() == 1, qPrintable(lines.join(QLatin1Char('\n'))));
    QVERIFY2(lines.first().contains(QLatin1String("whenever")) ||
                 lines.first().contains(QLatin1String("idle-timeout")),
             qPrintable(lines.first()));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
