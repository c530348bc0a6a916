#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Zero-downtime restarts under load: Baton, and facebookgo/grace side by side.
#
# In one run:
#  1. Baton (pinned to CPU $SERVER_CPU, --pid-file) under `wrk -t1 -c100 -dDURATION`
#     (pinned to CPU $CLIENT_CPU), with RESTARTS SIGHUPs spread evenly over the run,
#     each sent to the pid in the pid file; the next one waits until the pid file
#     names the new process. Reports wrk's requests, socket errors (connect, read,
#     write, timeout) and non-2xx/3xx responses; "failed" is their sum. Afterwards
#     exactly one Baton process of this run must remain; it is then stopped.
#  2. The same for a hello server on facebookgo/grace (bench/peers/grace-hello,
#     restarted with SIGUSR2), built from Debian's golang-github-facebookgo-grace-dev
#     in GOPATH mode. Skipped with a message if it cannot be installed or built.
#  3. Time from the restart signal to the new process serving, for each restart under
#     load and for UNLOADED_RESTARTS restarts without load: Baton's "received SIGHUP"
#     to the new pid's "listening on" log line, and its own "ready after X ms";
#     for both servers, the moment the script sent the signal to the new process's
#     first log line (Baton: "listening on", grace: "Graceful handoff").
#  4. Time from the last response to exit: EXIT_ROUNDS rounds of: start Baton, send
#     GET /sleep?ms=SLEEP_MS, send SIGTERM while it is in flight; the time curl
#     returned (with the whole response) and the time `wait` returned for Baton.
#
# The summary is printed and written to bench/out/restart-<date>-<time>.txt; the
# servers' logs and wrk's output go to bench/out/logs/restart-<date>-<time>/.
# Exit status 1 if Baton failed a request, did not restart, left other than one
# process, or did not exit cleanly; grace's figures never change the exit status.
#
# Environment (all optional):
#   RESTARTS=5            restarts during the loaded run
#   DURATION=12           seconds of the wrk run (a signal every DURATION/(RESTARTS+1) s)
#   CONNS=100             wrk connections
#   UNLOADED_RESTARTS=5   restarts without load, for the unloaded timing
#   EXIT_ROUNDS=5         rounds of the last-response-to-exit measurement
#   SLEEP_MS=300          the in-flight request of those rounds: GET /sleep?ms=SLEEP_MS
#   SKIP_GRACE=1          don't install, build or run the facebookgo/grace peer
#   and those of bench/lib.sh (BATON_BIN, SERVER_CPU, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

RESTARTS=${RESTARTS:-5}
DURATION=${DURATION:-12}
DURATION=${DURATION%s}
CONNS=${CONNS:-100}
UNLOADED_RESTARTS=${UNLOADED_RESTARTS:-5}
EXIT_ROUNDS=${EXIT_ROUNDS:-5}
SLEEP_MS=${SLEEP_MS:-300}
SKIP_GRACE=${SKIP_GRACE:-0}
[[ $RESTARTS =~ ^[1-9][0-9]*$ ]] || die "RESTARTS must be a positive integer"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive number of seconds"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || die "CONNS must be a positive integer"
[[ $UNLOADED_RESTARTS =~ ^[0-9]+$ ]] || die "UNLOADED_RESTARTS must be a number"
[[ $EXIT_ROUNDS =~ ^[0-9]+$ ]] || die "EXIT_ROUNDS must be a number"
[[ $SLEEP_MS =~ ^[1-9][0-9]*$ ]] || die "SLEEP_MS must be a positive number of milliseconds"
((DURATION * 1000 / (RESTARTS + 1) >= 200)) || die "DURATION=$DURATION s is too short for $RESTARTS restarts"

GRACE_PKG=golang-github-facebookgo-grace-dev
GRACE_BIN=$BIN/grace-hello
SIGNAL_WAIT=15 # seconds a restart may take before it counts as failed
SETTLE_WAIT=40 # seconds the old processes may take to drain after the load (Baton's drain timeout is 30)

