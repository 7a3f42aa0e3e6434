#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
# Installs anything the tests need beyond the Rust toolchain, then tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Node packages that validate SARIF output (tests/it/formats.rs).
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
# Headless Chromium and playwright-core for the HTML export's browser test
# (tests/it/export_browser.rs): Debian's chromium, unless PLAYBOOK_CHROMIUM
# names another executable.
if [ -z "${PLAYBOOK_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends chromium
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
cargo test --locked --all-targets
