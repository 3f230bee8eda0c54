#!/usr/bin/env bash
# Times two versions of one kernel source against each other in one process
# (bench/micro/<kernel>_ab.cc), as wasm SIMD128 in Node and as native 128-bit (the sse4 flavour
# of bench/native/build.mjs), three rounds alternating the two builds: a change's effect on
# each, and whether it narrows the wasm ÷ native gap, without the host's drift between processes.
#
#   git show HEAD~1:kernels-cpp/src/nnz_count.cc > /tmp/a.cc
#   bash bench/micro/run-ab.sh nnz_count /tmp/a.cc kernels-cpp/src/nnz_count.cc [harness args]
#
# Kernels with a harness: expm1_mean_var (args: plain, negative), nnz_count (nonzero, zeros,
# rows), sum (rows), mean_var, clipped_sums, convert (toCsc).
# Paths are relative to the repository root. Environment: CK_AB_INC_A=DIR compiles A against
# another copy of kernels-cpp/include (to time a change of a header: `git archive HEAD~1
# kernels-cpp/include | tar -x -C /tmp/old`, then CK_AB_INC_A=/tmp/old/kernels-cpp/include);
# CK_AB_MARCH=native builds the native side with -march=native instead (AVX-512 here).
# Needs the toolchain of scripts/setup-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 3 ] || { echo "usage: $0 KERNEL A.cc B.cc [args]" >&2; exit 2; }
kernel="$1"
harness="bench/micro/${kernel}_ab.cc"
[ -f "$harness" ] || { echo "no harness $harness" >&2; exit 2; }
a="$(realpath "$2")"
b="$(realpath "$3")"
shift 3
inc="$(realpath kernels-cpp/include)"
inc_a="$(realpath "${CK_AB_INC_A:-$inc}")"
out="${TMPDIR:-/tmp}/ck-ab-$kernel"
mkdir -p "$out"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
# every exported ck_* function of A as A_ck_*, of B as B_ck_*
renames() { sed -n 's/^CK_EXPORT int32_t \(ck_[a-z0-9_]*\)(.*/\1/p' "$2" | sed "s/.*/-D&=$1_&/"; }
mapfile -t ren_a < <(renames A "$a")
mapfile -t ren_b < <(renames B "$b")
if [ "${CK_AB_MARCH:-}" = native ]; then arch=(-march=native); else arch=(-march=x86-64-v2 -DHWY_DISABLE_PCLMUL_AES); fi
nat=(g++ -O3 "${arch[@]}" -std=c++17 -DHWY_COMPILE_ONLY_STATIC=1 -DNDEBUG -w)
wasm=(em++ -O3 -msimd128 -std=c++17 -idirafter /usr/include -DNDEBUG -w)
"${nat[@]}" -I"$inc_a" -c "$a" "${ren_a[@]}" -o "$out/na.o"
"${nat[@]}" -I"$inc" -c "$b" "${ren_b[@]}" -o "$out/nb.o"
"${nat[@]}" -I"$inc" "$harness" "$out/na.o" "$out/nb.o" kernels-cpp/src/runtime.cc -o "$out/native"
"${wasm[@]}" -I"$inc_a" -c "$a" "${ren_a[@]}" -o "$out/wa.o"
"${wasm[@]}" -I"$inc" -c "$b" "${ren_b[@]}" -o "$out/wb.o"
"${wasm[@]}" -I"$inc" -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 "$harness" "$out/wa.o" "$out/wb.o" \
  kernels-cpp/src/runtime.cc -o "$out/wasm.js"
for round in 1 2 3; do
  echo "native ${arch[0]}: $("$out/native" "$@")"
  echo "wasm:              $(node --no-experimental-fetch "$out/wasm.js" "$@")"
done
