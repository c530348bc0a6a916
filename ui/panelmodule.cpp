#include "panelmodule.h"

#include "attachwindow.h"
#include "core/logbroadcaster.h"
#include "mainwindow.h"

#include <QApplication>

namespace baton::ui {

PanelModule::PanelModule() = default;
PanelModule::~PanelModule() = default;

std::unique_ptr<QCoreApplication> PanelModule::createApplication(int &argc, char **argv)
{
    auto app = std::make_unique<QApplication>(argc, argv);
    // The window hides after a handover while this process still drains.
    QApplication::setQuitOnLastWindowClosed(false);
    // Installed now, so that the window shows every line logged from here on.
    LogBroadcaster::instance();
    return app;
}

void PanelModule::showPanel(LifecycleController *controller)
{
    auto window = std::make_unique<MainWindow>(controller);
    QObject::connect(window.get(), &MainWindow::quitRequested, qApp,
                     [](int exitCode) { QCoreApplication::exit(exitCode); });
    window->show();
    m_window = std::move(window);
}

void PanelModule::showAttached(const QStringList &controlSockets)
{
    auto window = std::make_unique<AttachWindow>();
    for (const QString &path : controlSockets)
        window->attach(path);
    QObject::connect(window.get(), &AttachWindow::closed, qApp, [] { QCoreApplication::exit(0); });
    window->show();
    m_window = std::move(window);
}

} // namespace baton::ui

extern "C" Q_DECL_EXPORT const char *baton_panel_version()
{
    return BATON_VERSION;
}

extern "C" Q_DECL_EXPORT baton::PanelPlugin *baton_panel_create()
{
    return new baton::ui::PanelModule;
}
