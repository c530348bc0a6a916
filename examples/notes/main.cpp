// notes: a small JSON API on SQLite, written the way a service built on Baton should be. The
// handlers run on Baton's I/O threads and never touch the disk: they queue the work, with the
// responder, to one database thread, which answers. The process says it is ready only once the
// schema is migrated, so a restarted successor does not take over before it can serve.
//
//   ./notes --listen 127.0.0.1:8080 --database /tmp/notes.sqlite &
//   curl -i -H 'Content-Type: application/json' -d '{"text": "milk"}' localhost:8080/notes
//   curl localhost:8080/notes/1
//   kill -HUP %1      # a new process takes over; the notes are still there
#include "noteroutes.h"
#include "notestore.h"

#include <baton/application.h>

#include <QCommandLineOption>
#include <QCoreApplication>
#include <QThread>

#include <chrono>

namespace {

const char *const routesHelp = R"(Routes:
  GET    /notes        all notes: {"notes": [{"id", "text", "created", "updated"}, ...]}
  POST   /notes        a new note from {"text": "..."}: 201 with Location /notes/ID
  GET    /notes/ID     one note (404 if there is none)
  PUT    /notes/ID     replaces the note's text from {"text": "..."}
  DELETE /notes/ID     204
  POST and PUT need Content-Type: application/json (else 415). Every answer under
  /notes carries X-Request-Id (the client's, if it sent a usable one).
  Until the database is open and migrated, /readyz and /notes answer 503.)";

} // namespace

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    app.setDescription(QStringLiteral("notes: a JSON API for short notes, kept in SQLite."));
    app.setHelpText(QString::fromUtf8(routesHelp));
    app.addOption({QStringLiteral("database"),
                   QStringLiteral("The SQLite file (created if missing; default notes.sqlite in "
                                  "the working directory)."),
                   QStringLiteral("FILE"), QStringLiteral("notes.sqlite")});
    app.addOption({QStringLiteral("migration-delay-ms"),
                   QStringLiteral("Test aid: wait N ms before migrating the schema, which "
                                  "stretches the time the process is not ready (default 0)."),
                   QStringLiteral("N"), QStringLiteral("0")});
    if (!app.parse())
        return app.exitCode();

    bool delayOk = false;
    const int delayMs = app.value(QStringLiteral("migration-delay-ms")).toInt(&delayOk);
    if (!delayOk || delayMs < 0) {
        qCCritical(lcNotes, "notes: --migration-delay-ms expects a number of milliseconds >= 0");
        return 2; // Baton's exit status for a usage error
    }

    // Not ready until the database thread says so: /readyz answers 503 meanwhile, and in a
    // restart the old process keeps serving until this one is.
    app.setReady(false);

    // Started after parse(): Baton's log sink may change its format until then, which is only
    // safe while one thread logs.
    QThread databaseThread;
    databaseThread.setObjectName(QStringLiteral("notes-db"));
    NoteStore store(app.value(QStringLiteral("database")),
                    std::chrono::milliseconds(delayMs));
    store.moveToThread(&databaseThread);
    QObject::connect(&databaseThread, &QThread::started, &store, &NoteStore::open);
    // Direct: setReady() is thread-safe, so the database thread reports readiness itself.
    QObject::connect(&store, &NoteStore::opened, &app, [&app] { app.setReady(true); },
                     Qt::DirectConnection);
    // A database that cannot be opened or migrated leaves nothing to serve. In a restart's
    // successor the failed start makes the old process serve on.
    QObject::connect(&store, &NoteStore::failed, &app, [](const QString &reason) {
        qCCritical(lcNotes).noquote() << QStringLiteral("notes: ") + reason;
        QCoreApplication::exit(1);
    });

    QObject::connect(&app, &baton::Application::drainStarted, &app,
                     [] { qCInfo(lcNotes, "notes: draining"); });
    // The connection is closed on the thread that opened it, as Qt SQL requires.
    const auto closeDatabase = [&] {
        if (!databaseThread.isRunning())
            return;
        // Queued behind whatever the store still has to do, and ending its thread from there.
        QMetaObject::invokeMethod(
            &store,
            [&store] {
                store.close();
                QThread::currentThread()->quit();
            },
            Qt::QueuedConnection);
        databaseThread.wait();
    };
    // Every request has been answered by now, so nothing can still be queued for the store.
    QObject::connect(&app, &baton::Application::aboutToExit, &app, closeDatabase);

    addNoteRoutes(app.router(), &store);
    databaseThread.start();
    const int status = app.exec();
    closeDatabase(); // exec() returns early, without aboutToExit, when it cannot listen
    return status;
}
