#!/usr/bin/env python3
"""Generate golden fixtures for cellkernels from the REAL scanpy / fast-array-utils calls.

    bench/reference/.venv/bin/python bench/reference/make_reference.py \
        [--data-dir <repo>/../shared/data] [--out <repo>/test/fixtures/golden] \
        [--datasets mouse10k,tiny10x] [--numba-threads 1]

Writes one directory per dataset: ``manifest.json`` plus one raw little-endian binary file
per array (``<name>.<dtype>``, dtype in f64 | f32 | i32 | u8).  See README.md for the format.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FORMAT_VERSION = 1

DATASETS = {
    "mouse10k": {
        "file": "mouse10k.h5ad",
        "reader": "sc.read_h5ad",
        # (gene-set name, regex on var_names) tried in order; the first one with >= 1 gene wins
        "qc_candidates": [("mt", r"^mt-"), ("ribo", r"^Rp[sl]")],
        "filter_cells_min_genes": 30,
        "filter_cells_min_counts": 60,
        "filter_genes_min_cells": 10,
        "filter_genes_min_counts": 20,
    },
    "tiny10x": {
        "file": "tiny_10x_v3.h5",
        "reader": "sc.read_10x_h5",
        "qc_candidates": [("mt", r"^MT-"), ("ribo", r"^RP[SL]"), ("mito_ribo", r"^MRP[SL]")],
        "filter_cells_min_genes": 10,
        "filter_cells_min_counts": 20,
        "filter_genes_min_cells": 3,
        "filter_genes_min_counts": 5,
    },
}

PERCENT_TOP = (50, 100, 200, 500)
N_SCALED_ROWS = 5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=REPO / "test" / "fixtures" / "golden")
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset of " + ",".join(DATASETS))
    p.add_argument(
        "--numba-threads",
        type=int,
        default=1,
        help="NUMBA_NUM_THREADS for the run (default 1: scanpy's numba kernels split sums per thread, "
        "so 1 thread gives the plain sequential summation order)",
    )
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    # must happen before numba is imported (scanpy imports it)
    os.environ["NUMBA_NUM_THREADS"] = str(ARGS.numba_threads)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import anndata  # noqa: E402
import fast_array_utils  # noqa: E402
import fast_array_utils.stats  # noqa: E402
import numba  # noqa: E402
import scanpy as sc  # noqa: E402
import skmisc  # noqa: E402
from importlib.metadata import version as _pkg_version  # noqa: E402

DTYPES = {"f64": "<f8", "f32": "<f4", "i32": "<i4", "u8": "u1"}


# ----------------------------------------------------------------------------------------------
# helpers


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def jsonable(v):
    """Convert numpy scalars / arrays to JSON values; NaN/inf become null / strings."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, Path):
        return str(v)
    return v


class Recorder:
    """Collects arrays (written to disk right away) and call records for one dataset."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.arrays: list[dict] = []
        self.calls: dict[str, dict] = {}
        self._names: set[str] = set()

    def call(self, cid: str, call: str, params: dict | None = None, **extra) -> dict:
        assert cid not in self.calls, cid
        rec = {"id": cid, "call": call, "params": params or {}, "warnings": [], "notes": [], "results": {}}
        rec.update(extra)
        self.calls[cid] = rec
        return rec

    def run(self, cid: str, fn, *a, **kw):
        """Run fn, recording every warning it emits under call `cid`."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(*a, **kw)
        msgs = self.calls[cid]["warnings"]
        for w in caught:
            m = f"{w.category.__name__}: {w.message}"
            if m not in msgs:
                msgs.append(m)
        return out

    def add(self, name: str, arr, cid: str, dtype: str | None = None, desc: str | None = None, compare: dict | None = None):
        assert name not in self._names, f"duplicate array {name}"
        assert cid in self.calls, cid
        a = np.asarray(arr)
        if isinstance(arr, np.matrix):
            a = np.asarray(arr)
        if dtype is None:
            if a.dtype == np.bool_:
                dtype = "u8"
            elif a.dtype == np.float64:
                dtype = "f64"
            elif a.dtype == np.float32:
                dtype = "f32"
            elif np.issubdtype(a.dtype, np.integer):
                dtype = "i32"
            else:
                raise TypeError(f"{name}: unsupported dtype {a.dtype}")
        if dtype == "i32" and a.size:
            assert a.min() >= -(2**31) and a.max() < 2**31, name
        if dtype in ("f32",) and a.dtype == np.float64:
            raise TypeError(f"{name}: refusing to narrow float64 to f32")
        out = np.ascontiguousarray(a.astype(DTYPES[dtype], copy=False))
        fname = f"{name}.{dtype}"
        path = self.outdir / fname
        path.write_bytes(out.tobytes(order="C"))
        entry = {
            "name": name,
            "file": fname,
            "dtype": dtype,
            "shape": list(out.shape),
            "call": self.calls[cid]["call"],
            "call_id": cid,
            "source_dtype": str(a.dtype),
            "nan_count": int(np.isnan(out).sum()) if dtype in ("f32", "f64") else 0,
            "sha256": hashlib.sha256(out.tobytes()).hexdigest(),
        }
        if desc:
            entry["description"] = desc
        if compare:
            entry["compare"] = compare
        self.arrays.append(entry)
        self._names.add(name)
        return out


