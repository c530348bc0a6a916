# The two commands a new user needs: `make run` and `make test`; `make help` lists the rest.
# Targets that build install missing Debian packages first (scripts/install-deps).
JOBS ?= $(shell nproc)
ARGS ?=
# make install: where to (PREFIX), and a staging root in front of it (DESTDIR), as with autotools.
PREFIX ?= /usr/local
DESTDIR ?=
# What running, installing and packaging need: the server and the panel module it loads, and
# the panel as a static library (Baton::Widgets, for the baton-dev package); none of the test
# executables.
APP_TARGETS := baton baton-panel baton_widgets

.DEFAULT_GOAL := help
.PHONY: help run test test-asan test-tsan build release dev asan app deps install package bench bench-restart bench-static fuzz format clean

help: ## this list
	@awk -F':[^#]*## ' '/^[a-z-]+:[^#]*## /{printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install the Debian packages the build and tests need (only those missing)
	@scripts/install-deps

run: app ## build the server and panel (Release) and start build/release/app/baton with ARGS
	./build/release/app/baton $(ARGS)

test: dev ## build everything (Debug) and run every test (unit, integration, gui)
	ctest --preset dev

test-asan: asan ## the same under AddressSanitizer + UndefinedBehaviorSanitizer
	ctest --preset asan

app: deps ## build only baton, its panel module and the libraries, Release, in build/release
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target $(APP_TARGETS)

release: deps ## build everything, tests included, Release, in build/release
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

dev: deps ## build everything, Debug, warnings are errors, in build/dev
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

asan: deps ## build everything with ASan + UBSan, in build/asan
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

build: dev ## same as dev

install: app ## install the Release build (and the library: headers, CMake package) under PREFIX, staged under DESTDIR if set
	DESTDIR="$(DESTDIR)" cmake --install build/release --prefix "$(PREFIX)"

package: app ## Debian packages baton, baton-gui and baton-dev from the Release build, into build/release/packages
	cd build/release && cpack -G DEB -B packages

bench: release ## throughput beside nginx, Go and QHttpServer
	@scripts/install-deps --bench
	bench/run-throughput.sh

bench-restart: release ## restarts under wrk and under pooled keep-alive clients, beside grace and nginx
	@scripts/install-deps --bench
	bench/restart-under-load.sh
	bench/pooled-restart.sh

bench-static: release ## static files (small, medium and large) beside nginx serving the same directory
	@scripts/install-deps --bench
	bench/static-files.sh

fuzz: ## libFuzzer harnesses under clang, FUZZ_SECONDS (default 60) each; fuzz/run.sh NAME... runs a few
	@FUZZ_JOBS=$(JOBS) fuzz/run.sh

format: ## clang-format every C++ file
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean: ## remove every build directory
	rm -rf build
