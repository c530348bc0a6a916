#pragma once

#include <baton/router.h>

class NoteStore;

// The /notes API on `router`: a route group whose middleware tags every answer with a request
// id and turns away POST/PUT bodies that are not JSON (415) before a handler sees them. The
// handlers check what they can on the I/O thread (the id, the JSON) and pass the rest, with the
// responder, to `store`, which must outlive the server.
void addNoteRoutes(baton::Router &router, NoteStore *store);
