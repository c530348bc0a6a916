// A program built on the public API (include/baton/ only), as a user would write one, that
// reports its lifecycle hooks on stderr and whose warm-up ends when a file appears, so that
// tst_embedding can watch hooks and readiness gating through a real process and real signals.
#include <baton/application.h>

#include <QCommandLineOption>
#include <QFileInfo>
#include <QThreadPool>
#include <QTimer>

#include <memory>

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    app.addOption({QStringLiteral("ready-file"),
                   QStringLiteral("Not ready until FILE exists (checked every 20 ms)."),
                   QStringLiteral("FILE")});
    if (!app.parse())
        return app.exitCode();

    app.router().get("/slow", [](const baton::Request &request, baton::Responder responder) {
        const int ms = request.queryValue("ms").toInt();
        QTimer::singleShot(ms, responder.context(),
                           [held = std::make_shared<baton::Responder>(std::move(responder)), ms] {
                               held->respond(200, "slow " + QByteArray::number(ms) + '\n');
                           });
    });
    // Blocking work as a program should do it: on a pool thread, with a copy of the request and
    // the responder moved along; the answer finds its way back to the connection.
    app.router().get("/pool/{name}", [](const baton::Request &request, baton::Responder responder) {
        QThreadPool::globalInstance()->start(
            [copy = request, held = std::make_shared<baton::Responder>(std::move(responder))] {
                held->respond(200, copy.param("name") + " from " + copy.remoteAddress() + '\n');
            });
    });
    QObject::connect(&app, &baton::Application::listening, &app, [] { qInfo("hook: listening"); });
    QObject::connect(&app, &baton::Application::drainStarted, &app,
                     [] { qInfo("hook: drain started"); });
    QObject::connect(&app, &baton::Application::aboutToExit, &app,
                     [] { qInfo("hook: about to exit"); });

    const QString readyFile = app.value(QStringLiteral("ready-file"));
    QTimer readyPoll;
    if (!readyFile.isEmpty()) {
        app.setReady(QFileInfo::exists(readyFile));
        readyPoll.setInterval(20);
        // Like a warm-up: once done, the process stays ready (its successor has its own).
        QObject::connect(&readyPoll, &QTimer::timeout, &app, [&app, &readyPoll, readyFile] {
            if (QFileInfo::exists(readyFile)) {
                readyPoll.stop();
                qInfo("hook: ready");
                app.setReady(true);
            }
        });
        if (!app.isReady())
            readyPoll.start();
    }
    return app.exec();
}
