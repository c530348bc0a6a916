# Sourced by the e2e-*.sh scripts: the tools they need, a display of their own (Xvfb), and a
# bounded poll. Before sourcing, set e2e_name (for messages); "$@" are the script's arguments.

for tool in xvfb-run xdotool curl; do
    command -v "$tool" >/dev/null || { echo "$e2e_name: $tool is missing (scripts/install-deps installs it)" >&2; exit 1; }
done

# The script runs again inside a fresh Xvfb (and is killed if it hangs).
if [[ -z "${BATON_E2E_INSIDE_X:-}" ]]; then
    export BATON_E2E_INSIDE_X=1
    exec timeout 90 xvfb-run -a -s "-screen 0 1200x800x24" "$0" "$@"
fi

# Polls a condition (a shell snippet) every 50 ms for at most $1 seconds.
wait_for() {
    local seconds=$1; shift
    local tries=$((seconds * 20))
    while ((tries-- > 0)); do
        if eval "$@"; then return 0; fi
        sleep 0.05
    done
    return 1
}
