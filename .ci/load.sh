#!/usr/bin/env bash
# Load test (issue 9): real `cloudkyc serve` processes on loopback under the harness in
# crates/cli/examples/load (onboarding, screening, usage ingestion), in three setups: SQLite with
# one instance, PostgreSQL with one instance, PostgreSQL with three (requests round-robin over
# them). Prints one table per setup: throughput and latency percentiles per endpoint. Fails when
# any request got a 5xx, a 4xx or no answer, or an instance died.
#
#   LOAD_PROFILE       debug (default, CI) or release (the README's figures)
#   LOAD_REQUESTS      requests per endpoint and setup (default 300)
#   LOAD_CONCURRENCY   requests in flight (default 16)
#   LOAD_SECONDS       time limit of each endpoint's phase (default 60)
#   LOAD_USAGE_BATCH   usage records per request (default 10)
#   LOAD_SETUPS        any of "sqlite postgres-1 postgres-3" (default all three)
#   LOAD_POSTGRES_URL  a server and a user allowed to create databases, as a URL ending in a
#                      database name (default CLOUDKYC_TEST_POSTGRES_URL, else the local server
#                      as the postgres user). Each PostgreSQL setup gets a fresh database with a
#                      unique name, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${LOAD_PROFILE:-debug}"
case "$profile" in
  debug) build_flags=() ;;
  release) build_flags=(--release) ;;
  *) echo "LOAD_PROFILE must be debug or release, not $profile" >&2; exit 2 ;;
esac
requests="${LOAD_REQUESTS:-300}"
concurrency="${LOAD_CONCURRENCY:-16}"
seconds="${LOAD_SECONDS:-60}"
usage_batch="${LOAD_USAGE_BATCH:-10}"
setups="${LOAD_SETUPS:-sqlite postgres-1 postgres-3}"
pg_url="${LOAD_POSTGRES_URL:-${CLOUDKYC_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"

cargo build --locked "${build_flags[@]}" -p cloudkyc --bin cloudkyc --example load
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
binary="$target_dir/$profile/cloudkyc"
harness="$target_dir/$profile/examples/load"

# Every process of the run shares one fresh master key; nothing from the caller's configuration
# (a cloudkyc.toml, a rule pack, a log filter) changes what is measured. Rate limits are off: they
# would answer 429 to the harness long before the server is busy.
CLOUDKYC_MASTER_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export CLOUDKYC_MASTER_KEY
unset CLOUDKYC_CONFIG CLOUDKYC_POLICY CLOUDKYC_LOG CLOUDKYC_MASTER_KEY_FILE \
  CLOUDKYC_DATABASE_URL CLOUDKYC_DATABASE_URL_FILE CLOUDKYC_JETSTREAM__ENABLED
export CLOUDKYC_SERVER__RATE_LIMIT__ENABLED=false
export CLOUDKYC_LOG__LEVEL=warn

work=$(mktemp -d)
pids=()
bases=()
databases=()

stop_instances() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  bases=()
}

cleanup() {
  stop_instances
  local db
  for db in "${databases[@]}"; do
    psql -q -X "$pg_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null ||
      echo "could not drop the database $db" >&2
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# `cloudkyc ARGS` in a setup's directory, on its database.
cli() {
  local dir=$1 url=$2
  shift 2
  (cd "$dir" && CLOUDKYC_DATABASE_URL="$url" "$binary" "$@")
}

# Starts `cloudkyc serve` on a free loopback port and waits until it is ready (database answers,
# lists loaded).
start_instance() {
  local dir=$1 url=$2 name=$3 port base pid
  port=$(free_port)
  base="http://127.0.0.1:$port"
  (cd "$dir" && exec env CLOUDKYC_DATABASE_URL="$url" "$binary" serve --listen "127.0.0.1:$port" \
    </dev/null >/dev/null 2>"$dir/$name.log") &
  pid=$!
  pids+=("$pid")
  bases+=("$base")
  for _ in $(seq 1 600); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$dir/$name.log" >&2
      echo "FAIL: $name exited before it was ready" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "FAIL: $name was not ready after 120 s" >&2
  return 1
}

# One setup: migrate, create an integration key, start the instances, run the harness, check that
# every instance survived, stop them.
run_setup() {
  local label=$1 url=$2 instances=$3 slug=$4 status=0 i pid
  local dir="$work/$slug"
  mkdir -p "$dir"
  cli "$dir" "$url" migrate >"$dir/migrate.log" 2>&1 || { cat "$dir/migrate.log" >&2; return 1; }
  # Called in an `||` list, so `set -e` does not apply here: every step checks its own status.
  local key
  key=$(cli "$dir" "$url" keys create --role integration --name load-test 2>"$dir/keys.log" |
    tail -n 1) || { cat "$dir/keys.log" >&2; return 1; }
  [ -n "$key" ] || { echo "FAIL: $label: no API key was printed" >&2; return 1; }
  for i in $(seq 1 "$instances"); do
    start_instance "$dir" "$url" "instance-$i" || { stop_instances; return 1; }
  done
  local url_args=()
  for base in "${bases[@]}"; do
    url_args+=(--url "$base")
  done
  CLOUDKYC_LOAD_KEY="$key" "$harness" --label "$label" "${url_args[@]}" \
    --requests "$requests" --concurrency "$concurrency" --seconds "$seconds" \
    --usage-batch "$usage_batch" || status=1
  i=0
  for pid in "${pids[@]}"; do
    i=$((i + 1))
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$dir/instance-$i.log" >&2
      echo "FAIL: $label: instance-$i died during the run" >&2
      status=1
    fi
  done
  stop_instances
  if [ "$status" -ne 0 ]; then
    for log in "$dir"/instance-*.log; do
      echo "== $label: last lines of $(basename "$log")" >&2
      tail -n 20 "$log" >&2
    done
  fi
  return "$status"
}

# A fresh PostgreSQL database with a unique name, remembered for the cleanup; its URL goes to
# created_url.
new_postgres_database() {
  local name base query=""
  name="cloudkyc_load_$(date +%s)_$$_$RANDOM"
  psql -q -X -v ON_ERROR_STOP=1 "$pg_url" -c "CREATE DATABASE $name" >/dev/null || return 1
  databases+=("$name")
  base="${pg_url%%\?*}"
  [[ "$pg_url" == *\?* ]] && query="?${pg_url#*\?}"
  created_url="${base%/*}/$name$query"
}

echo "load test: $profile build, $requests requests per endpoint, $concurrency in flight, \
$seconds s per endpoint at most, $usage_batch usage records per request"
failed=0
for setup in $setups; do
  case "$setup" in
    sqlite)
      mkdir -p "$work/sqlite-db"
      run_setup "SQLite, 1 instance" "sqlite://$work/sqlite-db/cloudkyc.db" 1 sqlite || failed=1
      ;;
    postgres-1 | postgres-3)
      command -v psql >/dev/null || { echo "FAIL: psql is needed for $setup" >&2; failed=1; continue; }
      new_postgres_database || { echo "FAIL: cannot create a database on $pg_url" >&2; failed=1; continue; }
      count="${setup#postgres-}"
      label="PostgreSQL, 1 instance"
      [ "$count" -gt 1 ] && label="PostgreSQL, $count instances (round-robin)"
      run_setup "$label" "$created_url" "$count" "$setup" || failed=1
      ;;
    *) echo "unknown setup $setup (sqlite, postgres-1, postgres-3)" >&2; failed=1 ;;
  esac
done

if [ "$failed" -ne 0 ]; then
  echo "FAIL: load test" >&2
  exit 1
fi
echo "load test: every request answered without a server or transport error"
