#!/usr/bin/env bash
# Bounded fuzz runs of every parser (lists, MRZ, usage records, reservations, rule packs): the
# `cloudkyc-fuzz` mutation loop, FUZZ_SECONDS per target (default 15), failing on any panic.
# A different seed per run explores different inputs; a failure prints the seed and saves the
# input for `--replay`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-15}"
seed="${FUZZ_SEED:-$(date +%s)}"
# The dev profile keeps overflow checks and debug assertions on: more panics to find.
cargo build --locked -p cloudkyc-fuzz
./target/debug/cloudkyc-fuzz all --seconds "$seconds" --seed "$seed"
