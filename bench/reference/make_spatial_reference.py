#!/usr/bin/env python3
"""Golden fixtures for the spatial kernels, from the REAL squidpy calls.

    bench/reference/.venv/bin/python bench/reference/make_spatial_reference.py [--out <repo>/test/fixtures/golden]

Builds a deterministic spatial test case (a jittered hexagonal lattice of 2,500 cells, like a
Visium/Slide-seq tissue section; five spatial domains as clusters with 10 % label noise; 20
features with planted spatial patterns, sparse and cluster-specific genes, and one constant
feature) and runs squidpy 1.8.2 on it: ``spatial_neighbors`` (generic kNN, radius and Delaunay graphs;
the Delaunay graph also on 300 uniform random cells, and squidpy's outcome on degenerate inputs),
``spatial_autocorr`` (Moran's I and Geary's C, analytic and with 1,000 permutations),
``co_occurrence``, ``nhood_enrichment`` and ``ligrec``. Writes
``test/fixtures/golden/spatial/`` in the format of make_reference.py (README.md): the inputs
(coordinates, X, cluster codes) and every output as raw little-endian arrays plus
``manifest.json``. Every random draw comes from fixed seeds, and squidpy runs with
``n_jobs=1`` so its own permutation streams are fixed too.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from importlib.metadata import version as _pkg_version  # noqa: E402

warnings.filterwarnings("ignore", category=SyntaxWarning)  # docrep, at squidpy import
warnings.filterwarnings("ignore", category=FutureWarning)
import anndata as ad  # noqa: E402
import numba  # noqa: E402
import squidpy as sq  # noqa: E402

from make_reference import Recorder, jsonable  # noqa: E402

FORMAT_VERSION = 1
DATASET = "spatial"
SEED = 20240607
N_PERMS = 1000
PERM_SEED = 0

# ----------------------------------------------------------------------------------------------
# the test case


def make_case():
    """A jittered hexagonal lattice (spacing 10), 5 spatial domains, 20 features."""
    rng = np.random.default_rng(SEED)
    nx_, ny_ = 50, 50
    ii, jj = np.meshgrid(np.arange(nx_), np.arange(ny_), indexing="xy")
    x = ii * 10.0 + (jj % 2) * 5.0
    y = jj * (10.0 * np.sqrt(3) / 2)
    coords = np.stack([x.ravel(), y.ravel()], axis=1) + rng.normal(0.0, 1.2, size=(nx_ * ny_, 2))
    coords += np.array([120.0, 80.0])  # away from the origin, like real pixel coordinates
    n = coords.shape[0]
    ring = (jj.ravel() % 2) * 2 + (ii.ravel() % 2)  # 4-colouring of the lattice

    # five spatial domains: nearest of five centres, then 10 % of the labels replaced at random
    centres = np.array([[150, 120], [480, 150], [300, 300], [160, 470], [500, 460]], dtype=float)
    d = ((coords[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    labels = d.argmin(1)
    flip = rng.random(n) < 0.10
    labels[flip] = rng.integers(0, 5, flip.sum())

    cx = (coords[:, 0] - coords[:, 0].mean()) / coords[:, 0].std()
    cy = (coords[:, 1] - coords[:, 1].mean()) / coords[:, 1].std()
    feats = {}
    feats["gradient_x"] = cx + rng.normal(0, 0.5, n)
    feats["gradient_y"] = 2.0 * cy + rng.normal(0, 2.0, n)
    feats["blob"] = 5 * np.exp(-((cx - 0.3) ** 2 + (cy + 0.2) ** 2) / 0.3) + rng.normal(0, 0.3, n)
    feats["noise"] = rng.normal(0, 1, n)
    feats["checker"] = np.where(ring % 2 == 0, 1.0, -1.0) + rng.normal(0, 0.8, n)  # negative autocorrelation
    for c in range(5):  # cluster-specific counts
        rate = np.where(labels == c, 4.0, 0.4)
        feats[f"marker_{c}"] = rng.poisson(rate).astype(float)
    for k, wl in enumerate((0.7, 1.5, 3.0, 6.0, 12.0)):
        feats[f"wave_{k}"] = np.sin(cx * np.pi / wl * 2) * np.cos(cy * np.pi / wl) + rng.normal(0, 0.5, n)
    # sparse genes (expressed in few cells) for the ligrec expression threshold
    feats["sparse_a"] = np.where(rng.random(n) < 0.03, rng.poisson(3, n) + 1, 0).astype(float)
    feats["sparse_b"] = np.where((labels == 2) & (rng.random(n) < 0.05), 2.0, 0.0)
    feats["sparse_c"] = np.where(rng.random(n) < 0.006, 1.0, 0.0)
    feats["only_c0"] = np.where(labels == 0, rng.poisson(2.0, n), 0).astype(float)  # mean 0 outside cluster 0
    feats["constant"] = np.full(n, 3.0)
    names = list(feats)
    X = np.stack([feats[k] for k in names], axis=1).astype(np.float32)
    return coords, X, labels.astype(np.int32), names


def make_adata(coords, X, labels, names):
    a = ad.AnnData(X.copy())
    a.var_names = [f"G{i}" for i in range(X.shape[1])]
    a.obs_names = [f"cell{i}" for i in range(X.shape[0])]
    a.obsm["spatial"] = coords.copy()
    a.obs["cluster"] = pd.Categorical([str(c) for c in labels], categories=[str(c) for c in range(5)])
    return a


# ----------------------------------------------------------------------------------------------
# the reference calls


def add_csr(rec: Recorder, prefix: str, m, cid: str, desc: str):
    m = sp.csr_matrix(m)
    m.sort_indices()
    rec.add(f"{prefix}.indptr", m.indptr.astype(np.int32), cid, "i32", f"{desc}: CSR indptr")
    rec.add(f"{prefix}.indices", m.indices.astype(np.int32), cid, "i32", f"{desc}: CSR indices (sorted within rows)")
    rec.add(f"{prefix}.data", m.data, cid, None, f"{desc}: CSR data ({m.dtype})")


def do_neighbors(rec: Recorder, coords, X, labels, names):
    graphs = {}
    variants = [
        ("neighbors.knn6", {"coord_type": "generic", "n_neighs": 6}),
        ("neighbors.knn10_diag", {"coord_type": "generic", "n_neighs": 10, "set_diag": True}),
        ("neighbors.radius15", {"coord_type": "generic", "radius": 15.0}),
        ("neighbors.radius_9_15", {"coord_type": "generic", "radius": (9.0, 15.0)}),
        ("neighbors.knn6_p90", {"coord_type": "generic", "n_neighs": 6, "percentile": 90.0}),
        ("neighbors.radius_9_15_p50", {"coord_type": "generic", "radius": (9.0, 15.0), "percentile": 50.0}),
    ]
    for cid, params in variants:
        a = make_adata(coords, X, labels, names)
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        c = rec.call(cid, f"sq.gr.spatial_neighbors(adata, {ptxt})", params)
        rec.run(cid, sq.gr.spatial_neighbors, a, **params)
        conn, dist = a.obsp["spatial_connectivities"], a.obsp["spatial_distances"]
        c["results"].update(
            conn_dtype=str(conn.dtype), dist_dtype=str(dist.dtype), conn_nnz=int(conn.nnz), dist_nnz=int(dist.nnz),
            conn_has_sorted_indices=bool(conn.has_sorted_indices), dist_has_sorted_indices=bool(dist.has_sorted_indices),
        )
        add_csr(rec, f"{cid}.conn", conn, cid, "adata.obsp['spatial_connectivities']")
        add_csr(rec, f"{cid}.dist", dist, cid, "adata.obsp['spatial_distances']")
        graphs[cid] = a.obsp["spatial_connectivities"].copy()
    return graphs


def uniform_case():
    """300 cells uniform in a 1000 x 1000 square (no lattice: no near-cocircular quadruples, a hull with many cells)."""
    rng = np.random.default_rng(SEED + 1)
    return rng.uniform(0.0, 1000.0, size=(300, 2))


def do_delaunay(rec: Recorder, coords, X, labels, names):
    """squidpy's Delaunay graphs (scipy Delaunay / Qhull), and what it does on degenerate inputs."""
    cu = uniform_case()
    rec.call("input.coords_uniform", "uniform_case() in bench/reference/make_spatial_reference.py", {"seed": SEED + 1})
    rec.add("input.coords_uniform", cu, "input.coords_uniform", "f64", "300 cell coordinates uniform in [0, 1000)^2 (used by neighbors.delaunay_uniform*)")
    variants = [
        ("neighbors.delaunay", coords, {"coord_type": "generic", "delaunay": True}),
        ("neighbors.delaunay_uniform", cu, {"coord_type": "generic", "delaunay": True}),
        ("neighbors.delaunay_uniform_diag_20_80_p90", cu, {"coord_type": "generic", "delaunay": True, "set_diag": True, "radius": (20.0, 80.0), "percentile": 90.0}),
    ]
    for cid, cc, params in variants:
        a = ad.AnnData(np.zeros((cc.shape[0], 1), dtype=np.float32))
        a.obsm["spatial"] = cc.copy()
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        on = "input.coords" if cc is coords else "input.coords_uniform"
        c = rec.call(cid, f"sq.gr.spatial_neighbors(adata, {ptxt})  (adata.obsm['spatial'] = {on})", params)
        rec.run(cid, sq.gr.spatial_neighbors, a, **params)
        conn, dist = a.obsp["spatial_connectivities"], a.obsp["spatial_distances"]
        c["results"].update(
            conn_dtype=str(conn.dtype), dist_dtype=str(dist.dtype), conn_nnz=int(conn.nnz), dist_nnz=int(dist.nnz),
            conn_has_sorted_indices=bool(conn.has_sorted_indices), dist_has_sorted_indices=bool(dist.has_sorted_indices),
        )
        add_csr(rec, f"{cid}.conn", conn, cid, "adata.obsp['spatial_connectivities']")
        add_csr(rec, f"{cid}.dist", dist, cid, "adata.obsp['spatial_distances']")

    # squidpy's behaviour that the API mirrors with errors; recorded so that a change shows up as drift
    cid = "neighbors.delaunay_behaviour"
    c = rec.call(cid, "sq.gr.spatial_neighbors(adata, coord_type='generic', delaunay=True, ...) on special inputs (see results)", {})

    def outcome(cc, **kw):
        a = ad.AnnData(np.zeros((len(cc), 1), dtype=np.float32))
        a.obsm["spatial"] = np.asarray(cc, dtype=np.float64)
        try:
            rec.run(cid, sq.gr.spatial_neighbors, a, coord_type="generic", delaunay=True, **kw)
        except Exception as e:  # noqa: BLE001 - the exception type is the result
            return f"raises {type(e).__name__}: {str(e).splitlines()[0][:60]}"
        return a.obsp["spatial_connectivities"]

    ref = outcome(coords)
    scalar = outcome(coords, radius=15.0)
    c["results"]["scalar_radius_15_same_graph_as_no_radius"] = bool((ref != scalar).nnz == 0)
    c["results"]["no_cells"] = outcome(np.zeros((0, 2)))
    c["results"]["two_cells"] = outcome([[0.0, 0.0], [1.0, 1.0]])
    c["results"]["collinear_cells"] = outcome([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    g = outcome([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.2]])  # cells 0 and 3 coincide
    deg = np.diff(g.indptr)
    c["results"]["repeated_point_degrees"] = [int(v) for v in deg]
    c["results"]["three_d"] = "ok" if not isinstance(outcome([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]]), str) else "raises"


