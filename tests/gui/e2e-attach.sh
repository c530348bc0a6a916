#!/usr/bin/env bash
# End to end: a headless instance and `baton --attach` on its control socket, the real binary
# with a real window under Xvfb. Ctrl+R typed into the attached window restarts the headless
# instance and the window follows to generation 2; Ctrl+K (Force kill, confirmed) ends it, and the
# window stays, showing it stopped.
#   e2e-attach.sh path/to/baton [screenshot.png]
set -euo pipefail
baton=$(readlink -f "$1")
e2e_name=e2e-attach
# shellcheck source=e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"

work=$(mktemp -d)
export HOME=$work
unset QT_QPA_PLATFORM XDG_RUNTIME_DIR
pids=()
cleanup() {
    for pid in "${pids[@]}" $(cat "$work/pid" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "e2e-attach: a command failed at line $LINENO" >&2' ERR
fail() {
    echo "e2e-attach: FAIL: $*" >&2
    echo "--- instance log" >&2; cat "$work/log" >&2
    echo "--- panel log" >&2; cat "$work/panel-log" >&2
    exit 1
}
title() { xdotool search --onlyvisible --name '^Baton' getwindowname 2>/dev/null | head -1; }

"$baton" --headless --restart-mode exec --listen 127.0.0.1:0 --pid-file "$work/pid" \
    --control-socket "$work/control.sock" 2>"$work/log" &
pids+=($!)
first=$!
wait_for 15 'grep -q "control socket on" "$work/log"' || fail "the instance did not open its control socket"
port=$(grep -o 'listening on http://[^ ]*' "$work/log" | head -1 | sed 's|.*:||')

"$baton" --attach "$work/control.sock" 2>"$work/panel-log" &
pids+=($!)
panel=$!
wait_for 15 '[[ $(title) == *"generation 1 — Serving"* ]]' || fail "no attached window on generation 1 (title '$(title)')"
grep -q "control: a panel attached" "$work/log" || fail "the instance did not log the panel"
[[ $(curl -s "http://127.0.0.1:$port/") == *Baton* ]] || fail "the instance does not serve"

window=$(xdotool search --onlyvisible --name '^Baton' | head -1)
xdotool windowfocus --sync "$window"
xdotool key --clearmodifiers ctrl+r
wait_for 15 'grep -q "restart: pid [0-9]* ready" "$work/log"' || fail "Ctrl+R in the attached window did not restart the instance"
second=$(grep -o 'restart: pid [0-9]* ready' "$work/log" | head -1 | awk '{print $3}')
pids+=("$second")
wait "$first" || fail "the old generation exited with status $?"
wait_for 15 '[[ $(title) == *"generation 2 — Serving"* ]]' || fail "the attached window did not follow to generation 2 (title '$(title)')"
generation=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-baton-generation"{print $2}')
[[ $generation == 2 ]] || fail "generation '$generation' serves, not 2"
[[ -n ${2:-} ]] && import -window "$window" "$2"

xdotool windowfocus --sync "$window"
xdotool key --clearmodifiers ctrl+k
wait_for 10 'xdotool search --onlyvisible --name "^Force kill" >/dev/null 2>&1' || fail "Ctrl+K asked nothing"
xdotool key --clearmodifiers alt+f
wait_for 15 '! kill -0 $second 2>/dev/null' || fail "Force kill from the attached window did not end generation 2"
grep -q "control: forceKill from a panel" "$work/log" || fail "the instance did not log the panel's force kill"
wait_for 10 '[[ $(title) == *Stopped* ]]' || fail "the attached window does not show the stop (title '$(title)')"
kill -0 "$panel" 2>/dev/null || fail "the attached window went away with the instance"
echo "e2e-attach: restart and force kill from the attached window ok ('$(title)')"