stamp=$(date +%Y%m%d-%H%M%S)
RUN_DIR="$LOGS/restart-$stamp" # unique: every process of this run has it in its command line
SUMMARY="$OUT/restart-$stamp.txt"
declare -a BG_PIDS=() # wrk, curl subshells, watchdogs
FAILED=0


# Stops every process of this run (TERM, then KILL after 5 s), then lib.sh's cleanup.
# shellcheck disable=SC2317 # called by the EXIT trap
restart_cleanup() {
    local rc=$? p i
    trap - EXIT
    set +e
    for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
        kill -TERM "$p" 2>/dev/null || true
    done
    if [[ -d $RUN_DIR ]]; then
        for ((i = 0; i < 50; i++)); do
            p=$(run_procs "$RUN_DIR")
            [[ -z $p ]] && break
            # shellcheck disable=SC2086
            kill -TERM $p 2>/dev/null || true
            sleep 0.1
        done
        p=$(run_procs "$RUN_DIR")
        # shellcheck disable=SC2086
        [[ -z $p ]] || kill -KILL $p 2>/dev/null || true
    fi
    for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    (exit "$rc") # lib.sh's cleanup takes $? as the exit status
    cleanup
}
trap restart_cleanup EXIT

# median_max "1 5 3" -> "3 5" (median: mean of the middle two for an even count)
median_max() {
    tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "- -"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%g %g\n", m, v[NR]
        }'
}

# Rebuilds Baton if its binary is missing or older than its sources (default binary only).
fresh_baton() {
    ensure_baton || die "no Baton binary at $BATON_BIN"
    [[ "$BATON_BIN" == "$ROOT/build/release/app/baton" ]] || return 0
    local newer
    newer=$(find "$ROOT/server" "$ROOT/app" "$ROOT/ui" -type f \( -name '*.cpp' -o -name '*.h' -o -name CMakeLists.txt \) \
        -newer "$BATON_BIN" 2>/dev/null | head -n 1)
    [[ -n $newer ]] || return 0
    log "Baton binary is older than its sources; rebuilding (cmake --build --preset release)"
    if ! (cd "$ROOT" && { [[ -f build/release/build.ninja ]] || cmake --preset release; } &&
        cmake --build --preset release) >"$LOGS/build-baton.log" 2>&1; then
        tail -n 20 "$LOGS/build-baton.log" >&2
        warn "rebuilding Baton failed (log: $LOGS/build-baton.log); using the existing, older binary"
    fi
}

# Installs (apt) and builds the grace peer; returns 1 with GRACE_SKIP set if it can't.
GRACE_SKIP=""
prepare_grace() {
    if [[ $SKIP_GRACE == 1 ]]; then
        GRACE_SKIP="SKIP_GRACE=1"
        return 1
    fi
    if ! dpkg-query -W -f='${Status}' "$GRACE_PKG" 2>/dev/null | grep -q 'install ok installed'; then
        if [[ $(id -u) -ne 0 ]]; then
            GRACE_SKIP="$GRACE_PKG is not installed and this is not root"
            return 1
        fi
        log "installing $GRACE_PKG (and the facebookgo packages it depends on)"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y -qq --no-install-recommends "$GRACE_PKG" >"$LOGS/apt-grace.log" 2>&1; then
            apt-get update -qq >>"$LOGS/apt-grace.log" 2>&1 || true
            if ! apt-get install -y -qq --no-install-recommends "$GRACE_PKG" >>"$LOGS/apt-grace.log" 2>&1; then
                GRACE_SKIP="apt-get install $GRACE_PKG failed (log: $LOGS/apt-grace.log)"
                return 1
            fi
        fi
    fi
    mkdir -p "$BIN" "$OUT/go/gopath" "$OUT/go/cache-gopath"
    log "building grace-hello against /usr/share/gocode (GOPATH mode)"
    if ! (
        cd "$BENCH_DIR/peers/grace-hello"
        env GO111MODULE=off GOPATH="$OUT/go/gopath:/usr/share/gocode" GOCACHE="$OUT/go/cache-gopath" \
            GOENV=off GOFLAGS='' GOPROXY=off CGO_ENABLED=0 go build -o "$GRACE_BIN" .
    ) >"$LOGS/build-grace-hello.log" 2>&1; then
        cat "$LOGS/build-grace-hello.log" >&2
        GRACE_SKIP="building bench/peers/grace-hello failed (log: $LOGS/build-grace-hello.log)"
        return 1
    fi
}

