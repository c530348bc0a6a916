#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Static files: Baton (--root) beside nginx serving the same directory, in one run.
#
# Both servers are single-threaded (nginx: one worker, sendfile and open_file_cache on), pinned
# to CPU $SERVER_CPU; wrk runs with one thread on CPU $CLIENT_CPU. The site holds a 2.7 KB HTML
# page, a 300 B stylesheet, a 40 KB image and a large file (LARGE_MB MiB). For each file there is
# a warm-up run per server, then ROUNDS rounds, each running every server once in an order rotated
# from round to round. Prints medians (req/s for the small files, MB/s for the large one) and the
# ratios Baton/nginx (of the medians, and the median of each round's ratio), and writes every
# run to bench/out/static-<date>.txt.
#
# Environment (all optional):
#   ROUNDS=5  DURATION=5  WARMUP=1   as in run-throughput.sh
#   CONNS=50                         wrk connections for the small files
#   LARGE_CONNS=4  LARGE_MB=1024     the large-file runs (LARGE_MB=0: none)
#   SERVERS="nginx baton"
#   and those of bench/lib.sh (BATON_BIN, SERVER_CPU, CLIENT_CPU, BASE_PORT, SKIP_DEPS).
set -euo pipefail
SERVERS=${SERVERS:-nginx baton}
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-50}
LARGE_CONNS=${LARGE_CONNS:-4}
LARGE_MB=${LARGE_MB:-1024}
for v in ROUNDS DURATION CONNS LARGE_CONNS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $WARMUP =~ ^[0-9]+$ && $LARGE_MB =~ ^[0-9]+$ ]] || die "WARMUP and LARGE_MB must be whole numbers"

SITE=$OUT/site
make_site() {
    mkdir -p "$SITE"
    # A page of the size the issue measured, with the markup of a real one.
    {
        echo '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baton</title>'
        echo '<link rel="stylesheet" href="small.css"></head><body><main>'
        for i in $(seq 1 38); do echo "<p>Paragraph $i of a page that a static site serves.</p>"; done
        echo '</main></body></html>'
    } >"$SITE/index.html"
    head -c 300 /dev/zero | tr '\0' 'a' | fold -w 60 >"$SITE/small.css"
    [[ -s $SITE/image.jpg ]] || head -c 40960 /dev/urandom >"$SITE/image.jpg"
    if ((LARGE_MB > 0)); then
        local have=0
        [[ -f $SITE/large.bin ]] && have=$(stat -c %s "$SITE/large.bin")
        if ((have != LARGE_MB * 1048576)); then
            log "writing a ${LARGE_MB} MiB file"
            head -c $((LARGE_MB * 1048576)) /dev/urandom >"$SITE/large.bin"
        fi
    fi
}

raise_fd_limit 65536
NGINX_ROOT=$SITE
BATON_EXTRA_ARGS=(--root "$SITE")
prepare_servers
make_site

FILES=(index.html small.css image.jpg)
((LARGE_MB > 0)) && FILES+=(large.bin)
mkdir -p "$OUT"
stamp=$(date +%Y%m%d-%H%M%S)
RAW="$OUT/static-$stamp.txt"
{
    echo "# bench/static-files.sh $(date -Iseconds)"
    echo "# host: $(uname -srm), $(nproc) CPUs; servers on CPU $SERVER_CPU, wrk -t1 on CPU $CLIENT_CPU"
    echo "# rounds=$ROUNDS duration=${DURATION}s conns=$CONNS large: ${LARGE_MB} MiB, conns=$LARGE_CONNS"
    for f in "${FILES[@]}"; do echo "# $f: $(stat -c %s "$SITE/$f") bytes"; done
    echo "# columns: round server file requests_per_sec bytes_per_sec non2xx socket_errors server_cpu_pct"
} >"$RAW"

for s in "${SERVER_LIST[@]}"; do
    start_server "$s" || die "$s did not start: $START_FAILURE"
done

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    awk '{ print $12 + $13 }' <<<"${stat##*) }"
}

# to_bytes "12.3MB" -> bytes (wrk's Transfer/sec)
to_bytes() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); m = 1;
    if (u == "KB") m = 1024; else if (u == "MB") m = 1048576; else if (u == "GB") m = 1073741824;
    printf "%.0f", n * m }'; }

