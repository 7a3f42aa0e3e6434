#!/usr/bin/env bash
# Every run command, whole processes on one core, on generated playbooks of
# 1k, 10k and 100k steps (`examples/generate.rs`: steps chained by `after`),
# beside `playbook check` of the same playbook.
#
#   bash bench/run-scaling.sh                      # RUNS=3 by default
#   RUNS=5 SIZES="1000 10000" bash bench/run-scaling.sh
#   BIN=/path/to/playbook GEN=/path/to/generate bash bench/run-scaling.sh   # builds made before
#
# Each size gets a run started with the inputs the generated playbook
# declares, then, to measure the commands that change a run on a state
# where they succeed, the entry evidence of step `s0` recorded and every
# item of `s0` but `prepare-0` done, with its exit evidence `done-0`:
# `run done prepare-0`, `run record done-0` (amending the evidence) and,
# after `prepare-0` is done, `run complete s0`. A command that changes the
# run is measured on a fresh copy of that state (the state file and its
# cache in `.playbook-cache/`), copied before each measurement, outside it;
# `run start` on a folder without the state file.
#
# Prints a Markdown table of the median CPU time (user + system) and peak
# memory of each command at each size, its ratio to `playbook check` at
# the largest size, and its scaling exponent from the smallest size to the
# largest. A measurement over LIMIT seconds (default 600) is reported as
# such. With MAX_EXPONENT set, exits 1 when an exponent is over it
# (bench/guard.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000 10000 100000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
binaries

export PLAYBOOK_NOW=2026-11-24T10:00:00Z
INPUTS=(--input seats=1500 --input active=200 --input region=north
  --input services=mail,chat --input known=true --input urgent=false)

# The commands measured, in the table's order: a label, then the words
# after `playbook`. STATE stands for the state file, DIR for the folder of
# the playbook, FILE for the playbook.
LABELS=(
  "check"
  "run start"
  "run status"
  "run status --format json"
  "run done prepare-0"
  "run record done-0 --evidence …"
  "run complete s0"
  "run report --to markdown"
  "run list"
)

# The state a labelled command starts from: none (`start`), the state
# before `prepare-0` is done, or the one after (`complete`).
from() {
  case "$1" in
    "run start") echo none ;;
    "run complete s0") echo finished ;;
    "check") echo "" ;;
    *) echo open ;;
  esac
}

# The command line of a labelled command, for a size's folder.
line() {
  local dir=$1 file=$2 state=$dir/run.toml
  case "$3" in
    "check") echo "$BIN check --format json $dir" ;;
    "run start") echo "$BIN run start $file --state $state --actor bench ${INPUTS[*]}" ;;
    "run status") echo "$BIN run status --state $state" ;;
    "run status --format json") echo "$BIN run status --state $state --format json" ;;
    "run done prepare-0") echo "$BIN run done prepare-0 --state $state --actor bench" ;;
    "run record done-0 --evidence …") echo "$BIN run record done-0 --evidence amended --state $state --actor bench" ;;
    "run complete s0") echo "$BIN run complete s0 --state $state --actor bench" ;;
    "run report --to markdown") echo "$BIN run report --state $state --to markdown" ;;
    "run list") echo "$BIN run list $state" ;;
  esac
}

# Saves the run of a size's folder (the state file and its cache) as NAME,
# and puts a saved one back (`none`: no run at all).
save() { rm -rf "$1/saved-$2" && mkdir -p "$1/saved-$2" && cp -a "$1/run.toml" "$1/.playbook-cache" "$1/saved-$2/"; }
restore() {
  rm -rf "$1/run.toml" "$1/.playbook-cache"
  if [ "$2" != none ]; then cp -a "$1/saved-$2/run.toml" "$1/saved-$2/.playbook-cache" "$1/"; fi
}

declare -A CPU MEM
for n in $SIZES; do
  dir="$WORK/steps-$n"
  "$GEN" --steps "$n" --out "$dir" >/dev/null
  printf 'max-file-size-mib = 128\n' >"$dir/Playbook.toml"
  file=$(ls "$dir"/*.playbook)
  q() { "$BIN" run "$@" --state "$dir/run.toml" --actor bench >/dev/null; }
  "$BIN" run start "$file" --state "$dir/run.toml" --actor bench "${INPUTS[@]}" >/dev/null
  q record start --evidence "the engagement is open"
  q done contact-0 north-0 review-0:mail review-0:chat
  q record done-0 --evidence "step 0 documented"
  save "$dir" open
  q done prepare-0
  save "$dir" finished
  for label in "${LABELS[@]}"; do
    state=$(from "$label")
    if [ -n "$state" ]; then BEFORE="restore $dir $state"; else BEFORE=""; fi
    restore "$dir" open
    # shellcheck disable=SC2046 # the command line is split into words
    r=$(median $(line "$dir" "$file" "$label"))
    if [ "$r" = timeout ]; then
      CPU[$label,$n]=timeout
    else
      read -r _ c k <<<"$r"
      CPU[$label,$n]=$c
      MEM[$label,$n]=$k
    fi
  done
  BEFORE=""
done

set -- $SIZES
first=$1
last=${!#}
printf '| command |'
for n in $SIZES; do printf ' %s steps |' "$n"; done
printf ' / check at %s | exponent %s→%s |\n|---|' "$last" "$first" "$last"
for _ in $SIZES; do printf -- '---|'; done
printf -- '---|---|\n'
for label in "${LABELS[@]}"; do
  printf '| `%s` |' "$label"
  for n in $SIZES; do
    c=${CPU[$label,$n]}
    if [ "$c" = timeout ]; then printf ' > %s s |' "$LIMIT"; else
      awk -v c="$c" -v k="${MEM[$label,$n]}" 'BEGIN { printf " %.3f s, %d MB |", c, k / 1024 }'
    fi
  done
  c=${CPU[$label,$last]} k=${CPU[check,$last]}
  if [ "$c" = timeout ] || [ "$k" = timeout ]; then printf ' — |'; else
    awk -v c="$c" -v k="$k" 'BEGIN { printf " %.2f |", c / k }'
  fi
  c1=${CPU[$label,$first]}
  if [ "$c1" = timeout ]; then printf ' — |\n'
  elif [ "$c" = timeout ]; then
    e=$(exponent "$first" "$c1" "$last" "$LIMIT")
    judge "$label" "$e"
    printf ' > %s |\n' "$e"
  else
    e=$(exponent "$first" "$c1" "$last" "$c")
    judge "$label" "$e"
    printf ' %s |\n' "$e"
  fi
done
verdict
