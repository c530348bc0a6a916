#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Restarts under pooled clients: Baton and nginx side by side.
#
# Real clients (browsers, Go's http.Transport, requests.Session) keep a pool of
# keep-alive connections and send a request now and then. A restart that closes
# idle keep-alive connections costs such clients a reconnection each, and every
# request that was on its way when the server closed the connection is lost:
# POST is not retried. wrk (restart-under-load.sh) never lets a connection go idle
# and does not model this.
#
# In one run:
#  a. Baton (pinned to CPU $SERVER_CPU; --headless --listen --pid-file, and BATON_ARGS)
#     under bench/peers/pooled-client (pinned to CPU $CLIENT_CPU): CLIENTS clients,
#     each with its own http.Transport of one keep-alive connection, looping
#     "POST /echo (64 bytes), think 0..THINK_MAX_MS ms" for DURATION seconds. No
#     request is ever retried. RESTARTS SIGHUPs are spread evenly over the run, each
#     sent to the pid in the pid file; the next one waits until the pid file names
#     the new process. Reports requests, ok (2xx and the body echoed), lost
#     (transport error or non-2xx), reconnections (connections opened beyond the
#     first per client) and the X-Baton-Generation values answered.
#  b. nginx (one worker, write_nginx_conf from lib.sh) under the same load, with
#     RESTARTS reloads (SIGHUP to the master, the same as `nginx -s reload`) spread
#     the same way; the next one waits until a new worker exists. nginx can't echo a
#     body without extra modules: it answers POST /echo with `return 200 "hello"`,
#     so for nginx the client runs with -check-echo=false (ok = any 2xx).
#  c. HANDOVER_IDLE (default 10000; 0 skips this part) idle keep-alive connections
#     to a fresh Baton (--idle-timeout 600), each answered once; then one SIGHUP.
#     Reports the time from the SIGHUP to the old process's exit (the script polls
#     /proc/PID; and from Baton's log lines), and whether each connection still
#     answers a second request afterwards, and from which generation.
#
# The summary is printed and written to bench/out/pooled-restart-<date>-<time>.txt;
# the servers' logs, pid files, the client's output and its list of lost requests
# (lost-baton.txt, lost-nginx.txt: when each was sent and failed) go to
# bench/out/logs/pooled-restart-<date>-<time>/.
# Exit status 1 if Baton lost a request (or answered one wrongly), missed a restart,
# left other than one process, or did not finish part c's restart. Reconnections
# are reported but never change the exit status, nor do nginx's figures.
#
# Environment (all optional):
#   DURATION=16          seconds of each loaded run (a restart every DURATION/(RESTARTS+1) s)
#   RESTARTS=10          restarts during each loaded run
#   CLIENTS=1000         pooled clients
#   THINK_MAX_MS=600     think time after each request: uniform in [0, THINK_MAX_MS] ms
#   RAMP=1               seconds over which the clients' warm-up requests start
#   HANDOVER_IDLE=10000  idle connections of part c (0: skip part c)
#   BATON_ARGS=""        more Baton options, e.g. "--threads 1" (split on spaces); with
#                        "--restart-mode reload" each restart is a reload in the same process
#                        (then set HANDOVER_IDLE=0: part c follows pids)
#   SKIP_NGINX=1         don't run part b
#   and those of bench/lib.sh (BATON_BIN, SERVER_CPU, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

