#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the seed corpus: the shipped playbooks,
# every .playbook test fixture, every ```playbook example of
# docs/language.md, and the regression cases of tests/fixtures/slow/.
# Files are named after the content's SHA-1, as libFuzzer names its own.
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
echo "seeded $(ls fuzz/corpus/compile | wc -l) inputs per target"
