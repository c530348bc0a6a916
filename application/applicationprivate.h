#pragma once

#include <baton/application.h>

#include "options.h"
#include "panelplugin.h"

#include <QMutex>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QCoreApplication;
QT_END_NAMESPACE

namespace baton {

// Application's state, and what turns the command line and config file into a Server's settings
// (the routes of each generation included), and finds the window.
class ApplicationPrivate
{
public:
    ApplicationPrivate(int &argc, char **argv);

    // What the command line and config file say, onto the server.
    void configure(const AppOptions &options);
    std::function<void(Router &)> siteRoutes(const AppOptions &options) const;
    std::unique_ptr<PanelPlugin> findPanel() const;
    // baton --attach: the panel on other instances' control sockets, and no server here.
    int attach(const QStringList &controlSockets);

    // As in log lines, --help and --version: the executable's file name.
    static QString programName(const QStringList &arguments);

    // The configuration value() answers from: the one read at start, replaced at a reload.
    std::shared_ptr<const AppOptions> currentOptions() const;
    void setCurrentOptions(AppOptions options);

    QStringList arguments;
    OptionsExtension extension;
    std::optional<AppOptions> options; // as read at start
    mutable QMutex currentMutex;
    std::shared_ptr<const AppOptions> current;
    std::function<void(Router &)> buildRoutes;
    QString headlessReason; // logged by parse(): why there is no window, when none was asked
    QString noDisplay;      // why no window can be shown, when none can
    bool parsed = false;
    int exitCode = ExitOk;
    // Declared in this order so that they go in reverse: the window, then the server (its
    // threads), then the application object.
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<Server> server;
    std::unique_ptr<PanelPlugin> panel;
};

} // namespace baton
