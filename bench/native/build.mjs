/**
 * Builds bench/native/build/ck_native.node: every kernels-cpp/src/*.cc compiled natively
 * (g++ -O3 -march=native, pthread pool via CK_NATIVE_THREADS) plus addon.cc, the N-API shim
 * that lets the TypeScript C-ABI adapters drive it (see addon.cc).
 *
 * Highway: the kernels use static dispatch (one target per build, ck/simd.h), so "native" here
 * is the best target that -march=native enables (ck_simd_target() names it; AVX3_DL, 512-bit, on
 * this Xeon), not Highway's runtime dynamic dispatch, which would need foreach_target
 * restructuring of the kernels. HWY_COMPILE_ONLY_STATIC: Highway 1.0.3 with GCC 12 and
 * -march=native on Sapphire Rapids otherwise stops at "best baseline should be included in
 * dynamic targets".
 *
 * Objects are cached by a hash of source + includes + flags, so a rebuild after one kernel
 * changes recompiles that file only. A source that does not compile natively is left out and
 * reported (its kernels then show as "not built" in the native column).
 *
 *   node bench/native/build.mjs            → prints a JSON summary on the last line
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(dirname(HERE));
const SRC = join(REPO, 'kernels-cpp', 'src');
const INC = join(REPO, 'kernels-cpp', 'include');
const OUT = join(HERE, 'build');
const CXX = process.env.CXX ?? 'g++';
export const NATIVE_FLAGS = ['-O3', '-march=native', '-std=c++17', '-fPIC', '-pthread', '-DCK_NATIVE_THREADS=1', '-DHWY_COMPILE_ONLY_STATIC=1', '-DNDEBUG', '-w'];

function hashOf(parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}

function includesHash() {
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name));
      else files.push(join(d, f.name));
    }
  };
  walk(INC);
  return hashOf(files.sort().map((f) => f + readFileSync(f, 'utf8')));
}

/** CK_EXPORT prototypes of one source: [{ name, ret, params: [{ type, ptr }] , decl }]. */
export function parseExports(code) {
  const out = [];
  const re = /CK_EXPORT\s+([\w\s*]+?)\s*\b(ck_\w+)\s*\(([^)]*)\)/g;
  for (let m; (m = re.exec(code)); ) {
    const ret = m[1].replace(/\s+/g, ' ').trim();
    const raw = m[3].replace(/\s+/g, ' ').trim();
    const params = raw === '' || raw === 'void' ? [] : raw.split(',').map((p) => p.trim());
    const parsed = params.map((p) => {
      const mm = /^(.*?[\s*])(\w+)$/.exec(p);
      const type = (mm ? mm[1] : p).trim();
      return { type, ptr: type.includes('*') };
    });
    out.push({ name: m[2], ret, params: parsed, decl: `extern "C" ${ret} ${m[2]}(${raw});` });
  }
  return out;
}

const SCALARS = new Set(['int32_t', 'uint32_t', 'int', 'unsigned', 'double', 'float', 'uint8_t', 'int8_t', 'int64_t', 'uint64_t', 'size_t']);

function thunk(f) {
  if (f.name === 'ck_alloc') return `static double t_${f.name}(const double* a) { return (double)arena_alloc((uint64_t)a[0]); }`;
  if (f.name === 'ck_free') return `static double t_${f.name}(const double* a) { arena_free((uint64_t)a[0]); return 0; }`;
  if (f.name === 'ck_simd_target') return `static double t_${f.name}(const double*) { return 16; }`;
  const args = f.params.map((p, i) => (p.ptr ? `(${p.type})P(a[${i}])` : `(${p.type})a[${i}]`)).join(', ');
  if (f.ret === 'void') return `static double t_${f.name}(const double* a) { ${f.name}(${args}); (void)a; return 0; }`;
  return `static double t_${f.name}(const double* a) { (void)a; return (double)${f.name}(${args}); }`;
}

function supported(f) {
  if (['ck_alloc', 'ck_free', 'ck_simd_target'].includes(f.name)) return true;
  if (f.ret.includes('*')) return false;
  if (f.params.length > 16) return false;
  return f.params.every((p) => p.ptr || SCALARS.has(p.type.replace(/^const\s+/, '')));
}

/**
 * flavor 'native' (default): -march=native (AVX3_DL here). 'sse4': -march=x86-64-v2, i.e. 128-bit
 * vectors like wasm SIMD: the gap between the two is the vector width, the gap between sse4 and
 * the wasm build is what WebAssembly itself costs. HWY_DISABLE_PCLMUL_AES: x86-64-v2 has SSE4.2
 * but not AES/PCLMUL, which Highway 1.0 asks of its SSE4 target, so without it the static target
 * is SSSE3, whose unsigned min/max and compares are emulated in several instructions where wasm
 * SIMD has them (i32x4.min_u, …) as V8 lowers them to one SSE4.1 instruction. The kernels use
 * neither AES nor carry-less multiplication.
 */
