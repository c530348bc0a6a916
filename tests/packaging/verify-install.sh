#!/usr/bin/env bash
# Baton as a library, installed: `cmake --install` of the build under test into a scratch prefix,
# and then, against that prefix only,
# - include/baton/ holds the public headers and they include nothing but Qt, the standard library
#   and each other;
# - find_package(Baton REQUIRED COMPONENTS Nope) fails and says which components there are;
# - examples/hello configures and builds OUT OF TREE (find_package(Baton COMPONENTS Application)),
#   with this build's compiler and generator, Release;
# - the article's test on that hello: a five-second GET /hello in flight (seen on /metrics as a
#   busy connection), SIGHUP (--restart-mode exec): the request is answered 200 by the old
#   process, a new process (another X-Baton-Pid, X-Baton-Generation: 2) serves /hello, and the
#   old one exits 0;
# - pkg-config: baton-application's --cflags --libs compile and link a one-file program, which
#   runs; baton-widgets names the panel's registration for --undefined;
# - with the panel built (GUI=ON): a one-file program linking Baton::Widgets has the panel linked
#   in (not the module), shows it under QT_QPA_PLATFORM=offscreen, serves, and exits 0 on SIGTERM.
# Needs the targets `cmake --install` installs built (baton, baton-panel, baton_widgets: `cmake
# --build` builds them all).
#   verify-install.sh BUILD_DIR SOURCE_DIR CMAKE GENERATOR MAKE_PROGRAM CXX_COMPILER LIBDIR GUI(ON|OFF) [LINK_FLAGS]
set -euo pipefail
build=$(readlink -f "$1")
source=$(readlink -f "$2")
cmake=$3
generator=$4
make_program=$5
cxx=$6
libdir=$7
gui=$8
link_flags=${9:-}
for tool in "$cmake" "$cxx" curl pkg-config nm ps; do
    command -v "$tool" >/dev/null || { echo "verify-install: $tool is missing" >&2; exit 1; }
done
started=$SECONDS
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    [[ -s $work/hello.pid ]] && pids+=("$(cat "$work/hello.pid")")
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
# A process that is gone and waited for: not one to clean up any more.
forget() {
    local keep=() pid
    for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
    pids=("${keep[@]}")
}
fail() { echo "verify-install: FAIL: $*" >&2; exit 1; }
step() { echo "verify-install: [$((SECONDS - started)) s] $*"; }

prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "cmake --install failed (is everything built?)"; }
step "installed into a scratch prefix"

# The public headers, and nothing they include that a user does not have.
[[ -z $(find "$prefix/include" -mindepth 1 -not -path "$prefix/include/baton" -not -path "$prefix/include/baton/*.h") ]] ||
    fail "include/ holds more than baton/*.h: $(find "$prefix/include" -type f)"
for header in application request responder response router server; do
    [[ -f $prefix/include/baton/$header.h ]] || fail "include/baton/$header.h is not installed"
