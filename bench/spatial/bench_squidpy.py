#!/usr/bin/env python3
"""Times squidpy's spatial functions on synthetic tissue sections of 10k and 100k cells, and
writes the inputs so that bench/spatial/run.mjs times cellkernels on the very same data.

    NUMBA_NUM_THREADS=2 bench/reference/.venv/bin/python bench/spatial/bench_squidpy.py \
        [--sizes 10000,100000] [--out bench/results/tmp/spatial]

Data (per size n): a jittered hexagonal lattice (spacing 10), 8 spatial domains as clusters
(10 % label noise), 50 float32 features (gradients, waves, cluster markers, noise, sparse genes).
Inputs go to <out>/<n>/{coords.f64,X.f32,labels.i32,conn.*} (conn: squidpy's kNN graph, so
both sides test on the same graph). Each function is run once untimed on a small case first
(Numba compilation), then timed up to --reps times per configuration (one sample for cases over
30 s; samples already in squidpy.json are kept unless --force; the harness uses the fastest
sample, the usual estimate on a shared machine): n_jobs=1 and n_jobs=2 for the
permutation functions (squidpy parallelises permutations with joblib processes), Numba with
NUMBA_NUM_THREADS threads (2 by default); the best of the configurations is the reference.
Timings go to <out>/squidpy.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "2")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import anndata as ad  # noqa: E402
import numba  # noqa: E402
import squidpy as sq  # noqa: E402
from importlib.metadata import version  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
K = 8
M = 50
PAIRS = [(f"G{a}", f"G{b}") for a, b in [(0, 1), (1, 0), (2, 3), (10, 11), (11, 12), (12, 13), (13, 14), (14, 15), (15, 16), (16, 17),
                                          (40, 41), (41, 42), (42, 43), (43, 44), (44, 45), (45, 46), (46, 47), (47, 48), (48, 49), (20, 30)]]
PERMS = {"spatial_autocorr": 100, "nhood_enrichment": 1000, "ligrec": 1000}


def make_case(n: int, seed: int):
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="xy")
    x = ii * 10.0 + (jj % 2) * 5.0
    y = jj * (10.0 * np.sqrt(3) / 2)
    coords = (np.stack([x.ravel(), y.ravel()], axis=1)[:n] + rng.normal(0, 1.2, (n, 2))) + 100.0
    centres = rng.uniform(coords.min(0), coords.max(0), size=(K, 2))
    labels = ((coords[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    flip = rng.random(n) < 0.1
    labels[flip] = rng.integers(0, K, flip.sum())
    cx = (coords[:, 0] - coords[:, 0].mean()) / coords[:, 0].std()
    cy = (coords[:, 1] - coords[:, 1].mean()) / coords[:, 1].std()
    X = np.empty((n, M), dtype=np.float32)
    for f in range(M):
        kind = f % 5
        if kind == 0:
            v = np.sin(cx * (1 + f / 7)) + np.cos(cy * (1 + f / 11)) + rng.normal(0, 0.5, n)
        elif kind == 1:
            v = rng.poisson(np.where(labels == f % K, 4.0, 0.3)).astype(float)
        elif kind == 2:
            v = rng.normal(0, 1, n)
        elif kind == 3:
            v = np.where(rng.random(n) < 0.05, rng.poisson(3, n) + 1, 0).astype(float)
        else:
            v = cx * (f / M) + cy + rng.normal(0, 1, n)
        X[:, f] = v
    return coords, X, labels.astype(np.int32)


def adata_of(coords, X, labels):
    a = ad.AnnData(X)
    a.var_names = [f"G{i}" for i in range(X.shape[1])]
    a.obsm["spatial"] = coords
    a.obs["cluster"] = pd.Categorical([str(c) for c in labels], categories=[str(c) for c in range(K)])
    return a


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cases(a, perms):
    """case -> (function of n_jobs, whether n_jobs applies)."""
    out = {"spatial_neighbors.knn6": (lambda j: sq.gr.spatial_neighbors(a, coord_type="generic", n_neighs=6), False)}
    for mode in ("moran", "geary"):
        out[f"spatial_autocorr.{mode}"] = (lambda j, mode=mode: sq.gr.spatial_autocorr(a, mode=mode, n_perms=perms["spatial_autocorr"], seed=0, n_jobs=j, copy=True, show_progress_bar=False), True)
        out[f"spatial_autocorr.{mode}.analytic"] = (lambda j, mode=mode: sq.gr.spatial_autocorr(a, mode=mode, n_perms=None, copy=True, n_jobs=1), False)
    out["nhood_enrichment"] = (lambda j: sq.gr.nhood_enrichment(a, cluster_key="cluster", n_perms=perms["nhood_enrichment"], seed=0, n_jobs=j, copy=True, show_progress_bar=False), True)
    out["co_occurrence"] = (lambda j: sq.gr.co_occurrence(a, cluster_key="cluster", copy=True), False)
    out["ligrec"] = (lambda j: sq.gr.ligrec(a, cluster_key="cluster", interactions=PAIRS, n_perms=perms["ligrec"], seed=0, use_raw=False, copy=True, n_jobs=j, show_progress_bar=False), True)
    return out


def run_all(a, n_jobs_list, log, perms=PERMS, done=None, save=lambda: None, reps=1):
    """Times every case into done[case][n_jobs] = [seconds, ...] (up to `reps` samples for cases
    under 30 s; one otherwise), keeping the samples already there."""
    out = done if done is not None else {}
    for name, (fn, jobs) in cases(a, perms).items():
        if name != "spatial_neighbors.knn6" and "spatial_connectivities" not in a.obsp:
            sq.gr.spatial_neighbors(a, coord_type="generic", n_neighs=6)  # the graph of the other cases (untimed)
        for j in (n_jobs_list if jobs else [1]):
            entry = out.setdefault(name, {})
            if str(j) in entry.get("failed", {}):
                continue
            samples = entry.get(str(j), [])
            samples = samples if isinstance(samples, list) else [samples]
            while len(samples) < (reps if not samples or min(samples) < 30 else 1):
                try:
                    samples.append(timed(lambda: fn(j)))
                except Exception as e:  # e.g. nhood_enrichment with n_jobs > 1 on large inputs (loky read-only memmaps)
                    entry.setdefault("failed", {})[str(j)] = f"{type(e).__name__}: {str(e)[:200]}"
                    break
            if samples:
                entry[str(j)] = samples
            log(f"  {name} {entry}")
            save()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "tmp" / "spatial")
    p.add_argument("--jobs", default="1,2")
    p.add_argument("--force", action="store_true", help="time every case again (default: only those missing from squidpy.json)")
    p.add_argument("--reps", type=int, default=3, help="samples per case and configuration (cases over 30 s: one)")
    args = p.parse_args(argv)
    log = lambda m: print(m, flush=True)  # noqa: E731
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [int(j) for j in args.jobs.split(",")]
    # warm-up: Numba compilation (and on-disk cache) outside the timings
    c, X, l = make_case(600, 1)
    log("warm-up (Numba compilation)")
    run_all(adata_of(c, X, l), jobs, lambda m: None, {k: 20 for k in PERMS}, reps=1)
    prev = json.loads((args.out / "squidpy.json").read_text()) if (args.out / "squidpy.json").exists() and not args.force else {}
    result = {
        "numba_threads": numba.get_num_threads(),
        "versions": {p: version(p) for p in ("squidpy", "scanpy", "numba", "numpy", "scikit-learn")},
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "perms": PERMS,
        "n_features": M,
        "n_clusters": K,
        "pairs": PAIRS,
        "sizes": prev.get("sizes", {}),
        "load_average": list(os.getloadavg()),
    }
    for n in [int(s) for s in args.sizes.split(",")]:
        coords, X, labels = make_case(n, 100 + n)
        d = args.out / str(n)
        d.mkdir(parents=True, exist_ok=True)
        coords.astype("<f8").tofile(d / "coords.f64")
        X.astype("<f4").tofile(d / "X.f32")
        labels.astype("<i4").tofile(d / "labels.i32")
        log(f"n = {n}")
        a = adata_of(coords, X, labels)
        done = result["sizes"].setdefault(str(n), {})
        save = lambda: (args.out / "squidpy.json").write_text(json.dumps(result, indent=1))  # noqa: E731
        run_all(a, jobs, log, done=done, save=save, reps=args.reps)
        g = a.obsp["spatial_connectivities"]
        g.indptr.astype("<i4").tofile(d / "conn.indptr.i32")
        g.indices.astype("<i4").tofile(d / "conn.indices.i32")
        g.data.astype("<f4").tofile(d / "conn.data.f32")
        result["load_average_end"] = list(os.getloadavg())
        save()
    log(f"wrote {args.out / 'squidpy.json'}")


if __name__ == "__main__":
    sys.exit(main())
