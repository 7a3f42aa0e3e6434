#!/usr/bin/env bash
# Measures `playbook check` on generated playbooks, whole process, on one core.
#
#   bash bench/check.sh            # all sizes, 5 runs each
#   RUNS=3 bash bench/check.sh     # fewer runs
#
# Prints a Markdown table: median wall time and peak memory (from
# `/usr/bin/time -v`) for 1,000 files of about 8 KB, and for single playbooks
# of 1k, 10k and 100k steps, then the scaling exponent from 1k to 100k steps.
# The playbooks come from `examples/generate.rs`; the figures are in
# docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

cargo build --quiet --release --example generate
cargo build --quiet --release
BIN=target/release/playbook
GEN=target/release/examples/generate
[ -x /usr/bin/time ] || { echo "bench/check.sh needs /usr/bin/time (Debian package: time)" >&2; exit 2; }

"$GEN" --steps 12 --files 1000 --out "$WORK/files"
for n in 1000 10000 100000; do
  "$GEN" --steps "$n" --out "$WORK/steps-$n"
done
# 100k steps make a 64 MB file: raise the 16 MiB default for that folder.
printf 'max-file-size-mib = 128\n' > "$WORK/steps-100000/Playbook.toml"

# One measurement: prints "wall-seconds cpu-seconds kilobytes". CPU time
# (user + system) equals wall time on an idle machine; on a shared one it is
# the figure that other processes do not inflate.
measure() {
  local out
  # JSON output goes to stdout (discarded); stderr holds only the report of
  # /usr/bin/time.
  out=$( (taskset -c 0 /usr/bin/time -v "$BIN" check --format json "$@" >/dev/null) 2>&1 )
  local wall user sys kb
  wall=$(printf '%s\n' "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {print $2}')
  user=$(printf '%s\n' "$out" | awk -F': ' '/User time/ {print $2}')
  sys=$(printf '%s\n' "$out" | awk -F': ' '/System time/ {print $2}')
  kb=$(printf '%s\n' "$out" | awk -F': ' '/Maximum resident set size/ {print $2}')
  # h:mm:ss or m:ss.cc to seconds.
  awk -v t="$wall" -v u="$user" -v y="$sys" -v kb="$kb" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f %.3f %d\n", s, u + y, kb }'
}

# Median of RUNS measurements (by wall time): prints "wall cpu kilobytes".
median() {
  for _ in $(seq "$RUNS"); do measure "$@"; done | sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

size() { du -sk --apparent-size "$1" | cut -f1; }

printf '| input | size | median wall time | its CPU time | peak memory |\n|---|---|---|---|---|\n'
read -r t c kb < <(median "$WORK/files")
printf '| 1,000 files of 12 steps | %s KB | %s s | %s s | %s MB |\n' "$(size "$WORK/files")" "$t" "$c" "$((kb / 1024))"
declare -A TIMES
for n in 1000 10000 100000; do
  read -r t c kb < <(median "$WORK/steps-$n")
  TIMES[$n]=$t
  printf '| %s steps | %s KB | %s s | %s s | %s MB |\n' "$n" "$(size "$WORK/steps-$n")" "$t" "$c" "$((kb / 1024))"
done
awk -v a="${TIMES[1000]}" -v b="${TIMES[100000]}" 'BEGIN { printf "\nscaling exponent from 1k to 100k steps: %.2f (time grows as steps^exponent)\n", log(b / a) / log(100) }'
