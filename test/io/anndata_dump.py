"""Opens an .h5ad with Python's anndata and dumps what a test needs as JSON (stdout).

Usage: anndata_dump.py FILE [--full]
Every obs/var column: its pandas dtype and values (NaN -> null); X and each layer: type,
format, dtype, shape, nnz, per-cell and per-gene float64 sums, per-gene mean and variance
(ddof=1, float64). Exits non-zero (with the anndata error on stderr) if anndata cannot read it.
"""
import json
import math
import sys
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp


def clean(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)


def column(s):
    dt = str(s.dtype)
    vals = s.tolist()
    return {"dtype": dt, "values": [clean(v) for v in vals]}


def matrix(m):
    out = {"type": type(m).__name__, "dtype": str(m.dtype), "shape": list(m.shape)}
    if sp.issparse(m):
        out["format"] = m.format
        out["nnz"] = int(m.nnz)
        d = m.astype(np.float64)
        out["cell_sum"] = np.asarray(d.sum(axis=1)).ravel().tolist()
        out["gene_sum"] = np.asarray(d.sum(axis=0)).ravel().tolist()
        mean = np.asarray(d.mean(axis=0)).ravel()
        sq = np.asarray(d.multiply(d).mean(axis=0)).ravel()
    else:
        out["format"] = "dense"
        d = np.asarray(m, dtype=np.float64)
        out["nnz"] = int(np.count_nonzero(d))
        out["cell_sum"] = d.sum(axis=1).tolist()
        out["gene_sum"] = d.sum(axis=0).tolist()
        mean = d.mean(axis=0)
        sq = (d * d).mean(axis=0)
    n = m.shape[0]
    var = (sq - mean**2) * (n / (n - 1)) if n > 1 else np.zeros_like(mean)
    out["gene_mean"] = mean.tolist()
    out["gene_var"] = var.tolist()
    return out


def main():
    path = sys.argv[1]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = ad.read_h5ad(path)
    res = {
        "anndata": ad.__version__,
        "shape": list(a.shape),
        "obs_names": a.obs_names.tolist(),
        "var_names": a.var_names.tolist(),
        "obs": {c: column(a.obs[c]) for c in a.obs.columns},
        "var": {c: column(a.var[c]) for c in a.var.columns},
        "X": None if a.X is None else matrix(a.X),
        "layers": {k: matrix(v) for k, v in a.layers.items()},
        "warnings": [str(x.message) for x in w],
    }
    # The usual scanpy idiom must work on boolean columns (a bool mask, not integer positions).
    if "highly_variable" in a.var.columns:
        res["hvg_subset_shape"] = list(a[:, a.var["highly_variable"]].shape)
    json.dump(res, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
