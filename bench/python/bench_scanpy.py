#!/usr/bin/env python3
"""Times the real scanpy / fast-array-utils calls (and, where one exists, the Numba kernel they
call) on a benchmark dataset, and writes the reference outputs that the Node harness checks every
cellkernels result against before it reports a time.

    bench/reference/.venv/bin/python bench/python/bench_scanpy.py --dataset nb10k --out result.json \
        [--threads 1,2] [--budget 1.5] [--cold cache|jit|both|none] [--cases log1p,meanVar.axis0]

Run by bench/run.mjs with NUMBA_NUM_THREADS=<max threads> and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
unset. Per case:
  warm   numba.set_num_threads(t) for t in --threads; one untimed call, then repetitions until
         --budget seconds (at least 3, at most 15); median, min, max, every time (ms)
  cold   the first call in a process that has imported scanpy and loaded the data but has run
         nothing: a fork() of this process per case ("cache": Numba's on-disk cache as it is, i.e.
         cache load after the first ever run), and with --cold jit|both also a child interpreter
         with NUMBA_CACHE_DIR set to an empty directory ("jit": compilation included)
  memory peak RSS (VmHWM after clear_refs) of a forked child running the pipeline
         qcMetrics → normalize_total → log1p → highly_variable_genes(seurat) → scale(no centring)
Reference outputs (computed with 1 Numba thread) go to bench/data/<dataset>/ref/ as raw
little-endian arrays plus ref/manifest.json; they are rewritten only when the dataset changed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
DATA = Path(os.environ.get("CK_BENCH_DATA", BENCH / "data"))


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, help="one or more, comma-separated (one process: scanpy is imported once)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--budget", type=float, default=1.5, help="seconds of repetitions per case and thread count")
    p.add_argument("--numba-threads", default="", help="thread counts for the direct Numba-kernel timings (default: --threads)")
    p.add_argument("--min-reps", type=int, default=3, help="timed repetitions at least (after one untimed call)")
    p.add_argument("--cold", default="cache", choices=["none", "cache", "jit", "both"])
    p.add_argument("--cases", default="", help="comma-separated case ids (default: all)")
    p.add_argument("--memory", action="store_true", help="measure the pipeline's peak RSS")
    p.add_argument("--quick", action="store_true", help="fewer calls: warm-up once per case, 1 repetition for calls over 1 s")
    p.add_argument("--no-numba", action="store_true", help="skip the direct Numba-kernel timings (run.mjs --cold-only)")
    p.add_argument("--serve", action="store_true",
                   help="answer timing requests on stdin instead (bench/paired.mjs --scanpy): see serve()")
    p.add_argument("--cold-child", default="", help=argparse.SUPPRESS)
    return p.parse_args(argv)


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None and "NUMBA_NUM_THREADS" not in os.environ:
    os.environ["NUMBA_NUM_THREADS"] = str(max(int(t) for t in ARGS.threads.split(",")))

warnings.filterwarnings("ignore")
import numba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import anndata as ad  # noqa: E402
import scanpy as sc  # noqa: E402
import fast_array_utils  # noqa: E402
from fast_array_utils import stats as fau_stats  # noqa: E402
from fast_array_utils.stats import _mean_var as fau_mv  # noqa: E402
from scanpy.preprocessing import _normalization as sc_norm  # noqa: E402
from scanpy.preprocessing import _qc as sc_qc  # noqa: E402
from scanpy.preprocessing import _scale as sc_scale  # noqa: E402
from scanpy.preprocessing import _highly_variable_genes as sc_hvg  # noqa: E402

PERCENT_TOP = (50, 100, 200, 500)


# ------------------------------------------------------------------------------------------ data
def load(name: str):
    d = DATA / name
    man = json.loads((d / "manifest.json").read_text())
    n, g = man["shape"]
    indptr = np.fromfile(d / "indptr.i32", dtype=np.int32)
    indices = np.fromfile(d / "indices.i32", dtype=np.int32)
    data = np.fromfile(d / "data.f32", dtype=np.float32)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, g))
    X.has_sorted_indices = True
    qc = np.fromfile(d / "qc_mask.u8", dtype=np.uint8).astype(bool)
    return man, X, qc


def adata_of(X, qc=None):
    a = ad.AnnData(X=X)
    a.var_names = [f"g{i}" for i in range(X.shape[1])]
    if qc is not None:
        a.var["qc"] = qc
    return a


def copy_csr(X):
    Y = sp.csr_matrix((X.data.copy(), X.indices, X.indptr), shape=X.shape)
    Y.has_sorted_indices = True
    return Y


# ----------------------------------------------------------------------------------------- cases
class Case:
    """id; kernel (cellkernels API name); call (the scanpy expression); prepare() -> state (untimed);
    run(state) -> result (timed); refs(result) -> {name: array}; numba: optional (name, prepare, run)."""

    def __init__(self, cid, kernel, call, prepare, run, refs, params=None, numba=None, note=None, input="counts"):
        self.id, self.kernel, self.call = cid, kernel, call
        self.prepare, self.run, self.refs = prepare, run, refs
        self.params = params or {}
        self.numba = numba
        self.note = note
        self.input = input  # "counts" or "lognorm" (the reference output of normalizeTotal+log1p)


def make_cases(man, X, qc, lognorm_getter):
    n, g = X.shape
    ntop = 2000 if g >= 5000 else 200
    pct_top = [p for p in PERCENT_TOP if p <= g]
    cells_thr = int(np.percentile(np.diff(X.indptr), 10))
    genes_thr = max(3, int(np.percentile(np.bincount(X.indices, minlength=g), 25)))
    cases = []

    cases.append(Case(
        "log1p", "log1p", "sc.pp.log1p(X)",
        lambda: copy_csr(X), lambda Y: sc.pp.log1p(Y),
        lambda Y: {"data": Y.data}, note="scanpy runs numpy's np.log1p on X.data (no Numba kernel)"))

    for axis in (0, 1):
        cases.append(Case(
            f"sum.axis{axis}", "sum", f"fast_array_utils.stats.sum(X, axis={axis}, dtype=float64)",
            lambda: X, lambda Y, axis=axis: fau_stats.sum(Y, axis=axis, dtype=np.float64),
            lambda r: {"out": np.asarray(r, dtype=np.float64)}, params={"axis": axis},
            note="scipy sparse sum (scanpy's axis_sum); no Numba kernel"))

    for axis in (0, 1):
        minor = axis == 0  # CSR: per-gene statistics run over the minor axis
        kern = fau_mv.sparse_mean_var_minor_axis if minor else fau_mv.sparse_mean_var_major_axis
        cases.append(Case(
            f"meanVar.axis{axis}", "meanVar", f"fast_array_utils.stats.mean_var(X, axis={axis}, correction=1)",
            lambda: X, lambda Y, axis=axis: fau_stats.mean_var(Y, axis=axis, correction=1),
            lambda r: {"mean": r[0], "var": r[1]}, params={"axis": axis, "ddof": 1},
            numba=(f"fast_array_utils sparse_mean_var_{'minor' if minor else 'major'}_axis",
                   lambda: X,
                   lambda Y, kern=kern: kern(Y, major_len=n, minor_len=g, n_threads=numba.get_num_threads()))))

    for axis in (0, 1):
        cases.append(Case(
            f"nnzCount.axis{axis}", "nnzCount", f"X.getnnz(axis={axis})",
            lambda: X, lambda Y, axis=axis: Y.getnnz(axis=axis),
            lambda r: {"out": r.astype(np.int32)}, params={"axis": axis}, note="scipy getnnz; no Numba kernel"))

    def qc_run(Y):
        return sc.pp.calculate_qc_metrics(adata_of(Y, qc), qc_vars=["qc"], percent_top=pct_top, log1p=True, inplace=False)

    def qc_refs(r):
        obs, var = r
        out = {}
        for c in obs.columns:
            out["obs." + c] = obs[c].to_numpy()
        for c in var.columns:
            out["var." + c] = var[c].to_numpy()
        return out

    cases.append(Case(
        "qcMetrics", "qcMetrics",
        f"sc.pp.calculate_qc_metrics(adata, qc_vars=['qc'], percent_top={tuple(pct_top)}, log1p=True, inplace=False)",
        lambda: X, qc_run, qc_refs, params={"percentTop": pct_top, "qcVar": "qc", "log1p": True},
        numba=("scanpy top_segment_proportions_sparse_csr", lambda: X,
               lambda Y: sc_qc.top_segment_proportions_sparse_csr(Y.data, Y.indptr, np.array(pct_top, dtype=np.int64)))))

    cases.append(Case(
        "filterCells", "filterCells", f"sc.pp.filter_cells(X, min_genes={cells_thr}, inplace=False)",
        lambda: X, lambda Y: sc.pp.filter_cells(Y, min_genes=cells_thr, inplace=False),
        lambda r: {"mask": r[0].astype(np.uint8), "number": np.asarray(r[1]).astype(np.int32)},
        params={"minGenes": cells_thr}, note="scipy getnnz + numpy compare; no Numba kernel"))
    cases.append(Case(
        "filterGenes", "filterGenes", f"sc.pp.filter_genes(X, min_cells={genes_thr}, inplace=False)",
        lambda: X, lambda Y: sc.pp.filter_genes(Y, min_cells=genes_thr, inplace=False),
        lambda r: {"mask": r[0].astype(np.uint8), "number": np.asarray(r[1]).astype(np.int32)},
        params={"minCells": genes_thr}, note="scipy getnnz + numpy compare; no Numba kernel"))

    cases.append(Case(
        "normalizeTotal", "normalizeTotal", "sc.pp.normalize_total(X, inplace=False)",
        lambda: X, lambda Y: sc.pp.normalize_total(adata_of(Y), inplace=False),
        lambda r: {"data": r["X"].data, "norm_factor": np.asarray(r["norm_factor"])},
        params={"targetSum": None},
        numba=("scanpy _normalize_csr", lambda: X,
               lambda Y: sc_norm._normalize_csr(Y.indptr, Y.indices, Y.data, rows=n, columns=g,
                                                exclude_highly_expressed=False, max_fraction=0.05,
                                                n_threads=numba.get_num_threads()))))

    def lognorm_run(Y):
        a = adata_of(Y)
        sc.pp.normalize_total(a)
        sc.pp.log1p(a)
        return a.X

    cases.append(Case(
        "normalizeTotal+log1p", "normalizeTotal+log1p", "sc.pp.normalize_total(adata); sc.pp.log1p(adata)",
        lambda: copy_csr(X), lognorm_run, lambda Y: {"data": Y.data}, params={"targetSum": None},
        note="the reference output is also the input of the hvg.seurat and scale cases"))

    def lognorm_mv_run(Y):
        a = adata_of(Y)
        sc.pp.normalize_total(a)
        sc.pp.log1p(a)
        return fau_stats.mean_var(a.X, axis=0, correction=1)

    cases.append(Case(
        "lognorm+meanVar", "normalizeTotal+log1p+meanVar",
        "sc.pp.normalize_total(adata); sc.pp.log1p(adata); fast_array_utils.stats.mean_var(adata.X, axis=0, correction=1)",
        lambda: copy_csr(X), lognorm_mv_run, lambda r: {"mean": r[0], "var": r[1]}, params={"targetSum": None, "axis": 0, "ddof": 1},
        note="log-normalisation then per-gene mean/variance: the step scran.js's normalizeCounts + modelGeneVariances does"))

    def hvg_refs(df):
        out = {}
        for c in df.columns:
            v = df[c].to_numpy()
            if v.dtype == bool:
                v = v.astype(np.uint8)
            elif v.dtype.kind in "fiu":
                v = v.astype(np.float64)
            else:
                continue
            out[c] = v
        return out

    cases.append(Case(
        "hvg.seurat", "highlyVariableGenes",
        f"sc.pp.highly_variable_genes(adata_lognorm, flavor='seurat', n_top_genes={ntop}, inplace=False)",
        lambda: lognorm_getter(), lambda Y: sc.pp.highly_variable_genes(adata_of(Y), flavor="seurat", n_top_genes=ntop, inplace=False),
        hvg_refs, params={"flavor": "seurat", "nTopGenes": ntop}, input="lognorm",
        numba=("fast_array_utils sparse_mean_var_minor_axis on expm1(X)", lambda: _expm1(lognorm_getter()),
               lambda Y: fau_mv.sparse_mean_var_minor_axis(Y, major_len=n, minor_len=g, n_threads=numba.get_num_threads()))))

    cases.append(Case(
        "hvg.cell_ranger", "highlyVariableGenes",
        f"sc.pp.highly_variable_genes(adata_lognorm, flavor='cell_ranger', n_top_genes={ntop}, inplace=False)",
        lambda: lognorm_getter(), lambda Y: sc.pp.highly_variable_genes(adata_of(Y), flavor="cell_ranger", n_top_genes=ntop, inplace=False),
        hvg_refs, params={"flavor": "cell_ranger", "nTopGenes": ntop}, input="lognorm",
        numba=("fast_array_utils sparse_mean_var_minor_axis", lambda: lognorm_getter(),
               lambda Y: fau_mv.sparse_mean_var_minor_axis(Y, major_len=n, minor_len=g, n_threads=numba.get_num_threads()))))

    cases.append(Case(
        "hvg.seurat_v3", "highlyVariableGenes",
        f"sc.pp.highly_variable_genes(adata_counts, flavor='seurat_v3', n_top_genes={ntop}, inplace=False)",
        lambda: X, lambda Y: sc.pp.highly_variable_genes(adata_of(Y), flavor="seurat_v3", n_top_genes=ntop, inplace=False),
        hvg_refs, params={"flavor": "seurat_v3", "nTopGenes": ntop},
        numba=("scanpy _sum_and_sum_squares_clipped", lambda: (X.tocsr(), _clip_of(X)),
               lambda s: sc_hvg._sum_and_sum_squares_clipped(s[0].indices, s[0].data, n_cols=g, clip_val=s[1], nnz=s[0].nnz))))

    # subset with masks (what follows filter_cells / filter_genes): every cell except each 3rd,
    # every 2nd gene; both sides build the masks from these two numbers.
    rows_every, cols_every = 3, 2
    rmask = np.arange(n) % rows_every != 0
    cmask = np.arange(g) % cols_every == 0
    cases.append(Case(
        "subset", "subset", f"adata[rows, cols].copy().X  (rows: i % {rows_every} != 0, cols: j % {cols_every} == 0)",
        lambda: X, lambda Y: adata_of(Y)[rmask, cmask].copy().X,
        lambda r: {"indptr": r.indptr.astype(np.int32), "indices": r.indices.astype(np.int32), "data": r.data},
        params={"rowsEvery": rows_every, "colsEvery": cols_every}, note="anndata/scipy fancy indexing; no Numba kernel"))

    cases.append(Case(
        "toCsc", "toCsc", "X.tocsc()",
        lambda: X, lambda Y: Y.tocsc(),
        lambda r: {"indptr": r.indptr.astype(np.int32), "indices": r.indices.astype(np.int32), "data": r.data},
        note="scipy csr_tocsc (C++); no Numba kernel"))

    def scale_run(Y, zc):
        return sc.pp.scale(Y, zero_center=zc, max_value=10, copy=True)

    cases.append(Case(
        "scale", "scale", "sc.pp.scale(X_lognorm, zero_center=False, max_value=10, copy=True)",
        lambda: lognorm_getter(), lambda Y: scale_run(Y, False),
        lambda r: {"data": r.data}, params={"zeroCenter": False, "maxValue": 10}, input="lognorm",
        numba=("scanpy scale_and_clip_csr", lambda: (copy_csr(lognorm_getter()), _std_of(lognorm_getter())),
               lambda s: sc_scale.scale_and_clip_csr(s[0].indptr, s[0].indices, s[0].data, std=s[1], mask_obs=np.ones(n, dtype=bool), max_value=10.0))))
    if n * g <= 2e7:  # the zero-centred output is dense float64 (10k x 20k would be 1.6 GB per copy)
        cases.append(Case(
            "scale.zc", "scale", "sc.pp.scale(X_lognorm, zero_center=True, max_value=10, copy=True)",
            lambda: lognorm_getter(), lambda Y: scale_run(Y, True),
            lambda r: {"out": np.ascontiguousarray(r)}, params={"zeroCenter": True, "maxValue": 10}, input="lognorm",
            note="densifies to float64, as scanpy does"))
    return cases


_STD = {}


def _std_of(Y):
    if id(Y) not in _STD:
        std = np.sqrt(fau_stats.mean_var(Y, axis=0, correction=1)[1])
        std[std == 0] = 1
        _STD[id(Y)] = std
    return _STD[id(Y)]


def _expm1(Y):
    Z = copy_csr(Y)
    np.expm1(Z.data, out=Z.data)
    return Z


def _clip_of(X):
    """The clip values seurat_v3 passes to _sum_and_sum_squares_clipped (from its own code path)."""
    from skmisc.loess import loess

    mean, var = fau_stats.mean_var(X, axis=0, correction=1)
    est = np.zeros(X.shape[1], dtype=np.float64)
    nz = var > 0
    y, x = np.log10(var[nz]), np.log10(mean[nz])
    m = loess(x, y, span=0.3, degree=2)
    m.fit()
    est[nz] = m.outputs.fitted_values
    reg_std = np.sqrt(10**est)
    return reg_std * np.sqrt(X.shape[0]) + mean


# ---------------------------------------------------------------------------------------- timing
def time_call(prepare, run, budget, min_reps=3, max_reps=15, warm=True, slow_s=None):
    """One untimed call (warm=True: JIT and caches), then repetitions until `budget` seconds,
    at least min_reps (1 when slow_s is given and a call takes longer: bench:quick)."""
    times = []
    if warm:
        st = prepare()
        t0 = time.perf_counter()
        run(st)
        if slow_s is not None and time.perf_counter() - t0 > slow_s:
            min_reps = 1
    t_total = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - t_total < budget):
        st = prepare()
        t0 = time.perf_counter()
        run(st)
        times.append((time.perf_counter() - t0) * 1e3)
        if slow_s is not None and len(times) == 1 and times[0] > 1e3 * slow_s:
            min_reps = 1
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "n": len(times), "times": [round(t, 4) for t in times]}


def cold_fork(prepare, run, threads):
    """Time the first run(prepare()) in a forked child (nothing JIT-compiled or cache-loaded yet;
    prepare() is not timed). The parent must not have started Numba's OpenMP pool (libgomp is not
    fork-safe), so every fork happens before the warm timings."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            numba.set_num_threads(threads)
            st = prepare()
            t0 = time.perf_counter()
            run(st)
            ms = (time.perf_counter() - t0) * 1e3
            os.write(w, json.dumps({"ms": ms}).encode())
        except BaseException as e:  # noqa: BLE001
            os.write(w, json.dumps({"error": repr(e)[:300]}).encode())
        os.close(w)
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b'{"error": "child died"}')