def do_autocorr(rec: Recorder, coords, X, labels, names, graphs):
    variants = [
        ("autocorr.moran", {"mode": "moran", "n_perms": N_PERMS, "seed": PERM_SEED}),
        ("autocorr.geary", {"mode": "geary", "n_perms": N_PERMS, "seed": PERM_SEED}),
        ("autocorr.moran.analytic_two_tailed", {"mode": "moran", "n_perms": None, "two_tailed": True}),
        ("autocorr.geary.no_transformation", {"mode": "geary", "n_perms": None, "transformation": False}),
        ("autocorr.moran.no_transformation", {"mode": "moran", "n_perms": None, "transformation": False}),
        # without the constant feature, so that the BH columns are not all NaN
        ("autocorr.moran.expressed", {"mode": "moran", "n_perms": None, "genes": [f"G{i}" for i in range(19)]}),
        ("autocorr.geary.expressed", {"mode": "geary", "n_perms": 100, "seed": 7, "two_tailed": True, "genes": [f"G{i}" for i in range(19)]}),
    ]
    for cid, params in variants:
        a = make_adata(coords, X, labels, names)
        a.obsp["spatial_connectivities"] = graphs["neighbors.knn6"].copy()
        full = dict(params, copy=True, n_jobs=1, show_progress_bar=False)
        ptxt = ", ".join(f"{k}={v!r}" for k, v in full.items())
        c = rec.call(cid, f"sq.gr.spatial_autocorr(adata, {ptxt})  (graph: neighbors.knn6)", full)
        df = rec.run(cid, sq.gr.spatial_autocorr, a, **full)
        c["results"]["columns"] = list(df.columns)
        # the weight moments squidpy's analytic variance uses, from the same (row-normalised) graph
        from sklearn.preprocessing import normalize
        from squidpy.gr._ppatterns import _g_moments

        g = graphs["neighbors.knn6"].copy()
        if full.get("transformation", True):
            normalize(g, norm="l1", axis=1, copy=False)
        s0, s1, s2 = _g_moments(g)
        c["results"]["g_moments"] = {"dtype": str(np.asarray(s0).dtype), "s0": float(s0), "s1": float(s1), "s2": float(s2)}
        order = np.array([int(s[1:]) for s in df.index], dtype=np.int32)
        rec.add(f"{cid}.order", order, cid, "i32", "feature index (column of X) of each row of the returned frame, in its order")
        for col in df.columns:
            rec.add(f"{cid}.{col}", df[col].to_numpy(dtype=np.float64), cid, "f64", f"column {col!r} of the returned frame (rows in .order)")
    c["notes"].append(
        "Rows of a constant feature: statistic NaN; pval_norm/pval_z_sim come from np.empty (NaN here); pval_sim = 1/(n_perms+1) "
        "because (sims >= NaN) counts 0; a NaN anywhere in a p-value column makes multipletests return NaN for the whole *_fdr_bh column."
    )