DURATION=${DURATION:-16}
DURATION=${DURATION%s}
RESTARTS=${RESTARTS:-10}
CLIENTS=${CLIENTS:-1000}
THINK_MAX_MS=${THINK_MAX_MS:-600}
RAMP=${RAMP:-1}
HANDOVER_IDLE=${HANDOVER_IDLE:-10000}
SKIP_NGINX=${SKIP_NGINX:-0}
read -r -a BATON_ARGV <<<"${BATON_ARGS:-}"
# With "--restart-mode reload" in BATON_ARGS a restart keeps the pid: it is seen in the log.
RELOAD=0
[[ " ${BATON_ARGS:-} " == *" --restart-mode reload "* ]] && RELOAD=1
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive number of seconds"
[[ $RESTARTS =~ ^[1-9][0-9]*$ ]] || die "RESTARTS must be a positive integer"
[[ $CLIENTS =~ ^[1-9][0-9]*$ ]] || die "CLIENTS must be a positive integer"
[[ $THINK_MAX_MS =~ ^[0-9]+$ ]] || die "THINK_MAX_MS must be a number of milliseconds"
[[ $RAMP =~ ^[0-9]+$ ]] || die "RAMP must be a whole number of seconds"
[[ $HANDOVER_IDLE =~ ^[0-9]+$ ]] || die "HANDOVER_IDLE must be a number"
((DURATION * 1000 / (RESTARTS + 1) >= 200)) || die "DURATION=$DURATION s is too short for $RESTARTS restarts"

CLIENT_BIN=$BIN/pooled-client
SIGNAL_WAIT=15 # seconds a restart may take before it counts as failed
SETTLE_WAIT=40 # seconds old processes may take to drain after the load (Baton's drain timeout is 30)
INTERVAL_MS=$((DURATION * 1000 / (RESTARTS + 1)))

stamp=$(date +%Y%m%d-%H%M%S)
RUN_DIR="$LOGS/pooled-restart-$stamp" # unique: Baton and nginx of this run have it in their command line
SUMMARY="$OUT/pooled-restart-$stamp.txt"
declare -a BG_PIDS=()    # clients
declare -a BATON_PIDS=() # every Baton pid this run has seen in a pid file
NGINX_MASTER=""
FAILED=0

now_us() { echo "${EPOCHREALTIME/./}"; } # no fork
alive() { # alive PID: exists and is not a zombie (no fork)
    local _a _b st
    read -r _a _b st _ 2>/dev/null <"/proc/$1/stat" || return 1
    [[ $st != Z ]]
}

# Stops the clients, every Baton pid seen (and any other process with this run's
# directory in its command line) and nginx with its workers; then lib.sh's cleanup.
# shellcheck disable=SC2317 # called by the EXIT trap
pooled_cleanup() {
    local rc=$? p i left workers=""
    trap - EXIT
    set +e
    for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do kill -TERM "$p" 2>/dev/null; done
    if [[ -n $NGINX_MASTER ]]; then
        workers=$(pgrep -P "$NGINX_MASTER")
        kill -TERM "$NGINX_MASTER" 2>/dev/null
    fi
    for p in ${BATON_PIDS[@]+"${BATON_PIDS[@]}"}; do
        grep -qF "$RUN_DIR" "/proc/$p/cmdline" 2>/dev/null && kill -TERM "$p" 2>/dev/null
    done
    if [[ -d $RUN_DIR ]]; then
        for ((i = 0; i < 50; i++)); do
            left=$(run_procs "$RUN_DIR")
            [[ -z $left ]] && break
            # shellcheck disable=SC2086
            kill -TERM $left 2>/dev/null
            sleep 0.1
        done
        left=$(run_procs "$RUN_DIR")
        # shellcheck disable=SC2086
        [[ -z $left ]] || kill -KILL $left 2>/dev/null
    fi
    # shellcheck disable=SC2086
    [[ -z $workers ]] || kill -KILL $workers 2>/dev/null
    for p in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    (exit "$rc") # lib.sh's cleanup takes $? as the exit status
    cleanup
}
trap pooled_cleanup EXIT

