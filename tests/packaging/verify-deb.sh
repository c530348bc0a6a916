#!/usr/bin/env bash
# `make package` (CPack, cmake/Packaging.cmake), checked on packages made from the build under
# test: cpack writes them into a scratch directory, and then
# - dpkg-deb -I: names, version (baton --version's), maintainer, section, homepage, descriptions;
#   baton's Depends (dpkg-shlibdeps) has Qt Core and Network and no Widgets, Gui or DBus;
#   baton-gui depends on exactly this baton and on Qt Widgets; baton-dev on Qt's development files;
# - dpkg-deb -c: each package holds its files and not another's (baton-dev: include/baton/, the
#   static libraries, the CMake package and the pkg-config files);
# - dpkg -x into a scratch root: the extracted usr/bin/baton (Qt from the system, no RUNPATH into
#   the build tree) runs --version; its baton.service starts /usr/bin/baton; with baton-gui
#   unpacked beside it, it loads that panel (found relative to itself) under
#   QT_QPA_PLATFORM=offscreen; with the server package alone it serves headless and says the
#   panel is not installed.
#   verify-deb.sh BUILD_DIR BATON GUI(ON|OFF) COMPILED_IN_PANEL_DIR
set -euo pipefail
build=$(readlink -f "$1")
built_baton=$(readlink -f "$2")
gui=$3
compiled_in_panel="$4/baton-panel.so"
for tool in cpack dpkg-deb dpkg dpkg-shlibdeps curl readelf; do
    command -v "$tool" >/dev/null || { echo "verify-deb: $tool is missing (scripts/install-deps installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "verify-deb: FAIL: $*" >&2; exit 1; }

version=$("$built_baton" --version | grep -o '[0-9][0-9.]*' | head -1)
[[ -n $version ]] || fail "baton --version names no version"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
server_deb=$work/out/baton_${version}_amd64.deb
gui_deb=$work/out/baton-gui_${version}_amd64.deb
dev_deb=$work/out/baton-dev_${version}_amd64.deb
[[ -f $server_deb ]] || fail "no $(basename "$server_deb"); cpack made: $(ls "$work/out")"
[[ -f $dev_deb ]] || fail "no $(basename "$dev_deb"); cpack made: $(ls "$work/out")"
if [[ $gui == ON ]]; then
    [[ -f $gui_deb ]] || fail "no $(basename "$gui_deb"); cpack made: $(ls "$work/out")"
else
    [[ ! -e $gui_deb ]] || fail "a baton-gui package from a build without the panel"
fi

field() { dpkg-deb -f "$1" "$2"; }
for deb in "$server_deb" "$dev_deb" $([[ $gui == ON ]] && echo "$gui_deb"); do
    name=$(basename "$deb")
    [[ $(field "$deb" Version) == "$version" ]] || fail "$name: Version $(field "$deb" Version), baton says $version"
    [[ $(field "$deb" Maintainer) == *@* ]] || fail "$name: no Maintainer address"
    [[ -n $(field "$deb" Section) ]] || fail "$name: no Section"
    [[ $(field "$deb" Homepage) == http* ]] || fail "$name: no Homepage"
    description=$(field "$deb" Description)
    [[ $(wc -l <<<"$description") -ge 3 ]] || fail "$name: the Description has no long part: $description"
done

server_depends=$(field "$server_deb" Depends)
[[ $(field "$server_deb" Package) == baton ]] || fail "the server package is not named baton"
for package in libqt6core6 libqt6network6 libc6; do
    [[ $server_depends == *"$package "* ]] || fail "baton: Depends lacks $package: $server_depends"
done
for package in libqt6widgets6 libqt6gui6 libqt6dbus6 libx11 libxcb libgl libegl; do
    [[ $server_depends == *"$package"* ]] && fail "baton: Depends pulls $package onto a headless host: $server_depends"
done

dpkg-deb -c "$server_deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/server.files"
for path in /usr/bin/baton /usr/share/man/man1/baton.1 /usr/share/doc/baton/README.md \
    /lib/systemd/system/baton.service /lib/systemd/system/baton.socket; do
    grep -qx "$path" "$work/server.files" || fail "baton does not ship $path:"$'\n'"$(cat "$work/server.files")"
done
grep -E 'baton-panel|\.desktop$|/icons/|/metainfo/' "$work/server.files" &&
    fail "baton ships part of the panel"
grep -E '/include/|\.a$|/cmake/|/pkgconfig/' "$work/server.files" && fail "baton ships part of baton-dev"

[[ $(field "$dev_deb" Package) == baton-dev ]] || fail "the library package is not named baton-dev"
dev_depends=$(field "$dev_deb" Depends)
[[ $dev_depends == *"qt6-base-dev"* ]] || fail "baton-dev: Depends lacks qt6-base-dev: $dev_depends"
dpkg-deb -c "$dev_deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/dev.files"
dev_expected=()
for header in application request responder response router server; do
    dev_expected+=("/usr/include/baton/$header\.h")
done
dev_libraries=(server application llhttp)
[[ $gui == ON ]] && dev_libraries+=(widgets)
for library in "${dev_libraries[@]}"; do dev_expected+=("/usr/lib(/[^/]+)?/libbaton-$library\.a"); done
for file in BatonConfig BatonConfigVersion BatonTargets; do
    dev_expected+=("/usr/lib(/[^/]+)?/cmake/Baton/$file\.cmake")
done
for pc in baton-server baton-application; do dev_expected+=("/usr/lib(/[^/]+)?/pkgconfig/$pc\.pc"); done
for pattern in "${dev_expected[@]}"; do
    grep -qxE "$pattern" "$work/dev.files" || fail "baton-dev does not ship $pattern:"$'\n'"$(cat "$work/dev.files")"
done
grep -E '/bin/|/man/|systemd|baton-panel|\.desktop$|/icons/' "$work/dev.files" &&
    fail "baton-dev ships part of baton or baton-gui"

if [[ $gui == ON ]]; then
    gui_depends=$(field "$gui_deb" Depends)
    [[ $(field "$gui_deb" Package) == baton-gui ]] || fail "the panel package is not named baton-gui"
    [[ $gui_depends == *"baton (= $version)"* ]] || fail "baton-gui: Depends lacks baton (= $version): $gui_depends"
    [[ $gui_depends == *"libqt6widgets6 "* ]] || fail "baton-gui: Depends lacks libqt6widgets6: $gui_depends"
    dpkg-deb -c "$gui_deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/gui.files"
    expected=(/usr/lib/baton/baton-panel.so /usr/share/applications/baton.desktop
        /usr/share/metainfo/io.github.baton.metainfo.xml /usr/share/icons/hicolor/scalable/apps/baton.svg)
    for size in 16 32 48 64 128 256; do expected+=("/usr/share/icons/hicolor/${size}x$size/apps/baton.png"); done
    for path in "${expected[@]}"; do
        grep -qx "$path" "$work/gui.files" || fail "baton-gui does not ship $path:"$'\n'"$(cat "$work/gui.files")"
    done
    grep -E '/bin/|/man/|systemd' "$work/gui.files" && fail "baton-gui ships part of the server"
    grep -E '/include/|\.a$|/cmake/|/pkgconfig/' "$work/gui.files" && fail "baton-gui ships part of baton-dev"
fi

# The server package alone, as on a headless host; then with the panel beside it.
root=$work/root
dpkg -x "$server_deb" "$root"
baton=$root/usr/bin/baton
readelf -d "$baton" | grep -E 'RPATH|RUNPATH' && fail "the packaged baton has a library search path of its own"
[[ $("$baton" --version) == *"$version"* ]] || fail "the packaged baton --version: $("$baton" --version)"
grep -qx 'ExecStart=/usr/bin/baton .*' "$root/lib/systemd/system/baton.service" ||
    fail "the packaged baton.service does not start /usr/bin/baton"

export HOME=$work XDG_CONFIG_HOME=$work/config XDG_RUNTIME_DIR=$work/run QT_QPA_PLATFORM=offscreen
mkdir -m 700 "$work/run"
unset DISPLAY WAYLAND_DISPLAY BATON_PANEL_PLUGIN

# Starts the packaged baton, waits for its listening line, checks it answers, stops it with
# SIGTERM and expects status 0. The log is left in $work/log.
serve() {
    "$baton" --restart-mode exec --listen 127.0.0.1:0 2>"$work/log" &
    pid=$!
    local tries=400 port
    until port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/log" | sed 's/.*://'); do
        kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; fail "the packaged baton exited before listening"; }
        ((tries-- > 0)) || { cat "$work/log" >&2; fail "the packaged baton did not listen within 20 s"; }
        sleep 0.05
    done
    curl -sf -m 10 "http://127.0.0.1:$port/" >/dev/null || { cat "$work/log" >&2; fail "no answer on port $port"; }
    kill -TERM "$pid"
    local status=0
    wait "$pid" || status=$?
    pid=
    ((status == 0)) || { cat "$work/log" >&2; fail "the packaged baton exited with status $status after SIGTERM"; }
}

if [[ -e $compiled_in_panel ]]; then
    echo "verify-deb: $compiled_in_panel is installed on this host, which a baton without baton-gui would load: not checking the headless case"
else
    serve
    grep -q 'the control panel is not installed (package baton-gui.*): running headless' "$work/log" ||
        { cat "$work/log" >&2; fail "the server package alone did not say the panel is not installed"; }
fi
if [[ $gui == ON ]]; then
    dpkg -x "$gui_deb" "$root"
    serve
    grep -q "control panel: $root/usr/lib/baton/baton-panel.so\$" "$work/log" ||
        { cat "$work/log" >&2; fail "the packaged baton did not load the packaged panel"; }
    grep -q 'running headless' "$work/log" && { cat "$work/log" >&2; fail "the packaged baton ran headless beside its panel"; }
fi

echo "verify-deb: baton $version: Depends: $server_depends"
[[ $gui == ON ]] && echo "verify-deb: baton-gui $version: Depends: $gui_depends"
echo "verify-deb: baton-dev $version: Depends: $dev_depends"
echo "verify-deb: contents, control fields, the unpacked server alone and with its panel: ok"