done
for header in "$prefix"/include/baton/*.h; do
    while read -r line; do
        included=$(sed -E 's/^#include *//' <<<"$line")
        case $included in
        \<baton/*.h\>)
            name=${included#<}
            [[ -f $prefix/include/${name%>} ]] || fail "$(basename "$header") includes $included, which is not installed"
            ;;
        \<Q*\> | \<[a-z_]*\>) ;; # Qt, and the standard library
        *) fail "$(basename "$header") includes $included: not Qt, the standard library or <baton/...>" ;;
        esac
    done < <(grep -E '^#include' "$header")
done

configure_args=(-G "$generator" -DCMAKE_MAKE_PROGRAM="$make_program" -DCMAKE_CXX_COMPILER="$cxx"
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_EXE_LINKER_FLAGS="$link_flags")

# An unknown component: a clear failure.
mkdir "$work/nope"
cat >"$work/nope/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(Nope LANGUAGES NONE)
find_package(Baton REQUIRED COMPONENTS Nope)
EOF
if "$cmake" -S "$work/nope" -B "$work/nope/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/nope.log" 2>&1; then
    cat "$work/nope.log" >&2
    fail "find_package(Baton REQUIRED COMPONENTS Nope) succeeded"
fi
# CMake wraps the message: compare with the lines joined.
nope_message=$(tr -s ' \n' ' ' <"$work/nope.log" | grep -o 'Baton has no component "Nope": its components are Server, Application and Widgets' || true)
[[ -n $nope_message ]] ||
    { cat "$work/nope.log" >&2; fail "find_package(Baton COMPONENTS Nope) failed without saying why"; }
step "find_package(Baton REQUIRED COMPONENTS Nope) fails: $nope_message"

# examples/hello, out of tree, against the installed package only.
"$cmake" -S "$source/examples/hello" -B "$work/hello" "${configure_args[@]}" >"$work/hello-configure.log" 2>&1 ||
    { cat "$work/hello-configure.log" >&2; fail "examples/hello does not configure against the installed Baton"; }
baton_dir=$(sed -n 's/^Baton_DIR:PATH=//p' "$work/hello/CMakeCache.txt")
[[ $baton_dir == "$prefix/$libdir/cmake/Baton" ]] || fail "examples/hello found Baton in $baton_dir, not in the scratch prefix"
"$cmake" --build "$work/hello" >"$work/hello-build.log" 2>&1 ||
    { cat "$work/hello-build.log" >&2; fail "examples/hello does not build against the installed Baton"; }
hello=$work/hello/hello
[[ -x $hello ]] || fail "no hello executable in $work/hello"
step "examples/hello configured and built out of tree (Baton_DIR=$baton_dir)"

export HOME=$work XDG_CONFIG_HOME=$work/config XDG_RUNTIME_DIR=$work/run QT_QPA_PLATFORM=offscreen
mkdir -m 700 "$work/run"
unset DISPLAY WAYLAND_DISPLAY BATON_PANEL_PLUGIN

# Waits for "listening on http://127.0.0.1:PORT" in LOG from process PID; prints PORT.
listening_port() {
    local log=$1 pid=$2 port tries=400
    until port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://'); do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "$(basename "$log" .log) exited before listening"; }
        ((tries-- > 0)) || { cat "$log" >&2; fail "$(basename "$log" .log) did not listen within 20 s"; }
        sleep 0.05
    done
    echo "$port"
}
# A response header's value (CR stripped) from a curl -D file.
header() { sed -n "s/^$2: *//Ip" "$1" | tr -d '\r' | tail -1; }

"$hello" --headless --listen 127.0.0.1:0 --restart-mode exec --pid-file "$work/hello.pid" 2>"$work/hello.log" &
old=$!
pids+=("$old")
port=$(listening_port "$work/hello.log" "$old")
step "hello (pid $old) listens on port $port"

curl -s -m 30 -D "$work/first.headers" -o "$work/first.body" -w '%{http_code}' \
    "http://127.0.0.1:$port/hello" >"$work/first.code" &
first_curl=$!
pids+=("$first_curl")
# In flight: the request is a busy connection (besides the /metrics request asking).
in_flight() {
    local metrics
    metrics=$(curl -s -m 5 "http://127.0.0.1:$port/metrics") || return 1
    grep -qx 'baton_connections{state="busy"} 2' <<<"$metrics"
}
# Waits until the curl $1 (its GET /hello, named $2 in messages) shows as in flight.
wait_in_flight() {
    local tries=200
    until in_flight; do
        kill -0 "$1" 2>/dev/null || fail "$2 finished before it was seen in flight"
        ((tries-- > 0)) || { cat "$work/hello.log" >&2; fail "$2 never showed as in flight on /metrics"; }
        sleep 0.05
    done
}
wait_in_flight "$first_curl" "GET /hello"
step "GET /hello is in flight; SIGHUP to $old"
kill -HUP "$old"

