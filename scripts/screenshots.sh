#!/usr/bin/env bash
# Takes the README's screenshots of the real window under Xvfb: serving with busy connections,
# draining after Shutdown, the new generation watching the old one drain after Restart, and
# Stopped with the report.   scripts/screenshots.sh [path/to/baton]   -> docs/screenshots/*.png
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
baton=$(readlink -f "${1:-$root/build/release/app/baton}")
out=$root/docs/screenshots
if [[ -z "${BATON_SHOTS_INSIDE_X:-}" ]]; then
    "$root/scripts/install-deps"
    [[ -x $baton ]] || { echo "screenshots: build Baton first (make release)" >&2; exit 1; }
    export BATON_SHOTS_INSIDE_X=1
    exec timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$baton"
fi

work=$(mktemp -d)
export HOME=$work XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$work/run" && mkdir -p "$out"
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT

wait_for() { local n=$(($1 * 20)); shift; while ((n-- > 0)); do eval "$@" && return 0; sleep 0.05; done; return 1; }
window() { xdotool search --onlyvisible --name '^Baton' | head -1; }
shot() { import -window "$(window)" "$out/$1.png"; echo "screenshots: $out/$1.png"; }
press() { xdotool windowfocus --sync "$(window)"; xdotool key --clearmodifiers "$1"; }

start() {
    rm -f "$work/pid"
    "$baton" --listen 127.0.0.1:0 --pid-file "$work/pid" 2>>"$work/log" &
    wait_for 15 '[[ -s $work/pid ]]'
    port=$(grep -o 'listening on http://[^ ]*' "$work/log" | tail -1 | sed 's|.*:||')
    wait_for 15 '[[ -n $(window) ]]'
}
traffic() {
    for i in $(seq 8); do curl -s -m 30 "http://127.0.0.1:$port/sleep?ms=$((5000 + i * 900))" >/dev/null & done
    for i in $(seq 4); do curl -s -m 30 "http://127.0.0.1:$port/stream?seconds=9" >/dev/null & done
    taskset -c 1 wrk -t1 -c24 -d"$1"s "http://127.0.0.1:$port/" >/dev/null 2>&1 &
}

start
traffic 5
sleep 3.5
shot serving
press ctrl+shift+q
sleep 1.2
shot draining
wait_for 30 'xdotool search --onlyvisible --name "^Baton.*Stopped" >/dev/null'
sleep 0.3
shot stopped
xdotool search --onlyvisible --name '^Baton' windowclose || kill "$(cat "$work/pid")"
sleep 0.5

start
traffic 8
sleep 1.5
press ctrl+r
wait_for 15 'grep -q "previous generation .* is draining" "$work/log"'
sleep 1.5
shot restart
