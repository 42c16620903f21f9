#!/usr/bin/env bash
# ToolGen's ablations on MetaTool at one fixed budget: the four indexing schemes (atomic, semantic,
# numeric, hierarchical) and the tool-token initialisation (document mean vs name mean). Every variant
# is bench/metatool_toolgen_cpu.yaml with the same seed, data and steps (3 memorization epochs, then
# STEPS retrieval steps of 32 rows, no early stop), scored by one `toolfoundry eval` on the same LIMIT
# evenly spaced test queries beside BM25 and MiniLM.
#
#   toolfoundry ingest-benchmark --format metatool --data ../shared/data/metatool --out runs/metatool/data
#   bash bench/ablate_metatool.sh [STEPS] [LIMIT] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-100}
LIMIT=${2:-1000}
OUT=${3:-runs/ablations}
TF=.venv/bin/toolfoundry
VARIANTS="atomic:document atomic:name semantic:document numeric:document hierarchical:document"
STAGES="[{\"name\":\"memorization\",\"epochs\":3},{\"name\":\"retrieval\",\"epochs\":4,\"max_steps\":$STEPS}]"
mkdir -p "$OUT/logs"
models=()
for v in $VARIANTS; do
  idx=${v%%:*} init=${v##*:}
  model="$OUT/$idx-$init"
  if [ ! -f "$model/config.json" ]; then
    echo "[ablate] $idx indexing, $init init: training ($STEPS retrieval steps)"
    $TF train --recipe bench/metatool_toolgen_cpu.yaml --tools runs/metatool/data/tools \
      --examples runs/metatool/data/examples --out "$model" --set run_dir="$OUT" \
      --set model.indexing="$idx" --set model.tool_init="$init" --set train.checkpoint_every=0 \
      --set "train.stages=$STAGES" > "$OUT/logs/$idx-$init.log" 2>&1 \
      || { echo "[ablate] $idx/$init failed: see $OUT/logs/$idx-$init.log"; continue; }
  fi
  models+=(--model "$model")
done
echo "[ablate] scoring $(( ${#models[@]} / 2 )) variants on $LIMIT test queries"
$TF eval --format metatool --data ../shared/data/metatool --systems bm25,minilm --limit "$LIMIT" \
  "${models[@]}" --model-dtype bfloat16 --threads 2 --out "$OUT/eval"
