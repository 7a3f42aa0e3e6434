# Shared by the scripts in bench/: measures whole processes pinned to one
# core with /usr/bin/time. Sets the defaults every script shares: RUNS (3
# measurements a median), LIMIT (600 seconds a run) and WORK (a temporary
# folder, removed on exit).

[ -x /usr/bin/time ] || { echo "bench/ needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
RUNS=${RUNS:-3}
LIMIT=${LIMIT:-600}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

# One measurement of a command run in $WORK: prints "wall cpu kilobytes"
# (seconds, seconds, peak resident KB), or "timeout" after LIMIT seconds.
# CPU time is user + system, read to the millisecond by the shell's `times`
# (what /usr/bin/time prints is rounded to 10 ms): other processes on a
# shared machine stretch the wall time but not it.
measure() {
  local out
  out=$( (cd "$WORK" && taskset -c 0 timeout "$LIMIT" /usr/bin/time -v "$@" >/dev/null) 2>&1; echo "exit $?"; times )
  if printf '%s\n' "$out" | grep -q '^exit 124$'; then echo "timeout"; return; fi
  printf '%s\n' "$out" | awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /Maximum resident set size/ { k = $2 }
    # The last line of `times`: the user and system time of the children.
    /^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { split($0, t, /[ ms]+/); c = t[1] * 60 + t[2] + t[3] * 60 + t[4] }
    END { printf "%.3f %.3f %d\n", w, c, k }'
}

# The median (by wall time) of RUNS measurements, or "timeout". BEFORE,
# when set, is a command run before each measurement, outside it (to put
# back a state the measured command changes).
median() {
  local rows
  rows=$(for _ in $(seq "$RUNS"); do
    if [ -n "${BEFORE:-}" ]; then eval "$BEFORE"; fi
    measure "$@"
  done)
  if printf '%s\n' "$rows" | grep -q timeout; then echo "timeout"; return; fi
  printf '%s\n' "$rows" | sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

# The exponent k of time = c * size^k between two measurements:
# exponent SIZE1 TIME1 SIZE2 TIME2.
exponent() {
  awk -v n1="$1" -v t1="$2" -v n2="$3" -v t2="$4" 'BEGIN {
    if (t1 <= 0) t1 = 0.001; if (t2 <= 0) t2 = 0.001
    printf "%.2f\n", log(t2 / t1) / log(n2 / n1) }'
}

# The binaries to measure: BIN and GEN when given (the scaling guard passes
# the debug build the tests made), else release builds of this checkout.
binaries() {
  local target=${CARGO_TARGET_DIR:-target}
  if [ -z "${BIN:-}" ]; then
    cargo build --quiet --release
    BIN=$target/release/playbook
  fi
  if [ -z "${GEN:-}" ]; then
    cargo build --quiet --release --example generate
    GEN=$target/release/examples/generate
  fi
  BIN=$(realpath "$BIN")
  GEN=$(realpath "$GEN")
}

# The scaling guard: with MAX_EXPONENT set, `judge NAME EXPONENT` notes
# each measurement whose exponent is over it, and `verdict` exits 1 naming
# them all. Without MAX_EXPONENT both do nothing.
GUARD_OVER=()
judge() {
  if [ -n "${MAX_EXPONENT:-}" ] && awk -v e="$2" -v m="$MAX_EXPONENT" 'BEGIN { exit !(e > m) }'; then
    GUARD_OVER+=("$1 ($2)")
  fi
}
verdict() {
  if [ ${#GUARD_OVER[@]} -gt 0 ]; then
    printf 'error: grows faster than size^%s: %s\n' "$MAX_EXPONENT" "${GUARD_OVER[*]}" >&2
    exit 1
  fi
}
