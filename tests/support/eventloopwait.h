#pragma once

#include <functional>

class QEventLoop;

namespace baton::test {

// Runs the event loop until done() holds or timeoutMs passes (false then). wakeOn connects the
// signals that may change done()'s answer to the loop's quit(), so the check is event-driven,
// not polled.
bool waitUntil(const std::function<bool()> &done, int timeoutMs,
               const std::function<void(QEventLoop &)> &wakeOn);

} // namespace baton::test
