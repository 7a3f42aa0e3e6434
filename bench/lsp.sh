#!/usr/bin/env bash
# Measures `playbook lsp` on generated playbooks, over standard input and
# output, as an editor drives it.
#
#   bash bench/lsp.sh                 # 1k, 10k and 100k steps, 5 runs each
#   RUNS=3 SIZES="1000 10000" bash bench/lsp.sh
#   BIN=/path/to/other/playbook bash bench/lsp.sh   # another build, to compare
#   PROFILE=dev bash bench/lsp.sh     # a debug build (slower; not the figures)
#
# Each run is one session of `examples/lsp_drive.rs`: open the playbook
# until its diagnostics, hover and definition on a use of the role
# `manager` (used about 1.1 times a step), references to it and a rename of
# it, the document's symbols, a one-character edit until its diagnostics,
# a hover sent right after a change, and a change leaving every use of the
# role unknown until those diagnostics are published. Times after a change
# leave out the 200 ms debounce. Prints a Markdown table of medians in
# milliseconds, then the scaling exponent of each from 1k to the largest
# size. The figures are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SIZES=${SIZES:-"1000 10000 100000"}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

PROFILE=${PROFILE:-release}
DIR=$PROFILE
[ "$PROFILE" = dev ] && DIR=debug
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --quiet --profile "$PROFILE" --example generate --example lsp_drive
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --profile "$PROFILE" --bin playbook
  BIN=$TARGET/$DIR/playbook
fi
GEN=$TARGET/$DIR/examples/generate
DRIVE=$TARGET/$DIR/examples/lsp_drive

OPS="open hover definition references rename symbols edit hover-after-edit many-diagnostics"
declare -A MEDIAN
for n in $SIZES; do
  "$GEN" --steps "$n" --out "$WORK/steps-$n"
  # 100k steps make a 64 MB file: raise the 16 MiB default for that folder.
  printf 'max-file-size-mib = 128\n' > "$WORK/steps-$n/Playbook.toml"
  for _ in $(seq "$RUNS"); do
    "$DRIVE" "$BIN" "$WORK/steps-$n/generated-$n.playbook" 2>>"$WORK/counts-$n"
  done > "$WORK/times-$n"
  for op in $OPS; do
    MEDIAN[$n,$op]=$(awk -v op="$op" '$1 == op { print $2 }' "$WORK/times-$n" | sort -n |
      awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
  done
  echo "$n steps: $(sort -u "$WORK/counts-$n" | tr '\n' ' ')" >&2
done

printf '| exchange (ms, median of %s) |' "$RUNS"
for n in $SIZES; do printf ' %s steps |' "$n"; done
printf ' exponent |\n|---|'
for _ in $SIZES; do printf -- '---|'; done
printf -- '---|\n'
first=${SIZES%% *}
last=${SIZES##* }
for op in $OPS; do
  printf '| %s |' "$op"
  for n in $SIZES; do printf ' %s |' "${MEDIAN[$n,$op]}"; done
  awk -v a="${MEDIAN[$first,$op]}" -v b="${MEDIAN[$last,$op]}" -v fa="$first" -v fb="$last" \
    'BEGIN { if (a > 0 && b > 0 && fb > fa) printf " %.2f |\n", log(b / a) / log(fb / fa); else print " |" }'
done
