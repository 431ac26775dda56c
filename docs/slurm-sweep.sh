#!/bin/bash
# A large npusim sweep as a Slurm job array: each array task runs one shard of
# the grid into its own results directory; a dependent job merges them.
#
#   sbatch docs/slurm-sweep.sh            # submits the array (8 shards)
#
# Every task computes the same grid (the flags below), so each shard is a
# deterministic eighth of it; a shard that dies is rerun with the same
# command and --resume. The merged directory is identical, byte for byte, to
# what one unsharded sweep would write.
#SBATCH --job-name=npusim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=logs/npusim-%A_%a.out
set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:-8}
GRID=(
  --workloads mac2x3,digits-cnn,digits-mlp,mobilenet-v1,mobilenet-v2,resnet18,rnn-unrolled
  --policies reference,single-rounding,fp32,mult16,truncate,zp-nudge,per-tensor,sym-weights,acc24,psum16,vendor-a,vendor-b
  --hw mobile-npu,tiny,low-cost
)

go build -o npusim ./cmd/npusim      # or use an installed binary
./npusim sweep "${GRID[@]}" --parallel "$SLURM_CPUS_PER_TASK" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" --out "results-shard-${SLURM_ARRAY_TASK_ID}" --resume

# The last task to finish does not know it is last; merge in a dependent job:
#   sbatch --dependency=afterok:<array job id> --wrap \
#     './npusim merge --out results results-shard-*'
