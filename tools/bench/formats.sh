#!/usr/bin/env bash
# One decode benchmark across the model formats: the same GPT-2-small-shaped random model as F32
# safetensors on the DJL engine, as Q8_0 and F16 GGUF on llama.cpp, and as ONNX on ONNX Runtime,
# at batch 1, in one run, alternating the four (one JVM each) so that they share the machine's
# conditions. Prints one table: decode tokens/s, prefill, load, peak RSS. See tools/bench/README.md.
#
#   tools/bench/formats.sh       # MODEL_DIR, GGUF_DIR, ONNX_DIR, THREADS, RUNS, ROUNDS, PYTHON overridable by env
#
# Makes the model files with Python (transformers, gguf, onnx) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
GGUF_DIR=${GGUF_DIR:-/tmp/maltese-bench/gpt2-small-gguf}
ONNX_DIR=${ONNX_DIR:-/tmp/maltese-bench/gpt2-small-onnx}
THREADS=${THREADS:-$(nproc)}
RUNS=${RUNS:-3}        # timed runs per process (after one warm-up)
ROUNDS=${ROUNDS:-1}    # processes per format
PYTHON=${PYTHON:-/tmp/ref/bin/python}

build_classpath

if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi
if ! compgen -G "$GGUF_DIR/q8_0/*.gguf" >/dev/null || ! compgen -G "$GGUF_DIR/f16/*.gguf" >/dev/null; then
  "$PYTHON" tools/bench/make_gguf_gpt2.py "$MODEL_DIR" "$GGUF_DIR"
fi
if [ ! -f "$ONNX_DIR/model.onnx" ]; then
  "$PYTHON" tools/fixtures/export_onnx.py --source "$MODEL_DIR" --out "$ONNX_DIR" --external-data --no-check
fi

# Each side prints key=value lines (decode_tps, prefill_ms, load_s, peak_rss_mb, ...).
side() {
  case "$1" in
    safetensors) java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" \
                   -Dai.djl.pytorch.num_interop_threads=1 -Xms64m -Xmx512m -XX:MaxDirectMemorySize=8g -cp "$CP" \
                   com.cryptomaltese.gateway.bench.DecodeBenchmark "$MODEL_DIR" "$RUNS" ;;
    q8_0|f16)    java -Xms64m -Xmx256m -cp "$CP" com.cryptomaltese.gateway.engine.llamacpp.LlamaCppDecodeBenchmark \
                   "$GGUF_DIR/$1" "$RUNS" "$THREADS" ;;
    onnx)        java -Dai.djl.offline=true -Xms64m -Xmx512m -cp "$CP" \
                   com.cryptomaltese.gateway.engine.onnx.OnnxDecodeBenchmark "$ONNX_DIR" "$RUNS" ;;
  esac
}

FORMATS="safetensors q8_0 f16 onnx"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (run on a quiet machine)"
for f in $FORMATS; do : >"$OUT/formats-$f.txt"; done
for round in $(seq 1 "$ROUNDS"); do
  for f in $FORMATS; do
    echo "-- round $round: $f"; side "$f" 2>"$OUT/formats-$f.err" | tee -a "$OUT/formats-$f.txt" | grep -E '^run ' || true
  done
done

echo
echo "== results ($THREADS threads, $ROUNDS x $RUNS timed runs per format, best of each; load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '| %-22s | %-14s | %-16s | %-16s | %-15s |\n' "format (engine)" "decode tok/s" "prefill 32 (ms)" "load, warm (s)" "peak RSS (MB)"
printf '| %-22s | %-14s | %-16s | %-16s | %-15s |\n' "---" "---" "---" "---" "---"
for f in $FORMATS; do
  case "$f" in
    safetensors) name="F32 safetensors (DJL)" ;; q8_0) name="Q8_0 GGUF (llama.cpp)" ;;
    f16) name="F16 GGUF (llama.cpp)" ;; onnx) name="F32 ONNX (ONNX Runtime)" ;;
  esac
  F=$OUT/formats-$f.txt
  printf '| %-22s | %-14s | %-16s | %-16s | %-15s |\n' "$name" "$(best decode_tps "$F")" "$(least prefill_ms "$F")" \
    "$(least load_s "$F")" "$(least peak_rss_mb "$F")"
done
