#pragma once

#include <baton/responder.h>

#include "api/responderhome.h"
#include "http/httpresponder.h"

#include <functional>
#include <memory>

class QObject;

namespace baton {

// The server's side of Responder.
class ResponderAccess
{
public:
    // On the connection's thread; answers from other threads are posted to `home`, which
    // its owner (the I/O worker) closes after its connections are gone.
    static Responder make(HttpResponder &&responder, std::shared_ptr<ResponderHome> home);
    // On its connection's thread (or without a connection).
    static bool isHome(const Responder &responder);
    // Runs `work` with the responder on its connection's thread: now when called there, else
    // posted. Without a connection (a default-constructed responder), runs it now.
    static void onHomeThread(Responder &&responder, std::function<void(Responder)> work);
};

} // namespace baton