# start_daemon KIND PIDFILE LOGFILE: starts Baton or grace-hello pinned to SERVER_CPU on a
# free port with a pid file; waits until the pid file exists and GET / answers.
# Sets D_PORT and D_PID (our child, the first generation).
start_daemon() {
    local kind=$1 pidfile=$2 logf=$3 deadline
    pick_port
    D_PORT=$PICKED_PORT
    rm -f "$pidfile"
    case $kind in
        baton)
            QT_QPA_PLATFORM=offscreen taskset -c "$SERVER_CPU" "$BATON_BIN" --headless \
                --listen "127.0.0.1:$D_PORT" --pid-file "$pidfile" >"$logf" 2>&1 &
            ;;
        grace)
            taskset -c "$SERVER_CPU" "$GRACE_BIN" -addr "127.0.0.1:$D_PORT" -pidfile "$pidfile" >"$logf" 2>&1 &
            ;;
    esac
    D_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$D_PID" 2>/dev/null || { tail -n 20 "$logf" >&2; die "$kind exited at start (log: $logf)"; }
        if [[ -s $pidfile ]] && curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$D_PORT/"; then
            return 0
        fi
        sleep 0.05
    done
    tail -n 20 "$logf" >&2
    die "$kind did not answer on 127.0.0.1:$D_PORT within ${READY_TIMEOUT}s (log: $logf)"
}

# stop_daemon PIDFILE PATTERN: SIGTERM to the pid in the pid file, then waits (bounded)
# until no process of PATTERN is left; KILLs what is left. Sets STOP_NOTE.
stop_daemon() {
    local pidfile=$1 pat=$2 pid i left
    STOP_NOTE=""
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < 400; i++)); do
        [[ $(count_procs "$pat") == 0 ]] && break
        sleep 0.1
    done
    left=$(run_procs "$pat" | tr '\n' ' ')
    if [[ -n $left ]]; then
        STOP_NOTE="still running 40 s after SIGTERM: ${left% } (killed)"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    wait "$D_PID" 2>/dev/null || true
}

# restart_series KIND SIGNAL PIDFILE COUNT INTERVAL_MS: COUNT restarts, one every
# INTERVAL_MS from now, each sent to the pid in PIDFILE; waits until the pid file
# changes after each. Appends "send_ns old_pid new_pid" lines to $R_EVENTS; sets R_DONE.
restart_series() {
    local kind=$1 sig=$2 pidfile=$3 count=$4 interval_ms=$5 i t0 target now old new send deadline
    R_DONE=0
    : >"$R_EVENTS"
    t0=$(($(now_ns) / 1000000))
    for ((i = 1; i <= count; i++)); do
        target=$((t0 + i * interval_ms))
        now=$(($(now_ns) / 1000000))
        ((target > now)) && sleep "$(awk -v d=$((target - now)) 'BEGIN { printf "%.3f", d / 1000 }')"
        old=$(cat "$pidfile" 2>/dev/null || true)
        [[ $old =~ ^[0-9]+$ ]] || { warn "$kind: no pid in $pidfile before restart $i"; return 0; }
        send=$(now_ns)
        kill "-$sig" "$old" 2>/dev/null || { warn "$kind: pid $old is gone before restart $i"; return 0; }
        new=$old
        deadline=$((SECONDS + SIGNAL_WAIT))
        while ((SECONDS < deadline)); do
            new=$(cat "$pidfile" 2>/dev/null || true)
            [[ $new =~ ^[0-9]+$ && $new != "$old" ]] && break
            sleep 0.01
        done
        if [[ ! $new =~ ^[0-9]+$ || $new == "$old" ]]; then
            warn "$kind: restart $i: the pid file still names $old ${SIGNAL_WAIT}s after SIG$sig"
            return 0
        fi
        echo "$send $old $new" >>"$R_EVENTS"
        R_DONE=$i
        log "$kind: restart $i/$count: SIG$sig to $old -> $new"
    done
}

