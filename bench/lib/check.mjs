/**
 * The correctness gate of the benchmarks: every timed call's outputs are first compared with
 * the reference outputs that bench/python/bench_scanpy.py wrote from real scanpy; a wrong
 * result gets no time. Shared by bench/node/worker.mjs and bench/paired.mjs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toleranceOf } from './cases.mjs';

/** A reference output file as a typed array of `dtype` (f64, f32, i32, u8). */
export function typed(file, dtype) {
  const b = readFileSync(file);
  const C = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array }[dtype];
  return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * Compares a case's outputs with scanpy's reference outputs in `refDir` within the case's
 * tolerance (compareArrays: cellkernels' testing/tolerance, from the transpiled build):
 * { ok, message?, worst }.
 */
export function checkOutputs(c, outs, refCase, refDir, compareArrays) {
  let worst = { ratio: 0 };
  for (const [name, meta] of Object.entries(refCase.outputs)) {
    const ref = typed(join(refDir, meta.file), meta.dtype);
    const out = outs[name];
    if (out === undefined) return { ok: false, message: `no output "${name}" (have ${Object.keys(outs).join(', ')})` };
    const [kind, dtype] = toleranceOf(c, name, meta.dtype);
    if (kind === 'hvgMask') {
      // the same set except genes tied (within 1e-6) with the reference score at the cut-off
      const score = typed(join(refDir, refCase.outputs[dtype].file), 'f64');
      if (out.length !== ref.length) return { ok: false, message: `${name}: length ${out.length}, expected ${ref.length}` };
      let cutoff = Infinity;
      for (let j = 0; j < ref.length; j++) if (ref[j]) cutoff = Math.min(cutoff, score[j]);
      let bad = 0, tied = 0;
      for (let j = 0; j < ref.length; j++) {
        if (!!out[j] === !!ref[j]) continue;
        if (Math.abs(score[j] - cutoff) <= 1e-6 * Math.max(1, Math.abs(cutoff))) tied++;
        else bad++;
      }
      if (bad) return { ok: false, message: `${name}: ${bad} genes differ away from the cut-off (${tied} tied)` };
      continue;
    }
    if (kind === 'hvgRank') {
      // equal ranks (NaN = not ranked) except among genes whose scores tie within 1e-9
      const score = typed(join(refDir, refCase.outputs[dtype].file), 'f64');
      const order = Array.from(score.keys()).sort((a, b) => score[a] - score[b]);
      const tiedGene = new Uint8Array(score.length);
      for (let i = 1; i < order.length; i++) {
        const a = score[order[i - 1]], b = score[order[i]];
        if (Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a))) tiedGene[order[i - 1]] = tiedGene[order[i]] = 1;
      }
      let bad = 0;
      for (let j = 0; j < ref.length; j++) {
        const same = Number.isNaN(ref[j]) ? Number.isNaN(out[j]) : out[j] === ref[j];
        if (!same && !tiedGene[j]) bad++;
      }
      if (bad) return { ok: false, message: `${name}: ${bad} ranks differ outside tied scores` };
      continue;
    }
    const k = kind === 'elementwise8' ? 'elementwise' : kind;
    const limit = kind === 'elementwise8' ? 2 : 1;
    const r = compareArrays(out, ref, k, dtype);
    if (r.worstRatio > worst.ratio) worst = { name, ratio: r.worstRatio, kind };
    if (!(r.worstRatio <= limit)) return { ok: false, message: `${name}: ${r.message ?? `worst ${r.worstRatio}× the ${kind} tolerance`}`, worst };
  }
  return { ok: true, worst };
}

/**
 * The values a case runs on: the dataset's counts, or for input 'lognorm' scanpy's
 * normalize_total + log1p output (the reference of that case); null when it was not made.
 */
export function inputValues(d, refDir, refMan, kind) {
  if (kind !== 'lognorm') return d.data;
  const meta = refMan.cases['normalizeTotal+log1p']?.outputs.data;
  return meta ? typed(join(refDir, meta.file), 'f32') : null;
}
