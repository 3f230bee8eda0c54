#!/usr/bin/env bash
# Times two versions of kernels-cpp/src/expm1_mean_var.cc against each other in one process
# (bench/micro/expm1_mean_var_ab.cc), as wasm SIMD128 in Node and as native 128-bit
# (-march=x86-64-v2), three rounds alternating the two builds. A change's effect on each, and
# whether it narrows the wasm ÷ native gap, without the host's drift between processes:
#
#   git show HEAD~1:kernels-cpp/src/expm1_mean_var.cc > /tmp/a.cc
#   bash bench/micro/run-expm1-mean-var-ab.sh /tmp/a.cc kernels-cpp/src/expm1_mean_var.cc [plain] [negative]
#
# (paths relative to the repository root; "plain" times the statistics of X instead of expm1(X),
# "negative" makes every 100th value negative).
# Needs the toolchain of scripts/setup-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 A.cc B.cc [plain] [negative]" >&2; exit 2; }
a="$(realpath "$1")"
b="$(realpath "$2")"
inc=kernels-cpp/include
out="${TMPDIR:-/tmp}/ck-expm1-ab"
mkdir -p "$out"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
ren_a=(-Dck_expm1_mean_var_csr_f32=A_f32 -Dck_expm1_mean_var_csr_f64=A_f64)
ren_b=(-Dck_expm1_mean_var_csr_f32=B_f32 -Dck_expm1_mean_var_csr_f64=B_f64)
nat=(g++ -O3 -march=x86-64-v2 -std=c++17 -I"$inc" -DHWY_COMPILE_ONLY_STATIC=1 -DNDEBUG -w)
wasm=(em++ -O3 -msimd128 -std=c++17 -I"$inc" -idirafter /usr/include -DNDEBUG -w)
"${nat[@]}" -c "$a" "${ren_a[@]}" -o "$out/na.o"
"${nat[@]}" -c "$b" "${ren_b[@]}" -o "$out/nb.o"
"${nat[@]}" bench/micro/expm1_mean_var_ab.cc "$out/na.o" "$out/nb.o" kernels-cpp/src/runtime.cc -o "$out/native"
"${wasm[@]}" -c "$a" "${ren_a[@]}" -o "$out/wa.o"
"${wasm[@]}" -c "$b" "${ren_b[@]}" -o "$out/wb.o"
"${wasm[@]}" -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 bench/micro/expm1_mean_var_ab.cc "$out/wa.o" "$out/wb.o" \
  kernels-cpp/src/runtime.cc -o "$out/wasm.js"
shift 2
for round in 1 2 3; do
  echo "native -march=x86-64-v2: $("$out/native" "$@")"
  echo "wasm:                    $(node --no-experimental-fetch "$out/wasm.js" "$@")"
done
