/**
 * One-predictor LOESS, as `skmisc.loess.loess(x, y, span, degree)` fits it with its defaults
 * (family "gaussian", surface "interpolate", cell 0.2, normalize — a no-op with one predictor,
 * unit weights): the netlib dloess algorithm of Cleveland, Grosse and Shyu, transcribed for
 * d = 1 from `loessf.f` (ehg126 bounding box, ehg124/ehg129 k-d tree, ehg127 local fits at the
 * tree's vertices, ehg128 cubic Hermite interpolation between them).
 *
 * Used by `highlyVariableGenes({ flavor: 'seurat_v3' })`. The local least-squares problems are
 * solved with Householder QR and a Jacobi SVD of the small triangular factor (LINPACK's dqrdc
 * and dsvdc in dloess), so results differ from skmisc only by rounding (≈1e-13 relative on
 * real data; see test/kernels/highly_variable_genes.test.ts).
 *
 * Errors that skmisc raises as `ValueError` are InvalidInputError here: span too small
 * (fewer than degree + 2 points in a neighbourhood), a zero-width neighbourhood, all points on
 * the neighbourhood boundary, and a numerically singular local fit ("pseudoinverse used").
 * Not reproduced: skmisc's trace-of-hat-matrix warnings ("Chernobyl! trL>n"), which it also
 * raises as errors, for tiny inputs (≲ 20 points); here those fits simply succeed.
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { selectFloat64 } from '../numeric.js';

/** Options of loess1d. */
export interface Loess1dOptions {
  /** Fraction of the points in each local neighbourhood, > 0 (skmisc `span`). */
  span: number;
  /** Degree of the local polynomials: 0, 1 or 2 (default 2). */
  degree?: 0 | 1 | 2;
}

const MACHEP = 2 ** -52; // d1mach(4)
const CELL = 0.2; // skmisc control.cell

/**
 * Fitted values of a one-predictor LOESS at the data points (skmisc `outputs.fitted_values`).
 * `x` and `y` must have equal length and be finite.
 */
