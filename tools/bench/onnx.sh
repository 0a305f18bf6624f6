#!/usr/bin/env bash
# Decode benchmark of the ONNX engine: the GPT-2-small-shaped random model exported to ONNX, run by
# OnnxDecodeBenchmark (our decode loop on ONNX Runtime through DJL) and, for reference, by ONNX
# Runtime's Python API driving the same graph. See tools/bench/README.md.
#
#   tools/bench/onnx.sh            # MODEL_DIR, ONNX_DIR, RUNS, ROUNDS, PYTHON, JAVA_OPTS overridable
# Both sides use ONNX Runtime's default thread count (one intra-op thread per physical core).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
ONNX_DIR=${ONNX_DIR:-/tmp/maltese-bench/gpt2-small-onnx}
RUNS=${RUNS:-3}        # timed runs per process (after one warm-up)
ROUNDS=${ROUNDS:-2}    # processes per side, alternating Java, Python
PYTHON=${PYTHON:-/tmp/ref/bin/python}
JAVA_OPTS=${JAVA_OPTS:-"-Xms64m -Xmx512m"}

build_classpath

if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "== making $MODEL_DIR"
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi
if [ ! -f "$ONNX_DIR/model.onnx" ]; then
  echo "== exporting $ONNX_DIR"
  "$PYTHON" tools/fixtures/export_onnx.py --source "$MODEL_DIR" --out "$ONNX_DIR" --external-data --no-check
fi

java_side() {
  java -Dai.djl.offline=true $JAVA_OPTS -cp "$CP" \
    com.cryptomaltese.gateway.engine.onnx.OnnxDecodeBenchmark "$ONNX_DIR" "$RUNS" 2>"$OUT/onnx-java.err"
}
python_side() {
  "$PYTHON" tools/bench/onnxruntime_decode.py --model "$ONNX_DIR" --runs "$RUNS" 2>"$OUT/onnx-python.err"
}

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (run on a quiet machine)"
: >"$OUT/onnx-java.txt"; : >"$OUT/onnx-python.txt"
for round in $(seq 1 "$ROUNDS"); do
  echo "-- round $round: java";   java_side   | tee -a "$OUT/onnx-java.txt"   | grep -E '^run '
  echo "-- round $round: python"; python_side | tee -a "$OUT/onnx-python.txt" | grep -E '^run '
done

J=$OUT/onnx-java.txt; P=$OUT/onnx-python.txt
echo
echo "== results (best of $ROUNDS processes x $RUNS timed runs per side)"
printf '%-28s %14s %16s\n' "" "maltese onnx" "onnxruntime py"
printf '%-28s %14s %16s\n' "decode tokens/s" "$(best decode_tps "$J")" "$(best decode_tps "$P")"
printf '%-28s %14s %16s\n' "prefill 32 tokens (ms)" "$(least prefill_ms "$J")" "$(least prefill_ms "$P")"
printf '%-28s %14s %16s\n' "load, warm cache (s)" "$(least load_s "$J")" "$(least load_s "$P")"
printf '%-28s %14s %16s\n' "peak RSS (MB)" "$(least peak_rss_mb "$J")" "$(least peak_rss_mb "$P")"
echo "graph + external data bytes  $(best graph_bytes "$J")"
echo "greedy ids java   $(grep '^first_ids=' "$J" | tail -1 | cut -d= -f2)"
echo "greedy ids python $(grep '^first_ids=' "$P" | tail -1 | cut -d= -f2)"
