#!/usr/bin/env bash
# End to end: the real binary with a real window under Xvfb; Ctrl+R typed with xdotool must hand
# over to a new generation, and exactly one Baton window must remain.
#   e2e-restart.sh path/to/baton
set -euo pipefail
baton=$(readlink -f "$1")
e2e_name=e2e-restart
# shellcheck source=e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"

work=$(mktemp -d)
export HOME=$work XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$work/run"
unset QT_QPA_PLATFORM
pids=()
cleanup() {
    for pid in "${pids[@]}" $(cat "$work/pid" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "e2e-restart: FAIL: $*" >&2; echo "--- baton log" >&2; cat "$work/log" >&2; exit 1; }

visible_windows() { xdotool search --onlyvisible --name '^Baton' 2>/dev/null | wc -l; }

"$baton" --restart-mode exec --listen 127.0.0.1:0 --pid-file "$work/pid" 2>"$work/log" &
pids+=($!)
first=$!
wait_for 15 '[[ -s $work/pid ]]' || fail "baton did not start"
port=$(grep -o 'listening on http://[^ ]*' "$work/log" | head -1 | sed 's|.*:||')
grep -q 'running headless' "$work/log" && fail "baton fell back to headless under Xvfb"
wait_for 15 '[[ $(visible_windows) -eq 1 ]]' || fail "no Baton window appeared"

# A request in flight, so the old generation visibly drains while the new one serves.
curl -s -m 20 "http://127.0.0.1:$port/sleep?ms=2000" -o "$work/slow" -D "$work/slow-head" &
slow=$!
wait_for 5 'curl -s "http://127.0.0.1:$port/metrics" | grep -q "state=\"busy\"} 2"' || fail "slow request not in flight"

window=$(xdotool search --onlyvisible --name '^Baton' | head -1)
xdotool windowfocus --sync "$window"
xdotool key --clearmodifiers ctrl+r
wait_for 15 'grep -q "restart: pid [0-9]* ready" "$work/log"' || fail "Ctrl+R did not start a handover"
second=$(grep -o 'restart: pid [0-9]* ready' "$work/log" | head -1 | awk '{print $3}')
pids+=("$second")

wait "$slow" || fail "the in-flight request failed across the restart"
grep -qi '^X-Baton-Generation: 1' "$work/slow-head" || fail "the in-flight request was not answered by generation 1"
grep -qi '^Connection: close' "$work/slow-head" && fail "the in-flight answer closed a connection that moves to generation 2"
wait_for 15 '! kill -0 $first 2>/dev/null' || fail "the old generation did not exit"
wait "$first" || fail "the old generation exited with status $?"

generation=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-baton-generation"{print $2}')
[[ $generation == 2 ]] || fail "new connections are served by generation '$generation', not 2"
wait_for 10 '[[ $(visible_windows) -eq 1 ]]' || fail "$(visible_windows) Baton windows remain, expected 1"
title=$(xdotool search --onlyvisible --name '^Baton' getwindowname)
[[ $title == *"generation 2"* ]] || fail "the remaining window is '$title'"

kill -TERM "$second"
wait_for 10 '! kill -0 $second 2>/dev/null' || fail "generation 2 did not exit on SIGTERM"
echo "e2e-restart: handover by Ctrl+R ok, one window left ('$title')"
