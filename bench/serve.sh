#!/usr/bin/env bash
# Times the pages of `playbook serve` on a run of a generated playbook with
# at least ITEMS checklist items (examples/generate.rs): the run page (read
# the state file, compile the playbook, replay, view, render) and the
# dashboard, each fetched RUNS times over HTTP from a server on a free port.
#
#   bash bench/serve.sh                 # 1,000 items, 30 fetches each
#   ITEMS=5000 RUNS=10 bash bench/serve.sh
#   PROFILE=debug bash bench/serve.sh   # the test build (opt-level 1)
#
# Prints p50, p99 and the maximum of each page, and the page's size. The
# target for the run page is 200 ms at 1,000 items.
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS=${ITEMS:-1000}
RUNS=${RUNS:-30}
PROFILE=${PROFILE:-release}

if [ "$PROFILE" = release ]; then
  cargo build --release --locked --quiet --bin playbook --example generate
else
  cargo build --locked --quiet --bin playbook --example generate
fi
target=${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE
bin=$target/playbook
dir=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
export PLAYBOOK_NOW=2026-11-24T10:00:00Z

# Grow the playbook until its run has ITEMS items.
steps=$((ITEMS / 8))
while :; do
  rm -rf "$dir/pb" "$dir/runs"
  mkdir -p "$dir/runs"
  "$target/examples/generate" --steps "$steps" --out "$dir/pb" >/dev/null
  playbook=$(ls "$dir"/pb/*.playbook)
  "$bin" run start "$playbook" --state "$dir/runs/big.toml" --actor bench --name big \
    --input seats=1500 --input active=200 --input region=north \
    --input services=mail,chat,files --input known=true --input urgent=false >/dev/null
  total=$("$bin" run status --state "$dir/runs/big.toml" --format json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["progress"]["total"])')
  items=$("$bin" run status --state "$dir/runs/big.toml" --format json |
    python3 -c 'import json,sys; print(sum(len(s["items"]) for s in json.load(sys.stdin)["steps"]))')
  if [ "$items" -ge "$ITEMS" ]; then break; fi
  steps=$((steps * ITEMS / items + 1))
done
echo "run: $steps steps, $items items on its page, $total to do ($PROFILE build)"

"$bin" serve "$dir/runs" --port 0 --actor bench >"$dir/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do
  grep -q http:// "$dir/serve.out" 2>/dev/null && break
  sleep 0.1
done
base=$(grep -o 'http://[^/]*' "$dir/serve.out")

python3 - "$base" "$RUNS" <<'PY'
import sys, time, urllib.request
base, runs = sys.argv[1], int(sys.argv[2])
for name, path in [("run page", "/run?file=big.toml"), ("dashboard", "/")]:
    samples, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        with urllib.request.urlopen(base + path) as r:
            size = len(r.read())
        samples.append(time.perf_counter() - start)
    samples.sort()
    at = lambda q: samples[round((len(samples) - 1) * q)] * 1e3
    print(f"{name}: p50 {at(0.5):.1f} ms, p99 {at(0.99):.1f} ms, "
          f"max {samples[-1] * 1e3:.1f} ms ({runs} fetches, {size // 1024} KiB)")
PY