# restart_timings KIND LOGFILE: from $R_EVENTS and the log, sets
#   T_SIGLOG  Baton: "received SIGHUP" -> new pid's "listening on" (ms, per restart)
#   T_READY   Baton: its own "ready after X ms"
#   T_SEND    script's signal -> new pid's first log line (Baton "listening on", grace "Graceful handoff")
restart_timings() {
    local kind=$1 logf=$2 send old new line ts_sig ts_new x
    T_SIGLOG="" T_READY="" T_SEND=""
    while read -r send old new; do
        if [[ $kind == baton ]]; then
            line=$(grep -m1 -F "baton[$new] listening on" "$logf" || true)
        else
            line=$(grep -m1 -F "grace-hello[$new] Graceful handoff" "$logf" || true)
        fi
        [[ -n $line ]] || { warn "$kind: no start line of pid $new in $logf"; continue; }
        ts_new=$(ts_ms "$(cut -d' ' -f1 <<<"$line")")
        T_SEND+=" $((ts_new - send / 1000000))"
        if [[ $kind == baton ]]; then
            # the "received SIGHUP" of $old that came last before its restart of $new
            line=$(grep -F "baton[$old] received SIGHUP" "$logf" | tail -n 1 || true)
            if [[ -n $line ]]; then
                ts_sig=$(ts_ms "$(cut -d' ' -f1 <<<"$line")")
                T_SIGLOG+=" $((ts_new - ts_sig))"
            fi
            x=$(grep -m1 -E "baton\[$old\] restart: pid $new ready after [0-9]+ ms" "$logf" |
                sed -E 's/.*ready after ([0-9]+) ms.*/\1/' || true)
            [[ -n $x ]] && T_READY+=" $x"
        fi
    done <"$R_EVENTS"
    return 0
}

declare -A RES=() # "kind key" -> value

