#!/usr/bin/env bash
# What deciding path questions with Z3 costs: `playbook check` of this
# commit against the last commit that sampled instead (BASE), as whole
# processes on one core, and how many questions reach the solver.
#
#   bash bench/solver.sh              # RUNS=5, BASE=081aed6
#   RUNS=3 bash bench/solver.sh
#
# Builds BASE once in target/bench-base (a git worktree), generates the
# inputs with examples/generate.rs (1,000 files of 12 steps, about 8 KB
# each, and one playbook of 10,000 steps), and prints a Markdown table of
# median CPU times (user + system) and their ratio, then the solver's
# figures from examples/solver_stats.rs. The figures are in
# docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
BASE=${BASE:-081aed6}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || { echo "bench/solver.sh needs /usr/bin/time (Debian package: time)" >&2; exit 2; }

cargo build --quiet --release --example generate --example solver_stats
cargo build --quiet --release
NEW=target/release/playbook
GEN=target/release/examples/generate

BASE_DIR=target/bench-base
if [ ! -d "$BASE_DIR" ]; then
  git worktree add --detach "$BASE_DIR" "$BASE" >/dev/null
fi
git -C "$BASE_DIR" checkout --quiet --detach "$BASE"
(cd "$BASE_DIR" && CARGO_TARGET_DIR=target cargo build --quiet --release)
OLD=$BASE_DIR/target/release/playbook

"$GEN" --steps 12 --files 1000 --out "$WORK/files"
"$GEN" --steps 10000 --out "$WORK/steps"

# CPU seconds (user + system) of one run on one core.
cpu() {
  taskset -c 0 /usr/bin/time -o "$WORK/time" -f '%U %S' "$@" >/dev/null 2>&1 || true
  tail -n 1 "$WORK/time" | awk '{ printf "%.3f\n", $1 + $2 }'
}

median() {
  for _ in $(seq "$RUNS"); do cpu "$@"; done | sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

# A check run REPEAT times in one process tree, so that a check shorter
# than the clock's 10 ms resolution is measured too.
LOOP='for _ in $(seq "$0"); do "$@" >/dev/null 2>&1; done; true'

row() {
  local name=$1
  shift
  local old new
  old=$(median bash -c "$LOOP" "$REPEAT" "$OLD" check --format json "$@")
  new=$(median bash -c "$LOOP" "$REPEAT" "$NEW" check --format json "$@")
  awk -v n="$name" -v o="$old" -v w="$new" -v r="$REPEAT" 'BEGIN { printf "| %s | %.4f s | %.4f s | %.2f |\n", n, o / r, w / r, (o > 0 ? w / o : 0) }'
}

printf '| input | CPU before (%s) | CPU now | ratio |\n|---|---|---|---|\n' "$BASE"
REPEAT=50 row "shipped playbooks" playbooks
REPEAT=1 row "1,000 files of 12 steps" "$WORK/files"
REPEAT=1 row "10,000 steps" "$WORK/steps"
REPEAT=20 row "valid fixtures (questions Z3 decides)" tests/fixtures/valid
echo
echo "Solver calls (examples/solver_stats.rs, one thread):"
for input in playbooks "$WORK/files" "$WORK/steps" tests/fixtures/valid; do
  printf '%s: ' "$(basename "$input")"
  target/release/examples/solver_stats "$input"
done
