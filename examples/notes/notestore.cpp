#include "notestore.h"

#include <baton/response.h>

#include <QDateTime>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <QVariant>

#include <atomic>

Q_LOGGING_CATEGORY(lcNotes, "notes", QtInfoMsg)

namespace {

baton::Response errorResponse(int status, const QString &message)
{
    return baton::Response::json(status, QJsonObject{{QStringLiteral("error"), message}});
}

QString now()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QByteArray location(qint64 id)
{
    return "/notes/" + QByteArray::number(id);
}

// A row of SELECT id, text, created, updated.
QJsonObject noteFromRow(const QSqlQuery &query)
{
    return QJsonObject{{QStringLiteral("id"), query.value(0).toLongLong()},
                       {QStringLiteral("text"), query.value(1).toString()},
                       {QStringLiteral("created"), query.value(2).toString()},
                       {QStringLiteral("updated"), query.value(3).toString()}};
}

QString uniqueConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("notes-%1").arg(++counter);
}

} // namespace

NoteStore::NoteStore(QString path, std::chrono::milliseconds migrationDelay)
    : m_path(std::move(path)),
      m_migrationDelay(migrationDelay),
      m_connectionName(uniqueConnectionName())
{
}

QSqlDatabase NoteStore::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

void NoteStore::open()
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    if (!db.isValid()) {
        emit failed(QStringLiteral("Qt SQL has no SQLite driver (on Debian: libqt6sql6-sqlite)"));
        return;
    }
    db.setDatabaseName(m_path);
    // During a restart two processes use the file at once (the old one finishing its requests,
    // the new one migrating and serving): a writer waits for the other's lock instead of
    // failing at once with "database is locked".
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        emit failed(QStringLiteral("cannot open %1: %2").arg(m_path, db.lastError().text()));
        return;
    }
    // WAL: readers in one process do not wait for the other process's writer.
    QSqlQuery(db).exec(QStringLiteral("PRAGMA journal_mode=WAL"));

    if (m_migrationDelay.count() > 0) {
        qCInfo(lcNotes).noquote() << QStringLiteral("notes: migration delayed by %1 ms "
                                                    "(--migration-delay-ms)")
                                         .arg(m_migrationDelay.count());
        // A timer, not a sleep: the thread keeps answering (503) and can close meanwhile.
        // Precise: a coarse timer may fire up to 5% early, and tests measure this window.
        QTimer::singleShot(m_migrationDelay, Qt::PreciseTimer, this, &NoteStore::migrate);
        return;
    }
    migrate();
}

void NoteStore::migrate()
{
    if (!database().isOpen())
        return; // closed while the migration was delayed
    QString error;
    if (!migrateSteps(&error)) {
        emit failed(QStringLiteral("migrating %1: %2").arg(m_path, error));
        return;
    }
    m_open = true;
    qCInfo(lcNotes).noquote()
        << QStringLiteral("notes: %1 at schema version %2").arg(m_path).arg(SchemaVersion);
    emit opened();
}

bool NoteStore::migrateSteps(QString *error)
{
    QSqlDatabase db = database();
    QSqlQuery query(db);
    const auto failedQuery = [&] {
        *error = query.lastError().text();
        return false;
    };
    // IMMEDIATE takes the write lock before user_version is read: two processes starting at
    // once (a restart's successor and a second instance) cannot both run the same step.
    if (!query.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return failedQuery();
    auto rollback = qScopeGuard([&db] { QSqlQuery(db).exec(QStringLiteral("ROLLBACK")); });

    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return failedQuery();
    const int version = query.value(0).toInt();
    query.finish();
    if (version > SchemaVersion) {
        // A newer build migrated it (a rollback after an upgrade): writing with the old schema's
        // assumptions could lose data, so this build refuses to serve.
        *error = QStringLiteral("schema version %1 is newer than this build's %2")
                     .arg(version)
                     .arg(SchemaVersion);
        return false;
    }
    if (version < 1 &&
        !query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS notes ("
                                   "id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                   "text TEXT NOT NULL, "
                                   "created TEXT NOT NULL, "
                                   "updated TEXT NOT NULL)")))
        return failedQuery();
    // Later versions add their steps here, each guarded by `version < N`.
    if (version < SchemaVersion &&
        !query.exec(QStringLiteral("PRAGMA user_version = %1").arg(SchemaVersion)))
        return failedQuery();
    if (!query.exec(QStringLiteral("COMMIT")))
        return failedQuery();
    rollback.dismiss();
    return true;
}

void NoteStore::close()
{
    m_open = false;
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        // Every QSqlDatabase and QSqlQuery of the connection must be gone before
        // removeDatabase(), or Qt warns that the connection is still in use.
        QSqlDatabase db = database();
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    qCInfo(lcNotes, "notes: database closed");
}

bool NoteStore::refuseUnlessOpen(baton::Responder &responder)
{
    if (m_open)
        return false;
    baton::Response response = errorResponse(503, QStringLiteral("the database is not open"));
    response.setHeader("Retry-After", "1");
    responder.respond(std::move(response));
    return true;
}

