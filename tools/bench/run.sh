#!/usr/bin/env bash
# Decode benchmark: Maltese's DJL engine against Hugging Face transformers on a GPT-2-small-shaped
# model (random weights, F32). See tools/bench/README.md.
#
#   tools/bench/run.sh            # MODEL_DIR, THREADS, RUNS, ROUNDS, PYTHON overridable by env
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

MODEL_DIR=${MODEL_DIR:-/tmp/maltese-bench/gpt2-small}
THREADS=${THREADS:-$(nproc)}
RUNS=${RUNS:-3}        # timed runs per process (after one warm-up)
ROUNDS=${ROUNDS:-2}    # processes per side, alternating Java, Python, Java, Python
PYTHON=${PYTHON:-/tmp/ref/bin/python}
# The engine keeps the weights off-heap (direct buffers, which count against
# MaxDirectMemorySize) and its heap holds only small objects: a small heap, a collector that
# keeps no spare regions, and native-heap trimming keep the resident set near the weights.
# JAVA_OPTS="-Xms64m -Xmx512m -XX:MaxDirectMemorySize=8g" gives the G1 figures of tools/bench/README.md.
JAVA_OPTS=${JAVA_OPTS:-"-Xms16m -Xmx256m -XX:MaxDirectMemorySize=8g -XX:+UseSerialGC -XX:TrimNativeHeapInterval=1000"}

build_classpath

if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  echo "== making $MODEL_DIR"
  "$PYTHON" tools/bench/make_gpt2_small.py "$MODEL_DIR"
fi

java_side() {
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
    $JAVA_OPTS -cp "$CP" com.cryptomaltese.gateway.bench.DecodeBenchmark "$MODEL_DIR" "$RUNS" 2>"$OUT/java.err"
}
python_side() {
  "$PYTHON" tools/bench/transformers_decode.py --model "$MODEL_DIR" --threads "$THREADS" --runs "$RUNS" 2>"$OUT/python.err"
}

echo "== java options: $JAVA_OPTS"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (run on a quiet machine)"
: >"$OUT/java.txt"; : >"$OUT/python.txt"
for round in $(seq 1 "$ROUNDS"); do
  echo "-- round $round: java";   java_side   | tee -a "$OUT/java.txt"   | grep -E '^run '
  echo "-- round $round: python"; python_side | tee -a "$OUT/python.txt" | grep -E '^run '
done

# best over all processes for speeds, and the last process for load/RSS figures
# median of one figure over every timed run of every process of a side ("run ... decode_tps=x ...")
median() { grep '^run ' "$2" | grep -o "$1=[0-9.]*" | cut -d= -f2 | sort -g \
  | awk '{v[NR]=$1} END{if (NR==0) exit; print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
J=$OUT/java.txt; P=$OUT/python.txt
jt=$(best decode_tps "$J"); pt=$(best decode_tps "$P")
wb=$(best weight_bytes "$J")
jrss=$(best peak_rss_mb "$J"); prss=$(best peak_rss_mb "$P")
echo
echo "== results ($THREADS threads, $ROUNDS processes x $RUNS timed runs per side, best of each)"
printf '%-28s %12s %14s\n' "" "djl (java)" "transformers"
printf '%-28s %12s %14s\n' "decode tokens/s" "$jt" "$pt"
printf '%-28s %12s %14s\n' "decode tokens/s (median)" "$(median decode_tps "$J")" "$(median decode_tps "$P")"
printf '%-28s %12s %14s\n' "prefill 32 tokens (ms)" "$(least prefill_ms "$J")" "$(least prefill_ms "$P")"
printf '%-28s %12s %14s\n' "load, warm cache (s)" "$(least load_s "$J")" "$(least load_s "$P")"
printf '%-28s %12s %14s\n' "peak RSS (MB)" "$jrss" "$prss"
printf '%-28s %12s %14s\n' "peak RSS / weight bytes" \
  "$(awk -v r="$jrss" -v w="$wb" 'BEGIN{printf "%.2f", r*1048576/w}')" \
  "$(awk -v r="$prss" -v w="$wb" 'BEGIN{printf "%.2f", r*1048576/w}')"
echo "weight bytes                 $wb"
echo "ratio java / transformers    $(awk -v a="$jt" -v b="$pt" 'BEGIN{printf "%.2f", a/b}') (best), $(awk -v a="$(median decode_tps "$J")" -v b="$(median decode_tps "$P")" 'BEGIN{printf "%.2f", a/b}') (median)"
echo "java NDArrays per decode step $(best arrays_per_step "$J"); CPU ms per token on the generating thread $(least cpu_ms_per_token "$J")"
echo "stream bandwidth (GB/s)      $(best bandwidth_gbs "$J")  -> limit $(best bandwidth_limit_tps "$J") tokens/s"
echo "bandwidth fraction (java)    $(best bandwidth_fraction "$J")"
echo "bandwidth fraction (transf.) $(awk -v t="$pt" -v l="$(best bandwidth_limit_tps "$J")" 'BEGIN{printf "%.2f", t/l}')"
echo "greedy ids java   $(grep '^first_ids=' "$J" | tail -1 | cut -d= -f2)"
echo "greedy ids python $(grep '^first_ids=' "$P" | tail -1 | cut -d= -f2)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
