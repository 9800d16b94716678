#!/usr/bin/env bash
# Bounded fuzz runs of every parser (lists, MRZ, usage records, reservations, rule packs): the
# `cloudkyc-fuzz` mutation loop, FUZZ_SECONDS per target (default 15), failing on any panic.
# The seed comes from the commit: each commit explores different inputs, and a rerun of the same
# commit starts from the same ones. A failure prints the seed and saves the input for `--replay`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-15}"
commit=$(git rev-parse --short=8 HEAD 2>/dev/null || date +%s)
seed="${FUZZ_SEED:-$((16#${commit:0:8}))}"
# The dev profile keeps overflow checks and debug assertions on: more panics to find.
cargo build --locked -p cloudkyc-fuzz
./target/debug/cloudkyc-fuzz all --seconds "$seconds" --seed "$seed"
