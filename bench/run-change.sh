#!/usr/bin/env bash
# Times `playbook run record` as a whole command (process start, compiling
# the playbook, the lock, reading the state file, the change, the atomic
# replace with its two flushes) on a run whose log holds EVENTS events.
#
#   bash bench/run-change.sh            # 10,000 events, 300 timed changes
#   EVENTS=1000 RUNS=100 bash bench/run-change.sh
#
# Prints p50, p99 and the maximum, and the same of an atomic replace of a
# file of that size (the floor of any durable change), timed in turn with
# the commands. `cargo bench --bench run` measures the same change inside
# one process, without the start and the compile.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-10000}
RUNS=${RUNS:-300}

cargo build --release --locked --quiet --bin playbook --example run_writes
target=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target/release/playbook
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
"$target/release/examples/run_writes" "$state" $((EVENTS - 1)) bench
echo "state file: $(wc -c <"$state") bytes, $EVENTS events"

# The floor: an atomic replace of a file as large as the state file
# (temporary file, fsync, rename, fsync of the folder) in this process,
# interleaved with the timed commands so that both see the same disk.
python3 - "$bin" "$state" "$RUNS" <<'EOF'
import os, subprocess, sys, time
bin, state, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
folder = os.path.dirname(state)
floor_path = os.path.join(folder, "floor.toml")

def replace(data):
    tmp = floor_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, floor_path)
    fd = os.open(folder, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)

samples, floor = [], []
for i in range(runs):
    data = open(state, "rb").read()
    start = time.perf_counter()
    replace(data)
    floor.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run(
        [bin, "run", "record", "--state", state, "milestone-documented",
         "--evidence", f"TE note {i}", "--actor", "bench"],
        check=True, stdout=subprocess.DEVNULL)
    samples.append(time.perf_counter() - start)
samples.sort()
floor.sort()
at = lambda s, q: s[round((len(s) - 1) * q)] * 1e3
print(f"playbook run record, whole command: p50 {at(samples, 0.5):.2f} ms, "
      f"p99 {at(samples, 0.99):.2f} ms, max {samples[-1] * 1e3:.2f} ms ({runs} runs)")
print(f"atomic replace of the same file: p50 {at(floor, 0.5):.2f} ms, "
      f"p99 {at(floor, 0.99):.2f} ms; record / replace at p50: "
      f"{at(samples, 0.5) / at(floor, 0.5):.1f}x")
EOF
