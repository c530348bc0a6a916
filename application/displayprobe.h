#pragma once

#include <QString>

namespace baton {

// Whether a window can be opened, decided before any QGuiApplication exists (creating one on a
// display that is not there aborts the process). QT_QPA_PLATFORM=offscreen and other platforms
// that need no display count as available; xcb and wayland need a server that answers.
bool displayAvailable(QString *why);

} // namespace baton