# run SERVER FILE SECONDS: sets R_RPS R_BPS R_ERR R_CPU
run() {
    local name=$1 file=$2 secs=$3 c=$CONNS f pid c0 c1 t0 t1 rc=0
    [[ $file == large.bin ]] && c=$LARGE_CONNS
    pid=$(rss_pid "$name")
    f=$(mktemp)
    c0=$(cpu_ticks "$pid")
    t0=$(date +%s%N)
    timeout --kill-after=5 $((secs + 60)) taskset -c "$CLIENT_CPU" \
        wrk -t1 -c"$c" -d"${secs}s" --timeout 60s "http://127.0.0.1:${SRV_PORT[$name]}/$file" >"$f" 2>&1 || rc=$?
    t1=$(date +%s%N)
    c1=$(cpu_ticks "$pid")
    parse_wrk "$f"
    R_RPS=$W_RPS
    R_BPS=$(to_bytes "$(awk '/^Transfer\/sec:/ { print $2; exit }' "$f")")
    R_ERR=$((W_NON2XX + W_CONNECT + W_READ + W_WRITE + W_TIMEOUT + (rc != 0)))
    R_CPU=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
        'BEGIN { if (c0 == "" || c1 == "" || t1 <= t0) print "-"; else printf "%.0f", (c1 - c0) / hz / ((t1 - t0) / 1e9) * 100 }')
    rm -f "$f"
}

declare -A VALUES=() ERRORS=() ROUND=()
n=${#SERVER_LIST[@]}
for file in "${FILES[@]}"; do
    if ((WARMUP > 0)); then
        for s in "${SERVER_LIST[@]}"; do run "$s" "$file" "$WARMUP"; done
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
        for ((k = 0; k < n; k++)); do
            s=${SERVER_LIST[$(((k + r - 1) % n))]}
            run "$s" "$file" "$DURATION"
            value=$R_RPS
            [[ $file == large.bin ]] && value=$(awk -v b="$R_BPS" 'BEGIN { printf "%.0f", b / 1e6 }')
            VALUES["$s $file"]="${VALUES["$s $file"]:-} $value"
            ROUND["$s $file $r"]=$value
            ERRORS["$s $file"]=$((${ERRORS["$s $file"]:-0} + R_ERR))
            echo "$r $s $file $R_RPS $R_BPS $W_NON2XX $R_ERR $R_CPU" >>"$RAW"
            printf '[bench] round %d/%d %-10s %-6s %10s req/s %8s MB/s  server cpu %4s%%  errors %s\n' \
                "$r" "$ROUNDS" "$file" "$s" "$R_RPS" "$(awk -v b="$R_BPS" 'BEGIN { printf "%.0f", b / 1e6 }')" \
                "$R_CPU" "$R_ERR" >&2
        done
    done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
summary() {
    echo
    echo "Medians over $ROUNDS rounds (wrk -t1 -d${DURATION}s on CPU $CLIENT_CPU; servers single-threaded on CPU $SERVER_CPU)"
    printf '%-12s %-8s' file unit
    for s in "${SERVER_LIST[@]}"; do printf ' %12s' "$s"; done
    local both=0
    [[ " ${SERVER_LIST[*]} " == *" baton "* && " ${SERVER_LIST[*]} " == *" nginx "* ]] && both=1
    ((both)) && printf ' %12s %16s' baton/nginx "per-round ratio"
    echo
    local file s m unit
    for file in "${FILES[@]}"; do
        unit="req/s"
        [[ $file == large.bin ]] && unit="MB/s"
        printf '%-12s %-8s' "$file" "$unit"
        declare -A med=()
        for s in "${SERVER_LIST[@]}"; do
            # shellcheck disable=SC2086
            m=$(median ${VALUES["$s $file"]})
            med[$s]=$m
            printf ' %12s' "$(printf '%.0f%s' "$m" "$( ((${ERRORS["$s $file"]} == 0)) || echo '!')")"
        done
        if ((both)); then
            printf ' %12s' "$(awk -v b="${med[baton]}" -v p="${med[nginx]}" 'BEGIN { if (p > 0) printf "%.2f", b / p; else print "-" }')"
            # Rounds run the two back to back, so a round's ratio is spared the machine's slower
            # drifts; the median of those is the steadier figure on a noisy host.
            local ratios="" r
            for ((r = 1; r <= ROUNDS; r++)); do
                ratios+=" $(awk -v b="${ROUND["baton $file $r"]}" -v p="${ROUND["nginx $file $r"]}" 'BEGIN { if (p > 0) printf "%.3f", b / p; else print 0 }')"
            done
            # shellcheck disable=SC2086
            printf ' %16s' "$(printf '%.2f' "$(median $ratios)")"
        fi
        echo
        unset med
    done
    local any=0
    for k in "${!ERRORS[@]}"; do ((ERRORS[$k] == 0)) || { any=1; echo "errors: $k: ${ERRORS[$k]} (flagged '!')"; }; done
    ((any)) || echo "No errors: every response was 2xx, no socket errors."
}
summary | tee -a "$RAW"
echo
echo "raw figures: $RAW"
