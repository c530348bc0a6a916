#pragma once

#include <baton/responder.h>

#include "http/httpresponder.h"

#include <functional>

class QObject;

namespace baton {

// The server's side of Responder.
class ResponderAccess
{
public:
    // On the connection's thread; `home` is an object of that thread that outlives the
    // connection (its I/O worker): answers from other threads are posted to it.
    static Responder make(HttpResponder &&responder, QObject *home);
    // On its connection's thread (or without a connection).
    static bool isHome(const Responder &responder);
    // Runs `work` with the responder on its connection's thread: now when called there, else
    // posted. Without a connection (a default-constructed responder), runs it now.
    static void onHomeThread(Responder &&responder, std::function<void(Responder)> work);
};

} // namespace baton
