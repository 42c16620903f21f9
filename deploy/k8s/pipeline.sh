#!/usr/bin/env bash
# The toolfoundry data -> train pipeline, as the RayJob in rayjob-pipeline.yaml runs it on a
# KubeRay cluster (every step joins that cluster through RAY_ADDRESS, which Ray sets for a job):
#
#   1. synthesize a catalog and query -> tool examples  (Ray Data, CPU workers)
#   2. exact + near dedupe of the examples               (Ray Data, CPU workers)
#   3. ToolGen memorization + retrieval                  (Ray Train + DeepSpeed, GPU workers; the
#      train_jobs/recipes/toolgen_retrieval.yaml recipe, full fine-tuning on 8 GPUs)
#
# Everything is written under $TOOLFOUNDRY_RUN, on the shared volume every pod mounts at /mnt/runs;
# the RayService (rayservice.yaml) serves $TOOLFOUNDRY_RUN/model. Each step resumes from what a
# killed run already wrote. One command per line: tests/test_k8s_manifests.py parses each one
# with toolfoundry's own argument parser.
set -euo pipefail

RUN="${TOOLFOUNDRY_RUN:-/mnt/runs/pipeline}"
NUM_TOOLS="${TOOLFOUNDRY_NUM_TOOLS:-50000}"
cd "$(dirname "$0")/../.."   # the checkout in the image: configs are read relative to it

python -m toolfoundry.cli data synth "$RUN/data" --num-tools "$NUM_TOOLS" --queries-per-tool 20 --num-shards 64
python -m toolfoundry.cli data dedupe "$RUN/data/examples" "$RUN/examples_dedup" --num-partitions 64
python -m toolfoundry.cli train --recipe toolgen_retrieval --tools "$RUN/data/tools" --examples "$RUN/examples_dedup" --out "$RUN/model" --set run_dir="$RUN/train" --set train.use_gpu=true --set train.num_workers=8 --set trainable.profile=full
