#!/usr/bin/env bash
# The server and the control panel are split as designed (app/panelplugin.h):
# - baton needs Qt Core and Network and, not even through another library (ldd), Qt Widgets, Gui
#   or DBus, so a headless host needs no desktop library;
# - baton-panel.so needs Qt Widgets;
# - the module carries no copy of the server code (no strong definition of a baton:: symbol
#   outside baton::ui), and every baton:: symbol it uses is one that baton exports;
# - where a display is (QT_QPA_PLATFORM=offscreen stands in), baton loads the module it finds
#   beside itself and serves; with $BATON_PANEL_PLUGIN naming nothing it says so in one line and
#   serves headless.
#   verify-split.sh BATON PANEL_MODULE
set -euo pipefail
baton=$(readlink -f "$1")
panel=$(readlink -f "$2")
for tool in readelf ldd nm c++filt curl; do
    command -v "$tool" >/dev/null || { echo "verify-split: $tool is missing" >&2; exit 1; }
done
work=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "verify-split: FAIL: $*" >&2; exit 1; }

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needed "$baton" >"$work/baton.needed"
ldd "$baton" >"$work/baton.ldd"
for lib in libQt6Core.so.6 libQt6Network.so.6; do
    grep -qx "$lib" "$work/baton.needed" || fail "baton does not link $lib: $(tr '\n' ' ' <"$work/baton.needed")"
done
for lib in libQt6Widgets libQt6Gui libQt6DBus libQt6OpenGL libX11 libxcb libGL libEGL; do
    grep -q "$lib" "$work/baton.ldd" && fail "baton loads $lib:"$'\n'"$(cat "$work/baton.ldd")"
done
needed "$panel" | grep -qx libQt6Widgets.so.6 || fail "baton-panel.so does not link libQt6Widgets"

# Strong definitions only: inline functions and template instances (weak, or unique) may be
# emitted in both, and the dynamic linker binds them all to the executable's.
nm -D --defined-only --format=posix "$panel" | awk '$2 ~ /^[TDBR]$/ {print $1}' | c++filt |
    grep -E '^((vtable|typeinfo|typeinfo name|VTT) for |(non-)?virtual thunk to )?baton::' |
    grep -Ev '^[^(]*baton::ui::' >"$work/duplicated" || true
[[ -s $work/duplicated ]] && fail "baton-panel.so defines server code of its own (ODR):"$'\n'"$(head -20 "$work/duplicated")"
nm -D --undefined-only "$panel" | awk '{print $2}' | grep 5baton | sort -u >"$work/used" || true
[[ -s $work/used ]] || fail "baton-panel.so uses nothing of baton's: is it linked against its own copy?"
nm -D --defined-only "$baton" | awk '{print $3}' | sort -u >"$work/exported"
comm -23 "$work/used" "$work/exported" | c++filt >"$work/missing"
[[ -s $work/missing ]] && fail "baton-panel.so needs server symbols baton does not export:"$'\n'"$(head -20 "$work/missing")"

export HOME=$work XDG_CONFIG_HOME=$work/config XDG_RUNTIME_DIR=$work/run QT_QPA_PLATFORM=offscreen
mkdir -m 700 "$work/run"
unset DISPLAY WAYLAND_DISPLAY BATON_PANEL_PLUGIN

# Starts baton (extra environment in front), waits for its listening line, checks it answers,
# stops it with SIGTERM and expects status 0. The log is left in $work/log.
serve() {
    env "$@" "$baton" --restart-mode exec --listen 127.0.0.1:0 2>"$work/log" &
    pid=$!
    local tries=400 port
    until port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/log" | sed 's/.*://'); do
        kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; fail "baton exited before listening"; }
        ((tries-- > 0)) || { cat "$work/log" >&2; fail "baton did not listen within 20 s"; }
        sleep 0.05
    done
    curl -sf -m 10 "http://127.0.0.1:$port/" >/dev/null || { cat "$work/log" >&2; fail "no answer on port $port"; }
    kill -TERM "$pid"
    local status=0
    wait "$pid" || status=$?
    pid=
    ((status == 0)) || { cat "$work/log" >&2; fail "baton exited with status $status after SIGTERM"; }
}

# The module beside the executable, as the build tree has it.
[[ $(dirname "$panel") == $(dirname "$baton") ]] || fail "baton-panel.so is not beside baton"
serve
grep -q "control panel: $panel\$" "$work/log" || { cat "$work/log" >&2; fail "baton did not load $panel"; }
grep -q 'running headless' "$work/log" && { cat "$work/log" >&2; fail "baton ran headless with the panel beside it"; }

serve BATON_PANEL_PLUGIN="$work/none/baton-panel.so"
[[ $(grep -c 'running headless' "$work/log") == 1 ]] || { cat "$work/log" >&2; fail "expected one 'running headless' line"; }
grep -q 'the control panel is not installed (package baton-gui; looked for '"$work"'/none/baton-panel.so): running headless' "$work/log" ||
    { cat "$work/log" >&2; fail "no 'not installed' line"; }

# A file that is not a loadable module: the loader's own message, and headless.
echo 'not an ELF file' >"$work/broken.so"
serve BATON_PANEL_PLUGIN="$work/broken.so"
grep -q "the control panel $work/broken.so cannot be used (.*): running headless" "$work/log" ||
    { cat "$work/log" >&2; fail "no 'cannot be used' line for a broken module"; }

echo "verify-split: baton needs $(grep -c . "$work/baton.needed") libraries, Qt Core and Network only; the panel module needs Widgets, uses $(wc -l <"$work/used") of baton's symbols and defines none; loaded, missing and broken panels all serve"
