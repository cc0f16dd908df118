#!/usr/bin/env bash
# make fuzz: runs every cargo-fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS each (default
# 60), one after the other, and prints the executions and crashes per target. FUZZ_TARGETS
# (space-separated) runs only those. Needs the nightly toolchain; installs cargo-fuzz from
# crates.io when it is missing (make test never needs either: it replays the corpora on stable,
# crates/core/tests/fuzz_corpus.rs).
#
# What libFuzzer discovers goes to a scratch folder, never into fuzz/corpus/ (the committed seeds
# and regression inputs). A crashing input is left in fuzz/artifacts/<target>/: fix the parser,
# add a regression test, and copy the input into fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not \"$seconds\"." >&2
  exit 2
fi
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: the nightly Rust toolchain is not installed (cargo-fuzz needs it): run \`rustup toolchain install nightly\` and try again." >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz from crates.io"
  if ! cargo install --locked cargo-fuzz; then
    echo "fuzz: cargo-fuzz is not installed and could not be installed from crates.io (\`cargo install cargo-fuzz\`)." >&2
    exit 1
  fi
fi

# Runs from the repository root: cargo-fuzz finds fuzz/ there, and builds into fuzz/target/.
unset CARGO_TARGET_DIR
targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
for t in $targets; do cargo +nightly fuzz build "$t"; done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
summary=()
failed=0
for t in $targets; do
  mkdir -p "$scratch/$t" "fuzz/artifacts/$t"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  log="$scratch/$t.log"
  echo "fuzz: $t for ${seconds}s"
  status=0
  cargo +nightly fuzz run "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(( $(find "fuzz/artifacts/$t" -type f | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # Not a finding libFuzzer saved (a build or harness failure): show why.
    tail -20 "$log" >&2
    crashes="? (exit $status)"
  fi
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -m1 -E 'panicked at|ERROR: libFuzzer' "$log" >&2 || true
  fi
  summary+=("$(printf '%-18s %14s %10s' "$t" "${execs:-?}" "$crashes")")
done

printf '\n%-18s %14s %10s\n' target executions crashes
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: at least one target crashed; the inputs are in fuzz/artifacts/<target>/." >&2
  exit 1
fi
