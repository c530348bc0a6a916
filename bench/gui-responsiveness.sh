#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# GUI responsiveness of Baton's window with N idle connections and a wrk load.
#
# Under a virtual display (xvfb-run, 1280x900x24) Baton runs WITH its window and
# BATON_UI_STATS=1: every 5 s the window logs the longest interval between two of
# its 100 ms refresh ticks since it started ("ui: longest gap ..."); gap - 100 ms is
# the worst stall of the GUI thread.
#
# Two runs, each with a fresh Baton (unpinned: GUI thread + I/O threads):
#   baseline  no connections and no load, DURATION seconds, the table scrolled as below;
#   loaded    N idle keep-alive connections (bench/peers/idle-client: each sends one
#             GET / and holds the connection), then `wrk -t1 -cCONNS -dDURATION` on top;
#             clients pinned to CPU $CLIENT_CPU.
# During both, the connections table is scrolled (xdotool: Page_Down, End, Home and
# the mouse wheel, one action every 200 ms), and in the loaded run a screenshot is
# taken halfway through the wrk run: bench/out/gui-10k.png (gui-N.png for other N).
# Prints the longest gap (per phase and final), the worst stall, wrk's requests/sec
# and the connections the table showed; writes it to bench/out/gui-<date>-<time>.txt.
# Exit status 1 if a run could not be measured (Baton died, no window, the client
# could not open its connections, no stats line).
#
# Environment (all optional):
#   N=10000        idle connections (Baton gets --max-connections N + CONNS + 1000, at least
#                  20000, and --idle-timeout 600). The open-file limit is raised to what N
#                  needs; if the hard limit (ulimit -Hn) is lower and cannot be raised (that
#                  takes CAP_SYS_RESOURCE), N is lowered to what fits and the summary says so.
#                  Above 25000 connections idle-client spreads them over several source
#                  addresses (127.0.0.1, .2, ...): one source has ~28,000 ephemeral ports
#                  towards one server port.
#   DURATION=20    seconds of the wrk run, and of the baseline run
#   CONNS=50       wrk connections
#   SCROLL=1       0: don't scroll the table
#   and those of bench/lib.sh (BATON_BIN, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

N=${N:-10000}
DURATION=${DURATION:-20}
DURATION=${DURATION%s}
CONNS=${CONNS:-50}
SCROLL=${SCROLL:-1}
[[ $N =~ ^[0-9]+$ ]] || die "N must be a number"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive number of seconds"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || die "CONNS must be a positive integer"
CLIENT_TIMEOUT=120 # seconds idle-client may take to open all N
STATS_PERIOD=5     # seconds between the window's "ui: longest gap" lines

stamp=$(date +%Y%m%d-%H%M%S)
RUN_DIR="$LOGS/gui-$stamp"
SUMMARY="$OUT/gui-$stamp.txt"
XVFB_RUN_PID="" XVFB_PID="" BATON_PID="" SCROLL_PID=""
FAILED=0

# shellcheck disable=SC2317 # called by the EXIT trap
gui_cleanup() {
    local rc=$? p i
    trap - EXIT
    set +e
    [[ -n $SCROLL_PID ]] && kill "$SCROLL_PID" 2>/dev/null && wait "$SCROLL_PID" 2>/dev/null
    [[ -n $BATON_PID ]] && kill_and_wait "$BATON_PID"
    for p in ${EXTRA_PIDS[@]+"${EXTRA_PIDS[@]}"}; do kill_and_wait "$p"; done
    EXTRA_PIDS=()
    if [[ -n $XVFB_RUN_PID ]]; then
        # Ending xvfb-run's command lets it stop Xvfb and remove its auth file itself.
        pkill -TERM -P "$XVFB_RUN_PID" -x sleep 2>/dev/null
        for ((i = 0; i < 50; i++)); do kill -0 "$XVFB_RUN_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$XVFB_RUN_PID" 2>/dev/null && kill -TERM "$XVFB_RUN_PID" 2>/dev/null
        wait "$XVFB_RUN_PID" 2>/dev/null
    fi
    [[ -n $XVFB_PID ]] && kill -0 "$XVFB_PID" 2>/dev/null && kill -TERM "$XVFB_PID" 2>/dev/null
    (exit "$rc") # lib.sh's cleanup takes $? as the exit status
    cleanup
}
trap gui_cleanup EXIT

