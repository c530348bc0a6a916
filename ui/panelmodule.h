#pragma once

#include "panelplugin.h"

#include <QWidget>

#include <memory>

namespace baton::ui {

// The control panel behind the baton executable's PanelPlugin interface: what baton-panel.so
// hands out. It owns the window, which must go before the application object does.
class PanelModule : public PanelPlugin
{
public:
    PanelModule();
    ~PanelModule() override;

    std::unique_ptr<QCoreApplication> createApplication(int &argc, char **argv) override;
    void showPanel(LifecycleController *controller) override;
    void showAttached(const QStringList &controlSockets) override;

private:
    std::unique_ptr<QWidget> m_window; // the instance's window, or the attach window
};

} // namespace baton::ui
