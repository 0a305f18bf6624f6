#!/bin/sh
# Starts the gateway with room for a model's weights. They live in direct buffers (in F32: twice
# the size of a BF16 file), which the JVM caps at the heap's maximum unless told otherwise, so a
# model over the heap's size failed to load with the heap nearly empty. Of the container's memory
# limit (the machine's memory without one) 65 % may hold weights; the heap gets 20 % (Dockerfile);
# the rest is libtorch, metaspace, threads. A MaxDirectMemorySize in JAVA_TOOL_OPTIONS wins.
set -eu

memory_limit() {
  total=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' "${MEMINFO:-/proc/meminfo}") # %d stops at 2^31 in mawk
  limit=$(cat "${MEMORY_LIMIT_FILE:-/sys/fs/cgroup/memory.max}" 2>/dev/null \
    || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || echo max)
  case "$limit" in
    '' | max | *[!0-9]*) echo "$total" ;;
    *) if [ "$limit" -lt "$total" ]; then echo "$limit"; else echo "$total"; fi ;;
  esac
}

case "${JAVA_TOOL_OPTIONS:-}" in
  *MaxDirectMemorySize*) set -- "$@" ;;
  *) set -- "-XX:MaxDirectMemorySize=$(( $(memory_limit) / 100 * 65 ))" "$@" ;;
esac
exec ${JAVA:-java} "$@" -Dai.djl.offline=true -jar /app/app.jar
