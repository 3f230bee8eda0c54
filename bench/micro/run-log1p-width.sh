#!/usr/bin/env bash
# Builds bench/micro/log1p_width.cc as wasm SIMD128 (Emscripten, run in Node without Liftoff so
# the optimising compiler's code is timed), native 128-bit (-march=x86-64-v2, Highway's SSE4 target) and native
# -march=native, and runs the three one after another. Only ratios within one run mean much on
# a shared machine. With --ulp, the 128-bit native build (no fused multiply-add, as wasm) also
# checks ck::log1p_nonnegative on every float32. Needs the toolchain of scripts/setup-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")"
inc=../../kernels-cpp/include
out="${TMPDIR:-/tmp}/ck-log1p-width"
mkdir -p "$out"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
em++ -O3 -msimd128 -I"$inc" -idirafter /usr/include -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 log1p_width.cc -o "$out/wasm.js"
g++ -O3 -march=x86-64-v2 -DHWY_DISABLE_PCLMUL_AES -I"$inc" -DHWY_COMPILE_ONLY_STATIC log1p_width.cc -o "$out/sse4"
g++ -O3 -march=native -I"$inc" -DHWY_COMPILE_ONLY_STATIC log1p_width.cc -o "$out/native"
echo -n "wasm (node --no-liftoff): "; node --no-liftoff --no-experimental-fetch "$out/wasm.js"
echo -n "native -march=x86-64-v2: "; "$out/sse4" "$@"
echo -n "native -march=native:    "; "$out/native"