# start_baton PIDFILE LOGFILE [ARGS...]: Baton pinned to SERVER_CPU on a free port; waits
# until the pid file exists and GET / answers. Sets D_PORT and D_PID.
start_baton() {
    local pidfile=$1 logf=$2 deadline
    shift 2
    pick_port
    D_PORT=$PICKED_PORT
    rm -f "$pidfile"
    QT_QPA_PLATFORM=offscreen taskset -c "$SERVER_CPU" "$BATON_BIN" --headless \
        --listen "127.0.0.1:$D_PORT" --pid-file "$pidfile" "$@" \
        ${BATON_ARGV[@]+"${BATON_ARGV[@]}"} >"$logf" 2>&1 &
    D_PID=$!
    BATON_PIDS+=("$D_PID")
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$D_PID" 2>/dev/null || { tail -n 20 "$logf" >&2; die "Baton exited at start (log: $logf)"; }
        if [[ -s $pidfile ]] && curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$D_PORT/"; then
            return 0
        fi
        sleep 0.05
    done
    tail -n 20 "$logf" >&2
    die "Baton did not answer on 127.0.0.1:$D_PORT within ${READY_TIMEOUT}s (log: $logf)"
}

# start_nginx: one worker, config from lib.sh's write_nginx_conf under $RUN_DIR/nginx.
# Sets D_PORT and NGINX_MASTER.
start_nginx() {
    local prefix="$RUN_DIR/nginx" deadline
    pick_port
    D_PORT=$PICKED_PORT
    mkdir -p "$prefix"
    write_nginx_conf "$prefix" "$D_PORT"
    taskset -c "$SERVER_CPU" nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" \
        >"$RUN_DIR/nginx.log" 2>&1 &
    NGINX_MASTER=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$NGINX_MASTER" 2>/dev/null || { tail -n 20 "$prefix/error.log" >&2; die "nginx exited at start"; }
        if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$D_PORT/"; then return 0; fi
        sleep 0.05
    done
    die "nginx did not answer on 127.0.0.1:$D_PORT within ${READY_TIMEOUT}s (log: $prefix/error.log)"
}

nginx_workers() { pgrep -P "$NGINX_MASTER" | sort -n | tr '\n' ' ' || true; }

# restart_series KIND PIDFILE: RESTARTS restarts, one every INTERVAL_MS from now.
# baton: SIGHUP to the pid in PIDFILE, then wait until PIDFILE names another pid.
# nginx: SIGHUP to the master, then wait until it has a worker it did not have before.
# Appends "send_epoch_ms old new" lines to $R_EVENTS; sets R_DONE.
restart_series() {
    local kind=$1 pidfile=$2 i t0 target now old new send deadline w found reloads
    R_DONE=0
    : >"$R_EVENTS"
    t0=$(($(now_ns) / 1000000))
    for ((i = 1; i <= RESTARTS; i++)); do
        target=$((t0 + i * INTERVAL_MS))
        now=$(($(now_ns) / 1000000))
        ((target > now)) && sleep "$(awk -v d=$((target - now)) 'BEGIN { printf "%.3f", d / 1000 }')"
        if [[ $kind == baton ]]; then
            old=$(cat "$pidfile" 2>/dev/null || true)
            [[ $old =~ ^[0-9]+$ ]] || { warn "$kind: no pid in $pidfile before restart $i"; return 0; }
            reloads=$(grep -c 'reload: generation' "$RUN_DIR/baton-load.log" || true)
            send=$(($(now_ns) / 1000000))
            kill -HUP "$old" 2>/dev/null || { warn "$kind: pid $old is gone before restart $i"; return 0; }
        else
            old=$(nginx_workers)
            old=${old% }
            send=$(($(now_ns) / 1000000))
            kill -HUP "$NGINX_MASTER" 2>/dev/null || { warn "nginx: the master is gone before restart $i"; return 0; }
        fi
        new=""
        deadline=$((SECONDS + SIGNAL_WAIT))
        while ((SECONDS < deadline)); do
            if [[ $kind == baton && $RELOAD == 1 ]]; then
                (($(grep -c 'reload: generation' "$RUN_DIR/baton-load.log" || true) > reloads)) &&
                    { new=$old; break; }
            elif [[ $kind == baton ]]; then
                new=$(cat "$pidfile" 2>/dev/null || true)
                [[ $new =~ ^[0-9]+$ && $new != "$old" ]] && break
            else
                found=""
                for w in $(nginx_workers); do
                    [[ " $old " == *" $w "* ]] || found=$w
                done
                [[ -n $found ]] && { new=$found; break; }
            fi
            new=""
            sleep 0.01
        done
        if [[ -z $new || ($kind == baton && ! $new =~ ^[0-9]+$) ]]; then
            warn "$kind: restart $i: no new process ${SIGNAL_WAIT}s after SIGHUP"
            return 0
        fi
        [[ $kind == baton ]] && BATON_PIDS+=("$new")
        echo "$send ${old// /,} $new" >>"$R_EVENTS"
        R_DONE=$i
        log "$kind: restart $i/$RESTARTS: SIGHUP -> new process $new"
    done
}

