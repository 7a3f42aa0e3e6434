#!/usr/bin/env bash
# Searches for the inputs that take the most time per byte to compile.
#
#   bash bench/slowest.sh               # 4 seeds, 60 s of search each
#   SEEDS="1 2" SECONDS_EACH=20 bash bench/slowest.sh
#   TEST=importing bash bench/slowest.sh   # the import (TEST=loading: run state)
#
# Runs the randomised test (tests/it/randomised.rs) with other seeds, many
# more cases and a longer budget, keeping the five slowest inputs per byte
# of each run, then times every candidate again in-process, median of 9
# (examples/time_per_byte.rs), and prints a table, slowest first. The worst
# are kept as regression cases in tests/fixtures/slow/ (docs/hostile.md).
# PROFILE=release for figures; the default dev profile is what the test
# suite uses.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2 3 4"}
SECONDS_EACH=${SECONDS_EACH:-60}
PROFILE=${PROFILE:-dev}
TEST=${TEST:-compiling}
OUT=${OUT:-$(mktemp -d)}
echo "candidates in $OUT" >&2
for seed in $SEEDS; do
  PLAYBOOK_RANDOMISED_SEED=$seed \
  PLAYBOOK_RANDOMISED_CASES=1000000 \
  PLAYBOOK_RANDOMISED_SECONDS=$SECONDS_EACH \
  PLAYBOOK_SLOWEST_DIR="$OUT/seed-$seed" \
    cargo test --quiet --profile "$PROFILE" --test it "randomised::$TEST" -- --nocapture 2>&1 \
    | grep -E 'cases in|slow input' >&2
done
# The candidates of the import and the run state are kept in $OUT as found
# (tests/it/hostile_findings.rs times the worst); compile's are timed again.
if [ "$TEST" = compiling ]; then
  cargo run --quiet --profile "$PROFILE" --example time_per_byte -- --runs 9 "$OUT"/seed-*/*.playbook
fi