# The new generation takes the listening socket: wait until it answers.
tries=400
until curl -s -m 5 -D "$work/probe.headers" -o /dev/null "http://127.0.0.1:$port/metrics" &&
    [[ $(header "$work/probe.headers" X-Baton-Generation) == 2 ]]; do
    ((tries-- > 0)) || { cat "$work/hello.log" >&2; fail "no generation 2 answered within 20 s of SIGHUP"; }
    sleep 0.05
done
new=$(header "$work/probe.headers" X-Baton-Pid)
pids+=("$new")
[[ $new != "$old" ]] || fail "generation 2 answers from the old pid $old (--restart-mode exec)"
step "generation 2 (pid $new) answers"

status=0
wait "$first_curl" || status=$?
forget "$first_curl"
((status == 0)) || fail "the in-flight GET /hello failed (curl status $status)"
[[ $(cat "$work/first.code") == 200 ]] || fail "the in-flight GET /hello got $(cat "$work/first.code")"
[[ $(cat "$work/first.body") == "hello world, after 5 s from pid $old" ]] ||
    fail "the in-flight GET /hello's body: $(cat "$work/first.body")"
[[ $(header "$work/first.headers" X-Baton-Pid) == "$old" ]] || fail "the in-flight GET /hello was not answered by $old"
step "the in-flight GET /hello: 200 from pid $old"

code=$(curl -s -m 30 -D "$work/second.headers" -o "$work/second.body" -w '%{http_code}' "http://127.0.0.1:$port/hello")
[[ $code == 200 ]] || fail "GET /hello after the restart got $code"
[[ $(header "$work/second.headers" X-Baton-Pid) == "$new" ]] ||
    fail "GET /hello after the restart came from pid $(header "$work/second.headers" X-Baton-Pid), not $new"
[[ $(header "$work/second.headers" X-Baton-Generation) == 2 ]] ||
    fail "GET /hello after the restart: X-Baton-Generation $(header "$work/second.headers" X-Baton-Generation)"
[[ $(cat "$work/second.body") == "hello world, after 5 s from pid $new" ]] ||
    fail "GET /hello after the restart: $(cat "$work/second.body")"
step "GET /hello after the restart: 200 from pid $new, generation 2"

# The old process is done once its request is: it exits, with status 0.
tries=400
until [[ $(ps -o stat= -p "$old" || true) == Z* || -z $(ps -o stat= -p "$old" || true) ]]; do
    ((tries-- > 0)) || { cat "$work/hello.log" >&2; fail "the old process $old is still running 20 s after its last request"; }
    sleep 0.05
done
status=0
wait "$old" || status=$?
forget "$old"
((status == 0)) || { cat "$work/hello.log" >&2; fail "the old process $old exited with status $status"; }
step "the old process $old exited 0"

# Shut down mid-request: SIGTERM to the new process while a GET /hello is in flight. The request
# is still answered, then the process exits (it is not our child: its parent was $old).
curl -s -m 30 -o "$work/third.body" -w '%{http_code}' "http://127.0.0.1:$port/hello" \
    >"$work/third.code" &
third_curl=$!
pids+=("$third_curl")
wait_in_flight "$third_curl" "the last GET /hello"
kill -TERM "$new"
step "GET /hello is in flight; SIGTERM to $new"
status=0
wait "$third_curl" || status=$?
forget "$third_curl"
((status == 0)) || fail "the GET /hello in flight at SIGTERM failed (curl status $status)"
[[ $(cat "$work/third.code") == 200 ]] || fail "the GET /hello in flight at SIGTERM got $(cat "$work/third.code")"
[[ $(cat "$work/third.body") == "hello world, after 5 s from pid $new" ]] ||
    fail "the GET /hello in flight at SIGTERM: $(cat "$work/third.body")"
tries=400
while kill -0 "$new" 2>/dev/null; do
    ((tries-- > 0)) || { cat "$work/hello.log" >&2; fail "pid $new still runs 20 s after its last request"; }
    sleep 0.05
