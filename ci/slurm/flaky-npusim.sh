#!/bin/bash
# npusim as on a cluster with a failing node: the first run of shard
# NPUSIM_FAIL_SHARD (i/n) is killed (SIGKILL) as soon as it has finished one
# cell, and exits 1; every other run is $NPUSIM_REAL unchanged. The Slurm
# test uses it to show a task that fails and is retried.
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
until [ -s "$out/results.jsonl" ] && [ "$(wc -l <"$out/results.jsonl")" -ge 1 ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    break
  fi
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "flaky-npusim: shard $fail killed after $(wc -l <"$out/results.jsonl") finished cell(s), as by a failing node" >&2
exit 1