def quantized(coords):
    """Coordinates on a 1/4 grid: every float32 difference has at most 12 significant bits, so dx*dx and
    dy*dy are exact in float32 and the squared distance is the same with or without FMA contraction
    (squidpy's numba kernel runs with fastmath, which may contract dx*dx + dy*dy into an FMA)."""
    q = np.round(coords * 4.0) / 4.0
    s = q.astype(np.float32).sum(axis=1)
    o = np.sort(s)
    assert o[0] < o[1] < o[2] and (s == s.max()).sum() == 1, "ties in the coordinate sums: _find_min_max would be ambiguous"
    assert np.abs(q).max() < 1024
    return q


def do_co_occurrence(rec: Recorder, coords, X, labels, names):
    coords = quantized(coords)
    rec.call("input.coords_quarter", "np.round(coords * 4) / 4  (coordinates of the co_occurrence calls)", {})
    rec.add("input.coords_quarter", coords, "input.coords_quarter", "f64", "cell coordinates rounded to multiples of 1/4 (used by co_occurrence)")
    variants = [
        ("co_occurrence.default", {}),
        ("co_occurrence.interval", {"interval": np.array([40.0, 5.0, 12.5, 20.0, 30.0, 60.0, 90.0, 150.0], dtype=np.float64)}),
    ]
    for cid, params in variants:
        a = make_adata(coords, X, labels, names)
        ptxt = ", ".join(f"{k}={v!r}" for k, v in params.items())
        call = "sq.gr.co_occurrence(adata, cluster_key='cluster'" + (f", {ptxt}" if ptxt else "") + ", copy=True)"
        c = rec.call(cid, call, {k: jsonable(v) for k, v in params.items()})
        occ, interval = rec.run(cid, sq.gr.co_occurrence, a, cluster_key="cluster", copy=True, **params)
        rec.add(f"{cid}.occ", occ, cid, "f64", "co-occurrence probabilities, shape (k, k, len(interval) - 1)")
        rec.add(f"{cid}.interval", interval, cid, "f32", "distance thresholds (float32)")
        # exact squared distances (float64) equal the float32 ones when dx*dx and dy*dy are exact
        s = a.obsm["spatial"].astype(np.float32)
        thr = (interval[1:].astype(np.float32)) ** 2
        dx = s[:, None, 0] - s[None, :, 0]
        dy = s[:, None, 1] - s[None, :, 1]
        d2_32 = dx * dx + dy * dy
        d2_64 = dx.astype(np.float64) ** 2 + dy.astype(np.float64) ** 2
        c["results"]["pairs_with_float32_rounded_d2"] = int((d2_32.astype(np.float64) != d2_64).sum())
        c["results"]["pairs_exactly_at_a_threshold"] = int(sum((d2_32 == t).sum() for t in thr))


