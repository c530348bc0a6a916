# shellcheck shell=bash
# bench/lib.sh: shared by bench/run-throughput.sh and bench/idle-memory.sh.
# Source it, don't run it. It builds the peers, starts and stops the servers,
# and cleans up every process it started when the calling script exits.
#
# Environment (all optional):
#   SERVERS      which servers to run, in order        (default "nginx go qt baton")
#   BATON_BIN    Baton binary                          (default build/release/app/baton)
#   SERVER_CPU   CPU the servers are pinned to         (default 0)
#   CLIENT_CPU   CPU the load generator is pinned to   (default 1)
#   BASE_PORT    first port tried for the servers      (default 18080)
#   SKIP_DEPS=1  don't call scripts/install-deps --bench
#   NGINX_ROOT   nginx serves the files below this directory instead of "hello"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
BIN=$OUT/bin
LOGS=$OUT/logs

SERVERS=${SERVERS:-nginx go qt baton}
BATON_BIN=${BATON_BIN:-$ROOT/build/release/app/baton}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18080}
READY_TIMEOUT=${READY_TIMEOUT:-20} # seconds a server has to answer its first GET /

QT_PEER_BIN=$OUT/qt-httpserver/qt-httpserver-hello
GO_PEER_BIN=$BIN/go-hello
# shellcheck disable=SC2034 # used by idle-memory.sh
IDLE_CLIENT_BIN=$BIN/idle-client

declare -a SERVER_LIST=()    # the servers that will actually run
declare -A SRV_PID=()        # name -> pid of the process we started
declare -A SRV_PORT=()       # name -> port
declare -a EXTRA_PIDS=()     # other processes to kill on exit (load generators, clients)
NGINX_WORKER_CONNECTIONS=${NGINX_WORKER_CONNECTIONS:-4096}
declare -a BATON_EXTRA_ARGS=()

log()  { printf '[bench] %s\n' "$*" >&2; }
warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }
die()  { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

install_bench_deps() {
    if [[ "${SKIP_DEPS:-0}" == 1 ]]; then
        log "SKIP_DEPS=1: not calling scripts/install-deps --bench"
    else
        "$ROOT/scripts/install-deps" --bench
    fi
    local tool
    for tool in taskset curl wrk nginx go cmake ninja; do
        command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-deps --bench)"
    done
}

# Raise the per-process open-file limit; children (servers, wrk, client) inherit it.
raise_fd_limit() {
    local want=${1:-65536}
    if ! ulimit -n "$want" 2>/dev/null; then
        local hard
        hard=$(ulimit -Hn)
        ulimit -n "$hard"
        warn "could not raise the open-file limit to $want; using the hard limit $hard"
    fi
    log "open-file limit: $(ulimit -n)"
}

go_build() { # go_build NAME -> $BIN/NAME from bench/peers/NAME (stdlib only, offline)
    local name=$1
    mkdir -p "$BIN" "$OUT/go/cache" "$OUT/go/path" "$LOGS"
    log "building $name (Go $(go env GOVERSION 2>/dev/null || echo '?'))"
    (
        cd "$BENCH_DIR/peers/$name"
        export GOCACHE="$OUT/go/cache" GOPATH="$OUT/go/path" GOENV=off GOFLAGS='' \
            GOPROXY=off GO111MODULE=on CGO_ENABLED=0
        go build -trimpath -o "$BIN/$name" .
    ) >"$LOGS/build-$name.log" 2>&1 || { cat "$LOGS/build-$name.log" >&2; die "building $name failed"; }
}

build_qt_peer() {
    mkdir -p "$LOGS"
    log "building qt-httpserver peer"
    {
        cmake -S "$BENCH_DIR/peers/qt-httpserver" -B "$OUT/qt-httpserver" -G Ninja \
            -DCMAKE_BUILD_TYPE=Release &&
            cmake --build "$OUT/qt-httpserver"
    } >"$LOGS/build-qt.log" 2>&1 || { cat "$LOGS/build-qt.log" >&2; die "building the qt-httpserver peer failed"; }
}

