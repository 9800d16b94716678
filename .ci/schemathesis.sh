#!/usr/bin/env bash
# API fuzzing: schemathesis generates requests from the served OpenAPI document (its examples,
# boundary values and random ones, a bounded number per operation) against `cloudkyc serve
# --demo` on a free loopback port, and fails on any 5xx or any answer the document does not
# describe (status, content type, body schema).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
examples="${SCHEMATHESIS_EXAMPLES:-5}"
# A fixed seed keeps CI reproducible: a failure on main is the same failure on a laptop. Explore
# other seeds by hand with SCHEMATHESIS_SEED (and more examples with SCHEMATHESIS_EXAMPLES).

if ! st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked -p cloudkyc
binary="$PWD/target/debug/cloudkyc"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$work"
# Rate limits off: the fuzzer sends far more than a client would, and a 429 would hide the
# endpoint's own answer. The vendor secret turns the signed webhook on (unsigned requests: 401).
export CLOUDKYC_SERVER__RATE_LIMIT__ENABLED=false
export CLOUDKYC_VENDOR_WEBHOOK_SECRET=schemathesis-vendor-secret
export CLOUDKYC_LOG__LEVEL=warn
"$binary" serve --demo --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; echo "FAIL: the server exited" >&2; exit 1; }
  sleep 1
done
key=$("$binary" keys create --role admin --name schemathesis | tail -n 1)

status=0
st run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 2 \
  --request-timeout 30 \
  --no-color \
  --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (warnings and errors)"
  tail -n 50 "$work/serve.log"
fi
exit "$status"
