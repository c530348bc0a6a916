// Baton::Widgets: the control panel linked into a program on baton::Application. At static
// initialisation this registers a factory for the panel, which Application asks for before it
// looks for the baton-panel module (application/application.cpp, findPanel).
//
// Nothing in a program names anything in this file, so a static archive would leave it out:
// Baton::Widgets's link interface says --undefined=baton_widgets_panel_registration, which pulls
// this object (and with it the panel) into every program that links the library.
#include "panelmodule.h"
#include "panelregistry.h"

#include <QtGlobal>

// The window icon (ui/CMakeLists.txt, qt_add_resources "baton_icons"): its object is in the
// archive too, and nothing else refers to it. Q_INIT_RESOURCE must be used outside a namespace.
static void initialisePanelResources()
{
    Q_INIT_RESOURCE(baton_icons);
}

namespace {

baton::PanelPlugin *createPanel()
{
    return new baton::ui::PanelModule;
}

struct PanelRegistration
{
    PanelRegistration()
    {
        initialisePanelResources();
        baton::registerPanelFactory(&createPanel);
    }
};

const PanelRegistration s_registration;

} // namespace

// The name Baton::Widgets's users are linked with --undefined= of (ui/CMakeLists.txt,
// baton-widgets.pc).
extern "C" Q_DECL_EXPORT const int baton_widgets_panel_registration = 1;
