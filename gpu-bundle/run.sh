#!/bin/sh
# A check of jpac's CUDA backend on a GPU host, from the bundle that
# `./jpac gpu-bundle OUT.tgz` builds: needs a Linux x86-64 host with an NVIDIA
# driver, nothing else (the bundle brings its own Java runtime, jpac's jars and
# native libraries, and the golden cases). Runs
#   1. jpac info                     (is the GPU seen, and why not)
#   2. jpac verify golden/ops        on CUDA tensors (JPAC_BACKEND=cuda)
#   3. jpac gpu-bench --check         times of the fused ops on cuda:0 (and their results
#      checked against the CPU backend's at these shapes), for each of
#      JPAC_BENCH_CONFIGS (default "1x32 8x64": batch x channels), beside
#      cuDNN's fp32 convolutions of the same shapes (bin/jpac-cudnn-bench; cuDNN
#      is taken from the host, skipped with a line when absent) and, when
#      PACNET_DIR names a checkout of NVlabs/pacnet and python3 has PyTorch,
#      the authors' PyTorch PAC (pytorch_pac_bench.py)
#   4. the golden cases under compute-sanitizer memcheck and racecheck, when it is on PATH
#   5. ncu's speed-of-light section for each kernel, when ncu is on PATH
# and prints one summary table. Usage: ./run.sh   (from the unpacked bundle)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LOG="${JPAC_LOG_DIR:-$HERE/logs}"
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

# The benchmark configurations, "BATCHxCHANNELS" (256x256 images, 5x5 windows, 8 guide channels).
CONFIGS=${JPAC_BENCH_CONFIGS:-"1x32 8x64"}
bench_args=""
emulated=0
if grep -q '^cuda backend: EMULATED' "$LOG/info.txt"; then
    # The emulator (a test hook standing in for the GPU) is far too slow at full size.
    bench_args="--size tiny --runs 1 --warmup 0"
    CONFIGS="1x8"
    emulated=1
fi

# cuDNN comes from the host: the loader's paths, LD_LIBRARY_PATH, or a Python
# environment's nvidia-cudnn wheel (PyTorch brings one).
cudnn_dir=""
if ! ldconfig -p 2>/dev/null | grep -q 'libcudnn.so.9 '; then
    cudnn_dir=$(find /usr /opt "$HOME" -name 'libcudnn.so.9' -path '*nvidia*' 2>/dev/null | head -n 1)
    # Beside it, the wheels' other libraries (cuBLAS and the like) that cuDNN's engines load.
    [ -n "$cudnn_dir" ] && cudnn_dir=$(find "${cudnn_dir%/*/lib/*}" -maxdepth 3 -type d -name lib | tr '\n' ':')
fi
PYTORCH_PAC=${PACNET_DIR:-}

for config in $CONFIGS; do
    batch=${config%x*}
    channels=${config#*x}
    tag="n${batch}c${channels}"
    echo "== jpac gpu-bench --batch $batch --channels $channels: the fused ops on cuda:0"
    # shellcheck disable=SC2086
    jpac gpu-bench --batch "$batch" --channels "$channels" --check $bench_args > "$LOG/gpu-bench-$tag.txt" 2>&1
    status=$?
    cat "$LOG/gpu-bench-$tag.txt"
    row "gpu-bench $config" "$status" "$LOG/gpu-bench-$tag.txt"
    [ "$emulated" -eq 1 ] && continue

    echo "== cuDNN convolutions of the same shapes"
    LD_LIBRARY_PATH="${cudnn_dir}${LD_LIBRARY_PATH:-}" "$HERE/bin/jpac-cudnn-bench" \
        --batch "$batch" --channels "$channels" > "$LOG/cudnn-$tag.txt" 2>&1
    status=$?
    cat "$LOG/cudnn-$tag.txt"
    if [ "$status" -eq 3 ]; then
        SUMMARY="$SUMMARY$(printf '%-34s %s' "cuDNN $config" "skipped: $(head -n 1 "$LOG/cudnn-$tag.txt")")
"
    else
        row "cuDNN $config" "$status" "$LOG/cudnn-$tag.txt"
    fi

    if [ -n "$PYTORCH_PAC" ] && [ -f "$PYTORCH_PAC/pac.py" ]; then
        echo "== the authors' PyTorch PAC ($PYTORCH_PAC/pac.py) on the same shapes"
        python3 "$HERE/pytorch_pac_bench.py" --pacnet "$PYTORCH_PAC" --batch "$batch" --channels "$channels" \
            > "$LOG/pytorch-$tag.txt" 2>&1
        status=$?
        cat "$LOG/pytorch-$tag.txt"
        row "PyTorch PAC $config" "$status" "$LOG/pytorch-$tag.txt"
    else
        echo "== the authors' PyTorch PAC: skipped (set PACNET_DIR to a checkout of NVlabs/pacnet)"
    fi
    echo "== jpac against cuDNN and PyTorch PAC, $config (median ms; MiB of device memory)"
    cat "$LOG/gpu-bench-$tag.txt" "$LOG/cudnn-$tag.txt" "$LOG/pytorch-$tag.txt" 2>/dev/null | awk -f "$HERE/compare.awk" | tee "$LOG/compare-$tag.txt"
done

if command -v compute-sanitizer >/dev/null 2>&1; then
    for tool in memcheck racecheck; do
        echo "== compute-sanitizer --tool $tool: jpac verify golden/ops on CUDA"
        JPAC_BACKEND=cuda timeout 150 compute-sanitizer --tool "$tool" --error-exitcode 99 --target-processes all \
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

if [ "$emulated" -eq 0 ] && command -v ncu >/dev/null 2>&1; then
    # Hardware counters of each kernel, one call per case: how near each comes to the
    # memory and compute ceilings (its bound), its occupancy and what its warps wait
    # for. Clocks left alone, as benchmarks run.
    echo "== ncu speed of light: each kernel of one gpu-bench call per case"
    timeout 150 ncu --target-processes all --clock-control none --section SpeedOfLight \
        --section Occupancy --section WarpStateStats \
        "$JAVA" --enable-native-access=ALL-UNNAMED "-Djpac.cache.dir=$HERE/cache" -cp "$CP" \
        org.jpac.cli.Main gpu-bench --channels 64 --runs 1 --warmup 0 > "$LOG/ncu.txt" 2>&1
    status=$?
    grep -E '^  [a-z_]+.*\(|Throughput|Duration|Achieved Occupancy|Stall|Warp Cycles Per Issued' "$LOG/ncu.txt" |
        head -n 120
    row "ncu speed of light" "$status" "$LOG/ncu.txt"
fi

printf '\n== summary (logs in %s)\n%s' "$LOG" "$SUMMARY"
case "$SUMMARY" in *FAILED*) exit 1 ;; esac
exit 0