def f64_colstats(x_f32):
    """Exact-ish float64 statistics of a (sparse or dense) matrix: two-pass per-gene mean and
    ddof=1 variance and per-cell / per-gene sums, all computed on the values cast to float64."""
    d = x_f32.toarray() if sp.issparse(x_f32) else np.asarray(x_f32)
    d = d.astype(np.float64)
    n = d.shape[0]
    gsum = d.sum(axis=0)
    mean = gsum / n
    var = ((d - mean) ** 2).sum(axis=0) / (n - 1)
    return {"gene_mean": mean, "gene_var": var, "cell_sum": d.sum(axis=1), "gene_sum": gsum}


STATS_CALL = "numpy float64 on the result cast to float64: mean = sum/n, var = two-pass sum((x-mean)^2)/(n-1), sums along axis"


# ----------------------------------------------------------------------------------------------
# the reference computations


def load(spec: dict, path: Path):
    if spec["reader"] == "sc.read_h5ad":
        adata = sc.read_h5ad(path)
    else:
        adata = sc.read_10x_h5(path)
    adata.var_names_make_unique()
    x = adata.X
    assert sp.issparse(x) and x.format == "csr", type(x)
    if x.dtype != np.float32:
        adata.X = x.astype(np.float32)
    adata.X.sort_indices()
    return adata


def do_qc(rec: Recorder, adata, spec: dict, info: dict):
    vn = adata.var_names
    chosen = None
    tried = []
    for name, pat in spec["qc_candidates"]:
        mask = np.asarray(vn.str.contains(pat, regex=True), dtype=bool)
        tried.append({"name": name, "regex": pat, "n_genes": int(mask.sum())})
        if mask.any() and chosen is None:
            chosen = (name, pat, mask)
    assert chosen is not None, f"no QC gene set found among {tried}"
    qc_name, qc_pat, qc_mask = chosen
    pct_top = [n for n in PERCENT_TOP if n <= adata.n_vars]
    dropped = [n for n in PERCENT_TOP if n > adata.n_vars]
    a = adata.copy()
    a.var[qc_name] = qc_mask
    params = {"qc_vars": [qc_name], "percent_top": pct_top, "log1p": True, "inplace": False}
    call = f"sc.pp.calculate_qc_metrics(adata, qc_vars=['{qc_name}'], percent_top={tuple(pct_top)}, log1p=True, inplace=False)"
    c = rec.call("qc", call, params, qc_var={"name": qc_name, "regex": qc_pat, "genes": list(vn[qc_mask])}, qc_candidates_tried=tried, percent_top_dropped=dropped)
    obs, var = rec.run("qc", sc.pp.calculate_qc_metrics, a, **params)
    c["results"]["obs_columns"] = list(obs.columns)
    c["results"]["var_columns"] = list(var.columns)
    c["results"]["column_dtypes"] = {**{f"obs.{k}": str(v) for k, v in obs.dtypes.items()}, **{f"var.{k}": str(v) for k, v in var.dtypes.items()}}
    rec.add("qc.qc_var_mask", qc_mask, "qc", "u8", f"boolean gene mask of qc var '{qc_name}' (regex {qc_pat})")
    for col in obs.columns:
        rec.add(f"qc.obs.{col}", obs[col].to_numpy(), "qc")
    for col in var.columns:
        rec.add(f"qc.var.{col}", var[col].to_numpy(), "qc")
    c["notes"].append(
        "Native dtypes kept: with float32 X, total_counts / total_counts_<qc> are float32 sums (scipy sum without dtype), "
        "log1p_total_counts* = np.log1p on float32 (float32 result), pct_counts_<qc> = float32/float32*100 (float32); "
        "pct_counts_in_top_N accumulates the top-N values in float32, divides by the float32 row sum in float64 (float64 result); "
        "n_genes_by_counts / n_cells_by_counts are int (stored i32); mean_counts comes from _get_mean_var (float64)."
    )
    zero = info.get("zero_count_cells", [])
    if zero:
        r = {}
        for col in obs.columns:
            r[col] = jsonable(obs[col].to_numpy()[zero])
        c["results"]["zero_count_cell_values"] = r
        c["notes"].append("Zero-count cells: pct_counts_in_top_N and pct_counts_<qc> are NaN (0/0); totals and log1p_* are 0.")
    return qc_name


