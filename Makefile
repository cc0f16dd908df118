# Vouch — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TAURI := ui/node_modules/.bin/tauri

.PHONY: deps run app app-debug cli package demo test lint fuzz screenshots bench bench-startup bench-keyless clean

deps: ## install system packages (apt), npm packages and the peer tools
	scripts/install-deps.sh

cli: deps
	cargo build --release -p vouch-cli

app: deps ## release app at target/release/vouch-app
	$(TAURI) build --no-bundle

app-debug: deps
	$(TAURI) build --debug --no-bundle

package: deps ## Debian package (the app and the vouch CLI) at target/release/bundle/deb/
	scripts/package.sh

run: app ## build and open the Vouch window
	./target/release/vouch-app

demo: cli app ## open the window on a local registry of signed, unsigned, tampered, multi-arch, attested and keyless-signed images (profile demo)
	cargo build --release -p vouch-core --features sigstore-testing --example mint-keyless
	scripts/demo.sh

test: deps ## every test, against the real registry, Secret Service, peers and window
	tests/harness/with-env.sh scripts/run-tests.sh

# cargo-fuzz on nightly: every parser of outside data for FUZZ_SECONDS each (scripts/fuzz.sh).
FUZZ_SECONDS ?= 60
fuzz: ## fuzz every parser of outside data for FUZZ_SECONDS (default 60) each: executions and crashes per target (needs nightly)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

screenshots: deps ## put the real window in every screen, light and dark, and save docs/screenshots/*.png
	cargo build -p vouch-cli
	cargo build -p vouch-core --features sigstore-testing --example mint-keyless
	$(TAURI) build --debug --no-bundle
	tests/harness/with-env.sh env VOUCH_APP_BINARY=$(CURDIR)/target/debug/vouch-app \
	  VOUCH_CLI=$(CURDIR)/target/debug/vouch VOUCH_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots \
	  VOUCH_MINT_KEYLESS=$(CURDIR)/target/debug/examples/mint-keyless \
	  node --test --test-concurrency=1 --test-timeout=240000 tests/e2e/screens.test.mjs tests/e2e/search.test.mjs

lint: deps ## fmt, clippy -D warnings, rustdoc, cargo deny, generated IPC types up to date, TypeScript/Svelte checks and eslint
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --exclude vouch-bench-minimal-window --quiet
	scripts/check-deps.sh
	scripts/check-generated.sh
	cd ui && npm run --silent check && npm run --silent lint

# Benchmarks vs cosign and skopeo on the harness registry → BENCHMARKS.md (raw data: target/bench/).
# Quick run: make bench VOUCH_BENCH_N=100 VOUCH_BENCH_KEYS=200
# The registry access log goes to a private folder: requests are counted from it, and a
# concurrent `make test` would otherwise truncate the shared tests/artifacts/ log mid-run.
VOUCH_BENCH_N ?= 1000
VOUCH_BENCH_SAMPLE ?= 50
VOUCH_BENCH_RUNS ?= 5
VOUCH_BENCH_KEYS ?= 1000
bench: deps
	cargo build --release -p vouch-cli
	cargo build --release -p vouch-core --example seed --example sha256
	cargo build --release -p vouch-core --features sigstore-testing --example mint-keyless
	cargo bench -p vouch-core --bench verify --no-run
	$(TAURI) build --no-bundle
	cd bench/minimal-window && ../../$(TAURI) build --no-bundle
	VOUCH_TEST_ARTIFACTS=$(CURDIR)/target/bench-artifacts tests/harness/with-env.sh env VOUCH_BENCH_N=$(VOUCH_BENCH_N) VOUCH_BENCH_SAMPLE=$(VOUCH_BENCH_SAMPLE) \
	  VOUCH_BENCH_RUNS=$(VOUCH_BENCH_RUNS) VOUCH_BENCH_KEYS=$(VOUCH_BENCH_KEYS) bench/run.sh

# Row 8 of BENCHMARKS.md alone: the app's start-up and idle memory against a minimal Tauri 2
# window (bench/startup.sh), without the rest of the benchmarks.
bench-startup: deps
	cargo build --release -p vouch-cli
	$(TAURI) build --no-bundle
	cd bench/minimal-window && ../../$(TAURI) build --no-bundle
	tests/harness/with-env.sh env VOUCH_PROFILE=bench bench/startup.sh $(CURDIR)/target/bench-startup.json

# Row 9 of BENCHMARKS.md alone: keyless-signed images, vouch vs cosign with the same roots
# (bench/keyless.sh; prints the rows, leaves BENCHMARKS.md alone). Quick run:
# make bench-keyless VOUCH_BENCH_KEYLESS_N=50
VOUCH_BENCH_KEYLESS_N ?= 1000
bench-keyless: deps
	cargo build --release -p vouch-cli
	cargo build --release -p vouch-core --features sigstore-testing --example mint-keyless
	VOUCH_TEST_ARTIFACTS=$(CURDIR)/target/bench-artifacts tests/harness/with-env.sh env VOUCH_BENCH_KEYLESS_N=$(VOUCH_BENCH_KEYLESS_N) \
	  VOUCH_BENCH_SAMPLE=$(VOUCH_BENCH_SAMPLE) VOUCH_BENCH_RUNS=$(VOUCH_BENCH_RUNS) bench/keyless.sh
	python3 bench/keyless_rows.py $${CARGO_TARGET_DIR:-target}/bench

clean:
	cargo clean
	rm -rf ui/dist tests/artifacts