def do_nhood(rec: Recorder, coords, X, labels, names, graphs):
    cid = "nhood_enrichment"
    a = make_adata(coords, X, labels, names)
    a.obsp["spatial_connectivities"] = graphs["neighbors.knn6"].copy()
    params = {"cluster_key": "cluster", "n_perms": N_PERMS, "seed": PERM_SEED, "copy": True, "n_jobs": 1, "show_progress_bar": False}
    rec.call(cid, "sq.gr.nhood_enrichment(adata, " + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")  (graph: neighbors.knn6)", params)
    res = rec.run(cid, sq.gr.nhood_enrichment, a, **params)
    rec.add(f"{cid}.zscore", np.asarray(res.zscore, dtype=np.float64), cid, "f64", "z-score, shape (k, k)")
    rec.add(f"{cid}.count", np.asarray(res.counts).astype(np.int32), cid, "i32", "edge counts between clusters, shape (k, k)")


LIGREC_PAIRS = [
    ("G5", "G6"), ("G6", "G5"), ("G0", "G1"), ("G2", "G7"), ("G8", "G9"), ("G15", "G16"),
    ("G16", "G17"), ("G18", "G5"), ("G19", "G2"), ("G17", "G18"), ("G3", "G4"), ("G11", "G18"),
]


def do_ligrec(rec: Recorder, coords, X, labels, names):
    variants = [
        ("ligrec", {"threshold": 0.01}),
        ("ligrec.threshold0.1", {"threshold": 0.1}),
        ("ligrec.fdr_clusters", {"threshold": 0.01, "corr_method": "fdr_bh", "corr_axis": "clusters"}),
        ("ligrec.fdr_interactions", {"threshold": 0.01, "corr_method": "fdr_bh", "corr_axis": "interactions"}),
    ]
    for cid, extra in variants:
        a = make_adata(coords, X, labels, names)
        params = {"cluster_key": "cluster", "interactions": LIGREC_PAIRS, "n_perms": N_PERMS, "seed": PERM_SEED,
                  "use_raw": False, "copy": True, "n_jobs": 1, "show_progress_bar": False, **extra}
        c = rec.call(cid, "sq.gr.ligrec(adata, " + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")", jsonable(params))
        res = rec.run(cid, sq.gr.ligrec, a, **params)
        means, pvals = res["means"], res["pvalues"]
        src = [int(s[1:]) for s in means.index.get_level_values(0)]
        tgt = [int(s[1:]) for s in means.index.get_level_values(1)]
        c1 = [int(s) for s in means.columns.get_level_values(0)]
        c2 = [int(s) for s in means.columns.get_level_values(1)]
        rec.add(f"{cid}.pairs", np.array([src, tgt], dtype=np.int32).T, cid, "i32", "(source, target) gene indices of the rows, in order")
        rec.add(f"{cid}.cluster_pairs", np.array([c1, c2], dtype=np.int32).T, cid, "i32", "(cluster_1, cluster_2) codes of the columns, in order")
        rec.add(f"{cid}.means", means.sparse.to_dense().to_numpy(dtype=np.float64), cid, "f64", "means, shape (pairs, cluster pairs)")
        rec.add(f"{cid}.pvalues", pvals.sparse.to_dense().to_numpy(dtype=np.float64), cid, "f64", "p-values, shape (pairs, cluster pairs)")


