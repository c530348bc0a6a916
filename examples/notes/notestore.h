#pragma once

#include <baton/responder.h>

#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QString>

#include <chrono>
#include <optional>
#include <utility>

class QSqlDatabase;

// The example's log lines ("notes: ..."), whichever file writes them.
Q_DECLARE_LOGGING_CATEGORY(lcNotes)

// The notes table in SQLite, behind one thread. Qt SQL connections may only be used by the
// thread that opened them, so the store lives on a QThread of its own and every public call is
// queued to it: an I/O thread hands over the request's Responder and returns at once, and the
// answer is sent from here (Baton posts it back to the connection's thread).
class NoteStore : public QObject
{
    Q_OBJECT
public:
    // The schema this build writes; PRAGMA user_version holds the one a database has.
    static constexpr int SchemaVersion = 1;

    NoteStore(QString path, std::chrono::milliseconds migrationDelay);

    // From any thread; each answers through the responder. Before open() has finished (or after
    // close()) they answer 503.
    void list(baton::Responder responder);
    void find(qint64 id, baton::Responder responder);
    void create(QString text, baton::Responder responder);
    void update(qint64 id, QString text, baton::Responder responder);
    void remove(qint64 id, baton::Responder responder);

public slots:
    // On the store's thread: opens the file and migrates the schema; opened() or failed() follow.
    void open();
    // On the store's thread: closes the connection and removes it from Qt SQL.
    void close();

signals:
    // The schema is current and requests are served: the service is ready.
    void opened();
    void failed(const QString &reason);

private:
    // Runs `work` on the store's thread, after the calls queued before it.
    template <typename Work>
    void later(Work &&work)
    {
        QMetaObject::invokeMethod(this, std::forward<Work>(work), Qt::QueuedConnection);
    }

    QSqlDatabase database() const;
    void migrate();
    bool migrateSteps(QString *error);
    // The note as JSON; nullopt when there is no such note, or on error (*error says which).
    std::optional<QJsonObject> load(qint64 id, QString *error);
    // Not open yet (migrating) or closed: answers 503 and returns true.
    bool refuseUnlessOpen(baton::Responder &responder);
    void databaseError(baton::Responder &responder, const QString &what, const QString &error);

    const QString m_path;
    const std::chrono::milliseconds m_migrationDelay;
    // Qt SQL's registry name for this store's connection, unique per store.
    const QString m_connectionName;
    bool m_open = false;
};