def peak_rss_fork(fn):
    """Peak RSS (VmHWM, reset through /proc/self/clear_refs) of a forked child running fn once to
    warm the JIT (so the peak is the data's, not LLVM's), then again for the measurement."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = {}
        try:
            fn()
            gc.collect()
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            base = _status_kb("VmRSS")
            fn()
            out = {"baseline_rss_mb": base / 1024, "peak_rss_mb": _status_kb("VmHWM") / 1024}
        except BaseException as e:  # noqa: BLE001
            out = {"error": repr(e)[:300]}
        os.write(w, json.dumps(out).encode())
        os.close(w)
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        data += b
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data or b'{"error": "child died"}')


def _status_kb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------------ refs
DT = {np.dtype(np.float64): "f64", np.dtype(np.float32): "f32", np.dtype(np.int32): "i32", np.dtype(np.uint8): "u8"}


def to_ref(v):
    a = np.asarray(v)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    elif a.dtype.kind in "iu" and a.dtype != np.uint8:
        a = a.astype(np.int32)
    elif a.dtype.kind == "f" and a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    return np.ascontiguousarray(a)


def write_refs(refdir: Path, cid: str, outputs: dict) -> dict:
    meta = {}
    for name, v in outputs.items():
        a = to_ref(v)
        dt = DT[a.dtype]
        f = f"{cid}.{name}.{dt}"
        a.tofile(refdir / f)
        meta[name] = {"file": f, "dtype": dt, "shape": list(a.shape), "nan_count": int(np.isnan(a).sum()) if dt in ("f32", "f64") else 0}
    return meta


# ------------------------------------------------------------------------------------------ main
def versions():
    from importlib.metadata import version

    return {
        "python": platform.python_version(),
        "scanpy": sc.__version__,
        "anndata": ad.__version__,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "scipy": version("scipy"),
        "fast-array-utils": version("fast-array-utils"),
        "scikit-misc": version("scikit-misc"),
        "numba_threading_layer_env": os.environ.get("NUMBA_THREADING_LAYER", "default"),
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
    }


class Dataset:
    """One dataset in this process: its matrix, cases and reference outputs."""

    def __init__(self, name, cases_filter):
        self.name = name
        self.man, self.X, self.qc = load(name)
        self.refdir = DATA / name / "ref"
        self.refdir.mkdir(exist_ok=True)
        self.ref_key = {"dataset_key": self.man.get("key"), "generatedAt": self.man.get("generatedAt"), "scanpy": sc.__version__, "format": 2}
        self.ref_man_file = self.refdir / "manifest.json"
        old = json.loads(self.ref_man_file.read_text()) if self.ref_man_file.exists() else {}
        self.refs_current = old.get("key") == self.ref_key
        self.ref_man = old if self.refs_current else {"key": self.ref_key, "cases": {}}
        self._lognorm = None
        self.cases = make_cases(self.man, self.X, self.qc, self.lognorm)
        if cases_filter:
            want = set(cases_filter.split(","))
            self.cases = [c for c in self.cases if c.id in want]

    def lognorm(self):
        if self._lognorm is None:
            f = self.refdir / "normalizeTotal+log1p.data.f32"
            X = self.X
            if f.exists() and self.refs_current:
                d = np.fromfile(f, dtype=np.float32)
            else:  # called lazily (in a forked child for cold starts): normalize_total runs Numba
                a = adata_of(copy_csr(X))
                sc.pp.normalize_total(a)
                sc.pp.log1p(a)
                d = a.X.data
            Y = sp.csr_matrix((d, X.indices, X.indptr), shape=X.shape)
            Y.has_sorted_indices = True
            self._lognorm = Y
        return self._lognorm


def serve(ds) -> int:
    """--serve: one timed scanpy call per request, so that another process can interleave its own
    calls with scanpy's (bench/paired.mjs --scanpy) and divide times taken seconds apart rather
    than minutes. Each stdin line is {"case": id, "threads": t}; the answer, one stdout line, is
    {"ms": time of run(prepare()), prepare untimed} or {"error": why}. The first line written is
    {"ready": true, "versions": …}. Anything else printed goes to stderr."""
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr
    cases = {c.id: c for c in ds.cases}

    def say(obj):
        answer.write(json.dumps(obj) + "\n")
        answer.flush()

    say({"ready": True, "versions": versions()})
    for line in sys.stdin:
        req = json.loads(line)
        c = cases.get(req.get("case"))
        if c is None:
            say({"error": f"no case {req.get('case')!r} on {ds.name} (or scanpy refused it)"})
            continue
        numba.set_num_threads(int(req["threads"]))
        st = c.prepare()
        t0 = time.perf_counter()
        r = c.run(st)
        ms = (time.perf_counter() - t0) * 1e3
        del r, st
        say({"ms": ms})
    return 0


def main(args) -> int:
    names = args.dataset.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    if args.serve:
        return serve(Dataset(names[0], args.cases))

    if args.cold_child:  # child interpreter for --cold jit: fork per case from here
        ds = Dataset(names[0], args.cases)
        res = {}
        for t in threads:
            for c in ds.cases:
                res.setdefault(c.id, {})[str(t)] = cold_fork(c.prepare, c.run, t)
        args.out.write_text(json.dumps(res))
        return 0

    # Every fork (cold starts, memory) happens before anything runs Numba in this process: once
    # Numba's OpenMP (libgomp) pool runs here, a forked child aborts ("fork() called from a
    # process already using GNU OpenMP").
    dss = {n: Dataset(n, args.cases) for n in names}
    first, last = dss[names[0]], dss[names[-1]]
    out = {"versions": versions(), "host": {"platform": platform.platform(), "cpu_count": os.cpu_count()}, "datasets": {}}

    cold = {}
    if args.cold in ("cache", "both"):
        for c in first.cases:
            cold[c.id] = {"cache": {str(t): cold_fork(c.prepare, c.run, t) for t in threads[:1]}}
    if args.cold in ("jit", "both"):
        with tempfile.TemporaryDirectory(prefix="ck-numba-cache-") as tmp:
            env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
            jf = Path(tmp) / "jit.json"
            subprocess.run([sys.executable, __file__, "--dataset", first.name, "--out", str(jf), "--threads", str(threads[0]),
                            "--cases", ",".join(c.id for c in first.cases), "--cold-child", "1"], env=env, check=True)
            for cid, v in json.loads(jf.read_text()).items():
                cold.setdefault(cid, {})["jit"] = v

    memory = None
    if args.memory:
        X, qc = last.X, last.qc

        def pipeline():
            numba.set_num_threads(threads[-1])
            a = adata_of(copy_csr(X), qc)
            sc.pp.calculate_qc_metrics(a, qc_vars=["qc"], percent_top=[p for p in PERCENT_TOP if p <= X.shape[1]], log1p=True, inplace=True)
            sc.pp.normalize_total(a)
            sc.pp.log1p(a)
            sc.pp.highly_variable_genes(a, flavor="seurat", n_top_genes=2000 if X.shape[1] >= 5000 else 200)
            sc.pp.scale(a, zero_center=False, max_value=10)

        memory = {"dataset": last.name, "pipeline": "calculate_qc_metrics → normalize_total → log1p → highly_variable_genes(seurat) → scale(zero_center=False)",
                  "threads": threads[-1], "other_datasets_loaded": [n for n in names if n != last.name], **peak_rss_fork(pipeline)}

    for name, ds in dss.items():
        res = {"dataset": name, "cases": {}}
        for c in ds.cases:
            entry = {"kernel": c.kernel, "call": c.call, "params": c.params, "input": c.input, "note": c.note, "scanpy": {}, "numba": None}
            # reference outputs with 1 thread (the plain sequential order)
            numba.set_num_threads(1)
            if not ds.refs_current or c.id not in ds.ref_man["cases"]:
                try:
                    r = c.run(c.prepare())
                except ValueError as e:
                    # scanpy refuses this dataset (cell_ranger HVG with unexpressed genes: "Bin edges
                    # must be unique"); the case is left out of the manifest, so the Node side skips it too
                    print(f"bench_scanpy: {name}: {c.id} skipped, scanpy raised: {str(e).splitlines()[0]}", file=sys.stderr)
                    continue
                ds.ref_man["cases"][c.id] = {"call": c.call, "params": c.params, "input": c.input, "outputs": write_refs(ds.refdir, c.id, c.refs(r))}
                del r
            for i, t in enumerate(threads):
                numba.set_num_threads(t)
                # --quick: the untimed warm-up only before the first thread count, one repetition
                # for calls over a second
                entry["scanpy"][str(t)] = time_call(c.prepare, c.run, args.budget, args.min_reps,
                                                    warm=not args.quick or i == 0, slow_s=1.0 if args.quick else None)
            if c.numba is not None and not args.no_numba:
                kname, prep, run = c.numba
                entry["numba"] = {"name": kname}
                for t in [int(x) for x in args.numba_threads.split(",")] if args.numba_threads else threads:
                    numba.set_num_threads(t)
                    entry["numba"][str(t)] = time_call(prep, run, args.budget, args.min_reps, slow_s=1.0 if args.quick else None)
            if name == first.name:
                entry["cold"] = cold.get(c.id)
            res["cases"][c.id] = entry
            s = " ".join(f"t{t}={entry['scanpy'][str(t)]['median']:.2f}ms" for t in threads)
            print(f"bench_scanpy: {name} {c.id}: {s}", flush=True)
        ds.ref_man["dataset"] = name
        ds.ref_man_file.write_text(json.dumps(ds.ref_man, indent=1))
        if memory and memory["dataset"] == name:
            res["memory"] = memory
        out["datasets"][name] = res
    out["peak_rss_mb_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
