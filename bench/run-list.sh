#!/usr/bin/env bash
# Times `playbook run list DIR` as a whole command on RUNS_N runs: copies
# of a started run of the enablement playbook with a few events (each copy
# with its own name, owner and lineage), 100 to a subfolder.
#
#   bash bench/run-list.sh                 # 2,000 runs, 10 timed listings
#   RUNS_N=500 RUNS=20 bash bench/run-list.sh
#
# Uses hyperfine when it is installed, else a loop; prints the median.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS_N=${RUNS_N:-2000}
RUNS=${RUNS:-10}

cargo build --release --locked --quiet --bin playbook
bin=$PWD/target/release/playbook
playbook=$PWD/playbooks/engagement-completion-enablement.playbook
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
base=$dir/base.run.toml

export PLAYBOOK_NOW=2026-11-24T10:00:00Z
"$bin" run start "$playbook" --state "$base" --actor bench \
  --input seats=1500 --input active-users=200 --input account-team-known=true \
  --input region=emea --input services=exchange,teams >/dev/null
q() { "$bin" run "$@" --state "$base" --actor bench >/dev/null; }
q record rfa-customer --evidence "FTOP: the motion is RFA"
q record milestone-documented --evidence "TE note, 2026-11-20: 212 active users"
q record account-team-identified --evidence "FTOP contacts updated"
q done prepare-conversation email-account-team ask-for-review fm-disengages \
  account-team-support
q record atu-sent --evidence "EM note: ATU email sent"
q complete prepare
echo "base run: $(wc -c <"$base") bytes, $(grep -c '^{ id = ' "$base") events"

runs=$dir/runs
owners=(ana bo chen dara eli)
for ((i = 0; i < RUNS_N; i++)); do
  sub=$runs/team-$((i / 100))
  [ -d "$sub" ] || mkdir -p "$sub"
  lineage=$(printf '%032x' $((i + 1)))
  sed -e "s/^name = .*/name = \"customer-$i\"/" \
    -e "s/^owner = .*/owner = \"${owners[i % 5]}\"/" \
    -e "s/^lineage = .*/lineage = \"$lineage\"/" \
    "$base" >"$sub/customer-$i.run.toml"
done
# Every copy is a valid run with no problem.
"$bin" run list "$runs" >"$dir/out.txt"
tail -n 1 "$dir/out.txt"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$dir/h.json" \
    "$bin run list $runs" >/dev/null
  median=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$dir/h.json")
else
  "$bin" run list "$runs" >/dev/null # warm the page cache
  samples=()
  for ((r = 0; r < RUNS; r++)); do
    start=$(date +%s%N)
    "$bin" run list "$runs" >/dev/null
    samples+=($((($(date +%s%N) - start) / 1000)))
  done
  median=$(printf '%s\n' "${samples[@]}" | sort -n |
    awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m / 1e6}')
fi
echo "playbook run list, $RUNS_N runs: median ${median} s ($RUNS runs, $(nproc) cores)"
