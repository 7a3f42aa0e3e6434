#!/usr/bin/env bash
# Measures `playbook check --format json` on the big hostile inputs of
# tests/it/hostile_bounds.rs, whole process, with /usr/bin/time: wall time,
# CPU time and peak memory. The figures are in docs/hostile.md.
#
#   bash bench/hostile.sh                      # builds and uses the release binary
#   BIN=target/debug/playbook bash bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "bench/hostile.sh needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --release
  BIN=target/release/playbook
fi
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

header='playbook p {\n  title "t"\n  description "d"\n  phase enable "Enable"\n  phase enable\n  owner "o"\n  author "a"\n  revised 2019-10-01\n  role fm "F"\n'
mkdir deep parens huge line million
# `yes | head` ends `yes` with SIGPIPE: not a failure here.
set +o pipefail
{ printf 'playbook p {\n  title "t"\n  input a: bool "A"\n  step s "t" {\n'
  yes 'if a {' | head -n 1000000; yes '}' | head -n 1000002; } > deep/f.playbook
{ head -c 1000000 /dev/zero | tr '\0' '('; head -c 1000000 /dev/zero | tr '\0' ')'; } > parens/f.playbook
{ printf 'playbook huge {\n  title "Huge"\n'
  yes '  role r "A role declared over and over, to make the file huge"' | head -n 1700000
  echo '}'; } > huge/f.playbook
{ printf "$header"'  role r "'; head -c 10485760 /dev/zero | tr '\0' 'w'
  printf '"\n  step s "S" {\n    owner fm\n    with r\n    do x "X"\n  }\n}\n'; } > line/f.playbook
{ printf 'playbook many {\n  title "Many steps"\n  description "One line a step"\n  phase enable "Enable"\n  phase enable\n  owner "bench"\n  author "Generator"\n  revised 2026-01-01\n  role r "R"\n'
  seq 0 999999 | awk '{ printf "  step s%d \"S\" { owner r }\n", $1 }'
  echo '}'; } > million/f.playbook
set -o pipefail
printf 'max-file-size-mib = 64\n\n[levels]\nempty-step = "allow"\n' > million/Playbook.toml

echo "| input | size | exit | wall | CPU | peak memory |"
echo "|---|---|---|---|---|---|"
for name in deep parens huge line million; do
  size=$(stat -c %s "$name/f.playbook")
  set +e
  ( cd "$name" && /usr/bin/time -f '%e %U %S %M' -o ../time.txt "$BIN" check --format json f.playbook > /dev/null )
  code=$?
  set -e
  read -r wall user sys kib < <(tail -n 1 time.txt)
  awk -v n="$name" -v s="$size" -v c="$code" -v w="$wall" -v u="$user" -v y="$sys" -v k="$kib" \
    'BEGIN { printf "| %s | %.1f MB | %d | %.2f s | %.2f s | %.0f MiB |\n", n, s / 1e6, c, w, u + y, k / 1024 }'
done