def do_meanvar(rec: Recorder, adata, info: dict):
    x = adata.X
    from scanpy.preprocessing._utils import _get_mean_var

    variants = {
        "csr": (x, "CSR float32 counts"),
        "csc": (x.tocsc(), "CSC float32 counts (X.tocsc())"),
        "dense": (x.toarray().astype(np.float64), "dense float64 counts (X.toarray().astype(float64))"),
    }
    identical = {}
    for vname, (m, what) in variants.items():
        for axis in (0, 1):
            cid = f"meanvar.{vname}.axis{axis}"
            call = f"fast_array_utils.stats.mean_var(X_{vname}, axis={axis}, correction=1)"
            c = rec.call(cid, call, {"axis": axis, "correction": 1, "input": what})
            mean, var = rec.run(cid, fast_array_utils.stats.mean_var, m, axis=axis, correction=1)
            rec.add(f"meanvar.{vname}.axis{axis}.mean", mean, cid)
            rec.add(f"meanvar.{vname}.axis{axis}.var", var, cid)
            smean, svar = _get_mean_var(m, axis=axis)
            same = bool(np.array_equal(smean, mean) and np.array_equal(svar, var))
            identical[cid] = same
            c["results"]["identical_to_scanpy_get_mean_var"] = same
            if not same:
                rec.add(f"meanvar.scanpy.{vname}.axis{axis}.mean", smean, cid)
                rec.add(f"meanvar.scanpy.{vname}.axis{axis}.var", svar, cid)
    for axis in (0, 1):
        cid = f"sum.axis{axis}"
        rec.call(cid, f"np.asarray(X.sum(axis={axis}, dtype=np.float64)).ravel()  (X = CSR float32)", {"axis": axis, "dtype": "float64"})
        rec.add(f"sum.axis{axis}", np.asarray(x.sum(axis=axis, dtype=np.float64)).ravel(), cid)
        cid = f"nnz.axis{axis}"
        rec.call(cid, f"X.getnnz(axis={axis})  (X = CSR float32, no explicit zeros)", {"axis": axis})
        rec.add(f"nnz.axis{axis}", x.getnnz(axis=axis), cid)
    return identical


def do_normalize(rec: Recorder, adata, info: dict):
    x = adata.X
    totals = np.asarray(x.sum(axis=1, dtype=np.float64)).ravel()
    rec.call("totals", "np.asarray(X.sum(axis=1, dtype=np.float64)).ravel()  (row totals before normalize_total)", {})
    rec.add("normalize.totals_before", totals, "totals")
    variants = [
        ("normalize.median", {"target_sum": None}),
        ("normalize.1e4", {"target_sum": 1e4}),
        ("normalize.exclude_hi", {"target_sum": None, "exclude_highly_expressed": True, "max_fraction": 0.05}),
    ]
    for cid, params in variants:
        a = adata.copy()
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        c = rec.call(cid, f"sc.pp.normalize_total(adata, {ptxt}, inplace=False)", dict(params, inplace=False))
        out = rec.run(cid, sc.pp.normalize_total, a, **params, inplace=False)
        xn, factor = out["X"], np.asarray(out["norm_factor"])
        c["results"]["output_dtype"] = str(xn.dtype)
        c["results"]["norm_factor_dtype"] = str(factor.dtype)
        # The target scanpy used: norm_factor = counts_per_cell / target  (counts_per_cell is the
        # float32 total over the non-excluded genes on the CSR path).
        if params.get("exclude_highly_expressed"):
            frac = params["max_fraction"]
            tot32 = np.asarray(x.sum(axis=1)).ravel().astype(np.float32)
            hi = np.zeros(x.shape[1], dtype=bool)
            rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
            over = x.data > frac * tot32[rows].astype(np.float64)
            hi[np.unique(x.indices[over])] = True
            kept_tot = np.asarray(x[:, ~hi].sum(axis=1, dtype=np.float64)).ravel()
            rec.add(f"{cid}.excluded_gene_mask", hi, cid, "u8", "genes with x_ij > max_fraction * total_i in at least one cell")
            rec.add(f"{cid}.totals_kept_genes", kept_tot, cid, "f64", "row totals over the non-excluded genes (float64 sum)")
            # cross-check against scanpy's own CSR-path helper (its gene_subset is ~indices of the
            # excluded genes, a quirk that only feeds the log message)
            from scanpy.preprocessing._normalization import _normalize_total_helper

            _, _, gs = _normalize_total_helper(x.copy(), exclude_highly_expressed=True, max_fraction=frac, target_sum=1.0)
            hi_scanpy = np.zeros(x.shape[1], dtype=bool)
            hi_scanpy[~np.asarray(gs)] = True
            assert np.array_equal(hi, hi_scanpy), "excluded-gene mask differs from scanpy's CSR path"
            c["results"]["n_excluded_genes"] = int(hi.sum())
            c["results"]["excluded_genes"] = list(adata.var_names[hi])
            c["results"]["n_cells_zero_total_after_exclusion"] = int((kept_tot == 0).sum())
            base_tot = kept_tot
        else:
            base_tot = totals
        if params.get("target_sum") is None:
            target = np.median(base_tot.astype(np.float32))  # what the CSR path does (all rows, float32 totals)
            c["results"]["target_sum_used"] = float(target)
            c["results"]["target_sum_rule"] = "np.median of ALL float32 row totals (CSR path), zero-total rows included"
            c["results"]["median_of_positive_totals"] = float(np.median(base_tot[base_tot > 0]))
        else:
            target = params["target_sum"]
            c["results"]["target_sum_used"] = float(target)
        with np.errstate(divide="ignore", invalid="ignore"):
            expect = (base_tot.astype(np.float32) / np.float32(target)).astype(np.float32)
        c["results"]["norm_factor_equals_float32_total_over_float32_target"] = bool(np.array_equal(expect, factor, equal_nan=True))
        bad = ~np.isfinite(factor)
        if bad.any():
            c["results"]["n_nonfinite_norm_factor"] = int(bad.sum())
            c["results"]["n_nan_in_output_data"] = int(np.isnan(xn.data).sum())
            c["notes"].append(
                "DEGENERATE: the median target is 0 (most rows have zero total after the exclusion), so norm_factor = "
                "total/0 is inf (total>0) or NaN (total==0); scanpy only replaces exact zeros by 1, so rows are divided "
                "by inf (-> 0) or NaN (-> NaN). The fixtures record this as-is."
            )
        # the same call on a dense copy of X takes a different code path in scanpy
        dn = adata.copy()
        dn.X = x.toarray()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outd = sc.pp.normalize_total(dn, **params, inplace=False)
        fd = np.asarray(outd["norm_factor"])
        dense = {"identical_norm_factor": bool(np.array_equal(fd, factor, equal_nan=True)),
                 "identical_X": bool(np.array_equal(outd["X"], xn.toarray(), equal_nan=True))}
        if params.get("target_sum") is None:
            ok = np.isfinite(fd) & (fd > 0)
            dense["target_sum_used"] = float(np.median(base_tot[base_tot > 0])) if ok.any() else None
            dense["target_sum_rule"] = "median of the row totals that are > 0 (_compute_nnz_median)"
        c["results"]["dense_input_path"] = dense
        if not dense["identical_norm_factor"]:
            dcid = cid + ".dense_input"
            rec.call(dcid, c["call"].replace("(adata,", "(adata_with_dense_X,"), dict(params, inplace=False, input="X.toarray() (float32 dense)"))
            rec.add(f"{dcid}.norm_factor", fd, dcid)
            rec.add(f"{dcid}.cell_sum", np.asarray(outd["X"], dtype=np.float64).sum(axis=1), dcid)
        rec.add(f"{cid}.norm_factor", factor, cid, None, "norm_factor returned by scanpy (total / target, before zero->1)")
        st = f64_colstats(xn)
        scid = cid + ".stats"
        rec.call(scid, STATS_CALL + f"  on sc.pp.normalize_total(adata, {ptxt}).X", {})
        rec.add(f"{cid}.gene_mean", st["gene_mean"], scid)
        rec.add(f"{cid}.gene_var", st["gene_var"], scid)
        rec.add(f"{cid}.cell_sum", st["cell_sum"], scid)
        zero = info.get("zero_count_cells", [])
        if zero:
            c["results"]["zero_count_cell_norm_factor"] = jsonable(factor[zero])
            c["results"]["zero_count_cell_sum_after"] = jsonable(st["cell_sum"][zero])


