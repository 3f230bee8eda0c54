#!/usr/bin/env bash
# Builds the optional CUDA addon (kernels-cpp/cuda) with cmake-js:
#   build/cuda/Release/ck_cuda.node          the kernels compiled by nvcc (needs nvcc; runs where
#                                            an NVIDIA driver and GPU exist)
#   build/cuda-emu/Release/ck_cuda_emu.node  the same kernel sources as host C++ under the launch
#                                            emulation (needs only g++; the tests run it)
#
#   bash scripts/build-cuda.sh            both (npm run build:cuda)
#   bash scripts/build-cuda.sh --emu      the emulated addon only (npm run build:cuda-emu)
#   bash scripts/build-cuda.sh --device   the nvcc addon only
#   bash scripts/build-cuda.sh --check    the nvcc addon into build/cuda-check/ (CI: proves that it
#                                         compiles and links without installing it where init()
#                                         looks, so a machine without a GPU keeps "not built")
# Environment: CK_CUDA_ARCHS  GPU architectures for CMAKE_CUDA_ARCHITECTURES (default: "native"
#              when nvidia-smi sees a GPU, else "75-virtual;80-real;90-real");
#              CUDACXX        nvcc to use; CK_BUILD_JOBS  parallel compile jobs (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:---all}
case "$mode" in --all | --emu | --device | --check) ;; *) echo "usage: $0 [--all|--emu|--device|--check]" >&2; exit 2 ;; esac
if [ "$(uname -s)" != Linux ]; then
  echo "build-cuda: the CUDA addon is built and supported on Linux only (this is $(uname -s))" >&2
  exit 1
fi
CMAKE_JS=node_modules/cmake-js/bin/cmake-js
if [ ! -f "$CMAKE_JS" ] || [ ! -d node_modules/node-addon-api ]; then
  echo "build-cuda: cmake-js and node-addon-api are missing: run npm install first" >&2
  exit 1
fi
jobs=${CK_BUILD_JOBS:-2}

build() { # dir, extra cmake-js args…
  local dir=$1 start
  shift
  start=$(date +%s)
  node "$CMAKE_JS" build --log-level warn -d kernels-cpp/cuda -O "$dir" -p "$jobs" "$@"
  echo "build-cuda: $dir built in $(( $(date +%s) - start )) s"
}

if [ "$mode" = --all ] || [ "$mode" = --emu ]; then
  build build/cuda-emu --CDCK_CUDA_DEVICE=OFF --CDCK_CUDA_EMU=ON
fi

if [ "$mode" != --emu ]; then
  nvcc=${CUDACXX:-}
  if [ -z "$nvcc" ]; then
    for c in /usr/local/cuda/bin/nvcc "$(command -v nvcc || true)"; do
      if [ -n "$c" ] && [ -x "$c" ]; then nvcc=$c; break; fi
    done
  fi
  if [ -z "$nvcc" ]; then
    echo "build-cuda: nvcc not found (install the CUDA toolkit, or set CUDACXX); the device addon was not built" >&2
    exit 1
  fi
  archs=${CK_CUDA_ARCHS:-}
  if [ -z "$archs" ] && nvidia-smi -L >/dev/null 2>&1; then archs=native; fi
  args=(--CDCK_CUDA_DEVICE=ON --CDCK_CUDA_EMU=OFF "--CDCMAKE_CUDA_COMPILER=$nvcc")
  [ -n "$archs" ] && args+=("--CDCMAKE_CUDA_ARCHITECTURES=$archs")
  build "$([ "$mode" = --check ] && echo build/cuda-check || echo build/cuda)" "${args[@]}"
fi
