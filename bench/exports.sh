#!/usr/bin/env bash
# Every export format, in one run on one machine, whole processes on one
# core: `playbook check` and `playbook export FILE --to X` for markdown,
# html, json, dot, mermaid, and bpmn for each `--target`, on generated
# playbooks of 1k, 10k and 100k steps.
#
#   bash bench/exports.sh                      # RUNS=3 by default
#   RUNS=1 SIZES="1000 10000" bash bench/exports.sh
#   BIN=/tmp/playbook-before GEN=/tmp/generate bash bench/exports.sh
#
# Prints a Markdown table of CPU time (user + system), peak memory, the CPU
# time an export adds over `playbook check` of the same file, the size of
# the output, and the scaling exponent of each export from the first to the
# last size (of its CPU time, and of its time over check). The target of
# docs/performance.md is an exponent of at most 1.1. A run over LIMIT
# seconds (default 600) is reported as such. With MAX_EXPONENT set, exits 1
# when the exponent of a command's CPU time is over it (bench/guard.sh),
# except for the exports named in UNGUARDED, which are only reported.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000 10000 100000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
# BIN and GEN name other builds to measure (a binary from before a change)
# without building.
binaries

# The exports measured: a name, then the arguments after `export FILE`.
EXPORTS=(
  "markdown|--to markdown"
  "html|--to html"
  "json|--to json"
  "dot|--to dot"
  "mermaid|--to mermaid"
  "bpmn (bpmn-engine)|--to bpmn --target bpmn-engine"
  "bpmn (camunda8)|--to bpmn --target camunda8"
  "bpmn (spiffworkflow)|--to bpmn --target spiffworkflow"
)

declare -A CPU OVER
printf '| steps | command | CPU | peak memory | over check | output |\n|---|---|---|---|---|---|\n'
for n in $SIZES; do
  dir="$WORK/steps-$n"
  "$GEN" --steps "$n" --out "$dir" >/dev/null
  printf 'max-file-size-mib = 128\n' > "$dir/Playbook.toml"
  file=$(ls "$dir"/*.playbook)
  read -r _ check k < <(median "$BIN" check "$file")
  CPU[check,$n]=$check
  printf '| %s | `playbook check` | %s s | %d MB | | %d KB source |\n' "$n" "$check" $((k / 1024)) $(($(stat -c %s "$file") / 1024))
  for e in "${EXPORTS[@]}"; do
    name=${e%%|*}
    # shellcheck disable=SC2206
    args=(${e#*|})
    r=$(median "$BIN" export "$file" "${args[@]}" -o "$dir/out")
    if [ "$r" = timeout ]; then
      CPU[$name,$n]=$LIMIT; OVER[$name,$n]=$LIMIT
      printf '| %s | %s | > %s s | | | |\n' "$n" "$name" "$LIMIT"
      continue
    fi
    read -r _ c k <<<"$r"
    over=$(awk -v c="$c" -v k="$check" 'BEGIN { d = c - k; if (d < 0.001) d = 0.001; printf "%.3f", d }')
    CPU[$name,$n]=$c; OVER[$name,$n]=$over
    printf '| %s | %s | %s s | %d MB | %s s | %d KB |\n' "$n" "$name" "$c" $((k / 1024)) "$over" $(($(stat -c %s "$dir/out") / 1024))
  done
  rm -rf "$dir"
done

set -- $SIZES
first=$1; last=${!#}
printf '\nScaling exponents from %s to %s steps (1.0 is linear):\n\n| command | CPU | over check |\n|---|---|---|\n' "$first" "$last"
e=$(exponent "$first" "${CPU[check,$first]}" "$last" "${CPU[check,$last]}")
judge "playbook check" "$e"
printf '| `playbook check` | %s | |\n' "$e"
for x in "${EXPORTS[@]}"; do
  name=${x%%|*}
  e=$(exponent "$first" "${CPU[$name,$first]}" "$last" "${CPU[$name,$last]}")
  case " ${UNGUARDED:-} " in
    *" ${name%% *} "*) name="$name (not guarded)" ;;
    *) judge "export $name" "$e" ;;
  esac
  printf '| %s | %s | %s |\n' "$name" "$e" \
    "$(exponent "$first" "${OVER[${x%%|*},$first]}" "$last" "${OVER[${x%%|*},$last]}")"
done
verdict
