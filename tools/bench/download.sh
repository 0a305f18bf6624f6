#!/usr/bin/env bash
# Download benchmark: the gateway's Hub download (listing, redirect, transfer, sha256 check, atomic
# rename, snapshot) of a 1 GiB LFS file from a loopback server speaking the Hub's wire format, against
# curl fetching the same resolve URL (following the same redirect) in the same run. See tools/bench/README.md.
#
#   tools/bench/download.sh            # ROUNDS, SIZE_MB, WORK, JAVA_OPTS overridable by env
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/bench/common.sh

ROUNDS=${ROUNDS:-3}            # rounds: one gateway JVM (a cold then a warm download), then curl
SIZE_MB=${SIZE_MB:-1024}
WORK=${WORK:-/tmp/maltese-bench/download}
JAVA_OPTS=${JAVA_OPTS:-"-Xms64m -Xmx256m"}
mkdir -p "$WORK" "$OUT"

build_classpath

FILE=$WORK/blob-${SIZE_MB}m
if [ ! -f "$FILE" ]; then
  echo "== making $FILE (random bytes)"
  head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$FILE.tmp" && mv "$FILE.tmp" "$FILE"
fi

echo "== starting the Hub server (its own process)"
java -Xmx128m -cp "$CP" com.cryptomaltese.gateway.bench.HubBenchServer "$FILE" >"$OUT/hub-server.txt" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK/models" "$WORK/curl.out"' EXIT
for _ in $(seq 600); do grep -q '^url=' "$OUT/hub-server.txt" && break; sleep 0.1; done
URL=$(grep '^url=' "$OUT/hub-server.txt" | cut -d= -f2)
RESOLVE=$URL/bench/one-gib/resolve/main/model.safetensors
SHA=$(grep '^sha256=' "$OUT/hub-server.txt" | cut -d= -f2)
BYTES=$(grep '^size=' "$OUT/hub-server.txt" | cut -d= -f2)

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (run on a quiet machine)"
: >"$OUT/download.txt"
for round in $(seq 1 "$ROUNDS"); do
  java $JAVA_OPTS -cp "$CP" com.cryptomaltese.gateway.hub.HubDownloadBenchmark "$URL" "$WORK/models" 2 2>"$OUT/gateway.err" \
    | sed "s/^/round=$round /" | tee -a "$OUT/download.txt" | grep -E 'gateway_mb_per_s|cpu|sha256=' | tr '\n' ' '; echo
  rm -f "$WORK/curl.out"
  # bash's time: wall, user and system CPU of curl; speed_download is bytes/s
  line=$( { TIMEFORMAT='%R %U %S'; time curl -s -L -o "$WORK/curl.out" -w '%{speed_download} ' "$RESOLVE"; } 2>&1 )
  read -r speed wall user sys <<<"$line"
  awk -v r="$round" -v s="$speed" -v w="$wall" -v u="$user" -v y="$sys" \
    'BEGIN { printf "round=%s curl_seconds=%.3f\nround=%s curl_mb_per_s=%.1f\nround=%s curl_cpu_seconds=%.2f\n", r, w, r, s / 1e6, r, u + y }' \
    | tee -a "$OUT/download.txt" | grep -E 'mb_per_s|cpu' | tr '\n' ' '; echo
  # A verified download done with the shell's tools: curl's bytes go to the file and, through tee, to
  # OpenSSL's SHA-256 (the SHA extensions, as the gateway's) while they arrive; then the hash is compared.
  rm -f "$WORK/curl.out"
  line=$( { TIMEFORMAT='%R %U %S'; time { sum=$(curl -s -L "$RESOLVE" | tee "$WORK/curl.out" | openssl dgst -sha256 -r | cut -d' ' -f1); [ "$sum" = "$SHA" ] || echo "sha256 mismatch: $sum" >&2; }; } 2>&1 )
  read -r wall user sys <<<"$line"
  awk -v r="$round" -v b="$BYTES" -v w="$wall" -v u="$user" -v y="$sys" \
    'BEGIN { printf "round=%s verified_curl_mb_per_s=%.1f\nround=%s verified_curl_cpu_seconds=%.2f\n", r, b / w / 1e6, r, u + y }' \
    | tee -a "$OUT/download.txt" | tr '\n' ' '; echo
done

best() { grep " $1=" "$OUT/download.txt" | cut -d= -f3 | sort -g | tail -1; }
median() { grep " $1=" "$OUT/download.txt" | cut -d= -f3 | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
g=$(best warm_gateway_mb_per_s); c=$(best curl_mb_per_s); gm=$(median warm_gateway_mb_per_s); cm=$(median curl_mb_per_s)
echo
echo "== results: $SIZE_MB MiB, $ROUNDS runs per side (MB = 10^6 bytes); gateway warm = second download in its JVM"
printf '%-30s %12s %12s\n' "" "gateway" "curl"
printf '%-30s %12s %12s\n' "throughput best (MB/s)" "$g" "$c"
printf '%-30s %12s %12s\n' "throughput median (MB/s)" "$gm" "$cm"
printf '%-30s %12s %12s\n' "CPU seconds (median)" "$(median warm_gateway_cpu_seconds)" "$(median curl_cpu_seconds)"
printf '%-30s %12s\n' "curl | tee | openssl sha256:" "best $(best verified_curl_mb_per_s), median $(median verified_curl_mb_per_s) MB/s, CPU s $(median verified_curl_cpu_seconds)"
printf '%-30s %12s %12s\n' "cold JVM: MB/s, CPU s (median)" "$(median cold_gateway_mb_per_s), $(median cold_gateway_cpu_seconds)" ""
echo "sha256 by                    $(grep -m1 ' gateway_sha256=' "$OUT/download.txt" | cut -d= -f3)"
echo "sha256 alone (MB/s, median)  $(median sha256_ceiling_mb_per_s)   (no verified download is faster)"
echo "ratio gateway / curl, best   $(awk -v a="$g" -v b="$c" 'BEGIN{printf "%.2f", a/b}')"
echo "ratio gateway / curl, median $(awk -v a="$gm" -v b="$cm" 'BEGIN{printf "%.2f", a/b}')"
echo "ratio gateway / verified curl, median $(awk -v a="$gm" -v b="$(median verified_curl_mb_per_s)" 'BEGIN{printf "%.2f", a/b}')"
# Each round's gateway against the curl right after it, then the median: less swayed by drift.
echo "ratio per round, median      $(paste <(grep ' warm_gateway_mb_per_s=' "$OUT/download.txt" | cut -d= -f3) \
  <(grep ' curl_mb_per_s=' "$OUT/download.txt" | cut -d= -f3) | awk '{print $1 / $2}' | sort -g \
  | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
