#!/usr/bin/env bash
# Compiles src/main/cuda/*.cu into one fatbin resource (SASS sm_80 + sm_90, PTX compute_90),
# warnings as errors. Without nvcc (PATH, then CUDA_HOME, then /usr/local/cuda) the build goes
# on and says once that the jar carries no GPU kernels.
set -euo pipefail
src_dir="$1"; out_dir="$2"
out="$out_dir/pixelcnn_kernels.fatbin"
nvcc_bin="$(command -v nvcc || true)"
if [[ -z "$nvcc_bin" && -n "${CUDA_HOME:-}" && -x "$CUDA_HOME/bin/nvcc" ]]; then nvcc_bin="$CUDA_HOME/bin/nvcc"; fi
if [[ -z "$nvcc_bin" && -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
if [[ -z "$nvcc_bin" ]]; then
  echo "[pixelcnn-engine] nvcc not found (PATH, CUDA_HOME, /usr/local/cuda): the jar has NO GPU kernels; the CPU backend works, the CUDA backend will refuse to start."
  rm -f "$out"
  exit 0
fi
shopt -s nullglob
sources=("$src_dir"/*.cu)
if (( ${#sources[@]} == 0 )); then echo "[pixelcnn-engine] no .cu files in $src_dir"; exit 0; fi
mkdir -p "$out_dir"
# Rebuild only when a source is newer than the fatbin.
if [[ -f "$out" ]]; then
  stale=0
  for f in "${sources[@]}" "$src_dir"/*.cuh; do [[ -e "$f" && "$f" -nt "$out" ]] && stale=1; done
  if (( stale == 0 )); then exit 0; fi
fi
unity="$(mktemp --suffix=.cu)"
trap 'rm -f "$unity"' EXIT
for f in "${sources[@]}"; do echo "#include \"$f\"" >> "$unity"; done
"$nvcc_bin" --fatbin -O3 -std=c++17 -I"$src_dir" \
  -Werror all-warnings -Xcompiler -Wall,-Werror \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$out.tmp" "$unity"
mv "$out.tmp" "$out"
echo "[pixelcnn-engine] nvcc $("$nvcc_bin" --version | tail -n 2 | head -n 1): built $(basename "$out") from ${#sources[@]} source(s)"
