#!/usr/bin/env bash
# Side by side, in one run on one machine, whole processes on one core:
# `playbook check`, `playbook export --to bpmn`, `bpmnlint` (recommended
# rules) on that BPMN export of the same process, and the parse stage alone
# (`examples/parse_only.rs`), on generated playbooks of 1k, 10k and 100k
# steps.
#
#   bash bench/side-by-side.sh                 # RUNS=3 by default
#   RUNS=5 SIZES="1000 10000" bash bench/side-by-side.sh
#
# Prints a Markdown table of median wall time, CPU time (user + system) and
# peak memory, the ratios the targets of docs/performance.md are about, and
# the scaling exponent of `playbook check`. bpmnlint comes from tests/node
# (`npm ci --prefix tests/node`); a run over LIMIT seconds (default 600) is
# reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000 10000 100000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
[ -x tests/node/node_modules/.bin/bpmnlint ] || npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
cargo build --quiet --release --example generate --example parse_only
cargo build --quiet --release
BIN=$PWD/target/release/playbook
PARSE=$PWD/target/release/examples/parse_only
GEN=$PWD/target/release/examples/generate
LINT=$PWD/tests/node/node_modules/.bin/bpmnlint

cell() { if [ "$1" = timeout ]; then echo "> ${LIMIT} s | | "; else awk -v w="$1" -v c="$2" -v k="$3" 'BEGIN { printf "%s s | %s s | %d MB", w, c, k / 1024 }'; fi; }

# The linter's configuration: bpmnlint's recommended rules.
printf '{ "extends": "bpmnlint:recommended" }\n' > "$WORK/.bpmnlintrc"

printf '| steps | source | tool | median wall | CPU | peak memory |\n|---|---|---|---|---|---|\n'
declare -A CHECK PARSE_T LINT_T SRC MEM
for n in $SIZES; do
  dir="$WORK/steps-$n"
  "$GEN" --steps "$n" --out "$dir" >/dev/null
  printf 'max-file-size-mib = 128\n' > "$dir/Playbook.toml"
  file=$(ls "$dir"/*.playbook)
  SRC[$n]=$(stat -c %s "$file")
  kb_src=$(( SRC[$n] / 1024 ))
  read -r w c k < <(median "$BIN" check --format json "$dir")
  CHECK[$n]=$c; MEM[$n]=$k
  printf '| %s | %s KB | `playbook check` | %s |\n' "$n" "$kb_src" "$(cell "$w" "$c" "$k")"
  read -r w c k < <(median "$PARSE" "$file")
  PARSE_T[$n]=$c
  printf '| %s | %s KB | parse only | %s |\n' "$n" "$kb_src" "$(cell "$w" "$c" "$k")"
  r=$(median "$BIN" export "$file" --to bpmn -o "$dir/process.bpmn")
  read -r w c k <<<"$r $r"
  printf '| %s | %s KB | `playbook export --to bpmn` | %s |\n' "$n" "$kb_src" "$(cell $r)"
  r=$(median "$LINT" "$dir/process.bpmn")
  LINT_T[$n]=${r%% *}
  if [ "$r" != timeout ]; then LINT_T[$n]=$(echo "$r" | awk '{ print $2 }'); fi
  printf '| %s | %s KB (BPMN %s KB) | `bpmnlint` | %s |\n' "$n" "$kb_src" "$(( $(stat -c %s "$dir/process.bpmn") / 1024 ))" "$(cell $r)"
done

printf '\nRatios (CPU time):\n\n| steps | bpmnlint / check | check / parse only | check peak memory / source |\n|---|---|---|---|\n'
for n in $SIZES; do
  lint=${LINT_T[$n]}
  if [ "$lint" = timeout ]; then ratio="> $(awk -v l="$LIMIT" -v c="${CHECK[$n]}" 'BEGIN { printf "%.0f", l / c }')"; else ratio=$(awk -v l="$lint" -v c="${CHECK[$n]}" 'BEGIN { printf "%.1f", l / c }'); fi
  printf '| %s | %s | %s | %s |\n' "$n" "$ratio" \
    "$(awk -v c="${CHECK[$n]}" -v p="${PARSE_T[$n]}" 'BEGIN { printf "%.2f", c / p }')" \
    "$(awk -v k="${MEM[$n]}" -v s="${SRC[$n]}" 'BEGIN { printf "%.1f", k * 1024 / s }')"
done
set -- $SIZES
first=$1; last=${!#}
printf "\nscaling exponent of playbook check (CPU time) from %s to %s steps: %s\n" "$first" "$last" "$(exponent "$first" "${CHECK[$first]}" "$last" "${CHECK[$last]}")"
