#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the seed corpus. Files are named after
# the content's SHA-1, as libFuzzer names its own.
#
# compile, format: the shipped playbooks, every .playbook test fixture,
#   every ```playbook example of docs/language.md, and the regression cases
#   of tests/fixtures/slow/.
# import: the Markdown exports of the shipped playbooks in English and
#   Chinese, the project's own Markdown, and the FastTrack corpus when it
#   lies beside the repository (../shared/corpus/fasttrack/{en,zh}, or
#   $PLAYBOOK_SHARED/corpus/...).
# run_state: state files written by `playbook run`: every state of walks
#   through the enablement playbook that take the first next command each
#   time, for three sets of inputs, and the state-file test fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
find playbooks tests/fixtures -name '*.playbook' -type f -exec cp -t "$seeds" --backup=numbered {} +
awk -v out="$seeds/doc" '
  /^[[:space:]]*```playbook/ { open = 1; n++; file = out "-" n ".playbook"; next }
  /^[[:space:]]*```/ && open { open = 0; close(file); next }
  open { print > file }
' docs/language.md
for target in compile format; do
  mkdir -p "fuzz/corpus/$target"
  for f in "$seeds"/*; do
    cp "$f" "fuzz/corpus/$target/$(sha1sum "$f" | cut -c1-40)"
  done
done
echo "seeded $(ls fuzz/corpus/compile | wc -l) inputs for compile and format"

# Copies files into fuzz/corpus/$1/, named after their SHA-1.
seed_into() {
  local target=$1
  shift
  mkdir -p "fuzz/corpus/$target"
  for f in "$@"; do
    cp "$f" "fuzz/corpus/$target/$(sha1sum "$f" | cut -c1-40)"
  done
}

cargo build --quiet
bin=target/debug/playbook
enablement=playbooks/engagement-completion-enablement.playbook

md=$(mktemp -d)
trap 'rm -rf "$seeds" "$md"' EXIT
for p in "$enablement" playbooks/engagement-completion-migration.playbook; do
  for locale in en zh; do
    "$bin" export "$p" --to markdown --locale "$locale" -o "$md/$(basename "$p" .playbook).$locale.md"
  done
done
shared=${PLAYBOOK_SHARED:-../shared}
corpus=()
for lang in en zh; do
  if [ -d "$shared/corpus/fasttrack/$lang" ]; then
    corpus+=("$shared"/corpus/fasttrack/"$lang"/*.md)
  fi
done
[ ${#corpus[@]} -gt 0 ] || echo "no FastTrack corpus at $shared/corpus: seeding import without it" >&2
seed_into import "$md"/*.md docs/*.md README.md "${corpus[@]}"
echo "seeded $(ls fuzz/corpus/import | wc -l) inputs for import"

states=$(mktemp -d)
trap 'rm -rf "$seeds" "$md" "$states"' EXIT
walk() {
  local name=$1
  shift
  local state="$states/$name.toml" day=0 inputs=()
  for i in "$@"; do inputs+=(--input "$i"); done
  "$bin" run start "$enablement" --state "$state" --now 2026-11-24T09:00:00Z --actor ana "${inputs[@]}" >/dev/null
  cp "$state" "$states/$name-0.state"
  for turn in $(seq 1 60); do
    local next
    next=$("$bin" run status --state "$state" --format json \
      | sed -n 's/.*"command": *"\([^"]*\)".*/\1/p' | head -n 1)
    [ -n "$next" ] || break
    next=${next//TEXT/minutes}
    next=${next//VALUE/true}
    day=$((day + 1))
    # shellcheck disable=SC2086 # the command is words
    "$bin" run $next --state "$state" --now "$(date -u -d "2026-11-24 + $day days" +%Y-%m-%dT09:00:00Z)" \
      --actor ana >/dev/null 2>&1 || break
    cp "$state" "$states/$name-$turn.state"
  done
}
walk americas seats=1500 active-users=120 account-team-known=true region=americas services=teams
walk apj seats=800 active-users=80 account-team-known=false region=apj services=exchange,sharepoint,teams
walk emea seats=20000 active-users=2500 account-team-known=true region=emea services=intune,onedrive
seed_into run_state "$states"/*.state tests/fixtures/run-state/*.toml
echo "seeded $(ls fuzz/corpus/run_state | wc -l) inputs for run_state"
