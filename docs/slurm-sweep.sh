#!/bin/bash
# A large npusim sweep on a Slurm cluster: a job array runs one shard of the
# grid per task, and a merge job that waits for the array combines the
# shards, or resubmits the shards that did not finish.
#
#   docs/slurm-sweep.sh submit      # on the login node, in the npusim source tree
#
# builds npusim, submits the array (NPUSIM_SHARDS tasks, default 8) and the
# merge job, and returns. Each task runs
#
#   npusim sweep GRID --shard i/n --out $NPUSIM_OUT/shard-i --resume
#
# a deterministic 1/n of the grid that needs no coordination, and marks its
# shard done when the sweep exits 0. The merge job (docs/slurm-sweep.sh
# merge) runs once every task has ended, whether it succeeded or not:
#
#   - it runs npusim merge on the shard directories, which refuses an
#     incomplete set and names the shards that are missing or unfinished;
#   - when every shard is there it writes $NPUSIM_OUT/results, identical byte
#     for byte to what one unsharded sweep writes;
#   - otherwise it resubmits only the shards not marked done (a node died, a
#     task ran out of time), which continue where they stopped (--resume
#     keeps every finished cell), and a new merge job after them; at most
#     NPUSIM_RETRIES times (default 2), then it fails.
#
# Settings (environment variables, exported to every job):
#   NPUSIM_SHARDS      number of shards (default 8)
#   NPUSIM_OUT         directory of the shards, logs and merged results (default sweep)
#   NPUSIM_GRID        the sweep's grid flags (default: the large grid below)
#   NPUSIM             the npusim binary (default: built into $NPUSIM_OUT by submit)
#   NPUSIM_SBATCH_OPTS more sbatch options for the tasks, e.g. "--cpus-per-task=2 --mem=2G"
#   NPUSIM_RETRIES     resubmissions of unfinished shards (default 2)
#SBATCH --job-name=npusim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=npusim-%A_%a.out
set -euo pipefail

SHARDS=${NPUSIM_SHARDS:-8}
OUT=${NPUSIM_OUT:-sweep}
RETRIES=${NPUSIM_RETRIES:-2}
ATTEMPT=${NPUSIM_ATTEMPT:-0}
if [ -n "${NPUSIM_GRID:-}" ]; then
  read -r -a GRID <<<"$NPUSIM_GRID"
else
  GRID=(
    --workloads mac2x3,digits-cnn,digits-mlp,mobilenet-v1,mobilenet-v2,resnet18,rnn-unrolled
    --policies reference,single-rounding,fp32,mult16,truncate,zp-nudge,per-tensor,sym-weights,acc24,psum16,vendor-a,vendor-b
    --hw mobile-npu,tiny,low-cost
  )
fi
read -r -a SBATCH_OPTS <<<"${NPUSIM_SBATCH_OPTS:-}"

# submit_array submits the tasks of the listed shards ("1-8", "2,5") and a
# merge job after them, and prints their job ids.
submit_array() {
  local array merge
  array=$(sbatch --parsable --array="$1" --output="$OUT/logs/npusim-%A_%a.out" "${SBATCH_OPTS[@]}" "$NPUSIM_SCRIPT" task)
  array=${array%%;*}
  merge=$(sbatch --parsable --job-name=npusim-merge --dependency="afterany:$array" --output="$OUT/logs/npusim-merge-%j.out" \
    --export="ALL,NPUSIM_ATTEMPT=$ATTEMPT" --wrap="bash '$NPUSIM_SCRIPT' merge")
  echo "array job $array (shards $1 of $SHARDS), merge job ${merge%%;*}"
}

case "${1:-task}" in
submit)
  mkdir -p "$OUT/logs"
  OUT=$(cd "$OUT" && pwd)
  if [ -z "${NPUSIM:-}" ]; then
    go build -o "$OUT/npusim" ./cmd/npusim
    NPUSIM=$OUT/npusim
  fi
  NPUSIM_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
  export NPUSIM NPUSIM_SCRIPT NPUSIM_SHARDS=$SHARDS NPUSIM_OUT=$OUT NPUSIM_GRID="${GRID[*]}" NPUSIM_SBATCH_OPTS="${SBATCH_OPTS[*]}"
  submit_array "1-$SHARDS"
  ;;
task)
  i=${SLURM_ARRAY_TASK_ID:?run this as a job array: docs/slurm-sweep.sh submit}
  NPUSIM=${NPUSIM:-./npusim}
  "$NPUSIM" sweep "${GRID[@]}" --parallel "${SLURM_CPUS_PER_TASK:-1}" \
    --shard "$i/$SHARDS" --out "$OUT/shard-$i" --resume
  touch "$OUT/shard-$i.done"
  ;;
merge)
  dirs=() unfinished=()
  for i in $(seq 1 "$SHARDS"); do
    if [ -d "$OUT/shard-$i" ]; then dirs+=("$OUT/shard-$i"); fi
    if [ ! -e "$OUT/shard-$i.done" ]; then unfinished+=("$i"); fi
  done
  if [ "${#dirs[@]}" -gt 0 ] && "$NPUSIM" merge --out "$OUT/results" "${dirs[@]}" >"$OUT/logs/merged.txt"; then
    echo "merged ${#dirs[@]} shards into $OUT/results"
    exit 0
  fi
  if [ "${#unfinished[@]}" -eq 0 ]; then
    echo "every shard finished, yet the merge failed (see above)" >&2
    exit 1
  fi
  if [ "$ATTEMPT" -ge "$RETRIES" ]; then
    echo "shards ${unfinished[*]} did not finish after $RETRIES resubmissions; giving up" >&2
    exit 1
  fi
  ATTEMPT=$((ATTEMPT + 1))
  list=$(IFS=,; echo "${unfinished[*]}")
  echo "shards $list did not finish; resubmitting them (resubmission $ATTEMPT of at most $RETRIES)"
  submit_array "$list"
  ;;
*)
  echo "usage: docs/slurm-sweep.sh [submit | task | merge]" >&2
  exit 2
  ;;
esac
