#pragma once

#include "panelplugin.h"

#include <memory>

namespace baton {

// Loads the control panel module, or says in one line why there is none (not installed, not
// loadable, another version) and returns null: Baton then serves headless rather than fail.
// Looks at $BATON_PANEL_PLUGIN alone when it is set (a path to the module); otherwise beside the
// executable (the build tree), then where `cmake --install` puts it relative to the executable,
// then the library directory compiled in.
std::unique_ptr<PanelPlugin> loadPanelPlugin();

} // namespace baton
