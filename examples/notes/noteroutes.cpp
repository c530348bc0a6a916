#include "noteroutes.h"

#include "notestore.h"

#include <baton/request.h>
#include <baton/responder.h>
#include <baton/response.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QUuid>

#include <algorithm>
#include <optional>

namespace {

baton::Response errorResponse(int status, const QString &message)
{
    return baton::Response::json(status, QJsonObject{{QStringLiteral("error"), message}});
}

// A client's own X-Request-Id is kept (it ties our answer to its logs) if it is short and
// printable, so it cannot split a header; otherwise one is made up.
QByteArray requestId(const baton::Request &request)
{
    const QByteArray given = request.header("X-Request-Id");
    const bool usable = !given.isEmpty() && given.size() <= 64 &&
                        std::all_of(given.cbegin(), given.cend(),
                                    [](char c) { return c > 0x20 && c < 0x7f; });
    return usable ? given : QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
}

void tagWithRequestId(const baton::Request &request, baton::Responder responder,
                      baton::Next next)
{
    // The decorator runs on whichever thread answers (the database thread, mostly): it
    // captures the id by value, not the request.
    responder.decorate([id = requestId(request)](baton::Response &response) {
        response.setHeader("X-Request-Id", id);
    });
    next(request, std::move(responder));
}

bool isJson(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray mediaType =
        (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
    return mediaType == "application/json";
}

void requireJsonBody(const baton::Request &request, baton::Responder responder, baton::Next next)
{
    const QByteArray method = request.method();
    if ((method == "POST" || method == "PUT") && !isJson(request.header("Content-Type"))) {
        baton::Response response =
            errorResponse(415, QStringLiteral("the body must be JSON (Content-Type: "
                                              "application/json)"));
        response.setHeader("Accept", "application/json");
        responder.respond(std::move(response));
        return;
    }
    next(request, std::move(responder));
}

// The note id of /notes/{id}, or nullopt (after answering 400) when it is not a number.
std::optional<qint64> noteId(const baton::Request &request, baton::Responder &responder)
{
    bool ok = false;
    const qint64 id = request.param("id").toLongLong(&ok);
    if (!ok) {
        responder.respond(errorResponse(400, QStringLiteral("a note id is a number")));
        return std::nullopt;
    }
    return id;
}

// The "text" of a {"text": "..."} body, or nullopt (after answering 400).
std::optional<QString> noteText(const baton::Request &request, baton::Responder &responder)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(request.body(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        responder.respond(errorResponse(
            400, error.error != QJsonParseError::NoError
                     ? QStringLiteral("invalid JSON at offset %1: %2")
                           .arg(error.offset)
                           .arg(error.errorString())
                     : QStringLiteral("the body must be a JSON object")));
        return std::nullopt;
    }
    const QJsonValue text = document.object().value(QStringLiteral("text"));
    if (!text.isString()) {
        responder.respond(errorResponse(400, QStringLiteral("\"text\" (a string) is missing")));
        return std::nullopt;
    }
    return text.toString();
}

} // namespace

void addNoteRoutes(baton::Router &router, NoteStore *store)
{
    baton::RouteGroup notes = router.group("/notes");
    // In this order: an early 415 carries the request id too.
    notes.use(tagWithRequestId);
    notes.use(requireJsonBody);

    // Each handler only parses and checks; the store's calls return at once (the work is
    // queued to the database thread with the responder), so no I/O thread ever waits on disk.
    notes.get("", [store](const baton::Request &, baton::Responder responder) {
        store->list(std::move(responder));
    });
    notes.post("", [store](const baton::Request &request, baton::Responder responder) {
        if (const auto text = noteText(request, responder))
            store->create(*text, std::move(responder));
    });
    notes.get("/{id}", [store](const baton::Request &request, baton::Responder responder) {
        if (const auto id = noteId(request, responder))
            store->find(*id, std::move(responder));
    });
    notes.put("/{id}", [store](const baton::Request &request, baton::Responder responder) {
        const auto id = noteId(request, responder);
        if (!id)
            return;
        if (const auto text = noteText(request, responder))
            store->update(*id, *text, std::move(responder));
    });
    notes.del("/{id}", [store](const baton::Request &request, baton::Responder responder) {
        if (const auto id = noteId(request, responder))
            store->remove(*id, std::move(responder));
    });
}
