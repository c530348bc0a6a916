#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Throughput of Baton beside its peers (nginx, Go net/http, Qt's QHttpServer) in one run.
#
# Every server runs single-threaded, pinned to CPU $SERVER_CPU; wrk runs with one
# thread pinned to CPU $CLIENT_CPU. For each concurrency there is one warm-up run
# per server, then ROUNDS rounds; each round runs every server once, in an order
# rotated from round to round, so that machine noise hits all servers alike.
# Prints the median requests/sec and the ratios Baton/peer, and writes every run's
# figures to bench/out/throughput-<date>.txt.
#
# Environment (all optional):
#   ROUNDS=5            measured rounds
#   DURATION=5          seconds per measured wrk run
#   WARMUP=1            seconds of the warm-up run (0: none)
#   CONNS="50 1000"     wrk connection counts (-c)
#   SERVERS="nginx go qt baton"   (baton is skipped with a message if it has no binary)
#   BATON_ARGS=""       more Baton options, split on spaces, e.g. "--access-log /tmp/a.log"
#   and those of bench/lib.sh (BATON_BIN, SERVER_CPU, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

read -r -a BATON_EXTRA_ARGS <<<"${BATON_ARGS:-}"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-50 1000}
DURATION=${DURATION%s}
WARMUP=${WARMUP%s}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive number of seconds"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number of seconds"
read -r -a CONN_LIST <<<"$CONNS"
max_conns=0
for c in "${CONN_LIST[@]}"; do
    [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNS must be positive integers: '$CONNS'"
    ((c > max_conns)) && max_conns=$c
done

raise_fd_limit 65536
(($(ulimit -n) > max_conns + 64)) || die "open-file limit $(ulimit -n) is too low for $max_conns connections"
NGINX_WORKER_CONNECTIONS=$((max_conns + 1024))
prepare_servers

mkdir -p "$OUT" "$LOGS"
stamp=$(date +%Y%m%d-%H%M%S)
RAW="$OUT/throughput-$stamp.txt"
WRKLOG="$LOGS/wrk-$stamp.log"
: >"$WRKLOG"
{
    echo "# bench/run-throughput.sh $(date -Iseconds)"
    echo "# host: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "# servers on CPU $SERVER_CPU, wrk -t1 on CPU $CLIENT_CPU; rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s conns=$CONNS"
    echo "# versions: nginx $(nginx -v 2>&1 | sed 's|.*/||'), $(go env GOVERSION), QHttpServer $(dpkg-query -W -f='${Version}' qt6-httpserver-dev 2>/dev/null || echo '?'), wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo '?')"
    echo "# baton: $([[ " ${SERVER_LIST[*]} " == *" baton "* ]] && echo "$BATON_BIN ${BATON_ARGS:-}" || echo "not run")"
    echo "# columns: round server conns requests_per_sec requests non2xx_or_3xx sock_connect sock_read sock_write sock_timeout latency_avg latency_p99 server_cpu_pct listen_overflows"
} >"$RAW"

declare -A NOSTART=() # server -> why it did not start
started=()
for s in "${SERVER_LIST[@]}"; do
    if start_server "$s"; then
        started+=("$s")
    else
        NOSTART[$s]=$START_FAILURE
        echo "# $s FAILED TO START: $START_FAILURE" >>"$RAW"
    fi
done
SERVER_LIST=(${started[@]+"${started[@]}"})
[[ ${#SERVER_LIST[@]} -gt 0 ]] || die "no server started"

declare -A RPS=()     # "server c" -> space-separated req/s of each round
declare -A ERRS=()    # "server c" -> total errors (socket + non-2xx) over all rounds
declare -A ERRTXT=()  # "server c" -> details
declare -A DEAD=()    # server -> 1 once it has died
declare -a LOWCPU=()  # runs in which the server used < 90% of its core

# run_wrk SERVER CONNS SECONDS: runs wrk and sets W_RPS W_REQ W_NON2XX W_CONNECT W_READ
# W_WRITE W_TIMEOUT W_LAT W_P99 W_CPU W_LISTEN_OVERFLOWS W_OK
run_wrk() {
    local name=$1 c=$2 secs=$3 port=${SRV_PORT[$1]} f rc=0
    local cpu_pid t0 t1 c0 c1 lo0
    cpu_pid=$(rss_pid "$name")
    f=$(mktemp)
    c0=$(cpu_ticks "$cpu_pid")
    lo0=$(listen_overflows)
    t0=$(date +%s%N)
    timeout --kill-after=5 $((secs + 60)) taskset -c "$CLIENT_CPU" \
        wrk -t1 -c"$c" -d"${secs}s" --latency "http://127.0.0.1:$port/" >"$f" 2>&1 || rc=$?
    t1=$(date +%s%N)
    c1=$(cpu_ticks "$cpu_pid")
    W_LISTEN_OVERFLOWS=$(($(listen_overflows) - lo0))
    # CPU time the server used over the run's wall time, in % of one core: well
    # below 100 means the server was not the bottleneck (wrk was, or it stalled).
    W_CPU=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
        'BEGIN { if (c0 == "" || c1 == "" || t1 <= t0) print "-"; else printf "%.0f", (c1 - c0) / hz / ((t1 - t0) / 1e9) * 100 }')
    {
        echo "=== $name c=$c ${secs}s (exit $rc, server cpu ${W_CPU}%)"
        cat "$f"
    } >>"$WRKLOG"
    parse_wrk "$f"
    W_OK=1
    if [[ $rc -ne 0 || $W_RPS == 0 ]]; then
        W_OK=0
        warn "wrk failed against $name (c=$c, exit $rc): $(tail -n 3 "$f" | tr '\n' ' ')"
    fi
    rm -f "$f"
}

CLK_TCK=$(getconf CLK_TCK)
# user + system CPU ticks of a process (fields 14 and 15 of /proc/PID/stat, counted after the "(comm)")
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    awk '{ print $12 + $13 }' <<<"${stat##*) }"
}

# The kernel's count of connections dropped because a listen queue was full
# (TcpExt ListenOverflows; counts the whole machine, so other work shows up too).
listen_overflows() {
    awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ListenOverflows") k = i; h = 1 } else { print (k ? $k : 0); exit } }' /proc/net/netstat 2>/dev/null || echo 0
}

check_alive() {
    local name=$1
    if ! kill -0 "${SRV_PID[$name]}" 2>/dev/null; then
        warn "$name DIED during the run (log: $LOGS/$name.log); no further runs for it"
        tail -n 10 "$LOGS/$name.log" >&2 || true
        DEAD[$name]=1
        return 1
    fi
}

n=${#SERVER_LIST[@]}
total_runs=$((${#CONN_LIST[@]} * ROUNDS * n))
eta=$((${#CONN_LIST[@]} * n * (WARMUP + ROUNDS * DURATION)))
load1=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    warn "load average is $load1: other work on this machine will add noise to the figures"
fi
log "running ${#CONN_LIST[@]} concurrencies x $ROUNDS rounds x $n servers = $total_runs runs (about ${eta}s)"

for c in "${CONN_LIST[@]}"; do
    if ((WARMUP > 0)); then
        for s in "${SERVER_LIST[@]}"; do
            [[ -z ${DEAD[$s]:-} ]] || continue
            log "warm-up $s c=$c (${WARMUP}s)"
            run_wrk "$s" "$c" "$WARMUP"
            check_alive "$s" || true
        done
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
        for ((k = 0; k < n; k++)); do
            s=${SERVER_LIST[$(((k + r - 1) % n))]}
            [[ -z ${DEAD[$s]:-} ]] || continue
            run_wrk "$s" "$c" "$DURATION"
            alive=1
            check_alive "$s" || alive=0
            errs=$((W_NON2XX + W_CONNECT + W_READ + W_WRITE + W_TIMEOUT))
            ((W_OK)) || errs=$((errs + 1))
            ((alive)) || errs=$((errs + 1))
            RPS["$s $c"]="${RPS["$s $c"]:-} $W_RPS"
            ERRS["$s $c"]=$((${ERRS["$s $c"]:-0} + errs))
            if ((errs > 0)); then
                ERRTXT["$s $c"]="${ERRTXT["$s $c"]:-}  round $r: non-2xx $W_NON2XX, socket errors connect $W_CONNECT read $W_READ write $W_WRITE timeout $W_TIMEOUT$( ((W_OK)) || echo ', wrk FAILED')$( ((alive)) || echo ', server DIED')"$'\n'
            fi
            if [[ $W_CPU != - ]] && ((W_CPU < 90)); then
                LOWCPU+=("$s c=$c round $r: ${W_CPU}%")
            fi
            echo "$r $s $c $W_RPS $W_REQ $W_NON2XX $W_CONNECT $W_READ $W_WRITE $W_TIMEOUT $W_LAT $W_P99 $W_CPU $W_LISTEN_OVERFLOWS" >>"$RAW"
            printf '[bench] round %d/%d c=%-5s %-6s %10s req/s  latency avg %-8s p99 %-8s server cpu %4s%%  errors %s  listen-queue drops %s\n' \
                "$r" "$ROUNDS" "$c" "$s" "$W_RPS" "$W_LAT" "$W_P99" "$W_CPU" "$errs" "$W_LISTEN_OVERFLOWS" >&2
        done
    done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# spread: (max - min) / 2 as a percentage of the median
spread() { printf '%s\n' "$@" | sort -g | awk -v m="$1" 'NR == 1 { lo = $1 } { hi = $1 } END { if (m > 0) printf "%.1f", (hi - lo) / 2 / m * 100; else print "-" }'; }

declare -A MED=()
summary() {
    echo
    echo "Median requests/sec over $ROUNDS rounds (wrk -t1 -d${DURATION}s on CPU $CLIENT_CPU; each server single-threaded on CPU $SERVER_CPU)"
    echo "'±' is half the min-max range in % of the median; '!' marks runs with errors"
    printf '%-8s' "server"
    for c in "${CONN_LIST[@]}"; do printf '  %20s' "c=$c"; done
    echo
    local s c vals m flag sp
    for s in "${SERVER_LIST[@]}"; do
        printf '%-8s' "$s"
        for c in "${CONN_LIST[@]}"; do
            vals=${RPS["$s $c"]:-}
            if [[ -z ${vals// /} ]]; then
                printf '  %20s' "-"
                continue
            fi
            # shellcheck disable=SC2086
            m=$(median $vals)
            MED["$s $c"]=$m
            flag=" "
            ((${ERRS["$s $c"]:-0} == 0)) || flag="!"
            # shellcheck disable=SC2086
            sp=$(spread "$m" $vals)
            if [[ $sp == - ]]; then
                printf '  %20s' "$(printf '%.0f%s' "$m" "$flag")"
            else
                printf '  %20s' "$(printf '%.0f ±%s%%%s' "$m" "$sp" "$flag")"
            fi
        done
        echo
    done

    local any_err=0
    for s in "${SERVER_LIST[@]}"; do
        for c in "${CONN_LIST[@]}"; do
            if ((${ERRS["$s $c"]:-0} > 0)); then
                ((any_err)) || { echo; echo "ERRORS (flagged '!' above):"; }
                any_err=1
                echo "$s c=$c:"
                printf '%s' "${ERRTXT["$s $c"]}"
            fi
        done
    done
    for s in "${!DEAD[@]}"; do
        ((any_err)) || { echo; echo "ERRORS:"; }
        any_err=1
        echo "$s DIED during the run; it had no runs after that (log: $LOGS/$s.log)"
    done
    for s in "${!NOSTART[@]}"; do
        ((any_err)) || { echo; echo "ERRORS:"; }
        any_err=1
        echo "$s FAILED TO START and was not measured: ${NOSTART[$s]}"
    done
    ((any_err)) || { echo; echo "No errors: every response was 2xx, no socket errors."; }
    if ((${#LOWCPU[@]} > 0)); then
        echo
        echo "NOISE WARNING: in ${#LOWCPU[@]} run(s) the server used < 90% of its core, so something else"
        echo "limited it (another process on the machine, or wrk itself); treat those figures with care:"
        printf '  %s\n' "${LOWCPU[@]}"
    fi

    echo
    if [[ " ${SERVER_LIST[*]} " != *" baton "* ]]; then
        echo "Ratios baton/peer: none (baton was not $([[ -n ${NOSTART[baton]:-} ]] && echo measured || echo run))"
        return
    fi
    echo "Ratios baton/peer of the medians (> 1: Baton serves more requests/sec)"
    printf '%-12s' ""
    for c in "${CONN_LIST[@]}"; do printf '  %8s' "c=$c"; done
    echo
    for s in "${SERVER_LIST[@]}"; do
        [[ $s == baton ]] && continue
        printf '%-12s' "baton/$s"
        for c in "${CONN_LIST[@]}"; do
            local b=${MED["baton $c"]:-} p=${MED["$s $c"]:-}
            if [[ -n $b && -n $p ]] && awk -v p="$p" 'BEGIN { exit !(p > 0) }'; then
                local flag=""
                ((${ERRS["baton $c"]:-0} + ${ERRS["$s $c"]:-0} == 0)) || flag="!"
                printf '  %8s' "$(awk -v b="$b" -v p="$p" 'BEGIN { printf "%.2f", b / p }')$flag"
            else
                printf '  %8s' "-"
            fi
        done
        echo
    done
}

summary | tee -a "$RAW"
echo
echo "raw figures: $RAW"
echo "wrk output:  $WRKLOG"
# A server that failed to start or died is a failed run; errors alone are only flagged.
[[ ${#NOSTART[@]} -eq 0 && ${#DEAD[@]} -eq 0 ]] || exit 1
