# Sourced by the bench scripts: the checks and the scratch folder they all start with.

# need_binaries HINT BINARY...: exits 2 naming the first missing binary and how to build it.
need_binaries() {
  local hint=$1 b
  shift
  for b in "$@"; do
    [ -x "$b" ] || { echo "bench: $b is missing ($hint)" >&2; exit 2; }
  done
}

# scratch [LABEL]: a scratch folder in $work, removed when the script exits; say() prefixes its
# lines with LABEL.
scratch() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  bench_label=${1:-}
}

say() { echo "bench${bench_label:+ ($bench_label)}: $*" >&2; }
