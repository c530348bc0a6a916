#pragma once

#include "handover/handovermessage.h"

#include <QList>
#include <QMetaType>

namespace baton {

// A connection an I/O thread took off its epoll to move it to the successor: a duplicate of its
// descriptor for the sender (who closes it once sent), and the record that goes with it. The
// connection itself waits in the I/O thread, descriptor open, until the successor answers.
struct DetachedConnection
{
    int worker = -1;
    int descriptor = -1;
    HandoverRecord record;
};
using DetachedConnections = QList<DetachedConnection>;

} // namespace baton

Q_DECLARE_METATYPE(baton::DetachedConnection)