def lognorm(adata, rec: Recorder | None = None, cid: str | None = None):
    a = adata.copy()
    if rec is not None:
        rec.run(cid, sc.pp.normalize_total, a, target_sum=1e4)
        rec.run(cid, sc.pp.log1p, a)
    else:
        sc.pp.normalize_total(a, target_sum=1e4)
        sc.pp.log1p(a)
    return a


LOGNORM_CALL = "sc.pp.normalize_total(adata, target_sum=1e4); sc.pp.log1p(adata)"


def do_log1p(rec: Recorder, adata, info: dict):
    cid = "log1p.norm1e4"
    c = rec.call(cid, LOGNORM_CALL, {"normalize_total": {"target_sum": 1e4}, "log1p": {"base": None}})
    a = lognorm(adata, rec, cid)
    c["results"]["output_dtype"] = str(a.X.dtype)
    st = f64_colstats(a.X)
    scid = cid + ".stats"
    rec.call(scid, STATS_CALL + f"  on ({LOGNORM_CALL}).X", {})
    rec.add(f"{cid}.gene_mean", st["gene_mean"], scid)
    rec.add(f"{cid}.gene_var", st["gene_var"], scid)
    rec.add(f"{cid}.cell_sum", st["cell_sum"], scid)

    cid = "log1p.base2.raw"
    c = rec.call(cid, "sc.pp.log1p(adata, base=2)  (raw counts)", {"base": 2})
    b = adata.copy()
    rec.run(cid, sc.pp.log1p, b, base=2)
    c["results"]["output_dtype"] = str(b.X.dtype)
    c["notes"].append("float32 input: log1p in float32, then divided by np.log(2) (a float64 scalar) with out= the float32 array, i.e. computed in float64 and rounded to float32.")
    scid = cid + ".stats"
    rec.call(scid, "per-cell float64 sum of the result: np.asarray(X.sum(axis=1, dtype=np.float64)).ravel()", {})
    rec.add(f"{cid}.cell_sum", np.asarray(b.X.sum(axis=1, dtype=np.float64)).ravel(), scid)
    return a