void NoteStore::databaseError(baton::Responder &responder, const QString &what,
                              const QString &error)
{
    // The details go to the log, not to the client.
    qCWarning(lcNotes).noquote() << QStringLiteral("notes: %1: %2").arg(what, error);
    responder.respond(errorResponse(500, QStringLiteral("database error")));
}

std::optional<QJsonObject> NoteStore::load(qint64 id, QString *error)
{
    QSqlQuery query(database());
    query.prepare(QStringLiteral("SELECT id, text, created, updated FROM notes WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        *error = query.lastError().text();
        return std::nullopt;
    }
    if (!query.next())
        return std::nullopt;
    return noteFromRow(query);
}

void NoteStore::list(baton::Responder responder)
{
    later([this, responder = std::move(responder)]() mutable {
        // Nobody is left to read the answer: a read is not worth doing.
        if (!responder.isActive() || refuseUnlessOpen(responder))
            return;
        QSqlQuery query(database());
        if (!query.exec(QStringLiteral("SELECT id, text, created, updated FROM notes "
                                       "ORDER BY id"))) {
            databaseError(responder, QStringLiteral("listing"), query.lastError().text());
            return;
        }
        QJsonArray notes;
        while (query.next())
            notes.append(noteFromRow(query));
        responder.respond(baton::Response::json(200, QJsonObject{{QStringLiteral("notes"), notes}}));
    });
}

void NoteStore::find(qint64 id, baton::Responder responder)
{
    later([this, id, responder = std::move(responder)]() mutable {
        if (!responder.isActive() || refuseUnlessOpen(responder))
            return;
        QString error;
        const std::optional<QJsonObject> note = load(id, &error);
        if (!error.isEmpty())
            databaseError(responder, QStringLiteral("reading note %1").arg(id), error);
        else if (!note)
            responder.respond(errorResponse(404, QStringLiteral("no note %1").arg(id)));
        else
            responder.respond(baton::Response::json(200, *note));
    });
}

void NoteStore::create(QString text, baton::Responder responder)
{
    // Writes go ahead even if the client has gone: it may retry, and it should then find what
    // it asked for rather than a half-decided request.
    later([this, text = std::move(text), responder = std::move(responder)]() mutable {
        if (refuseUnlessOpen(responder))
            return;
        const QString stamp = now();
        QSqlQuery query(database());
        query.prepare(QStringLiteral("INSERT INTO notes (text, created, updated) "
                                     "VALUES (?, ?, ?)"));
        query.addBindValue(text);
        query.addBindValue(stamp);
        query.addBindValue(stamp);
        if (!query.exec()) {
            databaseError(responder, QStringLiteral("creating a note"), query.lastError().text());
            return;
        }
        const qint64 id = query.lastInsertId().toLongLong();
        baton::Response response = baton::Response::json(
            201, QJsonObject{{QStringLiteral("id"), id},
                             {QStringLiteral("text"), text},
                             {QStringLiteral("created"), stamp},
                             {QStringLiteral("updated"), stamp}});
        response.setHeader("Location", location(id));
        responder.respond(std::move(response));
    });
}

void NoteStore::update(qint64 id, QString text, baton::Responder responder)
{
    later([this, id, text = std::move(text), responder = std::move(responder)]() mutable {
        if (refuseUnlessOpen(responder))
            return;
        QSqlQuery query(database());
        query.prepare(QStringLiteral("UPDATE notes SET text = ?, updated = ? WHERE id = ?"));
        query.addBindValue(text);
        query.addBindValue(now());
        query.addBindValue(id);
        if (!query.exec()) {
            databaseError(responder, QStringLiteral("updating note %1").arg(id),
                          query.lastError().text());
            return;
        }
        if (query.numRowsAffected() == 0) {
            responder.respond(errorResponse(404, QStringLiteral("no note %1").arg(id)));
            return;
        }
        query.finish();
        QString error;
        const std::optional<QJsonObject> note = load(id, &error);
        if (!error.isEmpty())
            databaseError(responder, QStringLiteral("reading note %1").arg(id), error);
        else if (!note) // deleted in between, by a request of the other process in a restart
            responder.respond(errorResponse(404, QStringLiteral("no note %1").arg(id)));
        else
            responder.respond(baton::Response::json(200, *note));
    });
}

void NoteStore::remove(qint64 id, baton::Responder responder)
{
    later([this, id, responder = std::move(responder)]() mutable {
        if (refuseUnlessOpen(responder))
            return;
        QSqlQuery query(database());
        query.prepare(QStringLiteral("DELETE FROM notes WHERE id = ?"));
        query.addBindValue(id);
        if (!query.exec()) {
            databaseError(responder, QStringLiteral("deleting note %1").arg(id),
                          query.lastError().text());
            return;
        }
        if (query.numRowsAffected() == 0)
            responder.respond(errorResponse(404, QStringLiteral("no note %1").arg(id)));
        else
            responder.respond(204);
    });
}
