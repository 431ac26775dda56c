#!/bin/bash
# npusim as on a cluster with a failing node: the first run of shard
# NPUSIM_FAIL_SHARD (i/n) is killed (SIGKILL) once it has finished a cell,
# before it finishes them all, and exits 1; every other run is
# $NPUSIM_REAL unchanged. The Slurm test uses it to show a task that fails
# and is retried.
set -euo pipefail
real=${NPUSIM_REAL:?the npusim binary to run}
fail=${NPUSIM_FAIL_SHARD:-}
args=" $* "
if [ "${1:-}" != sweep ] || [ -z "$fail" ] || [[ "$args" != *" --shard $fail "* ]]; then
  exec "$real" "$@"
fi
out=${args##* --out }
out=${out%% *}
if ! mkdir "$out.failed-once" 2>/dev/null; then
  exec "$real" "$@" # the retry
fi
"$real" "$@" &
pid=$!
# It runs in slices of a few milliseconds and is stopped between them while
# its results are counted: a cell takes longer than a slice, so it dies with
# some of its cells finished but not all, however fast the machine.
while kill -STOP "$pid" 2>/dev/null; do
  if [ -s "$out/results.jsonl" ] && [ "$(wc -l <"$out/results.jsonl")" -ge 1 ]; then
    break
  fi
  kill -CONT "$pid" 2>/dev/null || break
  sleep 0.002
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "flaky-npusim: shard $fail killed after $(wc -l <"$out/results.jsonl") finished cell(s), as by a failing node" >&2
exit 1