def _hvg_store(rec: Recorder, cid: str, df: pd.DataFrame, c: dict, batched_v3: bool = False):
    score = "variances_norm" if "variances_norm" in df.columns else "dispersions_norm"
    # Genes with equal scores are ordered by np.argsort / pandas sort, whose tie order is an
    # implementation detail (numpy may use SIMD sorts that depend on the CPU); selection and ranks
    # are therefore only defined up to permutations inside a group of tied scores.
    ties = {"mode": "ties", "score": f"{cid}.{score}"}
    if batched_v3:
        # seurat_v3 with a batch: the ties that matter are inside each batch's own scores, and a
        # tied gene's median rank can move an untied gene across the cut-off, so no per-gene rule
        # holds: the selection, ranks and nbatches are checked exactly on the `.stable_ties` run,
        # and here a difference is reported, not failed ("tie_order").
        ties = {"mode": "tie_order"}
    c["results"]["columns"] = list(df.columns)
    c["results"]["column_dtypes"] = {k: str(v) for k, v in df.dtypes.items()}
    for col in df.columns:
        s = df[col]
        if col == "gene_name":
            continue
        if col == "mean_bin":
            cat = s.cat
            rec.add(f"{cid}.mean_bin_code", cat.codes.to_numpy().astype(np.int32), cid, "i32",
                    "pandas.cut category code of each gene (-1 = NaN); categories in .mean_bin_edges")
            edges = np.array([[iv.left, iv.right] for iv in cat.categories], dtype=np.float64)
            rec.add(f"{cid}.mean_bin_edges", edges, cid, "f64", "(left, right] edges of every pandas.cut category, in code order")
            continue
        if col == "highly_variable":
            rec.add(f"{cid}.highly_variable", s.to_numpy().astype(bool), cid, "u8", compare=ties)
            c["results"]["n_highly_variable"] = int(s.sum())
            continue
        v = s.to_numpy()
        if v.dtype == np.float32:
            v = v.astype(np.float64)  # lossless; ranks are float32 in scanpy
        # seurat_v3 with a batch: the per-batch ranks decide highly_variable_nbatches, so it
        # depends on the argsort tie order too
        tie_col = col == "highly_variable_rank" or (batched_v3 and col == "highly_variable_nbatches")
        rec.add(f"{cid}.{col}", v, cid, compare=ties if tie_col else None)


