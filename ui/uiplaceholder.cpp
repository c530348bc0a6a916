// Intentionally empty: the control panel is built in the control-panel issue.
namespace baton::ui {
}
