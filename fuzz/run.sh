#!/usr/bin/env bash
# Builds the fuzz preset and runs libFuzzer harnesses for a fixed time each.
#   fuzz/run.sh                  every fuzz_* executable the build produced
#   fuzz/run.sh fuzz_parser ...  only the harnesses named
# Environment: FUZZ_SECONDS (default 60) per harness, FUZZ_JOBS (default 2) for the build,
# FUZZ_PARALLEL (default: the number of cores) harnesses at a time.
# Exits non-zero when a harness crashes, leaks, hangs or breaks an invariant; the input that did
# it is left in build/fuzz/run/<harness>/artifacts/ and the log beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
bin=build/fuzz/fuzz
scratch=build/fuzz/run

scripts/install-deps --fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

if [[ $# -gt 0 ]]; then
    harnesses=("$@")
else
    mapfile -t harnesses < <(find "$bin" -maxdepth 1 -type f -name 'fuzz_*' -executable -printf '%f\n' | sort)
fi
[[ ${#harnesses[@]} -gt 0 ]] || { echo "fuzz/run.sh: no fuzz_* harness in $bin" >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

# Harnesses run side by side, FUZZ_PARALLEL at a time (default: one per core): each is one
# process, and their wall time is what CI waits for.
parallel=${FUZZ_PARALLEL:-$(nproc)}

run_harness() {
    local harness=$1
    local what=${harness#fuzz_}
    local dir=$scratch/$harness
    # The corpus grows over runs here, in the build tree; the committed seeds are only read.
    mkdir -p "$dir/corpus" "$dir/artifacts"
    rm -f "$dir"/artifacts/* "$dir/result"
    if [[ -d fuzz/corpus/$what ]]; then
        cp -n fuzz/corpus/"$what"/* "$dir/corpus/" 2>/dev/null || true
    fi
    local dict=fuzz/$what.dict
    [[ -f $dict ]] || dict=fuzz/http.dict

    echo "== $harness: ${seconds}s, corpus $dir/corpus ($(find "$dir/corpus" -type f | wc -l) inputs)"
    local status=0
    nice -n 10 "$bin/$harness" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -dict="$dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
        "$dir/corpus" >"$dir/log.txt" 2>&1 || status=$?

    local done_line artifacts
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/log.txt" | tail -n 1 || true)
    artifacts=$(find "$dir/artifacts" -type f | sort)
    if [[ $status -ne 0 || -n $artifacts ]]; then
        {
            echo "!! $harness failed (exit $status); log: $dir/log.txt"
            grep -E 'invariant|ERROR|SUMMARY|^in |^  ' "$dir/log.txt" | head -n 40 || true
            for a in $artifacts; do
                echo "!! reproducer $a ($(stat -c %s "$a") bytes): $bin/$harness $a"
            done
        } >&2
        echo "$harness: FAILED (exit $status) ${done_line:-no DONE line}" >"$dir/result"
    else
        echo "$harness: ok  $done_line" >"$dir/result"
    fi
}

for harness in "${harnesses[@]}"; do
    [[ -x "$bin/$harness" ]] || { echo "fuzz/run.sh: no harness $bin/$harness" >&2; exit 1; }
done
running=0
for harness in "${harnesses[@]}"; do
    if ((running >= parallel)); then
        wait -n || true
        ((running--))
    fi
    run_harness "$harness" &
    ((++running))
done
wait

echo "== fuzz summary"
failed=0
for harness in "${harnesses[@]}"; do
    result=$(cat "$scratch/$harness/result" 2>/dev/null || echo "$harness: FAILED (no result)")
    echo "$result"
    [[ $result == *": ok "* ]] || failed=1
done
exit $failed
