# The two commands a new user needs: `make run` and `make test`.
# Both install missing Debian packages first (scripts/install-deps), then configure and build.
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: run test test-asan test-tsan build release dev asan deps bench bench-restart bench-static fuzz format clean

deps:
	@scripts/install-deps

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

dev: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

build: dev

run: release
	./build/release/app/baton $(ARGS)

test: dev
	ctest --preset dev

test-asan: asan
	ctest --preset asan

bench: release
	@scripts/install-deps --bench
	bench/run-throughput.sh

# Restarts under wrk and under pooled keep-alive clients, beside grace and nginx.
bench-restart: release
	@scripts/install-deps --bench
	bench/restart-under-load.sh
	bench/pooled-restart.sh

# Static files (small, medium and large) beside nginx serving the same directory.
bench-static: release
	@scripts/install-deps --bench
	bench/static-files.sh

# libFuzzer harnesses under clang, FUZZ_SECONDS (default 60) each; fuzz/run.sh NAME... runs a few.
fuzz:
	@FUZZ_JOBS=$(JOBS) fuzz/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build
