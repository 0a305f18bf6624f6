#!/usr/bin/env bash
# Unload benchmark: the process's resident memory across load/unload cycles of the GPT-2-small-shaped
# random model (498 MB of F32 safetensors) on the DJL engine. See tools/bench/README.md.
#
#   tools/bench/unload.sh            # MODEL_DIR, CYCLES, PYTHON overridable by env
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
CYCLES=${CYCLES:-4}
PYTHON=${PYTHON:-/tmp/ref/bin/python}
CHAT_DIR=$(dirname "$MODEL_DIR")/$(basename "$MODEL_DIR")-chat

build_classpath
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "== making $MODEL_DIR"
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi
# The engine loads a model with its tokenizer: the fixture GPT-2 tokenizer (its ids are valid here).
mkdir -p "$CHAT_DIR"
for f in config.json generation_config.json model.safetensors; do ln -sf "$MODEL_DIR/$f" "$CHAT_DIR/$f"; done
cp src/test/resources/fixtures/models/gpt2/tokenizer*.json "$CHAT_DIR/"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xms64m -Xmx512m -Dai.djl.offline=true -cp "$CP" com.cryptomaltese.gateway.bench.UnloadMemoryBenchmark \
  "$CHAT_DIR" "$CYCLES" 2>"$OUT/unload.err" | tee "$OUT/unload.txt"
