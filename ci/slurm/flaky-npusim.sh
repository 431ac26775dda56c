#!/bin/bash
# npusim as on a cluster with a failing node: the first run of shard
# NPUSIM_FAIL_SHARD (i/n) dies after finishing one of its cells and exits 1;
# every other run is $NPUSIM_REAL unchanged. The Slurm test uses it to show a
# task that fails and is retried.
#
# The death is made deterministic rather than timed: a killed sweep leaves
# its manifest and the result lines of the cells it finished, nothing else,
# so the first run sweeps into a scratch directory and leaves exactly that
# in --out: the manifest and one finished cell. (Killing the real process
# after its first cell is a race on a fast machine, where small cells finish
# in microseconds.)
set -euo pipefail
real=${NPUSIM_REAL:?the npusim binary to run}
fail=${NPUSIM_FAIL_SHARD:-}
args=" $* "
if [ "${1:-}" != sweep ] || [ -z "$fail" ] || [[ "$args" != *" --shard $fail "* ]]; then
  exec "$real" "$@"
fi
# out is the results directory (--out DIR or --out=DIR).
out=
prev=
for a in "$@"; do
  case "$prev|$a" in
  --out\|*) out=$a ;;
  *\|--out=*) out=${a#--out=} ;;
  esac
  prev=$a
done
if [ -z "$out" ]; then
  echo "flaky-npusim: no --out in: $*" >&2
  exit 2
fi
if ! mkdir "$out.failed-once" 2>/dev/null; then
  exec "$real" "$@" # the retry
fi
# The first run: the same arguments with a scratch results directory.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
argv=()
prev=
for a in "$@"; do
  case "$prev|$a" in
  --out\|*) argv+=("$scratch/out") ;;
  *\|--out=*) argv+=("--out=$scratch/out") ;;
  *) argv+=("$a") ;;
  esac
  prev=$a
done
if ! "$real" "${argv[@]}" >/dev/null 2>"$scratch/stderr"; then
  cat "$scratch/stderr" >&2
  exit 1
fi
mkdir -p "$out"
cp "$scratch/out/sweep.json" "$out/sweep.json"
head -n 1 "$scratch/out/results.jsonl" >"$out/results.jsonl"
echo "flaky-npusim: shard $fail killed after $(wc -l <"$out/results.jsonl") finished cell(s), as by a failing node" >&2
exit 1
