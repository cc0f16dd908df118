# Vouch — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TAURI := ui/node_modules/.bin/tauri

.PHONY: deps run app app-debug cli test test-rust test-ui test-e2e lint bench clean

deps: ## install system packages (apt), npm packages and the peer tools
	scripts/install-deps.sh

cli: deps
	cargo build --release -p vouch-cli

app: deps ## release app at target/release/vouch-app
	$(TAURI) build --no-bundle

app-debug: deps
	$(TAURI) build --debug --no-bundle

run: app ## build and open the Vouch window
	./target/release/vouch-app

test: deps ## every test, against the real registry, Secret Service, peers and window
	tests/harness/with-env.sh scripts/run-tests.sh

lint: deps ## fmt, clippy -D warnings, TypeScript/Svelte checks and eslint
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cd ui && npm run --silent check && npm run --silent lint

clean:
	cargo clean
	rm -rf ui/dist tests/artifacts
