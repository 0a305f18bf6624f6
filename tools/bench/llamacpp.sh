#!/usr/bin/env bash
# Decode benchmark of the llama.cpp engine (GGUF) on the GPT-2-small-shaped random model, in Q8_0
# and F16, at batch 1: tokens/s, prefill, load and peak RSS. See tools/bench/README.md.
#
#   tools/bench/llamacpp.sh       # MODEL_DIR, GGUF_DIR, THREADS, RUNS, ROUNDS, PYTHON overridable by env
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
GGUF_DIR=${GGUF_DIR:-/tmp/maltese-bench/gpt2-small-gguf}
THREADS=${THREADS:-$(nproc)}
RUNS=${RUNS:-3}        # timed runs per process (after one warm-up)
ROUNDS=${ROUNDS:-2}    # processes per file, alternating Q8_0, F16, Q8_0, F16
PYTHON=${PYTHON:-/tmp/ref/bin/python}

build_classpath

if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "== making $MODEL_DIR"
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi
echo "== GGUF files"
"$PYTHON" tools/bench/make_gguf_gpt2.py "$MODEL_DIR" "$GGUF_DIR"

run() {
  java -Xms64m -Xmx256m -cp "$CP" com.cryptomaltese.gateway.engine.llamacpp.LlamaCppDecodeBenchmark \
    "$GGUF_DIR/$1" "$RUNS" "$THREADS" 2>"$OUT/llamacpp-$1.err"
}

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (run on a quiet machine)"
: >"$OUT/llamacpp-q8_0.txt"; : >"$OUT/llamacpp-f16.txt"
for round in $(seq 1 "$ROUNDS"); do
  for q in q8_0 f16; do
    echo "-- round $round: $q"; run "$q" | tee -a "$OUT/llamacpp-$q.txt" | grep -E '^run '
  done
done

Q=$OUT/llamacpp-q8_0.txt; F=$OUT/llamacpp-f16.txt
echo
echo "== results ($THREADS threads, $ROUNDS processes x $RUNS timed runs per file, best of each)"
printf '%-28s %12s %12s\n' "" "Q8_0" "F16"
printf '%-28s %12s %12s\n' "decode tokens/s" "$(best decode_tps "$Q")" "$(best decode_tps "$F")"
printf '%-28s %12s %12s\n' "prefill 32 tokens (ms)" "$(least prefill_ms "$Q")" "$(least prefill_ms "$F")"
printf '%-28s %12s %12s\n' "load, warm cache (s)" "$(least load_s "$Q")" "$(least load_s "$F")"
printf '%-28s %12s %12s\n' "RSS after load (MB)" "$(best rss_after_load_mb "$Q")" "$(best rss_after_load_mb "$F")"
printf '%-28s %12s %12s\n' "peak RSS (MB)" "$(best peak_rss_mb "$Q")" "$(best peak_rss_mb "$F")"
printf '%-28s %12s %12s\n' "RSS before load (MB)" "$(least rss_before_load_mb "$Q")" "$(least rss_before_load_mb "$F")"
printf '%-28s %12s %12s\n' "RSS after unload (MB)" "$(best rss_after_unload_mb "$Q")" "$(best rss_after_unload_mb "$F")"
printf '%-28s %12s %12s\n' "RSS, 2nd load+unload (MB)" "$(best rss_after_second_load_and_unload_mb "$Q")" \
  "$(best rss_after_second_load_and_unload_mb "$F")"
printf '%-28s %12s %12s\n' "file bytes" "$(best file_bytes "$Q")" "$(best file_bytes "$F")"