done
grep -q "hello\[$new\] drained in .*exiting with status 0" "$work/hello.log" ||
    { cat "$work/hello.log" >&2; fail "pid $new did not say it drained and exits with status 0"; }
step "the GET /hello in flight at SIGTERM: 200; pid $new drained and exited 0"

# pkg-config: a one-file program on baton::Application, compiled and linked with its flags alone.
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pkg-config --exists --print-errors baton-server baton-application || fail "pkg-config does not find baton-application"
read -ra pc_flags < <(pkg-config --cflags --libs baton-application)
cat >"$work/pc.cpp" <<'EOF'
#include <baton/application.h>

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    app.router().get("/", [](const baton::Request &, baton::Responder responder) {
        responder.respond(200, "pkg-config\n");
    });
    return app.exec();
}
EOF
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++17 -o "$work/pc" "$work/pc.cpp" "${pc_flags[@]}" $link_flags 2>"$work/pc.log" ||
    { cat "$work/pc.log" >&2; fail "a program does not compile and link with pkg-config --cflags --libs baton-application: ${pc_flags[*]}"; }
"$work/pc" --version >"$work/pc.out" 2>&1 || { cat "$work/pc.out" >&2; fail "the pkg-config program does not run"; }
step "pkg-config --cflags --libs baton-application: ${pc_flags[*]}: compiles, links and runs"
if [[ $gui == ON ]]; then
    [[ $(pkg-config --libs baton-widgets) == *--undefined=baton_widgets_panel_registration* ]] ||
        fail "pkg-config --libs baton-widgets does not pull the panel's registration in: $(pkg-config --libs baton-widgets)"
fi

# Baton::Widgets: the panel linked in.
if [[ $gui == ON ]]; then
    mkdir "$work/widgets"
    cat >"$work/widgets/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(WithPanel LANGUAGES CXX)
find_package(Baton 0.1 REQUIRED COMPONENTS Widgets)
add_executable(with-panel main.cpp)
target_link_libraries(with-panel PRIVATE Baton::Widgets)
EOF
    cat >"$work/widgets/main.cpp" <<'EOF'
#include <baton/application.h>

int main(int argc, char **argv)
{
    baton::Application app(argc, argv);
    return app.exec();
}
EOF
    if ! { "$cmake" -S "$work/widgets" -B "$work/widgets/build" "${configure_args[@]}" &&
        "$cmake" --build "$work/widgets/build"; } >"$work/widgets.log" 2>&1; then
        cat "$work/widgets.log" >&2
        fail "a program on Baton::Widgets does not configure and build"
    fi
    with_panel=$work/widgets/build/with-panel
    nm -C "$with_panel" >"$work/with-panel.symbols"
    grep -q 'baton::ui::PanelModule::PanelModule()' "$work/with-panel.symbols" ||
        fail "the panel is not linked into a program on Baton::Widgets"
    "$with_panel" --listen 127.0.0.1:0 --restart-mode exec 2>"$work/with-panel.log" &
    panel_pid=$!
    pids+=("$panel_pid")
    panel_port=$(listening_port "$work/with-panel.log" "$panel_pid")
    curl -sf -m 10 "http://127.0.0.1:$panel_port/metrics" >/dev/null || fail "the program on Baton::Widgets does not answer"
    grep -qE 'running headless|control panel: /' "$work/with-panel.log" &&
        { cat "$work/with-panel.log" >&2; fail "the program on Baton::Widgets did not use its linked-in panel"; }
    kill -TERM "$panel_pid"
    status=0
    wait "$panel_pid" || status=$?
    forget "$panel_pid"
    ((status == 0)) || { cat "$work/with-panel.log" >&2; fail "the program on Baton::Widgets exited with status $status after SIGTERM"; }
    step "find_package(Baton COMPONENTS Widgets): the panel is linked in, shows (offscreen), and the program exits 0"
fi

echo "verify-install: ok in $((SECONDS - started)) s"