export const SSE4_FLAGS = ['-march=x86-64-v2', '-DHWY_DISABLE_PCLMUL_AES'];
export async function buildNative({ log = () => {}, flavor = 'native' } = {}) {
  mkdirSync(OUT, { recursive: true });
  const t0 = performance.now();
  const base = flavor === 'sse4' ? NATIVE_FLAGS.flatMap((f) => (f === '-march=native' ? SSE4_FLAGS : [f])) : NATIVE_FLAGS;
  const flags = [...base, '-I', INC];
  const suffix = flavor === 'native' ? '' : `_${flavor}`;
  const objDir = join(OUT, `obj${suffix}`);
  mkdirSync(objDir, { recursive: true });
  const inc = includesHash();
  const sources = readdirSync(SRC).filter((f) => f.endsWith('.cc')).sort();
  const objects = [];
  const failed = {};
  const exportsBySrc = {};
  let compiled = 0;
  const jobs = sources.map((f) => async () => {
    const code = readFileSync(join(SRC, f), 'utf8');
    exportsBySrc[f] = parseExports(code);
    const obj = join(objDir, `${f.replace(/\.cc$/, '')}-${hashOf([code, inc, flags.join(' '), CXX])}.o`);
    if (!existsSync(obj)) {
      try {
        await run(CXX, [...flags, '-c', join(SRC, f), '-o', obj], { maxBuffer: 1 << 24 });
        compiled++;
      } catch (e) {
        failed[f] = String(e.stderr ?? e.message).split('\n').filter((l) => /error/.test(l)).slice(0, 3).join(' | ');
        return;
      }
    }
    objects.push(obj);
  });
  // two compilers at a time (2 shared cores)
  const queue = [...jobs];
  await Promise.all([0, 1].map(async () => {
    while (queue.length) await queue.shift()();
  }));
  const fns = sources.filter((f) => !failed[f]).flatMap((f) => exportsBySrc[f]).filter(supported);
  const dispatch = [
    '// generated by bench/native/build.mjs from the CK_EXPORT prototypes of kernels-cpp/src',
    ...fns.filter((f) => !['ck_alloc', 'ck_free'].includes(f.name)).map((f) => f.decl),
    'static const char* ck_native_target_name() { return ck_simd_target(); }',
    ...fns.map(thunk),
    `#define CK_THUNKS ${fns.map((f) => `{"${f.name}", t_${f.name}}`).join(', ')}`,
    '',
  ].join('\n');
  const incFile = join(objDir, 'dispatch.inc');
  if (!existsSync(incFile) || readFileSync(incFile, 'utf8') !== dispatch) writeFileSync(incFile, dispatch);
  const addonSrc = readFileSync(join(HERE, 'addon.cc'), 'utf8');
  const addonObj = join(objDir, `addon-${hashOf([addonSrc, dispatch, flags.join(' ')])}.o`);
  if (!existsSync(addonObj)) {
    await run(CXX, [...flags, '-I', '/usr/include/node', '-I', objDir, '-c', join(HERE, 'addon.cc'), '-o', addonObj], { maxBuffer: 1 << 24 });
    compiled++;
  }
  const lib = join(OUT, `ck_native${suffix}.node`);
  const linkKey = hashOf([...objects.sort(), addonObj]);
  const stamp = join(OUT, `ck_native${suffix}.stamp`);
  if (!existsSync(lib) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== linkKey) {
    await run(CXX, ['-shared', '-pthread', '-o', lib, addonObj, ...objects, '-lhwy'], { maxBuffer: 1 << 24 });
    writeFileSync(stamp, linkKey);
  }
  // drop objects of older sources (the cache would otherwise grow with every edit)
  const keep = new Set([...objects, addonObj].map((o) => o.split('/').pop()));
  for (const f of readdirSync(objDir)) if (f.endsWith('.o') && !keep.has(f)) unlinkSync(join(objDir, f));
  const summary = {
    lib,
    flavor,
    flags: base.join(' '),
    compiler: (await run(CXX, ['--version'])).stdout.split('\n')[0],
    sources: sources.length,
    compiled,
    failed,
    symbols: fns.length,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  if (compiled) log(`native${suffix}: compiled ${compiled} file(s) in ${summary.seconds} s`);
  for (const [f, e] of Object.entries(failed)) log(`native: ${f} does not compile natively: ${e}`);
  return summary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildNative({ log: console.log, flavor: process.argv[2] ?? 'native' }).then((s) => console.log(JSON.stringify(s)));
}