# Builds Baton if its binary is missing; returns 1 (with a message) if there is none.
# An existing binary is used as it is, with a warning if sources are newer.
ensure_baton() {
    if [[ -x "$BATON_BIN" ]]; then
        local newer
        newer=$(find "$ROOT/server" "$ROOT/app" -type f \( -name '*.cpp' -o -name '*.h' -o -name CMakeLists.txt \) \
            -newer "$BATON_BIN" 2>/dev/null | head -n 3 | tr '\n' ' ')
        if [[ -n $newer && "$BATON_BIN" == "$ROOT/build/release/app/baton" ]]; then
            warn "$BATON_BIN is older than its sources (${newer% }); 'make release' rebuilds it"
        fi
        return 0
    fi
    if [[ "$BATON_BIN" != "$ROOT/build/release/app/baton" ]]; then
        warn "BATON_BIN=$BATON_BIN is not an executable"
        return 1
    fi
    mkdir -p "$LOGS"
    log "Baton binary missing; building it (cmake --preset release && cmake --build --preset release)"
    if ! (cd "$ROOT" && cmake --preset release && cmake --build --preset release) \
        >"$LOGS/build-baton.log" 2>&1; then
        tail -n 20 "$LOGS/build-baton.log" >&2
        warn "Baton failed to build (full log: $LOGS/build-baton.log)"
        return 1
    fi
    [[ -x "$BATON_BIN" ]] || { warn "the release build produced no $BATON_BIN"; return 1; }
}

# Validates SERVERS, installs dependencies, builds what is needed; fills SERVER_LIST.
prepare_servers() {
    local s
    SERVER_LIST=()
    for s in $SERVERS; do
        case $s in
            nginx|go|qt|baton) ;;
            *) die "unknown server '$s' in SERVERS (known: nginx go qt baton)" ;;
        esac
    done
    install_bench_deps
    for s in $SERVERS; do
        case $s in
            nginx) ;;
            go) go_build go-hello ;;
            qt) build_qt_peer ;;
            baton)
                if ! ensure_baton; then
                    warn "SKIPPING baton: no binary at $BATON_BIN. Peers only; no Baton ratios this run."
                    continue
                fi
                ;;
        esac
        SERVER_LIST+=("$s")
    done
    [[ ${#SERVER_LIST[@]} -gt 0 ]] || die "no server to run"
}

# Parses wrk output file $1: sets W_REQ W_RPS W_LAT W_P99 W_CONNECT W_READ W_WRITE W_TIMEOUT W_NON2XX
# (0, or - for the latencies, when wrk printed no such figure).
parse_wrk() {
    local f=$1 se
    W_REQ=$(awk '/ requests in /{ print $1; exit }' "$f")
    W_RPS=$(awk '/^Requests\/sec:/{ print $2; exit }' "$f")
    W_LAT=$(awk '$1 == "Latency" { print $2; exit }' "$f")
    W_P99=$(awk '$1 == "99%" { print $2; exit }' "$f")
    se=$(grep -m1 'Socket errors:' "$f" || true)
    W_CONNECT=$(sed -nE 's/.*connect ([0-9]+).*/\1/p' <<<"$se")
    W_READ=$(sed -nE 's/.*read ([0-9]+).*/\1/p' <<<"$se")
    W_WRITE=$(sed -nE 's/.*write ([0-9]+).*/\1/p' <<<"$se")
    W_TIMEOUT=$(sed -nE 's/.*timeout ([0-9]+).*/\1/p' <<<"$se")
    W_NON2XX=$(awk -F: '/Non-2xx or 3xx responses/{ gsub(/ /, "", $2); print $2; exit }' "$f")
    W_REQ=${W_REQ:-0} W_RPS=${W_RPS:-0} W_CONNECT=${W_CONNECT:-0} W_READ=${W_READ:-0}
    W_WRITE=${W_WRITE:-0} W_TIMEOUT=${W_TIMEOUT:-0} W_NON2XX=${W_NON2XX:-0}
    W_LAT=${W_LAT:--} W_P99=${W_P99:--}
}

now_ns() { date +%s%N; }
ts_ms() { date -d "$1" +%s%3N; } # "2026-12-02T11:48:28.123+01:00" (a log line's first field) -> epoch ms

# Live (non-zombie) processes whose command line contains $1 (use with this run's paths only).
run_procs() {
    local p st
    for p in $(pgrep -f -- "$1" || true); do
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        st=$(ps -o stat= -p "$p" 2>/dev/null || true)
        [[ -n $st && $st != Z* ]] && echo "$p"
    done
    return 0
}
count_procs() { run_procs "$1" | wc -l; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

NEXT_PORT=$BASE_PORT
pick_port() { # sets PICKED_PORT to a free port at or after NEXT_PORT
    local tries=0
    while port_in_use "$NEXT_PORT"; do
        NEXT_PORT=$((NEXT_PORT + 1))
        tries=$((tries + 1))
        [[ $tries -lt 200 ]] || die "no free port found from $BASE_PORT on"
    done
    PICKED_PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
}

# The nginx server block's body: a fixed "hello", or with NGINX_ROOT the files below it, with the
# settings a site tuned for speed uses (sendfile, open_file_cache).
nginx_location() {
    if [[ -z ${NGINX_ROOT:-} ]]; then
        printf '        default_type text/plain;\n        location / {\n            return 200 "hello";\n        }\n'
        return
    fi
    cat <<EOF
        root $NGINX_ROOT;
        include /etc/nginx/mime.types;
        default_type application/octet-stream;
        sendfile on;
        tcp_nopush on;
        open_file_cache max=10000 inactive=60s;
        open_file_cache_valid 60s;
        open_file_cache_errors on;
EOF
}

write_nginx_conf() { # write_nginx_conf PREFIX PORT
    local prefix=$1 port=$2 nofile
    nofile=$(ulimit -n)
    mkdir -p "$prefix/tmp"
    cat >"$prefix/nginx.conf" <<EOF
# Generated by bench/lib.sh: nginx peer for Baton's benchmarks.
worker_processes 1;
worker_rlimit_nofile $nofile;
daemon off;
master_process on;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events {
    worker_connections $NGINX_WORKER_CONNECTIONS;
}
http {
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
$(nginx_location)
    }
}
EOF
}

# start_server NAME: starts it pinned to SERVER_CPU on a free port and waits until it
# answers. If it doesn't, stops it, sets START_FAILURE and returns 1.
START_FAILURE=""
start_server() {
    local name=$1 port logf pid
    pick_port
    port=$PICKED_PORT
    mkdir -p "$LOGS"
    logf="$LOGS/$name.log"
    : >"$logf"
    case $name in
        nginx)
            local prefix="$OUT/nginx"
            mkdir -p "$prefix"
            write_nginx_conf "$prefix" "$port"
            taskset -c "$SERVER_CPU" nginx -p "$prefix" -e "$prefix/error.log" \
                -c "$prefix/nginx.conf" >"$logf" 2>&1 &
            ;;
        go)
            GOMAXPROCS=1 taskset -c "$SERVER_CPU" "$GO_PEER_BIN" -addr "127.0.0.1:$port" >"$logf" 2>&1 &
            ;;
        qt)
            taskset -c "$SERVER_CPU" "$QT_PEER_BIN" "$port" >"$logf" 2>&1 &
            ;;
        baton)
            QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} taskset -c "$SERVER_CPU" "$BATON_BIN" \
                --headless --listen "127.0.0.1:$port" --threads 1 \
                ${BATON_EXTRA_ARGS[@]+"${BATON_EXTRA_ARGS[@]}"} >"$logf" 2>&1 &
            ;;
    esac
    pid=$!
    SRV_PID[$name]=$pid
    SRV_PORT[$name]=$port
    if ! wait_ready "$name"; then
        stop_server "$name"
        return 1
    fi
    log "$name ready on 127.0.0.1:$port (pid $pid, rss pid $(rss_pid "$name"))"
}

