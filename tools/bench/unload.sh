#!/usr/bin/env bash
# Unload benchmark: the process's resident memory across load/unload cycles of the GPT-2-small-shaped
# random model (498 MB of F32 weights) on the engine of its format: safetensors (DJL), onnx (ONNX
# Runtime) or torchscript (DJL's TorchScript engine). See tools/bench/README.md.
#
#   tools/bench/unload.sh            # FORMAT, MODEL_DIR, CYCLES, PYTHON overridable by env
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

FORMAT=${FORMAT:-safetensors}
MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
CYCLES=${CYCLES:-4}
PYTHON=${PYTHON:-/tmp/ref/bin/python}

build_classpath
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "== making $MODEL_DIR"
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi
# The same weights in the other formats, made once (as onnx.sh makes them).
case "$FORMAT" in
  safetensors) WEIGHTS_DIR=$MODEL_DIR ;;
  onnx)
    WEIGHTS_DIR=$MODEL_DIR-onnx
    [ -f "$WEIGHTS_DIR/model.onnx" ] || "$PYTHON" tools/fixtures/export_onnx.py --source "$MODEL_DIR" \
      --out "$WEIGHTS_DIR" --external-data --no-check ;;
  torchscript)
    WEIGHTS_DIR=$MODEL_DIR-torchscript
    [ -f "$WEIGHTS_DIR/model.torchscript" ] || "$PYTHON" tools/fixtures/export_torchscript.py --source "$MODEL_DIR" \
      --out "$WEIGHTS_DIR" --no-check ;;
  *) echo "FORMAT is safetensors, onnx or torchscript" >&2; exit 2 ;;
esac
# The engine loads a model with its tokenizer: the fixture GPT-2 tokenizer (its ids are valid here).
CHAT_DIR=$MODEL_DIR-chat-$FORMAT
rm -rf "$CHAT_DIR" && mkdir -p "$CHAT_DIR"
for f in "$WEIGHTS_DIR"/*; do ln -s "$f" "$CHAT_DIR/$(basename "$f")"; done
cp src/test/resources/fixtures/models/gpt2/tokenizer*.json "$CHAT_DIR/"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xms64m -Xmx512m -Dai.djl.offline=true -cp "$CP" com.cryptomaltese.gateway.bench.UnloadMemoryBenchmark \
  "$CHAT_DIR" "$CYCLES" 2>"$OUT/unload.err" | tee "$OUT/unload.txt"