def do_hvg(rec: Recorder, adata, a_log, info: dict):
    runs = [
        ("hvg.seurat", a_log, {"flavor": "seurat"}),
        ("hvg.seurat.top200", a_log, {"flavor": "seurat", "n_top_genes": 200}),
        ("hvg.cell_ranger.top200", a_log, {"flavor": "cell_ranger", "n_top_genes": 200}),
        ("hvg.seurat_v3.top200", adata, {"flavor": "seurat_v3", "n_top_genes": 200, "span": 0.3}),
    ]
    for cid, data, params in runs:
        on = LOGNORM_CALL + " data" if data is a_log else "raw counts"
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        c = rec.call(cid, f"sc.pp.highly_variable_genes(adata, {ptxt}, inplace=False)  on {on}", dict(params, inplace=False), input=on)
        d = data.copy()
        try:
            df = rec.run(cid, sc.pp.highly_variable_genes, d, **params, inplace=False)
        except ValueError as e:
            # cell_ranger: np.percentile bin edges collide when >= 10 % of the genes have mean 0
            # (all exactly 1e-12), and pandas.cut refuses duplicate edges. Record the error and
            # rerun on the expressed genes only, as a user would.
            c["error_on_all_genes"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
            keep, _ = sc.pp.filter_genes(data, min_cells=1, inplace=False)
            keep = np.asarray(keep)
            c["rerun_on_expressed_genes"] = "sc.pp.filter_genes(adata, min_cells=1, inplace=False) mask; adata[:, mask].copy()"
            c["call"] = c["call"].replace("  on ", "  on expressed genes (n_cells>0) of ")
            c["results"]["n_genes_used"] = int(keep.sum())
            rec.add(f"{cid}.gene_mask", keep, cid, "u8", "genes the call was run on (the other arrays of this call have length sum(mask))")
            d = data[:, keep].copy()
            df = rec.run(cid, sc.pp.highly_variable_genes, d, **params, inplace=False)
            data = d
        _hvg_store(rec, cid, df, c)
        if params["flavor"] in ("seurat", "cell_ranger"):
            # what inplace=True writes: dispersions_norm is cast to float32 there
            d2 = data.copy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sc.pp.highly_variable_genes(d2, **params)
            c["results"]["inplace_var_dtypes"] = {k: str(d2.var[k].dtype) for k in ("means", "dispersions", "dispersions_norm", "highly_variable")}
            c["results"]["inplace_same_selection"] = bool(np.array_equal(d2.var["highly_variable"].to_numpy(), df["highly_variable"].to_numpy()))
        if params.get("n_top_genes"):
            key = "dispersions_norm" if params["flavor"] != "seurat_v3" else "variances_norm"
            vals = df[key].to_numpy()
            hv = df["highly_variable"].to_numpy()
            sel = vals[hv]
            rest = vals[~hv]
            cut = np.nanmin(sel) if sel.size else np.nan
            ties = int(np.sum(rest == cut)) if np.isfinite(cut) else 0
            c["results"]["cutoff_value"] = jsonable(cut)
            c["results"]["n_selected_at_cutoff"] = int(np.sum(sel == cut))
            c["results"]["n_unselected_tied_at_cutoff"] = ties
            if ties:
                c["notes"].append(
                    f"{int(np.sum(sel == cut)) + ties} genes share the cut-off score {cut!r}; only {int(np.sum(sel == cut))} of them "
                    "are selected, chosen by numpy's argsort tie order (not stable, may depend on the CPU's SIMD sort). "
                    "Their ranks/selection are defined only up to a permutation inside the tie group."
                )
        c["results"]["n_nan"] = {col: int(df[col].isna().sum()) for col in df.columns if df[col].dtype.kind == "f"}
    do_hvg_batched(rec, a_log, adata)


def _stable_argsort_hvg(**kw):
    """sc.pp.highly_variable_genes with np.argsort defaulting to kind="stable" for the call.

    The only np.argsort of the seurat_v3 path is its rank step, argsort(argsort(-norm_gene_vars)):
    with a stable sort, genes with equal normalised variance rank in gene order. Everything else is
    scanpy's own code; the columns other than the ranks, nbatches and the selection are identical to
    the plain call (asserted by the caller)."""
    orig = np.argsort

    def stable(a, axis=-1, kind=None, order=None, **k):
        return orig(a, axis=axis, kind="stable" if kind is None else kind, order=order, **k)

    np.argsort = stable
    try:
        return sc.pp.highly_variable_genes(**kw)
    finally:
        np.argsort = orig


def do_hvg_batched(rec: Recorder, a_log, adata):
    """batch_key: 3 batches, cell i in batch "b{i % 3}" (a string obs column, so scanpy's
    sanitize_anndata makes it a categorical with the sorted labels as categories)."""
    n = a_log.n_obs
    codes = (np.arange(n) % 3).astype(np.int32)
    labels = np.array([f"b{k}" for k in codes], dtype=object)
    runs = [
        ("hvg.batch3.seurat", {"flavor": "seurat"}),
        ("hvg.batch3.seurat.top200", {"flavor": "seurat", "n_top_genes": 200}),
        ("hvg.batch3.cell_ranger.top200", {"flavor": "cell_ranger", "n_top_genes": 200}),
    ]
    for cid, params in runs:
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        c = rec.call(
            cid,
            f'sc.pp.highly_variable_genes(adata, {ptxt}, batch_key="batch", inplace=False)  on {LOGNORM_CALL} data, '
            'adata.obs["batch"] = [f"b{i % 3}" for i in range(n_obs)]; result reindexed to adata.var_names',
            dict(params, batch_key="batch", inplace=False),
            input=LOGNORM_CALL + " data",
        )
        if cid == runs[0][0]:
            rec.add("hvg.batch3.labels", codes, cid, "i32", 'batch code of each cell: i % 3, i.e. obs["batch"] = f"b{i % 3}"')
        d = a_log.copy()
        d.obs["batch"] = labels
        assert d.var_names.is_unique
        df = rec.run(cid, sc.pp.highly_variable_genes, d, **params, batch_key="batch", inplace=False)
        # the cut-off path returns the genes in groupby (sorted var name) order
        df = df.reindex(d.var_names)
        c["results"]["batches"] = [str(b) for b in d.obs["batch"].cat.categories]
        _hvg_store(rec, cid, df, c)
        c["results"]["n_nan"] = {col: int(df[col].isna().sum()) for col in df.columns if df[col].dtype.kind == "f"}
    do_hvg_batched_seurat_v3(rec, adata, labels)


def do_hvg_batched_seurat_v3(rec: Recorder, adata, labels):
    """seurat_v3 / seurat_v3_paper with batch_key on the raw counts, same 3 batches.

    The per-batch ranks come from np.argsort, whose order among genes with equal normalised
    variance is unspecified (and may depend on the CPU's SIMD sort); on mouse10k many genes tie
    within a batch, so ranks, nbatches and (top 200) the selection depend on it. Each call is
    therefore recorded twice: as scanpy runs it (tie-dependent arrays marked "ties"), and as
    `<id>.stable_ties`, the same scanpy call with np.argsort made stable (ties in gene order)."""
    runs = [
        ("hvg.batch3.seurat_v3", {"flavor": "seurat_v3"}),
        ("hvg.batch3.seurat_v3.top200", {"flavor": "seurat_v3", "n_top_genes": 200}),
        ("hvg.batch3.seurat_v3_paper", {"flavor": "seurat_v3_paper"}),
        ("hvg.batch3.seurat_v3_paper.top200", {"flavor": "seurat_v3_paper", "n_top_genes": 200}),
    ]
    # each batch's own variances_norm (scanpy on the batch's cells alone = the per-batch step of
    # the batched call): which genes tie within a batch, and the per-batch values themselves
    bid = "hvg.batch3.seurat_v3.per_batch"
    bc = rec.call(
        bid,
        'for b in ("b0", "b1", "b2"): sc.pp.highly_variable_genes(adata[adata.obs["batch"] == b].copy(), '
        'flavor="seurat_v3", inplace=False)["variances_norm"]  on raw counts',
        {"flavor": "seurat_v3", "inplace": False},
        input="raw counts",
    )
    per_batch = []
    for b in np.unique(labels):
        db = adata[labels == b].copy()
        dfb = rec.run(bid, sc.pp.highly_variable_genes, db, flavor="seurat_v3", inplace=False)
        per_batch.append(dfb["variances_norm"].to_numpy())
    per_batch = np.stack(per_batch)
    rec.add(f"{bid}.variances_norm", per_batch, bid, "f64", "row b: variances_norm of batch b's cells alone (batches b0, b1, b2)")
    bc["results"]["n_genes_tied_in_a_batch"] = [
        int(sum(int(k) for k in np.unique(row, return_counts=True)[1] if k > 1)) for row in per_batch
    ]
    for cid, params in runs:
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        call = (
            f'sc.pp.highly_variable_genes(adata, {ptxt}, batch_key="batch", inplace=False)  on raw counts, '
            'adata.obs["batch"] = [f"b{i % 3}" for i in range(n_obs)]'
        )
        c = rec.call(cid, call, dict(params, batch_key="batch", inplace=False), input="raw counts")
        d = adata.copy()
        d.obs["batch"] = labels
        df = rec.run(cid, sc.pp.highly_variable_genes, d, **params, batch_key="batch", inplace=False)
        assert (df.index == d.var_names).all()
        assert np.array_equal(np.mean(per_batch, axis=0), df["variances_norm"].to_numpy())
        c["results"]["batches"] = [str(b) for b in np.unique(labels)]
        _hvg_store(rec, cid, df, c, batched_v3=True)
        c["results"]["n_nan"] = {col: int(df[col].isna().sum()) for col in df.columns if df[col].dtype.kind == "f"}

        scid = cid + ".stable_ties"
        sc_ = rec.call(
            scid,
            call + '  with np.argsort defaulting to kind="stable" during the call (ties rank in gene order)',
            dict(params, batch_key="batch", inplace=False, argsort_kind="stable"),
            input="raw counts",
        )
        d = adata.copy()
        d.obs["batch"] = labels
        ds = rec.run(scid, _stable_argsort_hvg, adata=d, **params, batch_key="batch", inplace=False)
        for col in ("means", "variances", "variances_norm"):
            assert np.array_equal(ds[col].to_numpy(), df[col].to_numpy(), equal_nan=True), col
        for col in ("highly_variable", "highly_variable_rank", "highly_variable_nbatches"):
            v = ds[col].to_numpy()
            if v.dtype == np.float32:
                v = v.astype(np.float64)
            rec.add(f"{scid}.{col}", v, scid, "u8" if col == "highly_variable" else None)
        sc_["results"]["n_highly_variable"] = int(ds["highly_variable"].sum())
        differ = {
            col: int((~((ds[col] == df[col]) | (ds[col].isna() & df[col].isna()))).sum())
            for col in ("highly_variable", "highly_variable_rank", "highly_variable_nbatches")
        }
        sc_["notes"].append(f"genes that differ from the plain call (numpy's tie order on this machine): {differ}")


def do_scale(rec: Recorder, a_log, info: dict):
    cid = "scale.zc"
    call = f"sc.pp.scale(adata, zero_center=True, max_value=10)  on {LOGNORM_CALL} data (sparse CSR float32)"
    c = rec.call(cid, call, {"zero_center": True, "max_value": 10})
    a = a_log.copy()
    rec.run(cid, sc.pp.scale, a, zero_center=True, max_value=10)
    xs = np.asarray(a.X)
    c["results"]["output_type"] = f"{type(a.X).__name__} {a.X.dtype}"
    c["results"]["n_clipped_at_max"] = int((xs == 10).sum())
    c["results"]["n_clipped_at_min"] = int((xs == -10).sum())
    rec.add(f"{cid}.mean", a.var["mean"].to_numpy(), cid, None, "adata.var['mean']")
    rec.add(f"{cid}.std", a.var["std"].to_numpy(), cid, None, "adata.var['std'] (ddof=1, zeros replaced by 1)")
    c["results"]["n_genes_std_zero_set_to_1"] = int(((a_log.X.getnnz(axis=0)) == 0).sum())
    scid = cid + ".stats"
    rec.call(scid, "float64 sums of the scaled matrix: X.sum(axis=1), X.sum(axis=0); first rows verbatim", {})
    rec.add(f"{cid}.cell_sum", xs.astype(np.float64).sum(axis=1), scid)
    rec.add(f"{cid}.gene_sum", xs.astype(np.float64).sum(axis=0), scid)
    rec.add(f"{cid}.first{N_SCALED_ROWS}_rows", xs[:N_SCALED_ROWS].astype(np.float64), scid, "f64",
            f"the full scaled values of cells 0..{N_SCALED_ROWS - 1}")
    zero = info.get("zero_count_cells", [])
    if zero:
        c["results"]["zero_count_cells_scaled_row_sum"] = jsonable(xs[zero].sum(axis=1))
        c["notes"].append("The zero-count cell's scaled row is (0 - mean)/std per gene (clipped at -10), like any other row.")

    cid = "scale.nozc"
    call = f"sc.pp.scale(adata, zero_center=False, max_value=10)  on {LOGNORM_CALL} data (sparse CSR float32)"
    c = rec.call(cid, call, {"zero_center": False, "max_value": 10})
    b = a_log.copy()
    rec.run(cid, sc.pp.scale, b, zero_center=False, max_value=10)
    c["results"]["output_type"] = f"{type(b.X).__name__} {b.X.dtype}"
    c["results"]["n_clipped_at_max"] = int((b.X.data == 10).sum())
    rec.add(f"{cid}.mean", b.var["mean"].to_numpy(), cid, None, "adata.var['mean']")
    rec.add(f"{cid}.std", b.var["std"].to_numpy(), cid, None, "adata.var['std']")
    scid = cid + ".stats"
    rec.call(scid, "float64 per-gene sums of the (sparse, float32) result: np.asarray(X.sum(axis=0, dtype=np.float64)).ravel()", {})
    rec.add(f"{cid}.gene_sum", np.asarray(b.X.sum(axis=0, dtype=np.float64)).ravel(), scid)
    c["notes"].append("Sparse path without centring: data[j] = min(max_value, data[j] / std[j]) computed in float64 and stored into the float32 data array; stays CSR.")


def do_filter(rec: Recorder, adata, spec: dict, info: dict):
    n_obs, n_vars = adata.shape
    runs = [
        ("filter_cells.min_genes", sc.pp.filter_cells, "min_genes", spec["filter_cells_min_genes"], n_obs),
        ("filter_cells.min_counts", sc.pp.filter_cells, "min_counts", spec["filter_cells_min_counts"], n_obs),
        ("filter_genes.min_cells", sc.pp.filter_genes, "min_cells", spec["filter_genes_min_cells"], n_vars),
        ("filter_genes.min_counts", sc.pp.filter_genes, "min_counts", spec["filter_genes_min_counts"], n_vars),
    ]
    for cid, fn, key, thr, n in runs:
        c = rec.call(cid, f"sc.pp.{fn.__name__}(adata, {key}={thr}, inplace=False)", {key: thr, "inplace": False})
        a = adata.copy()
        mask, number = rec.run(cid, fn, a, **{key: thr}, inplace=False)
        mask = np.asarray(mask)
        number = np.asarray(number)
        removed = int((~mask).sum())
        assert 0 < removed < n, f"{cid}: threshold {thr} removes {removed} of {n}"
        c["results"]["n_removed"] = removed
        c["results"]["n_kept"] = int(mask.sum())
        c["results"]["number_dtype"] = str(number.dtype)
        rec.add(f"{cid}.mask", mask, cid, "u8")
        rec.add(f"{cid}.number", number, cid)


# ----------------------------------------------------------------------------------------------


def versions() -> dict:
    return {
        "python": platform.python_version(),
        "scanpy": _pkg_version("scanpy"),
        "anndata": _pkg_version("anndata"),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "numba": numba.__version__,
        "llvmlite": _pkg_version("llvmlite"),
        "fast-array-utils": _pkg_version("fast-array-utils"),
        "scikit-misc": _pkg_version("scikit-misc"),
        "h5py": _pkg_version("h5py"),
    }


def make_dataset(name: str, data_dir: Path, out_root: Path, numba_threads: int, log=print) -> Path:
    spec = DATASETS[name]
    src = data_dir / spec["file"]
    outdir = out_root / name
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    rec = Recorder(outdir)
    adata = load(spec, src)
    x = adata.X
    totals = np.asarray(x.sum(axis=1, dtype=np.float64)).ravel()
    info = {"zero_count_cells": [int(i) for i in np.flatnonzero(totals == 0)]}
    log(f"[{name}] {adata.n_obs} x {adata.n_vars}, nnz {x.nnz}")

    qc_name = do_qc(rec, adata, spec, info)
    identical = do_meanvar(rec, adata, info)
    do_normalize(rec, adata, info)
    a_log = do_log1p(rec, adata, info)
    do_hvg(rec, adata, a_log, info)
    do_scale(rec, a_log, info)
    do_filter(rec, adata, spec, info)

    manifest = {
        "format_version": FORMAT_VERSION,
        "dataset": {
            "name": name,
            "file": spec["file"],
            "sha256": sha256_file(src),
            "reader": f"{spec['reader']}(path); adata.var_names_make_unique()",
            "shape": list(adata.shape),
            "nnz": int(x.nnz),
            "X": f"{x.format.upper()} {x.dtype} (raw integer counts, sorted indices)",
            "zero_count_cells": info["zero_count_cells"],
            "var_names": list(adata.var_names),
        },
        "provenance": {
            "generator": "bench/reference/make_reference.py",
            "generated_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "versions": versions(),
            "platform": platform.platform(),
            "numba_num_threads": numba.get_num_threads(),
        },
        "qc_var": {"name": qc_name, "mask_array": "qc.qc_var_mask"},
        "meanvar_identical_to_scanpy_get_mean_var": identical,
        "calls": [jsonable(c) for c in rec.calls.values()],
        "arrays": rec.arrays,
    }
    (outdir / "manifest.json").write_text(json.dumps(jsonable(manifest), indent=1, allow_nan=False) + "\n")
    size = sum(p.stat().st_size for p in outdir.iterdir())
    log(f"[{name}] {len(rec.arrays)} arrays, {size / 1e6:.2f} MB -> {outdir}")
    return outdir


def main(args) -> int:
    names = [n for n in args.datasets.split(",") if n]
    for n in names:
        if n not in DATASETS:
            sys.exit(f"unknown dataset {n!r}; known: {', '.join(DATASETS)}")
    log = (lambda *a, **k: None) if args.quiet else print
    args.out.mkdir(parents=True, exist_ok=True)
    for n in names:
        make_dataset(n, args.data_dir, args.out, args.numba_threads, log=log)
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