# Starts Xvfb through xvfb-run (its command: a bounded sleep) and exports DISPLAY and
# XAUTHORITY from the Xvfb command line.
start_display() {
    local bound=$((DURATION * 2 + CLIENT_TIMEOUT + 300)) i args
    xvfb-run -a -s "-screen 0 1280x900x24" -e "$RUN_DIR/xvfb.err" sleep "$bound" 2>>"$RUN_DIR/xvfb-run.log" &
    XVFB_RUN_PID=$!
    for ((i = 0; i < 200; i++)); do
        XVFB_PID=$(pgrep -P "$XVFB_RUN_PID" -x Xvfb || true)
        # xvfb-run starts its command once Xvfb is ready
        [[ -n $XVFB_PID ]] && pgrep -P "$XVFB_RUN_PID" -x sleep >/dev/null && break
        kill -0 "$XVFB_RUN_PID" 2>/dev/null || { cat "$RUN_DIR/xvfb.err" >&2; die "xvfb-run failed"; }
        sleep 0.1
    done
    [[ -n $XVFB_PID ]] || die "Xvfb did not start within 20 s (log: $RUN_DIR/xvfb.err)"
    mapfile -d '' -t args <"/proc/$XVFB_PID/cmdline"
    DISPLAY=${args[1]}
    XAUTHORITY=""
    for ((i = 0; i < ${#args[@]} - 1; i++)); do
        [[ ${args[i]} == -auth ]] && XAUTHORITY=${args[i + 1]}
    done
    [[ $DISPLAY == :* ]] || die "could not read the display from Xvfb's command line: ${args[*]}"
    export DISPLAY XAUTHORITY
    log "virtual display $DISPLAY (Xvfb pid $XVFB_PID)"
}

# start_gui NAME: Baton with its window on a free port; waits for GET / and the window.
# Sets BATON_PID, PORT, WIN, BLOG.
start_gui() {
    local name=$1 home="$RUN_DIR/home-$1" deadline
    mkdir -p "$home/run"
    chmod 700 "$home/run"
    pick_port
    PORT=$PICKED_PORT
    BLOG="$RUN_DIR/baton-$name.log"
    env HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_CONFIG_HOME="$home/.config" BATON_UI_STATS=1 \
        QT_QPA_PLATFORM=xcb "$BATON_BIN" --listen "127.0.0.1:$PORT" \
        --max-connections "$MAX_CONNECTIONS" --idle-timeout 600 >"$BLOG" 2>&1 &
    BATON_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    WIN=""
    while ((SECONDS < deadline)); do
        kill -0 "$BATON_PID" 2>/dev/null || { tail -n 20 "$BLOG" >&2; die "Baton exited at start (log: $BLOG)"; }
        if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/"; then
            WIN=$(xdotool search --onlyvisible --name '^Baton' 2>/dev/null | head -n 1 || true)
            [[ -n $WIN ]] && break
        fi
        sleep 0.1
    done
    [[ -n $WIN ]] || { tail -n 20 "$BLOG" >&2; die "Baton's window did not appear within ${READY_TIMEOUT}s (log: $BLOG)"; }
    log "$name: Baton pid $BATON_PID on 127.0.0.1:$PORT, window $WIN ($(xdotool getwindowgeometry "$WIN" | awk '/Geometry/ { print $2 }'))"
}

# Scrolls the connections table until killed: one action every 200 ms.
start_scroller() {
    [[ $SCROLL == 1 ]] || return 0
    local win=$WIN geo w h
    geo=$(xdotool getwindowgeometry "$win" | awk '/Geometry/ { print $2 }')
    w=${geo%x*} h=${geo#*x}
    (
        set +e
        xdotool windowfocus --sync "$win"
        # Click into the table's rows (it takes the keyboard focus), keep the pointer there for the wheel.
        xdotool mousemove --window "$win" $((w * 2 / 5)) $((h * 3 / 10)) click 1
        actions=(Page_Down Page_Down Page_Down wheel-down wheel-down End Page_Up Page_Up wheel-up Home)
        i=0
        while :; do
            a=${actions[i % ${#actions[@]}]}
            case $a in
                wheel-down) xdotool click --repeat 3 5 ;;
                wheel-up) xdotool click --repeat 3 4 ;;
                *) xdotool key "$a" ;;
            esac
            i=$((i + 1))
            sleep 0.2
        done
    ) >>"$RUN_DIR/xdotool.log" 2>&1 &
    SCROLL_PID=$!
}
stop_scroller() {
    [[ -n $SCROLL_PID ]] || return 0
    kill "$SCROLL_PID" 2>/dev/null || true
    wait "$SCROLL_PID" 2>/dev/null || true
    SCROLL_PID=""
}

# Waits until the log has a stats line newer than the last one seen; sets LAST_GAP/LAST_ROWS.
STATS_SEEN=0
wait_stats() {
    local deadline=$((SECONDS + STATS_PERIOD + 3)) n line
    while ((SECONDS < deadline)); do
        n=$(grep -c 'ui: longest gap' "$BLOG" || true)
        ((n > STATS_SEEN)) && break
        sleep 0.2
    done
    n=$(grep -c 'ui: longest gap' "$BLOG" || true)
    STATS_SEEN=$n
    line=$(grep 'ui: longest gap' "$BLOG" | tail -n 1 || true)
    LAST_GAP=$(sed -nE 's/.*so far: ([0-9]+) ms.*/\1/p' <<<"$line")
    LAST_ROWS=$(sed -nE 's/.*\(([0-9]+) connections in the table\).*/\1/p' <<<"$line")
    LAST_REFRESH=$(sed -nE 's/.*longest refresh ([0-9]+ ms \(.*\)).*/\1/p' <<<"$line")
    LAST_GAP=${LAST_GAP:--} LAST_ROWS=${LAST_ROWS:--} LAST_REFRESH=${LAST_REFRESH:--}
}

stop_gui() {
    local i
    kill -TERM "$BATON_PID" 2>/dev/null || true
    for ((i = 0; i < 350; i++)); do
        kill -0 "$BATON_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BATON_PID" 2>/dev/null; then
        warn "Baton (pid $BATON_PID) still running 35 s after SIGTERM; killing it"
        kill -KILL "$BATON_PID" 2>/dev/null || true
    fi
    wait "$BATON_PID" 2>/dev/null || true
    BATON_PID=""
}

declare -A R=()

baseline_run() {
    start_gui baseline
    STATS_SEEN=0
    start_scroller
    log "baseline: no connections, no load, ${DURATION}s"
    sleep "$DURATION"
    stop_scroller
    wait_stats
    kill -0 "$BATON_PID" 2>/dev/null || { FAILED=1; R[baseline_note]="Baton died"; }
    R[baseline_gap]=$LAST_GAP
    R[baseline_rows]=$LAST_ROWS
    stop_gui
}

loaded_run() {
    local line cpid cin cout wpid t_end maxrows
    start_gui loaded
    STATS_SEEN=0
    start_scroller
    sleep 1
    wait_stats
    R[startup_gap]=$LAST_GAP
    if ((N > 0)); then
        log "loaded: opening $N idle keep-alive connections (idle-client on CPU $CLIENT_CPU)"
        coproc CLIENT { exec taskset -c "$CLIENT_CPU" "$IDLE_CLIENT_BIN" -addr "127.0.0.1:$PORT" -n "$N" \
            -sources "$SOURCES" -parallel 64 -timeout "${CLIENT_TIMEOUT}s" 2>>"$RUN_DIR/idle-client.log"; }
        cpid=$CLIENT_PID cin=${CLIENT[1]} cout=${CLIENT[0]}
        EXTRA_PIDS+=("$cpid")
        if ! read -r -t $((CLIENT_TIMEOUT + 30)) line <&"$cout" || [[ $line != ready ]]; then
            tail -n 3 "$RUN_DIR/idle-client.log" >&2 || true
            R[loaded_note]="idle-client did not get all $N connections answered (log: $RUN_DIR/idle-client.log)"
            FAILED=1
            stop_scroller
            stop_gui
            return 0
        fi
        log "loaded: $N connections open and idle"
        sleep 1
        wait_stats
        R[open_gap]=$LAST_GAP
        R[open_rows]=$LAST_ROWS
    fi
    log "loaded: wrk -t1 -c$CONNS -d${DURATION}s on CPU $CLIENT_CPU on top"
    timeout -k 5 $((DURATION + 30)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" \
        "http://127.0.0.1:$PORT/" >"$RUN_DIR/wrk.txt" 2>&1 &
    wpid=$!
    EXTRA_PIDS+=("$wpid")
    sleep $((DURATION / 2))
    if import -window root "$SHOT" 2>>"$RUN_DIR/import.log"; then
        log "screenshot: $SHOT"
        R[shot]=$SHOT
    else
        warn "import failed (log: $RUN_DIR/import.log)"
        R[shot]="(failed)"
    fi
    wait "$wpid" || warn "wrk exited with status $?"
    t_end=$SECONDS
    # The rows the table showed during the load: the largest count in the stats lines.
    maxrows=$(sed -nE 's/.*\(([0-9]+) connections in the table\).*/\1/p' "$BLOG" | sort -n | tail -n 1)
    wait_stats
    R[loaded_gap]=$LAST_GAP
    R[loaded_rows]=$LAST_ROWS
    R[loaded_refresh]=$LAST_REFRESH
    R[loaded_maxrows]=${maxrows:--}
    R[rps]=$(awk '/^Requests\/sec:/ { print $2 }' "$RUN_DIR/wrk.txt")
    R[req]=$(awk '/ requests in / { print $1 }' "$RUN_DIR/wrk.txt")
    R[wrk_err]=$(grep -E 'Socket errors|Non-2xx' "$RUN_DIR/wrk.txt" | tr -s ' ' | tr '\n' ';' || true)
    R[rps]=${R[rps]:--} R[req]=${R[req]:--}
    stop_scroller
    kill -0 "$BATON_PID" 2>/dev/null || { FAILED=1; R[loaded_note]="Baton died during the load"; }
    if ((N > 0)); then
        # Release the connections; the client reports how many were still open.
        { exec {cin}>&-; } 2>/dev/null || true
        if read -r -t 60 line <&"$cout" && [[ $line =~ ^open\ ([0-9]+)/([0-9]+)$ ]]; then
            R[still_open]="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
        else
            R[still_open]="?"
        fi
        kill_and_wait "$cpid"
        { exec {cout}<&-; } 2>/dev/null || true
    fi
    EXTRA_PIDS=()
    log "loaded: done ($((SECONDS - t_end)) s after wrk)"
    stop_gui
}

# ---------------------------------------------------------------------------------
# Baton holds N + CONNS sockets, idle-client N: each process needs that many descriptors plus
# its own few (Baton: listener, event fds, X connection, logs).
FD_MARGIN=512
N_ASKED=$N
raise_fd_limit $((N + CONNS + FD_MARGIN > 65536 ? N + CONNS + FD_MARGIN : 65536))
if (($(ulimit -n) < N + CONNS + FD_MARGIN)); then
    N=$(($(ulimit -n) - CONNS - FD_MARGIN))
    ((N > 0)) || die "open-file limit $(ulimit -n) is too low for any idle connections"
    cap_eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    N_NOTE="N lowered from $N_ASKED to $N: the hard open-file limit is $(ulimit -Hn) and raising it needs CAP_SYS_RESOURCE"
    (((0x${cap_eff:-0} >> 24) & 1)) || N_NOTE+=", which this shell does not have"
    warn "$N_NOTE"
fi
MAX_CONNECTIONS=$((N + CONNS + 1000 > 20000 ? N + CONNS + 1000 : 20000))
# One source address per 25,000 connections (127.0.0.1, .2, ...; all of 127/8 is loopback).
SOURCES=127.0.0.1
for ((i = 2; i <= (N + 24999) / 25000; i++)); do SOURCES+=",127.0.0.$i"; done
install_bench_deps
for tool in xvfb-run Xvfb xdotool import; do
    command -v "$tool" >/dev/null || die "'$tool' not found (scripts/install-deps installs xvfb, xdotool, imagemagick)"
done
ensure_baton || die "no Baton binary at $BATON_BIN"
if [[ "$BATON_BIN" == "$ROOT/build/release/app/baton" ]] &&
    [[ -n $(find "$ROOT/server" "$ROOT/app" "$ROOT/ui" -type f \( -name '*.cpp' -o -name '*.h' \) -newer "$BATON_BIN" | head -n 1) ]]; then
    log "Baton binary is older than its sources; rebuilding (cmake --build --preset release)"
    (cd "$ROOT" && { [[ -f build/release/build.ninja ]] || cmake --preset release; } && cmake --build --preset release) \
        >"$LOGS/build-baton.log" 2>&1 || warn "rebuilding Baton failed (log: $LOGS/build-baton.log); using the existing binary"
fi
((N == 0)) || go_build idle-client
SHOT="$OUT/gui-$( ((N % 1000 == 0)) && echo "$((N / 1000))k" || echo "$N").png"
mkdir -p "$RUN_DIR"
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 1.5) }'; then
    warn "load average is already $LOAD_START on $(nproc) CPUs: other processes will disturb the figures"
fi
start_display

baseline_run
loaded_run

gap_stall() { # "123" -> "123 ms (stall 23 ms)"
    [[ $1 =~ ^[0-9]+$ ]] || { echo "-"; return; }
    echo "$1 ms (worst stall $(($1 - 100)) ms)"
}
{
    echo "# bench/gui-responsiveness.sh $(date -Iseconds)"
    echo "# host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the start $LOAD_START, at the end $(cut -d' ' -f1 /proc/loadavg)"
    echo "# baton: $BATON_BIN with its window (xcb on Xvfb 1280x900x24), unpinned; $(grep -m1 -oE '[0-9]+ I/O threads?' "$RUN_DIR/baton-loaded.log" || echo '?'); BATON_UI_STATS=1"
    [[ -z ${N_NOTE:-} ]] || echo "# $N_NOTE"
    echo "# clients on CPU $CLIENT_CPU: idle-client N=$N from $SOURCES, Baton --max-connections $MAX_CONNECTIONS, wrk -t1 -c$CONNS -d${DURATION}s; table scrolled: $([[ $SCROLL == 1 ]] && echo 'yes (xdotool every 200 ms)' || echo no)"
    echo "# logs: $RUN_DIR"
    echo
    echo "Longest interval between two 100 ms GUI refresh ticks since Baton started (gap - 100 ms = worst GUI stall)"
    printf '%-46s %s\n' "baseline (no connections, no load, ${DURATION}s):" "$(gap_stall "${R[baseline_gap]:-}")  table rows: ${R[baseline_rows]:--} ${R[baseline_note]:-}"
    printf '%-46s %s\n' "loaded run, after start-up:" "$(gap_stall "${R[startup_gap]:-}")"
    ((N == 0)) || printf '%-46s %s\n' "  after opening $N idle connections:" "$(gap_stall "${R[open_gap]:-}")  table rows: ${R[open_rows]:--}"
    printf '%-46s %s\n' "  after wrk -c$CONNS for ${DURATION}s on top (FINAL):" "$(gap_stall "${R[loaded_gap]:-}")  table rows: ${R[loaded_rows]:--} (most seen: ${R[loaded_maxrows]:--})"
    echo "longest refresh tick of the loaded run (wall clock, within the tick: the gap above misses"
    echo "  what ends before the next tick is due): ${R[loaded_refresh]:--}"
    echo
    echo "wrk: ${R[req]:--} requests, ${R[rps]:--} requests/sec ${R[wrk_err]:+(${R[wrk_err]%;})}"
    ((N == 0)) || echo "idle connections still open at the end: ${R[still_open]:--}"
    echo "screenshot halfway through the load: ${R[shot]:--}"
    [[ -z ${R[loaded_note]:-} ]] || echo "PROBLEM: ${R[loaded_note]}"
    echo
    echo "All stats lines of the loaded run:"
    grep 'ui: longest gap' "$RUN_DIR/baton-loaded.log" | sed 's/^/  /' || true
} | tee "$SUMMARY"
log "summary written to $SUMMARY"
exit "$FAILED"