def versions() -> dict:
    pk = ["squidpy", "scanpy", "anndata", "scikit-learn", "statsmodels"]
    out = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__, "pandas": pd.__version__, "numba": numba.__version__}
    out.update({p: _pkg_version(p) for p in pk})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=REPO / "test" / "fixtures" / "golden")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    log = (lambda *a, **k: None) if args.quiet else print
    if args.quiet:
        import scanpy

        scanpy.settings.verbosity = 0  # squidpy logs through scanpy

    outdir = args.out / DATASET
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    rec = Recorder(outdir)
    coords, X, labels, names = make_case()
    rec.call("input", "make_case() in bench/reference/make_spatial_reference.py", {"seed": SEED})
    rec.add("input.coords", coords, "input", "f64", "cell coordinates (n, 2), adata.obsm['spatial']")
    rec.add("input.X", X, "input", "f32", "features (n, 20), dense float32 adata.X; var_names G0..G19")
    rec.add("input.labels", labels, "input", "i32", "cluster codes (n,); adata.obs['cluster'] is categorical with categories '0'..'4'")
    log(f"[{DATASET}] {X.shape[0]} cells x {X.shape[1]} features, 5 clusters")

    graphs = do_neighbors(rec, coords, X, labels, names)
    do_delaunay(rec, coords, X, labels, names)
    do_autocorr(rec, coords, X, labels, names, graphs)
    do_co_occurrence(rec, coords, X, labels, names)
    do_nhood(rec, coords, X, labels, names, graphs)
    do_ligrec(rec, coords, X, labels, names)

    manifest = {
        "format_version": FORMAT_VERSION,
        "dataset": {
            "name": DATASET,
            "file": "(generated: make_case)",
            "sha256": hashlib.sha256(coords.tobytes() + X.tobytes() + labels.tobytes()).hexdigest(),
            "generator": "make_case(): jittered hexagonal lattice (50 x 50, spacing 10, jitter N(0, 1.2)), 5 spatial domains with 10 % label noise",
            "seed": SEED,
            "shape": list(X.shape),
            "feature_names": names,
            "var_names": [f"G{i}" for i in range(X.shape[1])],
            "categories": [str(c) for c in range(5)],
            "n_perms": N_PERMS,
            "perm_seed": PERM_SEED,
        },
        "provenance": {
            "generator": "bench/reference/make_spatial_reference.py",
            "generated_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "versions": versions(),
            "platform": platform.platform(),
            "numba_num_threads": numba.get_num_threads(),
            "squidpy_n_jobs": 1,
        },
        "calls": [jsonable(c) for c in rec.calls.values()],
        "arrays": rec.arrays,
    }
    (outdir / "manifest.json").write_text(json.dumps(jsonable(manifest), indent=1, allow_nan=False) + "\n")
    size = sum(f.stat().st_size for f in outdir.iterdir())
    log(f"[{DATASET}] {len(rec.arrays)} arrays, {size / 1e6:.2f} MB -> {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
