#!/usr/bin/env bash
# Exhaustive check of the float32 expm1 of HVG seurat's pass (scripts/check-expm1-float.cc)
# against glibc (native g++) and musl (Emscripten, run in node). About 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
src=(scripts/check-expm1-float.cc kernels-cpp/src/runtime.cc)
g++ -O2 -march=x86-64-v2 -std=c++17 -Ikernels-cpp/include -DHWY_COMPILE_ONLY_STATIC=1 -w "${src[@]}" -o "$out/check"
echo "glibc: $("$out/check")"
if command -v em++ >/dev/null; then
  NODE_PATH="${NODE_PATH:-/usr/share/nodejs}" em++ -O2 -std=c++17 -msimd128 -Ikernels-cpp/include -idirafter /usr/include -w \
    -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 "${src[@]}" -o "$out/check.js"
  echo "musl:  $(node --no-experimental-fetch "$out/check.js")"
fi
