#!/usr/bin/env bash
# Runs docs/slurm-sweep.sh on a real Slurm cluster: Debian's slurm-wlm and
# munge, a controller and a compute daemon on this machine (ci/slurm/slurm.conf),
# a 3-shard sweep whose shard 2 is killed on its first run (ci/slurm/flaky-npusim.sh),
# and checks that
#   - the merge job refuses the incomplete set, naming shard 2/3,
#   - it resubmits only shard 2, which resumes, and then merges,
#   - the merged results.jsonl equals a local unsharded sweep's, byte for byte.
# It stops the daemons it started and removes its files. Needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
fi

# install runs apt-get, retried, for the packages whose commands are missing.
install() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
      return 0
    fi
    echo "apt-get failed (attempt $attempt); retrying in 10 s"
    sleep 10
  done
  echo "could not install ${missing[*]}"
  exit 1
}
install slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge

work=$(mktemp -d)
chmod 755 "$work"
mkdir -p "$work/slurm/state" "$work/slurm/spool" "$work/run"
started=()
# cleanup stops the daemons this script started (by their pid files) and,
# when the test failed, shows their logs.
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$work"/slurm/*.log; do
      [ -f "$log" ] && { echo "---- $log"; tail -n 40 "$log"; }
    done
  fi
  for pidfile in "${started[@]}"; do
    [ -s "$pidfile" ] && $sudo kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  $sudo rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# waitfor retries a command once a second for up to $1 seconds.
waitfor() {
  local limit=$1
  shift
  for _ in $(seq "$limit"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "timed out after $limit s waiting for: $*"
  return 1
}

echo "-- munge"
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    $sudo mungekey --create --keyfile=/etc/munge/munge.key
    $sudo chown munge:munge /etc/munge/munge.key
  fi
  $sudo mkdir -p /run/munge
  $sudo chown munge:munge /run/munge
  $sudo runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/npusim-ci.pid
  started+=(/run/munge/npusim-ci.pid)
  waitfor 20 bash -c 'munge -n | unmunge'
fi

echo "-- slurmctld and slurmd on $(hostname -s), $(nproc) CPUs"
sed -e "s|@HOST@|$(hostname -s)|g" -e "s|@CPUS@|$(nproc)|g" -e "s|@DIR@|$work/slurm|g" \
  ci/slurm/slurm.conf >"$work/slurm/slurm.conf"
export SLURM_CONF=$work/slurm/slurm.conf
$sudo slurmctld -f "$SLURM_CONF"
started+=("$work/slurm/slurmctld.pid")
$sudo slurmd -f "$SLURM_CONF"
started+=("$work/slurm/slurmd.pid")
waitfor 60 bash -c 'sinfo -h -o %T | grep -qx idle'
sinfo

echo "-- the sweep: 3 shards as a job array; shard 2/3 is killed on its first run"
go build -o "$work/npusim" ./cmd/npusim
grid="--workloads digits-mlp,mac2x3 --policies reference,mult16,truncate,vendor-b --hw mobile-npu,tiny"
(
  cd "$work/run"
  NPUSIM="$repo/ci/slurm/flaky-npusim.sh" NPUSIM_REAL="$work/npusim" NPUSIM_FAIL_SHARD=2/3 \
    NPUSIM_SHARDS=3 NPUSIM_OUT="$work/sweep" NPUSIM_GRID="$grid" \
    NPUSIM_SBATCH_OPTS="--cpus-per-task=1 --mem=200M --time=10" \
    bash "$repo/docs/slurm-sweep.sh" submit
)
squeue
# Every job, the retries included, must end within 10 minutes.
if ! waitfor 600 bash -c '[ -z "$(squeue -h -o %i)" ]'; then
  squeue
  scancel --user="$(id -un)" || true
  exit 1
fi

echo "-- what the jobs did"
for log in "$work"/sweep/logs/*.out; do
  echo "== ${log##*/}"
  grep -v '^[│┌└├─]' "$log" || true # all but the result tables
done

merged=$work/sweep/results/results.jsonl
if [ ! -s "$merged" ]; then
  echo "the jobs left no merged results"
  exit 1
fi
# The first merge job refused the set and named the shard (killed once it
# had finished a cell, before it finished all five); only shard 2 was
# resubmitted; it resumed.
first_merge=$(ls "$work"/sweep/logs/npusim-merge-*.out | head -n 1)
grep -Eq "npusim: the shards lack .* shard 2/3 in .*/shard-2 has [1-4] of its 5 cells" "$first_merge"
grep -q "^shards 2 did not finish; resubmitting them" "$first_merge"
[ "$(ls "$work"/sweep/logs/npusim-*_2.out | wc -l)" -eq 2 ]
[ "$(ls "$work"/sweep/logs/npusim-*_[13].out | wc -l)" -eq 2 ]

echo "-- the same grid unsharded, on this machine"
# shellcheck disable=SC2086
"$work/npusim" sweep $grid --out "$work/local" >/dev/null 2>&1
if ! cmp "$merged" "$work/local/results.jsonl"; then
  echo "the merged results differ from the unsharded sweep's"
  exit 1
fi
echo "slurm: merged results.jsonl ($(wc -l <"$merged") cells, $(wc -c <"$merged") bytes) equals the unsharded sweep's byte for byte"
