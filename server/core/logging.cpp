#include "core/logging.h"

// Info and above by default: headless operators read these lines on stderr.
Q_LOGGING_CATEGORY(lcServer, "baton.server", QtInfoMsg)
// Per-connection chatter is for debugging only (QT_LOGGING_RULES="baton.connection.debug=true").
Q_LOGGING_CATEGORY(lcConnection, "baton.connection", QtInfoMsg)
// Lifecycle transitions are what an operator follows (restart, drain, exit).
Q_LOGGING_CATEGORY(lcLifecycle, "baton.lifecycle", QtInfoMsg)
