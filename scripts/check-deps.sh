#!/usr/bin/env bash
# make lint: the dependency tree against deny.toml — licences, duplicate versions, sources, and
# (when the RustSec advisory database can be fetched) advisories.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo deny --all-features check licenses bans sources
# The advisory database is a git repository on github.com. Where it cannot be fetched (a
# machine reaching only package registries), say so in a sentence instead of failing or
# pretending: advisories are then not checked in this run.
db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if cargo deny --all-features check advisories 2>/tmp/vouch-deny-advisories.$$; then
  echo "check-deps: advisories checked against the RustSec database"
elif grep -qiE "failed to fetch|unable to fetch|could not resolve|network|connect|timed out|failed to open advisory database" /tmp/vouch-deny-advisories.$$ && [ -z "$(ls -A "$db" 2>/dev/null)" ]; then
  echo "check-deps: advisories NOT checked: the RustSec advisory database (github.com/rustsec/advisory-db) could not be fetched from here" >&2
else
  cat /tmp/vouch-deny-advisories.$$ >&2
  rm -f /tmp/vouch-deny-advisories.$$
  exit 1
fi
rm -f /tmp/vouch-deny-advisories.$$
