#include "control/controlsocket.h"

#include "core/logging.h"
#include "net/listensocket.h"

#include <QDir>
#include <QFileInfo>

namespace baton::control {

namespace {

QString automaticPath(const QString &instanceName)
{
    // systemd sets RUNTIME_DIRECTORY (colon-separated when the unit asks for several).
    const QString runtime = qEnvironmentVariable("RUNTIME_DIRECTORY").section(u':', 0, 0);
    if (!runtime.isEmpty())
        return runtime + QStringLiteral("/control.sock");
    const QString user = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (user.isEmpty())
        return {};
    const QString directory = user + QStringLiteral("/baton");
    if (!QDir().mkpath(directory))
        return {};
    return QStringLiteral("%1/%2.sock").arg(directory, instanceName);
}

} // namespace

void ControlSocketSettings::setFrom(const QString &value)
{
    mode = value.isEmpty() ? Mode::Auto : value == u"none" ? Mode::Off : Mode::Path;
    path = mode == Mode::Path ? QFileInfo(value).absoluteFilePath() : QString();
}

std::unique_ptr<ListenSocket> openControlSocket(const ControlSocketSettings &settings,
                                                const ControlAccess &access, int inheritedFd,
                                                const QString &instanceName, QString *error)
{
    auto socket = std::make_unique<ListenSocket>();
    if (inheritedFd >= 0) {
        if (!socket->adoptDescriptor(inheritedFd, error)) {
            *error = QStringLiteral("control socket: %1").arg(*error);
            return nullptr;
        }
        return socket;
    }
    if (settings.mode == ControlSocketSettings::Mode::Off)
        return nullptr;
    const bool automatic = settings.mode == ControlSocketSettings::Mode::Auto;
    const QString path = automatic ? automaticPath(instanceName) : settings.path;
    if (path.isEmpty())
        return nullptr;
    ListenAddress address;
    address.path = path;
    QString why;
    if (!socket->bind(address, &why) || !access.applyTo(path, &why)) {
        if (automatic) {
            qCWarning(lcLifecycle).noquote()
                << QStringLiteral("no control socket: %1 (--control-socket PATH names another)")
                       .arg(why);
            return nullptr;
        }
        *error = QStringLiteral("--control-socket: %1").arg(why);
        return nullptr;
    }
    return socket;
}

} // namespace baton::control
