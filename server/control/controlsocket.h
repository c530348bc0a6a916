#pragma once

#include "control/controlaccess.h"

#include <QString>

#include <memory>

namespace baton {

class ListenSocket;

namespace control {

// Where the control socket is. Auto: under systemd's RuntimeDirectory= ($RUNTIME_DIRECTORY/
// control.sock), else under the user's $XDG_RUNTIME_DIR (baton/NAME-PORT.sock), else none; a
// path taken by a live instance is then a warning, not a failure. A path given explicitly must
// be had, or the instance does not start.
struct ControlSocketSettings
{
    enum class Mode { Off, Auto, Path };
    Mode mode = Mode::Auto;
    QString path;  // Mode::Path
    QString group; // --control-group: members may attach too (socket 0660)

    // From --control-socket's value: "none", a path (made absolute), or empty for the default.
    void setFrom(const QString &value);
};

// The socket a predecessor passed (inheritedFd >= 0; it wins, as for the other listeners: a
// restart never binds again), else the one the settings name, bound now with the access's mode.
// Null when there is none; *error set when that is fatal, a warning logged when not.
std::unique_ptr<ListenSocket> openControlSocket(const ControlSocketSettings &settings,
                                                const ControlAccess &access, int inheritedFd,
                                                const QString &instanceName, QString *error);

} // namespace control
} // namespace baton
