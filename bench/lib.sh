# Shared by the scripts in bench/: source it after setting RUNS, LIMIT and
# WORK. Measures whole processes pinned to one core with /usr/bin/time.

[ -x /usr/bin/time ] || { echo "bench/ needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
RUNS=${RUNS:-3}
LIMIT=${LIMIT:-600}

# One measurement of a command run in $WORK: prints "wall cpu kilobytes"
# (seconds, seconds, peak resident KB), or "timeout" after LIMIT seconds.
# CPU time is user + system: other processes on a shared machine stretch
# the wall time but not it.
measure() {
  local out status=0
  out=$( (cd "$WORK" && taskset -c 0 timeout "$LIMIT" /usr/bin/time -v "$@" >/dev/null) 2>&1 ) || status=$?
  if [ "$status" -eq 124 ]; then echo "timeout"; return; fi
  printf '%s\n' "$out" | awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { k = $2 }
    END { printf "%.3f %.3f %d\n", w, u + s, k }'
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
