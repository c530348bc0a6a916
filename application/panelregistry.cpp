#include "panelregistry.h"

namespace baton {

namespace {
// Constant-initialised, so a registration running before this file's initialisers finds it.
PanelFactory s_factory = nullptr;
} // namespace

void registerPanelFactory(PanelFactory factory)
{
    s_factory = factory;
}

PanelFactory registeredPanelFactory()
{
    return s_factory;
}

} // namespace baton
