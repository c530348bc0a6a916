#pragma once

#include "panelplugin.h"

namespace baton {

// The control panel linked into the program (Baton::Widgets), rather than loaded as a module.
using PanelFactory = PanelPlugin *(*)();
// Called by Baton::Widgets's registration object at static initialisation.
void registerPanelFactory(PanelFactory factory);
// Null when no panel is linked in.
PanelFactory registeredPanelFactory();

} // namespace baton
