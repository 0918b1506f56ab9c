# Folio: a thin layer over CMake presets. See README.md.
#   make run     install what is missing, build, create the demo database if there is none, with
#                the code sets of ../shared (DEMO=1 to add them to an existing one), start Folio
#                at http://127.0.0.1:8080/ (SERVE_OPTS: more `folio serve` options)
#   make test    the whole suite: dev build (warnings as errors), then every test under ASan+UBSan,
#                once on SQLite and once on a throwaway PostgreSQL 15 cluster
#   make bench   benchmarks under bench/ (release build); they print their figures
#   make fuzz    libFuzzer targets (clang), each run for FUZZ_SECONDS
SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
FOLIO_DB ?= sqlite:var/folio.db
LISTEN ?= 127.0.0.1:8080
# the demo's stays are from years no MS-DRG version in ../shared covers: group them with the
# newest one, labelled (docs/drg.md "In the product"); add --table5 FILE --base-rate DOLLARS
# for weights and payments
SERVE_OPTS ?= --drg-fallback
CTEST_ARGS ?=

.PHONY: all deps build build-asan run test test-sqlite test-pg bench fuzz clean format

all: build

deps:
	@bash scripts/deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

run: build
	@mkdir -p var
	@if [ "$(FOLIO_DB)" = "sqlite:var/folio.db" ] && [ ! -f var/folio.db ] || [ "$(DEMO)" = 1 ]; then \
	  echo "creating the demo database ($(FOLIO_DB)) ..."; \
	  ./build/release/folio --db "$(FOLIO_DB)" --quiet demo --codes; \
	fi
	@echo
	@echo "Demo sign-ins (password for all: demo-password):"
	@echo "  him.tech chart.analyst coder coding.auditor roi privacy registrar clinician analyst admin"
	@echo "Stop with Ctrl-C."
	@echo
	./build/release/folio --db "$(FOLIO_DB)" serve --listen $(LISTEN) $(SERVE_OPTS)

build-asan: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

test: build-asan
	@bash scripts/run-tests.sh $(CTEST_ARGS)

test-sqlite: build-asan
	@bash scripts/run-tests.sh --only sqlite $(CTEST_ARGS)

test-pg: build-asan
	@bash scripts/run-tests.sh --only pg $(CTEST_ARGS)

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	@bash scripts/run-bench.sh build/release

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@bash scripts/run-fuzz.sh build/fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
