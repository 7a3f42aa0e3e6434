#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs anything the tests need beyond the Rust toolchain, then tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Node packages that validate SARIF output (tests/it/formats.rs) and
# the JSON and Mermaid exports (tests/it/export.rs).
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
# Graphviz, which renders the DOT exports (tests/it/export.rs).
if ! command -v dot >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends graphviz >/dev/null
fi
cargo test --locked --all-targets