export function loess1d(x: ArrayLike<number>, y: ArrayLike<number>, options: Loess1dOptions): Float64Array {
  const n = x.length;
  const { span } = options;
  const degree = options.degree ?? 2;
  if (y.length !== n) throw new InvalidInputError(`loess: x has ${n} values but y has ${y.length}`);
  const nf = Math.min(n, Math.floor(n * span + 1e-5));
  if (!(nf > 0)) throw new InvalidInputError(`loess: span ${span} is too small for ${n} points (skmisc: "span is too small")`);
  const k = degree + 1;
  if (k > nf - 1) {
    throw new InvalidInputError(
      `loess: span ${span} leaves ${nf} of ${n} points in each neighbourhood, fewer than the ${k + 1} a degree-${degree} fit needs ` +
        '(skmisc: "Span too small. Fewer data values than degrees of freedom."); use a larger span or more genes',
    );
  }
  const xs = Float64Array.from(x);
  const ys = Float64Array.from(y);
  const tree = buildTree(xs, Math.floor(n * (span * CELL)));
  // Value and slope of the local fit at every vertex (ehg139 with trL = 0).
  const nv = tree.vert.length;
  const vval0 = new Float64Array(nv);
  const vval1 = new Float64Array(nv);
  const fit = new LocalFit(xs, ys, nf, Math.max(1, span), degree);
  for (let i = 0; i < nv; i++) {
    fit.at(tree.vert[i]!);
    vval0[i] = fit.s0;
    vval1[i] = fit.s1;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = interpolate(tree, vval0, vval1, xs[i]!);
  return out;
}

interface KdTree {
  /** Vertex coordinates, in creation order (0: lower bound, 1: upper bound of the box). */
  vert: number[];
  /** Per cell: 0 for a leaf, else 1 (the split dimension). */
  a: number[];
  xi: number[];
  lo: number[];
  hi: number[];
  /** Per cell: its lower and upper vertex. */
  c0: number[];
  c1: number[];
}

/** ehg126 + ehg124 for d = 1; point ranges are positions in x sorted ascending. */
function buildTree(x: Float64Array, fc: number): KdTree {
  const n = x.length;
  let alpha = Infinity;
  let beta = -Infinity;
  for (let i = 0; i < n; i++) {
    alpha = Math.min(alpha, x[i]!);
    beta = Math.max(beta, x[i]!);
  }
  const mu = 0.005 * Math.max(beta - alpha, 1e-10 * Math.max(Math.abs(alpha), Math.abs(beta)) + 1e-30);
  const sx = Float64Array.from(x).sort();
  const nvmax = Math.max(200, n);
  const ncmax = nvmax;
  const t: KdTree = { vert: [alpha - mu, beta + mu], a: [], xi: [], lo: [], hi: [], c0: [0], c1: [1] };
  // Point ranges (1-based positions in sx, inclusive), as lo/hi hold them before a split.
  const pl: number[] = [1];
  const pu: number[] = [n];
  const X = (pos: number) => sx[pos - 1]!;
  for (let p = 0; p < pl.length; p++) {
    const l = pl[p]!;
    const u = pu[p]!;
    const diam = Math.abs(t.vert[t.c1[p]!]! - t.vert[t.c0[p]!]!);
    let leaf = u - l + 1 <= fc || diam <= 0;
    if (!leaf) leaf = ncmax < pl.length + 2 || nvmax < t.vert.length + 1;
    let m = 0;
    if (!leaf) {
      m = Math.trunc((l + u) / 2);
      // All ties go with the hi son: the nearest position to m (m, m+1, m-1, m+2, …) whose
      // value differs from the next one; m is kept when the search leaves [l, u).
      for (let offset = 0; m + offset < u && m + offset >= l; ) {
        if (X(m + offset) === X(m + offset + 1)) {
          offset = -offset;
          if (offset >= 0) offset += 1;
        } else {
          m += offset;
          break;
        }
      }
      const split = X(m);
      leaf = t.vert[t.c0[p]!] === split || t.vert[t.c1[p]!] === split;
    }
    t.lo[p] = 0;
    t.hi[p] = 0;
    if (leaf) {
      t.a[p] = 0;
      t.xi[p] = 0;
      continue;
    }
    const split = X(m);
    t.a[p] = 1;
    t.xi[p] = split;
    let v = t.vert.indexOf(split); // ehg125: reuse a vertex that already exists
    if (v < 0) {
      v = t.vert.length;
      t.vert.push(split);
    }
    t.lo[p] = pl.length;
    pl.push(l);
    pu.push(m);
    t.c0.push(t.c0[p]!);
    t.c1.push(v);
    t.hi[p] = pl.length;
    pl.push(m + 1);
    pu.push(u);
    t.c0.push(v);
    t.c1.push(t.c1[p]!);
  }
  return t;
}

/** ehg128 for d = 1: cubic Hermite interpolation in the leaf cell holding z. */
function interpolate(t: KdTree, g0: Float64Array, g1: Float64Array, z: number): number {
  let j = 0;
  let depth = 1;
  while (t.a[j] !== 0) {
    j = z <= t.xi[j]! ? t.lo[j]! : t.hi[j]!;
    if (++depth >= 20) throw new InvalidInputError('loess: k-d tree deeper than dloess allows (skmisc: "nt>20 in eval")');
  }
  const ll = t.c0[j]!;
  const ur = t.c1[j]!;
  const width = t.vert[ur]! - t.vert[ll]!;
  const h = (z - t.vert[ll]!) / width;
  if (!(h >= -0.001 && h <= 1.001)) throw new InvalidInputError('loess: extrapolation outside the bounding box (skmisc: "Extrapolation not allowed with blending")');
  const phi0 = (1 - h) * (1 - h) * (1 + 2 * h);
  const phi1 = h * h * (3 - 2 * h);
  const psi0 = h * (1 - h) * (1 - h);
  const psi1 = h * h * (h - 1);
  return phi0 * g0[ll]! + phi1 * g0[ur]! + (psi0 * g1[ll]! + psi1 * g1[ur]!) * width;
}

/** ehg127 for d = 1: weighted local polynomial fit at q; s0 = value, s1 = slope. */
class LocalFit {
  s0 = 0;
  s1 = 0;
  private readonly dist: Float64Array;
  private readonly scratch: Float64Array;
  private readonly k: number;

  constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
    private readonly nf: number,
    private readonly fmax: number,
    degree: number,
  ) {
    this.dist = new Float64Array(x.length);
    this.scratch = new Float64Array(x.length);
    this.k = degree + 1;
  }

  at(q: number): void {
    const { x, y, nf, k, dist } = this;
    const n = x.length;
    for (let i = 0; i < n; i++) dist[i] = (x[i]! - q) ** 2;
    this.scratch.set(dist);
    const rho = selectFloat64(this.scratch, nf - 1) * this.fmax;
    if (!(rho > 0)) throw new InvalidInputError(`loess: zero-width neighbourhood at x = ${q} (skmisc: "Zero-width neighborhood. Make span bigger")`);
    // Rows of the weighted design matrix: the points strictly inside the neighbourhood (points
    // on its boundary have weight exactly 0 and change nothing).
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (dist[i]! < rho) rows.push(i);
    const m = rows.length;
    if (m === 0) throw new InvalidInputError(`loess: all points on the boundary of the neighbourhood at x = ${q} (skmisc: "make span bigger")`);
    // Column-major m × k design matrix b and right-hand side eta.
    const b = new Float64Array(m * k);
    const eta = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      const i = rows[r]!;
      const u = Math.sqrt(dist[i]! / rho);
      const t = 1 - u * u * u;
      const w = Math.sqrt(t * t * t);
      const dx = x[i]! - q;
      b[r] = w;
      if (k > 1) b[m + r] = w * dx;
      if (k > 2) b[2 * m + r] = w * dx * dx;
      eta[r] = w * y[i]!;
    }
    // Equilibrate columns.
    const colnor = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += b[j * m + r]! ** 2;
      s = Math.sqrt(s);
      if (s > 0) {
        for (let r = 0; r < m; r++) b[j * m + r]! /= s;
        colnor[j] = s;
      } else colnor[j] = 1;
    }
    const R = householderQr(b, m, k, eta); // eta becomes Qᵀ eta
    const { sigma, U, V } = jacobiSvd(R, k);
    let smax = 0;
    let smin = Infinity;
    for (let j = 0; j < k; j++) {
      smax = Math.max(smax, sigma[j]!);
      smin = Math.min(smin, sigma[j]!);
    }
    const tol = smax * (100 * MACHEP);
    if (smin <= tol) {
      throw new InvalidInputError(
        `loess: the local fit at x = ${q} is numerically singular (skmisc: "pseudoinverse used at ${q}"); too many tied x values for this span`,
      );
    }
    // coefficients = diag(1/colnor) · V · Σ⁻¹ · Uᵀ · (Qᵀ eta)[0:k]
    const gamma = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += U[i * k + j]! * eta[i]!;
      gamma[j] = s / sigma[j]!;
    }
    const coef = (row: number) => {
      let s = 0;
      for (let j = 0; j < k; j++) s += (V[row * k + j]! / colnor[row]!) * gamma[j]!;
      return s;
    };
    this.s0 = coef(0);
    this.s1 = k > 1 ? coef(1) : 0;
  }
}

