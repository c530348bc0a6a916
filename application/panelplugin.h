#pragma once

#include <QCoreApplication>
#include <QStringList>

#include <memory>

namespace baton {

class LifecycleController;

// The control panel as the baton executable sees it. The panel is a separate module
// (baton-panel.so, built from ui/) that links Qt Widgets; baton loads it only when it is about
// to show a window, so a server install needs neither Widgets nor Gui. The module has no copy of
// the server code: it binds to the executable's (exported) symbols, so there is one
// LifecycleController, with one meta-object and one set of statics.
class PanelPlugin
{
public:
    virtual ~PanelPlugin() = default;
    // QApplication lives in QtWidgets, which only the panel links: it makes the application
    // object, in place of the QCoreApplication a headless Baton makes.
    virtual std::unique_ptr<QCoreApplication> createApplication(int &argc, char **argv) = 0;
    // Shows the window for the controller (which lives in its own thread). The application's
    // event loop ends, with the process's exit code, when the window says the process is done.
    virtual void showPanel(LifecycleController *controller) = 0;
    // baton --attach: no server in this process, a window on other instances' control
    // sockets, one tab each. The event loop ends when that window is closed.
    virtual void showAttached(const QStringList &controlSockets) = 0;
};

} // namespace baton

// The module's entry points, looked up by name (C names: nothing to demangle). The version is
// checked first: the panel uses the executable's classes directly, so only the panel built with
// this very Baton fits.
#define BATON_PANEL_VERSION_SYMBOL "baton_panel_version"
#define BATON_PANEL_FACTORY_SYMBOL "baton_panel_create"
extern "C" {
using BatonPanelVersionFunction = const char *(*)();
using BatonPanelFactoryFunction = baton::PanelPlugin *(*)();
}
