#!/usr/bin/env bash
# Compiles SRC_DIR/*.cu into one fatbin, OUT_DIR/pixelcnn_kernels.fatbin (SASS sm_80 + sm_90,
# PTX compute_90), warnings as errors. Maven runs it in generate-resources, so the fatbin lands in
# the jar as /org/pixelcnn/backend/cuda/pixelcnn_kernels.fatbin.
#   bash tools/build-kernels.sh SRC_DIR OUT_DIR
# nvcc is looked up in PCE_NVCC (a path, or "none" to build without kernels), then PATH, then
# $CUDA_HOME/bin, then /usr/local/cuda/bin. Without nvcc the build goes on and says once that the
# jar carries no GPU kernels (exit 0). A compile error or warning fails the build (exit 1).
set -euo pipefail
if (( $# != 2 )); then echo "usage: build-kernels.sh SRC_DIR OUT_DIR" >&2; exit 2; fi
mkdir -p "$2"
src_dir="$(cd "$1" && pwd)"; out_dir="$(cd "$2" && pwd)"
out="$out_dir/pixelcnn_kernels.fatbin"
no_kernels="no GPU kernels in the jar; the CPU backend works, the CUDA backend will refuse to start."

find_nvcc() {
  if [[ -n "${PCE_NVCC:-}" ]]; then
    [[ "$PCE_NVCC" == none ]] || echo "$PCE_NVCC"
    return
  fi
  if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return; fi
  if [[ -n "${CUDA_HOME:-}" && -x "$CUDA_HOME/bin/nvcc" ]]; then echo "$CUDA_HOME/bin/nvcc"; return; fi
  if [[ -x /usr/local/cuda/bin/nvcc ]]; then echo /usr/local/cuda/bin/nvcc; fi
}
nvcc_bin="$(find_nvcc)"
if [[ -z "$nvcc_bin" ]]; then
  if [[ "${PCE_NVCC:-}" == none ]]; then why="PCE_NVCC=none"; else why="not on PATH, in \$CUDA_HOME/bin or /usr/local/cuda/bin"; fi
  echo "[pixelcnn-engine] nvcc not found ($why): $no_kernels"
  rm -f "$out"
  exit 0
fi
if [[ ! -x "$nvcc_bin" ]]; then echo "[pixelcnn-engine] PCE_NVCC=$nvcc_bin is not an executable nvcc" >&2; exit 1; fi

shopt -s nullglob
sources=("$src_dir"/*.cu)
if (( ${#sources[@]} == 0 )); then
  echo "[pixelcnn-engine] no .cu files in $src_dir: $no_kernels"
  rm -f "$out"
  exit 0
fi
# Rebuild only when a source, a header or this script is newer than the fatbin.
if [[ -f "$out" ]]; then
  stale=0
  for f in "${sources[@]}" "$src_dir"/*.cuh "${BASH_SOURCE[0]}"; do [[ "$f" -nt "$out" ]] && stale=1; done
  if (( stale == 0 )); then exit 0; fi
fi
# One translation unit that includes every kernel file, so that nvcc runs once.
unity="$(mktemp --suffix=.cu)"
trap 'rm -f "$unity" "$out.tmp"' EXIT
for f in "${sources[@]}"; do echo "#include \"$f\"" >> "$unity"; done
"$nvcc_bin" --fatbin -O3 -std=c++17 -I"$src_dir" \
  -Werror all-warnings -Xcompiler -Wall,-Werror \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$out.tmp" "$unity"
mv "$out.tmp" "$out"
echo "[pixelcnn-engine] nvcc $("$nvcc_bin" --version | tail -n 2 | head -n 1): built $(basename "$out") from ${#sources[@]} source(s)"