/** Householder QR of the column-major m × k matrix b (m ≥ k); applies Qᵀ to rhs in place. Returns R (row-major k × k). */
function householderQr(b: Float64Array, m: number, k: number, rhs: Float64Array): Float64Array {
  for (let j = 0; j < k && j < m; j++) {
    const col = j * m;
    let norm = 0;
    for (let r = j; r < m; r++) norm += b[col + r]! * b[col + r]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    if (b[col + j]! < 0) norm = -norm;
    for (let r = j; r < m; r++) b[col + r]! /= norm;
    b[col + j]! += 1;
    // Apply the reflector to the remaining columns and to rhs.
    const apply = (v: Float64Array, off: number) => {
      let s = 0;
      for (let r = j; r < m; r++) s += b[col + r]! * v[off + r]!;
      s = -s / b[col + j]!;
      for (let r = j; r < m; r++) v[off + r]! += s * b[col + r]!;
    };
    for (let c = j + 1; c < k; c++) apply(b, c * m);
    apply(rhs, 0);
    b[col + j] = -norm; // the diagonal of R
  }
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) R[i * k + j] = i < m ? b[j * m + i]! : 0;
  return R;
}

/** One-sided Jacobi SVD of a small square matrix A (row-major): A = U·diag(sigma)·Vᵀ. */
function jacobiSvd(A: Float64Array, k: number): { sigma: Float64Array; U: Float64Array; V: Float64Array } {
  const U = Float64Array.from(A);
  const V = new Float64Array(k * k);
  for (let i = 0; i < k; i++) V[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < k; i++) {
          const up = U[i * k + p]!;
          const uq = U[i * k + q]!;
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-300) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < k; i++) {
          const up = U[i * k + p]!;
          const uq = U[i * k + q]!;
          U[i * k + p] = c * up - s * uq;
          U[i * k + q] = s * up + c * uq;
          const vp = V[i * k + p]!;
          const vq = V[i * k + q]!;
          V[i * k + p] = c * vp - s * vq;
          V[i * k + q] = s * vp + c * vq;
        }
      }
    }
    if (off <= 1e-17) break;
  }
  const sigma = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += U[i * k + j]! * U[i * k + j]!;
    s = Math.sqrt(s);
    sigma[j] = s;
    if (s > 0) for (let i = 0; i < k; i++) U[i * k + j]! /= s;
  }
  return { sigma, U, V };
}
