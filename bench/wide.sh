#!/usr/bin/env bash
# Measures `playbook check` on one construct repeated: an enum of N values
# as a `set of` input, a `match` of N enum values, a `match` of N range
# conditions, and a translation catalogue of N keys the playbook does not
# have (examples/generate.rs --wide). Whole process on one core.
#
#   bash bench/wide.sh                         # N = 4,000 and 40,000, RUNS=3
#   SIZES="1000 10000" RUNS=1 bash bench/wide.sh
#   SHAPES="enum-set enum-match" bash bench/wide.sh
#
# Prints a Markdown table of CPU time and peak memory, and the scaling
# exponent from the smallest to the largest N. The figures are in
# docs/performance.md; with MAX_EXPONENT set, exits 1 when an exponent is
# over it (bench/guard.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-4000 40000}
SHAPES=${SHAPES:-enum-set enum-match range-match catalogue}
# shellcheck source=bench/lib.sh
source bench/lib.sh
binaries

set -- $SIZES
first=$1; last=${!#}
printf '| construct | N | source | CPU | peak memory |\n|---|---|---|---|---|\n'
EXPONENTS=""
for shape in $SHAPES; do
  declare -A CPU=()
  for n in $SIZES; do
    dir="$WORK/$shape-$n"
    "$GEN" --wide "$shape" --size "$n" --out "$dir"
    printf 'max-file-size-mib = 128\n' > "$dir/Playbook.toml"
    size=$(cat "$dir"/wide.* | wc -c)
    r=$(median "$BIN" check --format json "$dir/wide.playbook")
    if [ "$r" = timeout ]; then
      printf '| %s | %s | %s KB | > %s s | |\n' "$shape" "$n" "$((size / 1024))" "$LIMIT"
      CPU[$n]=$LIMIT
      continue
    fi
    read -r _ c k <<<"$r"
    CPU[$n]=$c
    printf '| %s | %s | %s KB | %s s | %s MB |\n' "$shape" "$n" "$((size / 1024))" "$c" "$((k / 1024))"
  done
  e=$(exponent "$first" "${CPU[$first]}" "$last" "${CPU[$last]}")
  judge "check of $shape" "$e"
  EXPONENTS+="| $shape | $e |"$'\n'
done
printf '\nScaling exponent (CPU time) from %s to %s:\n\n| construct | exponent |\n|---|---|\n%s' "$first" "$last" "$EXPONENTS"
verdict