declare -A RES=() # "kind key" -> value

# per_restart KIND T0_MS: attributes each lost request (lost-KIND.txt, sent_ms from T0) to
# the last restart signalled before it was sent. Sets RES[KIND per_restart] (lost per
# restart, in order), RES[KIND before] (lost before the first restart) and
# RES[KIND after_ms] (min/median/max of sent - signal, ms).
per_restart() {
    local kind=$1 t0=$2 f="$RUN_DIR/lost-$1.txt" before after per
    [[ -f $f && -n $t0 ]] || return 0
    read -r before after per < <(awk -v t0="$t0" '
        FILENAME == ARGV[1] { sig[++n] = $1 - t0; next }
        /^#/ { next }
        {
            k = 0
            for (i = 1; i <= n; i++) if (sig[i] <= $1) k = i
            if (k == 0) { before++; next }
            cnt[k]++; d[++m] = $1 - sig[k]
        }
        END {
            if (m > 0) {
                # sort the deltas (insertion sort; a few hundred at most)
                for (i = 2; i <= m; i++) { v = d[i]; j = i - 1; while (j > 0 && d[j] > v) { d[j + 1] = d[j]; j-- }; d[j + 1] = v }
                med = (m % 2) ? d[(m + 1) / 2] : (d[m / 2] + d[m / 2 + 1]) / 2
                after = sprintf("%.0f/%.0f/%.0f", d[1], med, d[m])
            } else after = "-"
            s = ""
            for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") (cnt[i] + 0)
            printf "%d %s %s\n", before + 0, after, (s == "" ? "-" : s)
        }' "$R_EVENTS" "$f")
    RES[$kind before]=$before RES[$kind after_ms]=$after RES[$kind per_restart]=$per
}

# parse_kv LINE PREFIX: the key=value fields of the client's summary line into RES[PREFIX key].
parse_kv() {
    local line=$1 prefix=$2 f
    for f in $line; do
        [[ $f == *=* ]] && RES[$prefix ${f%%=*}]=${f#*=}
    done
    return 0
}

# loaded_run KIND: parts a and b.
loaded_run() {
    local kind=$1 pidfile="$RUN_DIR/baton-load.pid" out="$RUN_DIR/client-$1.txt" cpid deadline i n line
    local -a flags=()
    R_EVENTS="$RUN_DIR/$kind-load.events"
    if [[ $kind == baton ]]; then
        start_baton "$pidfile" "$RUN_DIR/baton-load.log"
        log "baton: serving on 127.0.0.1:$D_PORT (pid $D_PID)"
    else
        start_nginx
        flags=(-check-echo=false)
        log "nginx: serving on 127.0.0.1:$D_PORT (master $NGINX_MASTER, worker $(nginx_workers))"
    fi
    log "$kind: $CLIENTS pooled clients for ${DURATION}s (after a ${RAMP}s warm-up) with $RESTARTS restarts, one every $INTERVAL_MS ms"
    : >"$out"
    timeout -k 5 $((DURATION + RAMP + 60)) taskset -c "$CLIENT_CPU" "$CLIENT_BIN" -mode pooled \
        -addr "127.0.0.1:$D_PORT" -clients "$CLIENTS" -duration "$DURATION" -ramp "$RAMP" \
        -think-max "${THINK_MAX_MS}ms" -loss-log "$RUN_DIR/lost-$kind.txt" ${flags[@]+"${flags[@]}"} >"$out" 2>&1 &
    cpid=$!
    BG_PIDS+=("$cpid")
    # The restarts are timed from the end of the warm-up (the client's "start" line).
    deadline=$((SECONDS + RAMP + 30))
    until grep -q '^start ' "$out"; do
        kill -0 "$cpid" 2>/dev/null || { cat "$out" >&2; die "$kind: the client exited before its start"; }
        ((SECONDS < deadline)) || { cat "$out" >&2; die "$kind: the client's warm-up took over $((RAMP + 30)) s"; }
        sleep 0.02
    done
    log "$kind: $(grep -m1 '^start ' "$out")"
    restart_series "$kind" "$pidfile"
    wait "$cpid" || warn "$kind: the client exited with status $? (output: $out)"
    line=$(grep -m1 '^pooled: ' "$out" || true)
    [[ -n $line ]] || { cat "$out" >&2; warn "$kind: the client printed no summary"; }
    RES[$kind line]=$line
    parse_kv "$line" "$kind"
    RES[$kind lostdetail]=$(sed -n 's/^pooled-lost: //p' "$out")
    RES[$kind errors]=$(sed -n '/^pooled-errors:/,$p' "$out" | tail -n +2)
    RES[$kind done]=$R_DONE
    local t0
    t0=$(sed -nE 's/^start .*t0_unix_ms=([0-9]+).*/\1/p' "$out")
    RES[$kind at]=$(awk -v t0="$t0" '{ printf " %.2f", ($1 - t0) / 1000 }' "$R_EVENTS")
    per_restart "$kind" "$t0"
    # Old processes/workers left when the load ended; give them time to drain.
    if [[ $kind == baton ]]; then
        for ((i = 0; i < SETTLE_WAIT * 10; i++)); do
            n=$(count_procs "$pidfile")
            ((n <= 1)) && break
            sleep 0.1
        done
        RES[$kind procs]=$(count_procs "$pidfile")
        RES[$kind procs_list]=$(run_procs "$pidfile" | tr '\n' ' ')
        RES[$kind threads]=$(grep -m1 -oE '[0-9]+ I/O threads?' "$RUN_DIR/baton-load.log" || echo '?')
        local pid
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null || true; }
        for ((i = 0; i < 400; i++)); do
            [[ $(count_procs "$pidfile") == 0 ]] && break
            sleep 0.1
        done
        [[ $(count_procs "$pidfile") == 0 ]] || RES[$kind stop]="still running 40 s after SIGTERM"
        wait "$D_PID" 2>/dev/null || true
    else
        for ((i = 0; i < SETTLE_WAIT * 10; i++)); do
            n=$(wc -w <<<"$(nginx_workers)")
            ((n <= 1)) && break
            sleep 0.1
        done
        RES[$kind procs]=$(wc -w <<<"$(nginx_workers)")
        kill -TERM "$NGINX_MASTER" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$NGINX_MASTER" 2>/dev/null || break
            sleep 0.1
        done
        wait "$NGINX_MASTER" 2>/dev/null || true
        NGINX_MASTER=""
    fi
    log "$kind: ${line:-no summary}"
}

# idle_handover: part c.
idle_handover() {
    local n=$HANDOVER_IDLE pidfile="$RUN_DIR/baton-idle.pid" logf="$RUN_DIR/baton-idle.log"
    local out="$RUN_DIR/client-idle.txt" cpid old new="" t_send t_new="" t_exit="" deadline_us line i rc=0
    start_baton "$pidfile" "$logf" --idle-timeout 600 --max-connections $((n + 1000))
    old=$D_PID
    log "baton: serving on 127.0.0.1:$D_PORT (pid $old); opening $n idle keep-alive connections"
    : >"$out"
    taskset -c "$CLIENT_CPU" "$CLIENT_BIN" -mode idle -addr "127.0.0.1:$D_PORT" -clients "$n" >"$out" 2>&1 &
    cpid=$!
    BG_PIDS+=("$cpid")
    for ((i = 0; i < 1200; i++)); do
        grep -q '^ready ' "$out" && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    line=$(grep -m1 '^ready ' "$out" || true)
    if [[ -z $line ]]; then
        cat "$out" >&2
        RES[idle note]="the idle client did not get its connections answered (output: $out)"
        FAILED=1
        return 0
    fi
    RES[idle ready]=${line#ready }
    log "idle client: $line"
    sleep 1
    t_send=$(now_us)
    kill -HUP "$old"
    deadline_us=$((t_send + 60000000))
    while (($(now_us) < deadline_us)); do
        if [[ -z $t_new ]]; then
            read -r new 2>/dev/null <"$pidfile" || new=""
            [[ $new =~ ^[0-9]+$ && $new != "$old" ]] && { t_new=$(now_us); BATON_PIDS+=("$new"); }
        fi
        if ! alive "$old"; then
            t_exit=$(now_us)
            break
        fi
        sleep 0.002
    done
    if [[ -z $t_new ]]; then
        read -r new 2>/dev/null <"$pidfile" || new=""
        if [[ $new =~ ^[0-9]+$ && $new != "$old" ]]; then BATON_PIDS+=("$new"); else new=""; fi
    fi
    wait "$old" 2>/dev/null || rc=$?
    RES[idle rc]=$rc
    RES[idle old]=$old
    RES[idle new]=${new:-none}
    RES[idle poll_new]=$([[ -n $t_new ]] && awk -v d=$((t_new - t_send)) 'BEGIN { printf "%.1f", d / 1000 }' || echo '-')
    RES[idle poll_exit]=$([[ -n $t_exit ]] && awk -v d=$((t_exit - t_send)) 'BEGIN { printf "%.1f", d / 1000 }' || echo '-')
    if [[ -z $t_exit || -z $new ]]; then
        RES[idle note]="the restart did not complete within 60 s (new pid: ${new:-none}; old pid $old exited: $([[ -n $t_exit ]] && echo yes || echo no))"
        FAILED=1
    fi
    # Baton's own log lines.
    local l_sig l_listen l_drain l_hand
    l_sig=$(grep -m1 -F "baton[$old] received SIGHUP" "$logf" || true)
    l_hand=$(grep -m1 -F "baton[$old] handed over to pid" "$logf" || true)
    l_drain=$(grep -m1 -E "baton\[$old\] drained in [0-9]+ ms; exiting with status" "$logf" || true)
    [[ -n $new ]] && l_listen=$(grep -m1 -F "baton[$new] listening on" "$logf" || true)
    RES[idle draining]=$(sed -nE 's/.*(draining|moving) ([0-9]+) connections?.*/\2/p' <<<"$l_hand")
    RES[idle drained_ms]=$(sed -nE 's/.*drained in ([0-9]+) ms.*/\1/p' <<<"$l_drain")
    RES[idle exit_status]=$(sed -nE 's/.*exiting with status ([0-9]+).*/\1/p' <<<"$l_drain")
    if [[ -n $l_sig && -n $l_drain ]]; then
        RES[idle log_sig_exit]=$(($(ts_ms "$(cut -d' ' -f1 <<<"$l_drain")") - $(ts_ms "$(cut -d' ' -f1 <<<"$l_sig")")))
    fi
    if [[ -n $l_sig && -n ${l_listen:-} ]]; then
        RES[idle log_sig_listen]=$(($(ts_ms "$(cut -d' ' -f1 <<<"$l_listen")") - $(ts_ms "$(cut -d' ' -f1 <<<"$l_sig")")))
    fi
    # Now the client checks every connection: still open? answers a second GET /?
    kill -USR1 "$cpid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    wait "$cpid" 2>/dev/null || true
    line=$(grep -m1 '^idle: ' "$out" || true)
    RES[idle line]=$line
    parse_kv "$line" "idle"
    RES[idle errors]=$(sed -n '/^idle-errors:/,$p' "$out" | tail -n +2)
    log "idle handover: SIGHUP -> old pid exited: ${RES[idle poll_exit]} ms (poll); ${line:-no summary from the client}"
    [[ -n $new ]] && { kill -TERM "$new" 2>/dev/null || true; }
    for ((i = 0; i < 400; i++)); do
        [[ $(count_procs "$pidfile") == 0 ]] && break
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------
raise_fd_limit 65536
install_bench_deps
ensure_baton || die "no Baton binary at $BATON_BIN"
go_build pooled-client
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 1.5) }'; then
    warn "load average is already $LOAD_START on $(nproc) CPUs: other processes will disturb the figures"
fi
mkdir -p "$RUN_DIR"
if ((CLIENTS + 200 > $(ulimit -n))); then
    die "CLIENTS=$CLIENTS needs an open-file limit above $((CLIENTS + 200)); it is $(ulimit -n)"
fi

loaded_run baton
kinds=(baton)
if [[ $SKIP_NGINX != 1 ]]; then
    loaded_run nginx
    kinds+=(nginx)
fi
IDLE_SKIP=""
if ((HANDOVER_IDLE == 0)); then
    IDLE_SKIP="HANDOVER_IDLE=0"
elif ((HANDOVER_IDLE + 500 > $(ulimit -n))); then
    IDLE_SKIP="HANDOVER_IDLE=$HANDOVER_IDLE needs an open-file limit of at least $((HANDOVER_IDLE + 500)); it is $(ulimit -n)"
else
    idle_handover
fi
[[ -z $IDLE_SKIP ]] || log "part c skipped: $IDLE_SKIP"

# Baton's verdict.
[[ -n ${RES[baton line]} ]] || FAILED=1
[[ ${RES[baton lost]:-1} == 0 && ${RES[baton bad_echo]:-1} == 0 && ${RES[baton retried]:-1} == 0 ]] || FAILED=1
[[ ${RES[baton done]} == "$RESTARTS" ]] || FAILED=1
[[ ${RES[baton procs]} == 1 ]] || FAILED=1
[[ -z ${RES[baton stop]:-} ]] || FAILED=1

{
    echo "# bench/pooled-restart.sh $(date -Iseconds)"
    echo "# host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the start $LOAD_START, at the end $(cut -d' ' -f1 /proc/loadavg)"
    echo "# load: bench/peers/pooled-client on CPU $CLIENT_CPU, $(go env GOVERSION): $CLIENTS clients, each its own http.Transport with one keep-alive"
    echo "#   connection, looping POST /echo (64 bytes) + think uniform 0-$THINK_MAX_MS ms, for ${DURATION}s after a ${RAMP}s warm-up; never retried"
    echo "# restarts: $RESTARTS per run, one every $INTERVAL_MS ms; servers on CPU $SERVER_CPU"
    echo "# baton: $BATON_BIN (${RES[baton threads]}) --headless --listen --pid-file${BATON_ARGS:+ $BATON_ARGS}; restarted with SIGHUP"
    if [[ $SKIP_NGINX != 1 ]]; then
        echo "# nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), one worker, reloaded with SIGHUP to the master; POST /echo gets"
        echo "#   'return 200 \"hello\"' (nginx can't echo without modules), so its ok = any 2xx (client flag -check-echo=false)"
    fi
    echo "# logs: $RUN_DIR"
    echo
    echo "a/b. Pooled clients across restarts (lost = transport error or non-2xx; reconnections = connections beyond the first per client)"
    printf '%-6s %9s %9s %9s %6s %9s %14s  %s\n' server restarts requests ok lost bad_echo reconnections generations
    for k in "${kinds[@]}"; do
        printf '%-6s %9s %9s %9s %6s %9s %14s  %s\n' "$k" "${RES[$k done]}/$RESTARTS" "${RES[$k requests]:-?}" \
            "${RES[$k ok]:-?}" "${RES[$k lost]:-?}" "${RES[$k bad_echo]:-?}" "${RES[$k reconnections]:-?}" "${RES[$k generations]:--}"
    done
    for k in "${kinds[@]}"; do
        echo "  $k: lost ${RES[$k lostdetail]:-?}"
        echo "  $k: internal retries seen: ${RES[$k retried]:-?}; warm-up ok/lost ${RES[$k warmup_ok]:-?}/${RES[$k warmup_lost]:-?}; client CPU ${RES[$k client_cpu]:-?} of one core"
        echo "  $k: restarts sent at s:${RES[$k at]:- none}"
        echo "  $k: lost per restart: ${RES[$k per_restart]:--} (before the first: ${RES[$k before]:--}); sent min/median/max ${RES[$k after_ms]:--} ms after the restart's signal"
        # shellcheck disable=SC2001 # prefixes every line
        [[ -z ${RES[$k errors]} ]] || sed "s/^ */  $k error: /" <<<"${RES[$k errors]}"
        if [[ $k == baton ]]; then
            note=""
            [[ ${RES[baton procs]} == 1 ]] || note+="expected 1 Baton process after the run, found ${RES[baton procs]} (${RES[baton procs_list]% }); "
            [[ -z ${RES[baton stop]:-} ]] || note+="${RES[baton stop]}; "
            [[ -z $note ]] || echo "  baton PROBLEM: ${note%; }"
        elif [[ ${RES[nginx procs]} != 1 ]]; then
            echo "  nginx: ${RES[nginx procs]} workers ${SETTLE_WAIT}s after the load (expected 1)"
        fi
    done
    echo
    if [[ -n $IDLE_SKIP ]]; then
        echo "c. Idle connections at a restart: SKIPPED ($IDLE_SKIP)"
    else
        echo "c. $HANDOVER_IDLE idle keep-alive connections to Baton (--idle-timeout 600), then one SIGHUP"
        echo "  opened: ${RES[idle ready]:-?}"
        [[ -z ${RES[idle note]:-} ]] || echo "  PROBLEM: ${RES[idle note]}"
        echo "  old pid ${RES[idle old]:-?} -> new pid ${RES[idle new]:-?}; the old one reported ${RES[idle draining]:-?} connections to move or drain"
        echo "  SIGHUP sent -> new pid in the pid file: ${RES[idle poll_new]:-?} ms; -> old process exited: ${RES[idle poll_exit]:-?} ms (the script polls /proc every 2-4 ms)"
        echo "  Baton's log: received SIGHUP -> new 'listening on': ${RES[idle log_sig_listen]:-?} ms; -> 'drained in ${RES[idle drained_ms]:-?} ms; exiting with status ${RES[idle exit_status]:-?}': ${RES[idle log_sig_exit]:-?} ms (log timestamps, ms resolution)"
        echo "  old process exit status: ${RES[idle rc]:-?}"
        echo "  afterwards, on the same connections: still open ${RES[idle still_open]:-?}/$HANDOVER_IDLE, answered a second GET / ${RES[idle answered]:-?}, failed ${RES[idle failed]:-?}; generations: first ${RES[idle generations_first]:--}, second ${RES[idle generations_second]:--}"
        # shellcheck disable=SC2001 # prefixes every line
        [[ -z ${RES[idle errors]:-} ]] || sed "s/^ */  idle error: /" <<<"${RES[idle errors]}"
    fi
    echo
    if ((FAILED)); then
        echo "VERDICT: Baton FAILED (lost requests: ${RES[baton lost]:-?}, bad echoes: ${RES[baton bad_echo]:-?}, restarts: ${RES[baton done]}/$RESTARTS, processes left: ${RES[baton procs]}; reconnections: ${RES[baton reconnections]:-?}${RES[idle note]:+; part c: ${RES[idle note]}}; see above and $RUN_DIR)"
    else
        echo "VERDICT: Baton lost no request in $RESTARTS restarts under $CLIENTS pooled clients (reconnections: ${RES[baton reconnections]})"
    fi
} | tee "$SUMMARY"
log "summary written to $SUMMARY"
exit "$FAILED"
