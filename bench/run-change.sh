#!/usr/bin/env bash
# Times `playbook run record` as a whole command (process start, compiling
# the playbook, the lock, reading the state file, the change, the atomic
# replace with its two flushes) on a run whose log holds EVENTS events.
#
#   bash bench/run-change.sh            # 10,000 events, 300 timed changes
#   EVENTS=1000 RUNS=100 bash bench/run-change.sh
#
# Prints p50, p99 and the maximum. `cargo bench --bench run` measures the
# same change inside one process, without the start and the compile.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-10000}
RUNS=${RUNS:-300}

cargo build --release --locked --quiet --bin playbook --example run_writes
bin=$PWD/target/release/playbook
playbook=$PWD/playbooks/engagement-completion-enablement.playbook
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
state=$dir/contoso.toml

export PLAYBOOK_NOW=2026-11-24T10:00:00Z
"$bin" run start "$playbook" --state "$state" --actor bench \
  --input seats=1500 --input active-users=200 --input account-team-known=true \
  --input region=emea --input services=exchange,teams >/dev/null
# examples/run_writes.rs records evidence again and again, each write
# through the same lock-read-change-replace path (`run::session`) as `record`.
"$PWD/target/release/examples/run_writes" "$state" $((EVENTS - 1)) bench
echo "state file: $(wc -c <"$state") bytes, $EVENTS events"

python3 - "$bin" "$state" "$RUNS" <<'EOF'
import subprocess, sys, time
bin, state, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
samples = []
for i in range(runs):
    start = time.perf_counter()
    subprocess.run(
        [bin, "run", "record", "--state", state, "milestone-documented",
         "--evidence", f"TE note {i}", "--actor", "bench"],
        check=True, stdout=subprocess.DEVNULL)
    samples.append(time.perf_counter() - start)
samples.sort()
at = lambda q: samples[round((len(samples) - 1) * q)] * 1e3
print(f"playbook run record, whole command: p50 {at(0.5):.2f} ms, "
      f"p99 {at(0.99):.2f} ms, max {samples[-1] * 1e3:.2f} ms ({runs} runs)")
EOF