# loaded_run KIND SIGNAL: parts 1/2 and the loaded timings of part 3.
loaded_run() {
    local kind=$1 sig=$2 pidfile="$RUN_DIR/$1-load.pid" logf="$RUN_DIR/$1-load.log" wrkout="$RUN_DIR/wrk-$1.txt"
    local interval_ms=$((DURATION * 1000 / (RESTARTS + 1))) wpid i n_end n
    R_EVENTS="$RUN_DIR/$kind-load.events"
    start_daemon "$kind" "$pidfile" "$logf"
    log "$kind: serving on 127.0.0.1:$D_PORT (pid $D_PID); wrk -t1 -c$CONNS -d${DURATION}s with $RESTARTS x SIG$sig, one every ${interval_ms} ms"
    timeout -k 5 $((DURATION + 30)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" \
        "http://127.0.0.1:$D_PORT/" >"$wrkout" 2>&1 &
    wpid=$!
    BG_PIDS+=("$wpid")
    restart_series "$kind" "$sig" "$pidfile" "$RESTARTS" "$interval_ms"
    wait "$wpid" || warn "$kind: wrk exited with status $? (output: $wrkout)"
    parse_wrk "$wrkout"
    # Processes of this run left when the load ended, and after the old ones had time to drain.
    n_end=$(count_procs "$pidfile")
    for ((i = 0; i < SETTLE_WAIT * 10; i++)); do
        n=$(count_procs "$pidfile")
        ((n <= 1)) && break
        sleep 0.1
    done
    n=$(count_procs "$pidfile")
    RES[$kind procs_end]=$n_end
    RES[$kind procs]=$n
    RES[$kind procs_list]=$(run_procs "$pidfile" | tr '\n' ' ')
    RES[$kind serving]=$(cat "$pidfile" 2>/dev/null || echo '?')
    RES[$kind answers]=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$D_PORT/" || true)
    stop_daemon "$pidfile" "$pidfile"
    RES[$kind stop]=$STOP_NOTE
    RES[$kind done]=$R_DONE
    RES[$kind req]=$W_REQ
    RES[$kind rps]=$W_RPS
    RES[$kind sock]="$W_CONNECT/$W_READ/$W_WRITE/$W_TIMEOUT"
    RES[$kind non2xx]=$W_NON2XX
    RES[$kind failed]=$((W_CONNECT + W_READ + W_WRITE + W_TIMEOUT + W_NON2XX))
    restart_timings "$kind" "$logf"
    RES[$kind load_siglog]=$T_SIGLOG
    RES[$kind load_ready]=$T_READY
    RES[$kind load_send]=$T_SEND
    log "$kind: $W_REQ requests, socket errors c/r/w/t $W_CONNECT/$W_READ/$W_WRITE/$W_TIMEOUT, non-2xx/3xx $W_NON2XX; $R_DONE/$RESTARTS restarts; processes left: $n"
}

# unloaded_run KIND SIGNAL: UNLOADED_RESTARTS restarts without load, 1 s apart.
unloaded_run() {
    local kind=$1 sig=$2 pidfile="$RUN_DIR/$1-idle.pid" logf="$RUN_DIR/$1-idle.log"
    R_EVENTS="$RUN_DIR/$kind-idle.events"
    start_daemon "$kind" "$pidfile" "$logf"
    restart_series "$kind" "$sig" "$pidfile" "$UNLOADED_RESTARTS" 1000
    sleep 0.5
    RES[$kind idle_procs]=$(count_procs "$pidfile")
    stop_daemon "$pidfile" "$pidfile"
    RES[$kind idle_done]=$R_DONE
    restart_timings "$kind" "$logf"
    RES[$kind idle_siglog]=$T_SIGLOG
    RES[$kind idle_ready]=$T_READY
    RES[$kind idle_send]=$T_SEND
}

# exit_rounds: part 4.
exit_rounds() {
    local r port pidfile logf bpid cpid wd rc t_exit t_resp code d
    EXIT_DIFFS="" EXIT_NOTES=""
    for ((r = 1; r <= EXIT_ROUNDS; r++)); do
        pick_port
        port=$PICKED_PORT
        pidfile="$RUN_DIR/baton-exit-$r.pid"
        logf="$RUN_DIR/baton-exit-$r.log"
        QT_QPA_PLATFORM=offscreen "$BATON_BIN" --headless --listen "127.0.0.1:$port" \
            --pid-file "$pidfile" >"$logf" 2>&1 &
        bpid=$!
        local deadline=$((SECONDS + READY_TIMEOUT))
        until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; do
            if ! kill -0 "$bpid" 2>/dev/null || ((SECONDS >= deadline)); then
                die "Baton did not start (log: $logf)"
            fi
            sleep 0.05
        done
        # curl and its finishing time in the background; Baton's exit in the foreground.
        (
            code=$(curl -s -o "$RUN_DIR/exit-$r.body" -w '%{http_code}' --max-time 20 \
                "http://127.0.0.1:$port/sleep?ms=$SLEEP_MS" || true)
            t=$(date +%s%N)
            echo "$t $code" >"$RUN_DIR/exit-$r.resp"
        ) &
        cpid=$!
        BG_PIDS+=("$cpid")
        # Give the request time to arrive (well within SLEEP_MS), then SIGTERM.
        sleep "$(awk -v s="$SLEEP_MS" 'BEGIN { printf "%.3f", (s < 300 ? s / 3 : 100) / 1000 }')"
        ( sleep 40; kill -KILL "$bpid" 2>/dev/null ) &
        wd=$!
        kill -TERM "$bpid"
        rc=0
        wait "$bpid" || rc=$?
        t_exit=$(date +%s%N)
        kill "$wd" 2>/dev/null || true
        wait "$wd" 2>/dev/null || true
        wait "$cpid" || true
        read -r t_resp code <"$RUN_DIR/exit-$r.resp" || { t_resp=""; code=""; }
        if [[ $code != 200 || -z $t_resp ]]; then
            EXIT_NOTES+=" round $r: the in-flight request got '${code:-nothing}';"
            FAILED=1
            continue
        fi
        [[ $rc == 0 ]] || { EXIT_NOTES+=" round $r: exit status $rc;"; FAILED=1; }
        d=$(awk -v e="$t_exit" -v r="$t_resp" 'BEGIN { printf "%.1f", (e - r) / 1e6 }')
        EXIT_DIFFS+=" $d"
        log "exit round $r: Baton exited $d ms after curl had the whole response (status $rc)"
    done
}

# ---------------------------------------------------------------------------------
raise_fd_limit 65536
install_bench_deps
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 1.5) }'; then
    warn "load average is already $LOAD_START on $(nproc) CPUs: other processes will disturb the figures"
