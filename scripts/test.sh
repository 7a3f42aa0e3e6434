#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs anything the tests need beyond the Rust toolchain, then tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Node packages that validate SARIF output (tests/it/formats.rs) and
# validate and run BPMN exports (tests/it/bpmn.rs).
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
cargo test --locked --all-targets
