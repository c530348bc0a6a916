#pragma once

#include "handover/handovermessage.h"

#include <QList>
#include <QMetaType>

namespace baton {

// A connection an I/O thread took off its epoll to move it to the successor: its descriptor and
// the record that goes with it. The descriptor stays the connection's, open and untouched by its
// I/O thread, until the successor has answered; the sender only passes it (no duplicate, so a
// handover of N connections needs no N more descriptors).
struct DetachedConnection
{
    int worker = -1;
    int descriptor = -1;
    HandoverRecord record;
};
using DetachedConnections = QList<DetachedConnection>;

} // namespace baton

Q_DECLARE_METATYPE(baton::DetachedConnection)
