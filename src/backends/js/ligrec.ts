import { CsrMatrix, type DenseMatrix } from '../../matrix/index.js';
import type { LigrecRaw, SpatialKernelArgs } from '../spatial_types.js';
import { PermStream } from './random.js';

/** Column `g` of X as float64 (dense or CSR). */
function column(x: DenseMatrix | CsrMatrix, g: number): Float64Array {
  const [n, m] = x.shape;
  const out = new Float64Array(n);
  if (x instanceof CsrMatrix) {
    for (let i = 0; i < n; i++) {
      for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) if (x.indices[p] === g) out[i] = out[i]! + x.data[p]!;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = x.data[i * m + g]!;
  }
  return out;
}

/** Per cluster sums of a column over the cells with a code ≥ 0 (cells in order). */
function clusterSums(col: Float64Array, labels: ArrayLike<number>, k: number): Float64Array {
  const s = new Float64Array(k);
  for (let i = 0; i < col.length; i++) {
    const c = labels[i]!;
    if (c >= 0) s[c] = s[c]! + col[i]!;
  }
  return s;
}

/**
 * Reference ligand–receptor permutation test (squidpy `ligrec`, CellPhoneDB): cells with a
 * code ≥ 0 take part. Cluster means m[g, c] = (Σ x over the cluster's cells, in order) / size;
 * expressed[g, c] = (#x > 0)/size ≥ threshold. For interaction (s, t) and cluster pair (a, b):
 * m1 = m[s, a], m2 = m[t, b]; means = (m1 + m2)/2 when both are > 0, else 0; tested when both
 * are > 0 and both expressed, else p = NaN. Permutation p shuffles the codes of the taking-part
 * cells with stream p (random.ts), recomputes the cluster means the same way and counts
 * shuffled m1' + m2' > m1 + m2 (strictly); p-value = count / nPerms.
 */
export function ligrec(x: DenseMatrix | CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['ligrec']): LigrecRaw {
  const n = x.shape[0];
  const k = args.nClusters;
  const I = args.pairs.length / 2;
  const C = args.clusterPairs.length / 2;
  const P = args.nPerms;
  const genes = [...new Set(args.pairs)].sort((a, b) => a - b);
  const slot = new Map(genes.map((g, i) => [g, i]));
  const cols = genes.map((g) => column(x, g));
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) size[labels[i]!]!++;
  const mean = cols.map((col) => clusterSums(col, labels, k).map((s, c) => s / size[c]!));
  const expressed = cols.map((col) => {
    const pos = new Float64Array(k);
    for (let i = 0; i < n; i++) if (labels[i]! >= 0 && col[i]! > 0) pos[labels[i]!]!++;
    return Array.from(pos, (v, c) => v / size[c]! >= args.threshold);
  });
  const means = new Float64Array(I * C);
  const tested = new Uint8Array(I * C);
  const observed = new Float64Array(I * C);
  for (let i = 0; i < I; i++) {
    const s = slot.get(args.pairs[2 * i]!)!;
    const t = slot.get(args.pairs[2 * i + 1]!)!;
    for (let j = 0; j < C; j++) {
      const a = args.clusterPairs[2 * j]!;
      const b = args.clusterPairs[2 * j + 1]!;
      const m1 = mean[s]![a]!;
      const m2 = mean[t]![b]!;
      if (m1 > 0 && m2 > 0) {
        means[i * C + j] = (m1 + m2) / 2;
        tested[i * C + j] = expressed[s]![a]! && expressed[t]![b]! ? 1 : 0;
        observed[i * C + j] = m1 + m2;
      }
    }
  }
  // permutations: shuffle the codes of the cells that take part, in cell order
  const members: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) members.push(i);
  const codes = Int32Array.from(members, (i) => labels[i]!);
  const shuffled = new Int32Array(n).fill(-1);
  const hits = new Float64Array(I * C);
  for (let p = 0; p < P; p++) {
    const perm = codes.slice();
    new PermStream(args.seed, p).shuffle(perm, perm.length);
    members.forEach((i, r) => (shuffled[i] = perm[r]!));
    const pm = cols.map((col) => clusterSums(col, shuffled, k).map((s, c) => s / size[c]!));
    for (let i = 0; i < I; i++) {
      const s = slot.get(args.pairs[2 * i]!)!;
      const t = slot.get(args.pairs[2 * i + 1]!)!;
      for (let j = 0; j < C; j++) {
        if (!tested[i * C + j]) continue;
        if (pm[s]![args.clusterPairs[2 * j]!]! + pm[t]![args.clusterPairs[2 * j + 1]!]! > observed[i * C + j]!) hits[i * C + j]!++;
      }
    }
  }
  const pvalues = new Float64Array(I * C);
  for (let c = 0; c < I * C; c++) pvalues[c] = tested[c] ? hits[c]! / P : NaN;
  return { means, pvalues };
}
