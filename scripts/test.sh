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
# SpiffWorkflow, which runs the `spiffworkflow` BPMN exports
# (tests/it/bpmn.rs, through tests/python/run_spiff.py), in a virtual
# environment of its own: created once, then kept to the pinned versions.
if [ ! -x tests/python/.venv/bin/python ]; then
  python3 -m venv tests/python/.venv
fi
tests/python/.venv/bin/python -m pip install --quiet --disable-pip-version-check \
  -r tests/python/requirements.txt
# The VS Code extension's grammar tests and packer (tests/it/vscode.rs).
npm ci --prefix editors/vscode --no-audit --no-fund --loglevel=error
cargo test --locked --all-targets
# The scaling guard: every benchmarked command at two sizes, on the debug
# build the tests just made; fails when one grows faster than size^1.2
# (docs/performance.md, "The scaling guard").
bash bench/guard.sh
