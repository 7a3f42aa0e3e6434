#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs anything the tests need beyond the Rust toolchain, then tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages the export tests drive: Chromium for the HTML export's
# browser test (tests/it/export_browser.rs; PLAYBOOK_CHROMIUM may name
# another executable) and Graphviz, which renders the DOT exports
# (tests/it/export.rs).
missing=()
if [ -z "${PLAYBOOK_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if ! command -v dot >/dev/null; then missing+=(graphviz); fi
# /usr/bin/time measures the hostile inputs (tests/it/hostile_bounds.rs).
if [ ! -x /usr/bin/time ]; then missing+=(time); fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Node packages that validate SARIF output (tests/it/formats.rs) and
# the JSON and Mermaid exports (tests/it/export.rs), that validate and run
# BPMN exports (tests/it/bpmn.rs), and playwright-core, which drives
# Chromium (tests/browser).
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
cargo test --locked --all-targets
