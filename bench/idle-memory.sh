#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Memory per idle keep-alive connection, for Baton and its peers.
#
# For each server in turn (single-threaded, pinned to CPU $SERVER_CPU): start it,
# read its resident memory (VmRSS; for nginx, of its single worker), then open N
# keep-alive connections with bench/peers/idle-client (pinned to CPU $CLIENT_CPU),
# each sending one "GET / HTTP/1.1" and reading the whole response before going
# idle. Once all N are answered, wait SETTLE seconds and read VmRSS again.
# Prints (after - before) / N in KiB per server, and checks at the end that the
# server still held every connection open (none closed for idleness).
#
# Environment (all optional):
#   N=5000              idle connections per server
#   SETTLE=1            seconds between the last answer and the second RSS reading
#   SERVERS="nginx go qt baton"   (baton is skipped with a message if it has no binary)
#   and those of bench/lib.sh (BATON_BIN, SERVER_CPU, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

N=${N:-5000}
SETTLE=${SETTLE:-1}
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-120} # seconds allowed for setting up all N connections
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
[[ $SETTLE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "SETTLE must be a number of seconds"

raise_fd_limit 65536
(($(ulimit -n) > N + 64)) || die "open-file limit $(ulimit -n) is too low for N=$N connections (lower N)"
NGINX_WORKER_CONNECTIONS=$((N + 1024))
# Baton: no idle timeout during the measurement, and room for N connections.
BATON_EXTRA_ARGS=(--idle-timeout 600)
((N + 100 <= 10000)) || BATON_EXTRA_ARGS+=(--max-connections $((N + 100)))
prepare_servers
go_build idle-client

declare -A BEFORE=() AFTER=() PERCONN=() OPEN=() NOTE=()

measure() {
    local s=$1 pid before after line status
    if ! start_server "$s"; then
        NOTE[$s]="FAILED TO START: $START_FAILURE"
        return 0
    fi
    pid=$(rss_pid "$s")
    before=$(rss_kib "$pid")
    log "$s: VmRSS before ${before} KiB; opening $N idle keep-alive connections"

    # The client's stdin is a pipe we hold open; closing it tells the client to
    # check its connections, print "open K/N" and exit.
    coproc CLIENT { exec taskset -c "$CLIENT_CPU" "$IDLE_CLIENT_BIN" \
        -addr "127.0.0.1:${SRV_PORT[$s]}" -n "$N" -timeout "${CLIENT_TIMEOUT}s" 2>>"$LOGS/idle-client.log"; }
    local cpid=$CLIENT_PID cin=${CLIENT[1]} cout=${CLIENT[0]}
    EXTRA_PIDS+=("$cpid")

    status=failed
    if read -r -t $((CLIENT_TIMEOUT + 30)) line <&"$cout" && [[ $line == ready ]]; then
        sleep "$SETTLE" # let the server finish its bookkeeping; all N were already answered
        if kill -0 "${SRV_PID[$s]}" 2>/dev/null; then
            after=$(rss_kib "$pid")
            status=ok
        else
            NOTE[$s]="server DIED while holding the connections"
        fi
    else
        NOTE[$s]="client did not get all $N connections answered (see $LOGS/idle-client.log)"
        tail -n 3 "$LOGS/idle-client.log" >&2 || true
    fi

    # Release the connections; the client reports how many were still open.
    { exec {cin}>&-; } 2>/dev/null || true
    OPEN[$s]="?"
    if [[ $status == ok ]]; then
        if read -r -t 60 line <&"$cout" && [[ $line =~ ^open\ ([0-9]+)/([0-9]+)$ ]]; then
            OPEN[$s]="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
            if [[ ${BASH_REMATCH[1]} != "$N" ]]; then
                NOTE[$s]="the server closed $((N - BASH_REMATCH[1])) of the $N idle connections"
            fi
        fi
    fi
    kill_and_wait "$cpid"
    EXTRA_PIDS=()
    { exec {cout}<&-; } 2>/dev/null || true
    stop_server "$s"

    BEFORE[$s]=$before
    if [[ $status == ok ]]; then
        AFTER[$s]=$after
        PERCONN[$s]=$(awk -v a="$after" -v b="$before" -v n="$N" 'BEGIN { printf "%.2f", (a - b) / n }')
        log "$s: VmRSS after ${after} KiB -> $(printf '%s' "${PERCONN[$s]}") KiB per connection; still open ${OPEN[$s]}"
    else
        warn "$s: ${NOTE[$s]}"
    fi
}

: >"$LOGS/idle-client.log"
for s in "${SERVER_LIST[@]}"; do
    measure "$s"
done

echo
echo "Memory per idle keep-alive connection (N=$N, each answered one GET / and then idle; server single-threaded on CPU $SERVER_CPU)"
echo "VmRSS of the server process (nginx: its worker), before and ${SETTLE}s after all N were answered"
printf '%-8s %14s %14s %16s %12s  %s\n' server "before KiB" "after KiB" "KiB/connection" "still open" note
for s in "${SERVER_LIST[@]}"; do
    printf '%-8s %14s %14s %16s %12s  %s\n' "$s" "${BEFORE[$s]:--}" "${AFTER[$s]:--}" \
        "${PERCONN[$s]:--}" "${OPEN[$s]:--}" "${NOTE[$s]:-}"
done
if [[ -n ${PERCONN[baton]:-} && ${#PERCONN[@]} -gt 1 ]]; then
    echo
    echo "Ratios baton/peer of KiB per connection (< 1: Baton uses less)"
    for s in "${SERVER_LIST[@]}"; do
        [[ $s == baton || -z ${PERCONN[$s]:-} ]] && continue
        printf '%-12s %s\n' "baton/$s" "$(awk -v b="${PERCONN[baton]}" -v p="${PERCONN[$s]}" 'BEGIN { if (p > 0) printf "%.2f", b / p; else print "-" }')"
    done
elif [[ -z ${PERCONN[baton]:-} ]]; then
    echo
    echo "Ratios baton/peer: none (baton was not $([[ " ${SERVER_LIST[*]} " == *" baton "* ]] && echo measured || echo run))"
fi
echo "(Kernel socket buffers are not in VmRSS; this is the server's own memory per connection.)"
# Exit 1 if a server failed to start, died, dropped idle connections or was not measured.
for s in "${SERVER_LIST[@]}"; do
    [[ -z ${NOTE[$s]:-} ]] || exit 1
done
