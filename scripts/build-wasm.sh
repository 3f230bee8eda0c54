#!/usr/bin/env bash
# Builds the three Emscripten variants of kernels-cpp into build/wasm/ (CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"   # emcc's optimiser needs Debian's acorn
command -v emcmake >/dev/null || { echo "emcmake not found: run scripts/setup-toolchain.sh" >&2; exit 1; }
emcmake cmake -S . -B build/cmake-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/cmake-wasm -j "$(nproc)"
# The threaded glue is CommonJS; mark the folder so Node does not read it as ESM.
printf '{ "type": "commonjs" }\n' > build/wasm/package.json
