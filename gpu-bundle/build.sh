#!/usr/bin/env bash
# Builds the GPU bundle: ./jpac gpu-bundle OUT.tgz runs this after building jpac.
# Usage: build.sh OUT.tgz JAVA_HOME API_JAR NATIVES_JAR TOOLS_JAR GOLDEN_DIR
# The bundle (at most 64 MiB) holds a jlinked java.base runtime, the three jars
# (the natives jar with libjpac, libdnnl, libgomp and libjpac_cuda; the API jar
# without model weights), the golden op cases, the cuDNN baseline (built here
# with nvcc) and run.sh; it needs nothing on the GPU host but the NVIDIA driver
# (cuDNN and PyTorch, for the comparisons, are taken from the host when there).
set -euo pipefail

MAX_BYTES=$((64 * 1024 * 1024))
[[ $# -eq 6 ]] || { echo "usage: $0 OUT.tgz JAVA_HOME API_JAR NATIVES_JAR TOOLS_JAR GOLDEN_DIR" >&2; exit 2; }
out="$1" java_home="$2" api_jar="$3" natives_jar="$4" tools_jar="$5" golden="$6"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "jpac gpu-bundle: $*" >&2
  exit 1
}

"$java_home/bin/jar" tf "$natives_jar" | grep -q 'native/linux-x86_64/libjpac_cuda.so$' ||
  die "$natives_jar has no libjpac_cuda.so: build jpac where nvcc is found (CUDA toolkit), with -Djpac.cuda=AUTO or ON"
nvcc="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc 2>/dev/null | tail -n 1 || true)"
[[ -x "$nvcc" ]] || die "no nvcc (on PATH or under /usr/local/cuda*) to build the cuDNN benchmark"
[[ -d "$golden/ops" ]] || die "no golden op cases in $golden/ops (set -Djpac.golden.dir or put shared/golden beside the repo)"

stage="$(mktemp -d "${TMPDIR:-/tmp}/jpac-gpu-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
root="$stage/jpac-gpu"
mkdir -p "$root/lib" "$root/golden"

# FFM needs java.base only; the commands the bundle runs (info, verify) need no more.
"$java_home/bin/jlink" --add-modules java.base --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --output "$root/runtime"
# The bundle runs no network: the API jar goes without its bundled model weights (8 MB).
mkdir "$stage/api"
(cd "$stage/api" && "$java_home/bin/jar" xf "$api_jar" && rm -rf models &&
  "$java_home/bin/jar" cfm "$root/lib/jpac.jar" META-INF/MANIFEST.MF -C "$stage/api" .)
rm -rf "$stage/api"
cp "$natives_jar" "$root/lib/jpac-natives.jar"
cp "$tools_jar" "$root/lib/jpac-tools.jar"
cp -r "$golden/ops" "$root/golden/ops"
cp "$here/run.sh" "$here/compare.awk" "$here/pytorch_pac_bench.py" "$root/"
# The cuDNN baseline: host code only (cuDNN is dlopened there), static CUDA runtime.
mkdir -p "$root/bin"
"$nvcc" -O2 -std=c++17 -cudart static -o "$root/bin/jpac-cudnn-bench" "$here/cudnn_bench.cu" -ldl
chmod +x "$root/run.sh"
cat > "$root/README.txt" <<TXT
jpac GPU bundle, built $(date -u +%Y-%m-%dT%H:%MZ) from $(git -C "$here/.." describe --always --dirty 2>/dev/null || echo "an unknown commit").
On a Linux x86-64 host with an NVIDIA driver: tar xzf this file, then ./jpac-gpu/run.sh
(jpac info, the golden op cases on CUDA, jpac gpu-bench beside cuDNN and, with
PACNET_DIR=<a checkout of NVlabs/pacnet>, the authors' PyTorch PAC; compute-sanitizer
and ncu when present; comparison tables and a summary; logs in jpac-gpu/logs).
TXT

mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out.tmp" jpac-gpu
size=$(stat -c %s "$out.tmp")
if ((size > MAX_BYTES)); then
  rm -f "$out.tmp"
  die "the bundle is $size bytes, above the 64 MiB limit"
fi
mv "$out.tmp" "$out"
echo "jpac gpu-bundle: $out ($((size / 1024 / 1024)) MiB, $size bytes; limit 64 MiB)"