fi
mkdir -p "$RUN_DIR"
fresh_baton
GRACE_OK=0
if prepare_grace; then
    GRACE_OK=1
else
    warn "facebookgo/grace peer SKIPPED: $GRACE_SKIP"
fi

loaded_run baton HUP
((GRACE_OK)) && loaded_run grace USR2
if ((UNLOADED_RESTARTS > 0)); then
    unloaded_run baton HUP
    ((GRACE_OK)) && unloaded_run grace USR2
fi
((EXIT_ROUNDS > 0)) && exit_rounds

# Baton's verdict.
[[ ${RES[baton failed]} == 0 ]] || FAILED=1
[[ ${RES[baton done]} == "$RESTARTS" ]] || FAILED=1
[[ ${RES[baton procs]} == 1 ]] || FAILED=1
[[ -z ${RES[baton stop]} ]] || FAILED=1

kinds=(baton)
((GRACE_OK)) && kinds+=(grace)
mm() { read -r _m _x <<<"$(median_max "$1")"; printf '%s / %s' "$_m" "$_x"; }
{
    echo "# bench/restart-under-load.sh $(date -Iseconds)"
    echo "# host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the start $LOAD_START, at the end $(cut -d' ' -f1 /proc/loadavg)"
    echo "# servers on CPU $SERVER_CPU, wrk -t1 -c$CONNS -d${DURATION}s on CPU $CLIENT_CPU; RESTARTS=$RESTARTS (one every $((DURATION * 1000 / (RESTARTS + 1))) ms)"
    echo "# baton: $BATON_BIN ($(grep -m1 -oE '[0-9]+ I/O threads?' "$RUN_DIR/baton-load.log" || echo '?'))"
    if ((GRACE_OK)); then
        echo "# grace: bench/peers/grace-hello on $GRACE_PKG $(dpkg-query -W -f='${Version}' "$GRACE_PKG"), $(go env GOVERSION), GOMAXPROCS = CPUs allowed (1)"
    else
        echo "# grace: SKIPPED ($GRACE_SKIP)"
    fi
    echo "# logs: $RUN_DIR"
    echo
    echo "1/2. Requests during $RESTARTS restarts under load (failed = socket errors + non-2xx/3xx)"
    printf '%-7s %9s %10s %10s %20s %9s %8s %10s  %s\n' server restarts requests req/s "sock c/r/w/t" non2xx failed "procs left" note
    for k in "${kinds[@]}"; do
        note=""
        [[ ${RES[$k procs]} == 1 ]] || note+="expected 1 process, found ${RES[$k procs]} (${RES[$k procs_list]% }); "
        [[ ${RES[$k answers]} == 200 ]] || note+="the last process did not answer GET / (got '${RES[$k answers]}'); "
        [[ -z ${RES[$k stop]} ]] || note+="${RES[$k stop]}; "
        pe=${RES[$k procs_end]}
        ((pe <= 1)) || note+="$pe processes when the load ended (old ones draining); "
        printf '%-7s %9s %10s %10s %20s %9s %8s %10s  %s\n' "$k" "${RES[$k done]}/$RESTARTS" "${RES[$k req]}" \
            "${RES[$k rps]}" "${RES[$k sock]}" "${RES[$k non2xx]}" "${RES[$k failed]}" "${RES[$k procs]}" "${note%; }"
    done
    ((GRACE_OK)) || echo "grace   SKIPPED: $GRACE_SKIP"
    echo
    echo "3. Time from the restart signal to the new process serving, ms (median / max)"
    printf '%-7s %-8s %9s %24s %18s %26s\n' server load restarts "SIGHUP log->listening" "'ready after'" "signal sent->new serving"
    for k in "${kinds[@]}"; do
        for phase in load idle; do
            [[ $phase == idle && $UNLOADED_RESTARTS == 0 ]] && continue
            if [[ $phase == load ]]; then
                n="${RES[$k done]}/$RESTARTS" lbl="wrk"
            else
                n="${RES[$k idle_done]}/$UNLOADED_RESTARTS" lbl="none"
            fi
            if [[ $k == baton ]]; then
                a=$(mm "${RES[$k ${phase}_siglog]}") b=$(mm "${RES[$k ${phase}_ready]}")
            else
                a="-" b="-"
            fi
            printf '%-7s %-8s %9s %24s %18s %26s\n' "$k" "$lbl" "$n" "$a" "$b" "$(mm "${RES[$k ${phase}_send]}")"
        done
    done
    echo "  per restart (baton, under load, SIGHUP log->listening):${RES[baton load_siglog]:- none}"
    ((UNLOADED_RESTARTS == 0)) || echo "  per restart (baton, unloaded):${RES[baton idle_siglog]:- none}"
    ((GRACE_OK)) && echo "  per restart (grace, signal sent->'Graceful handoff' logged; under load / unloaded):${RES[grace load_send]:- none} /${RES[grace idle_send]:- none}"
    echo "  (grace logs nothing on SIGUSR2, so only the script's send time is available for it.)"
    echo
    if ((EXIT_ROUNDS > 0)); then
        echo "4. Baton: from the last response to exit (GET /sleep?ms=$SLEEP_MS in flight, then SIGTERM), ms"
        echo "  rounds measured: $(wc -w <<<"$EXIT_DIFFS")/$EXIT_ROUNDS; median / max: $(mm "$EXIT_DIFFS"); each:$EXIT_DIFFS"
        echo "  (both times are taken by this script right after curl returned and right after \`wait\` returned;"
        echo "   a value <= 0 means Baton was gone by the time curl had returned: it exits as soon as the response is out.)"
        [[ -z $EXIT_NOTES ]] || echo "  PROBLEMS:$EXIT_NOTES"
    fi
    echo
    if ((FAILED)); then
        echo "VERDICT: Baton FAILED (requests failed, a restart did not happen, wrong process count, or an unclean exit; see above and $RUN_DIR)"
    else
        echo "VERDICT: Baton lost no request in $RESTARTS restarts under load, and exactly one process remained"
    fi
} | tee "$SUMMARY"
log "summary written to $SUMMARY"
exit "$FAILED"
