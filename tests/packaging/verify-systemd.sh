#!/usr/bin/env bash
# packaging/systemd/ passes `systemd-analyze verify` with no complaint at all (it exits 0 even for
# an unknown key, so any output fails), with ExecStart pointing at the binary just built; and the
# unit agrees with Baton: notify type open to the successor, reload by SIGHUP, and a stop timeout
# above the drain timeout.
#   verify-systemd.sh BATON_BINARY
set -euo pipefail
baton=$1
here=$(cd "$(dirname "$0")/../../packaging/systemd" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed "s|^ExecStart=/usr/bin/baton |ExecStart=$baton |" "$here/baton.service" >"$work/baton.service"
cp "$here/baton.socket" "$work/baton.socket"
grep -q "^ExecStart=$baton " "$work/baton.service" || { echo "ExecStart does not start /usr/bin/baton"; exit 1; }

out=$(systemd-analyze verify "$work/baton.service" "$work/baton.socket" 2>&1) || { echo "$out"; exit 1; }
[[ -z $out ]] || { echo "systemd-analyze verify complained:"; echo "$out"; exit 1; }

value() { sed -n "s/^$1=//p" "$here/baton.service" | tail -n 1; }
fail() { echo "baton.service: $*"; exit 1; }
[[ $(value Type) == notify ]] || fail "Type must be notify"
[[ $(value NotifyAccess) == all ]] || fail "NotifyAccess must be all: the new process notifies after a restart"
[[ $(value ExecReload) == *"-HUP \$MAINPID"* ]] || fail "ExecReload must send SIGHUP to \$MAINPID"
drain=$(value ExecStart | sed -n 's/.*--drain-timeout \([0-9]*\).*/\1/p')
drain=${drain:-30}
stop=$(value TimeoutStopSec)
[[ $stop =~ ^[0-9]+$ ]] && ((stop > drain)) || fail "TimeoutStopSec ($stop) must exceed the drain timeout ($drain)"
# The options in ExecStart are ones Baton takes.
read -r -a args <<<"$(value ExecStart)"
"$baton" "${args[@]:1}" --help >/dev/null || fail "ExecStart has options Baton refuses"
echo "packaging/systemd: verified"
