# shellcheck shell=bash
# start_registry DIR PORT LOG: CNCF distribution (Debian's docker-registry) on 127.0.0.1:PORT,
# storage under DIR/registry (delete enabled), access log written to LOG. Sets REGISTRY_PID as
# soon as it runs; returns 0 once /v2/ answers, 1 (with the log on stderr) when it does not.
# Sourced by with-env.sh and scripts/demo.sh.
start_registry() {
  local dir=$1 port=$2 log=$3
  mkdir -p "$dir/registry"
  cat > "$dir/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$dir/registry.yml" >"$log" 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "registry on 127.0.0.1:$port did not start:" >&2
  cat "$log" >&2
  return 1
}