wait_ready() {
    local name=$1 port=${SRV_PORT[$1]} pid=${SRV_PID[$1]} deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$LOGS/$name.log" >&2 || true
            if [[ $name == nginx ]]; then tail -n 20 "$OUT/nginx/error.log" >&2 || true; fi
            START_FAILURE="exited before it answered GET / (log: $LOGS/$name.log)"
            warn "$name $START_FAILURE"
            return 1
        fi
        if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$LOGS/$name.log" >&2 || true
    START_FAILURE="did not answer GET / on 127.0.0.1:$port within ${READY_TIMEOUT}s (log: $LOGS/$name.log)"
    warn "$name $START_FAILURE"
    return 1
}

# The pid whose memory is measured: nginx's single worker, otherwise the server itself.
rss_pid() {
    local name=$1 pid=${SRV_PID[$1]}
    if [[ $name == nginx ]]; then
        local w
        w=$(pgrep -P "$pid" | head -n 1 || true)
        [[ -n $w ]] || die "nginx master $pid has no worker process"
        echo "$w"
    else
        echo "$pid"
    fi
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

kill_and_wait() { # kill_and_wait PID: TERM, up to 5 s, then KILL
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_server() {
    local name=$1 pid=${SRV_PID[$1]:-}
    [[ -n $pid ]] || return 0
    local workers=""
    [[ $name == nginx ]] && workers=$(pgrep -P "$pid" || true)
    kill_and_wait "$pid"
    local w
    for w in $workers; do kill -KILL "$w" 2>/dev/null || true; done
    unset 'SRV_PID[$name]'
}

cleanup() {
    local rc=$? p name
    trap - EXIT
    for p in ${EXTRA_PIDS[@]+"${EXTRA_PIDS[@]}"}; do
        kill_and_wait "$p"
    done
    for name in "${!SRV_PID[@]}"; do
        stop_server "$name"
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
