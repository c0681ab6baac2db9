#!/bin/sh
# The first GPU run of jpac's CUDA backend, from the bundle that
# `./jpac gpu-bundle OUT.tgz` builds: needs a Linux x86-64 host with an NVIDIA
# driver, nothing else (the bundle brings its own Java runtime, jpac's jars and
# native libraries, and the golden cases). Runs
#   1. jpac info                     (is the GPU seen, and why not)
#   2. jpac verify golden/ops        on CUDA tensors (JPAC_BACKEND=cuda)
#   3. the same under compute-sanitizer memcheck and racecheck, when it is on PATH
#   4. jpac gpu-bench                 times of the fused ops on cuda:0 (no cuDNN comparison yet)
# and prints one summary table. Usage: ./run.sh   (from the unpacked bundle)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOG="$HERE/logs"
mkdir -p "$LOG"
JAVA="$HERE/runtime/bin/java"
CP="$HERE/lib/jpac.jar:$HERE/lib/jpac-natives.jar:$HERE/lib/jpac-tools.jar"

jpac() {
    "$JAVA" --enable-native-access=ALL-UNNAMED "-Djpac.cache.dir=$HERE/cache" -cp "$CP" org.jpac.cli.Main "$@"
}

SUMMARY=""
# row <step> <exit status> <text>: one line of the summary table.
row() {
    if [ "$2" -eq 0 ]; then result="ok"; else result="FAILED (exit $2)"; fi
    SUMMARY="$SUMMARY$(printf '%-34s %-18s %s' "$1" "$result" "$3")
"
}

echo "== jpac info"
jpac info 2>&1 | tee "$LOG/info.txt"
cuda_line=$(grep '^cuda available: ' "$LOG/info.txt")
if ! grep -q '^cuda available: yes' "$LOG/info.txt"; then
    echo "jpac does not see a usable GPU (the 'cuda available' line says why): nothing more to run" >&2
    row "info: cuda" 1 "$cuda_line"
    printf '\n== summary\n%s' "$SUMMARY"
    exit 1
fi

echo "== jpac verify golden/ops on CUDA"
row "info: cuda" 0 "$cuda_line"
JPAC_BACKEND=cuda jpac verify "$HERE/golden/ops" 2>&1 | tee "$LOG/verify-cuda.txt"
row "verify golden/ops (cuda)" "$(grep -q ' 0 failed' "$LOG/verify-cuda.txt"; echo $?)" \
    "$(tail -n 1 "$LOG/verify-cuda.txt")"

if command -v compute-sanitizer >/dev/null 2>&1; then
    for tool in memcheck racecheck; do
        echo "== compute-sanitizer --tool $tool: jpac verify golden/ops on CUDA"
        JPAC_BACKEND=cuda compute-sanitizer --tool "$tool" --error-exitcode 99 --target-processes all \
            "$JAVA" --enable-native-access=ALL-UNNAMED "-Djpac.cache.dir=$HERE/cache" -cp "$CP" \
            org.jpac.cli.Main verify "$HERE/golden/ops" > "$LOG/sanitizer-$tool.txt" 2>&1
        status=$?
        tail -n 5 "$LOG/sanitizer-$tool.txt"
        row "compute-sanitizer $tool" "$status" "$(grep -m 1 'ERROR SUMMARY' "$LOG/sanitizer-$tool.txt")"
    done
else
    echo "== compute-sanitizer: not on PATH, skipped (it comes with the CUDA toolkit)"
    SUMMARY="$SUMMARY$(printf '%-34s %s' "compute-sanitizer" "skipped: not on PATH")
"
fi

echo "== jpac gpu-bench: the fused ops on cuda:0"
bench_args=""
if grep -q '^cuda backend: EMULATED' "$LOG/info.txt"; then
    # The emulator (a test hook standing in for the GPU) is far too slow at full size.
    bench_args="--size tiny --runs 1 --warmup 0"
fi
# shellcheck disable=SC2086
jpac gpu-bench $bench_args > "$LOG/gpu-bench.txt" 2>&1
status=$?
cat "$LOG/gpu-bench.txt"
row "gpu-bench" "$status" "see above and $LOG/gpu-bench.txt"
SUMMARY="$SUMMARY$(printf '%-34s %s' "cuDNN comparison" "not in this bundle yet (issue 14)")
"
printf '\n== summary (logs in %s)\n%s' "$LOG" "$SUMMARY"
case "$SUMMARY" in *FAILED*) exit 1 ;; esac
exit 0
