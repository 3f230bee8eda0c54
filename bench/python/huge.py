#!/usr/bin/env python3
"""The dataset larger than the 4 GB wasm heap, and scanpy's side of the streaming benchmark.

    bench/reference/.venv/bin/python bench/python/huge.py make --src bench/data/nb100k --tiles 4 --out bench/data/nb400k
    bench/reference/.venv/bin/python bench/python/huge.py scanpy --file bench/data/nb400k/nb400k.h5ad --out r.json --refdir DIR

make     writes <out>/nb400k.h5ad (AnnData, X CSR float32, uncompressed, int32 indices/indptr) and
         <out>/manifest.json. The matrix is SYNTHETIC: the cells of nb100k (negative binomial,
         bench/lib/datasets.mjs) repeated --tiles times, tile k with its genes rotated by
         k * 4,999 columns (gene g of nb100k becomes column (g + shift) mod n_genes; each row is
         re-ordered so its indices stay sorted). Tiling instead of drawing 400,000 new cells:
         the JS generator needs ~7.5 min per 100,000 cells on this machine, tiling ~1 min.
         Genes 0-12 are named "mt-0" ... "mt-12" (the QC gene set), the others "g<j>"; cells "c<i>".
         Memory: one chunk of rows at a time (a few hundred MB).
scanpy   reads the file into memory (sc.read_h5ad) and runs the same work as cellkernels'
         streaming pipeline: calculate_qc_metrics(qc_vars=["mt", "ribo"], percent_top=(50, 100,
         200, 500), log1p=True) -> normalize_total(target_sum=1e4) -> log1p (both in place) ->
         fast_array_utils mean_var(axis=0, correction=1) of the result. Writes the timings, the
         peak RSS (VmHWM of the whole process: read included) and the reference outputs (raw
         little-endian arrays in --refdir) that the Node side checks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

SHIFT = 4_999
N_QC = 13


def status_kb(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def make(args) -> int:
    import h5py
    import pandas as pd
    import anndata as ad

    t0 = time.perf_counter()
    src = Path(args.src)
    man = json.loads((src / "manifest.json").read_text())
    n0, g = man["shape"]
    indptr0 = np.fromfile(src / "indptr.i32", dtype=np.int32).astype(np.int64)
    indices0 = np.memmap(src / "indices.i32", dtype=np.int32, mode="r")
    data0 = np.memmap(src / "data.f32", dtype=np.float32, mode="r")
    nnz0 = int(indptr0[-1])
    tiles = args.tiles
    n, nnz = n0 * tiles, nnz0 * tiles
    if nnz >= 2**31:
        raise SystemExit(f"{nnz} non-zeros do not fit int32 indptr; use fewer tiles")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    f5 = out / "nb400k.h5ad"
    tmp = out / "nb400k.h5ad.tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["encoding-type"] = "anndata"
        f.attrs["encoding-version"] = "0.1.0"
        names = [f"mt-{j}" if j < N_QC else f"g{j}" for j in range(g)]
        ad.io.write_elem(f, "obs", pd.DataFrame(index=pd.Index([f"c{i}" for i in range(n)], dtype=object)))
        ad.io.write_elem(f, "var", pd.DataFrame(index=pd.Index(names, dtype=object)))
        for k in ("uns", "obsm", "varm", "obsp", "varp", "layers"):
            ad.io.write_elem(f, k, {})
        X = f.create_group("X")
        X.attrs["encoding-type"] = "csr_matrix"
        X.attrs["encoding-version"] = "0.1.0"
        X.attrs["shape"] = np.array([n, g], dtype=np.int64)
        dd = X.create_dataset("data", shape=(nnz,), dtype=np.float32)
        di = X.create_dataset("indices", shape=(nnz,), dtype=np.int32)
        indptr = np.empty(n + 1, dtype=np.int64)
        indptr[0] = 0
        step = 5_000  # rows per chunk
        for t in range(tiles):
            shift = (t * SHIFT) % g
            for r0 in range(0, n0, step):
                r1 = min(n0, r0 + step)
                a, b = int(indptr0[r0]), int(indptr0[r1])
                idx = np.asarray(indices0[a:b], dtype=np.int64)
                val = np.asarray(data0[a:b])
                lens = np.diff(indptr0[r0:r1 + 1])
                rows = np.repeat(np.arange(r1 - r0), lens)
                new = (idx + shift) % g
                # rows stay sorted: the wrapped part of each row (old index >= g - shift) goes first
                order = np.lexsort((new, rows))
                o = t * nnz0 + a
                di[o:o + (b - a)] = new[order].astype(np.int32)
                dd[o:o + (b - a)] = val[order]
                indptr[t * n0 + r0 + 1:t * n0 + r1 + 1] = t * nnz0 + indptr0[r0 + 1:r1 + 1]
            print(f"huge.py make: tile {t + 1}/{tiles} ({time.perf_counter() - t0:.0f} s)", flush=True)
        X.create_dataset("indptr", data=indptr.astype(np.int32))
    os.replace(tmp, f5)
    manifest = {
        "format": 1,
        "name": "nb400k",
        "label": f"SYNTHETIC: nb100k (negative binomial) tiled {tiles}x with genes rotated per tile, "
                 f"{n // 1000}k cells x {g // 1000}k genes",
        "synthetic": True,
        "shape": [n, g],
        "nnz": nnz,
        "density": nnz / (n * g),
        "csrBytes": nnz * 8,
        "file": f5.name,
        "fileBytes": f5.stat().st_size,
        "source": {"dataset": man["name"], "key": man.get("key"), "generatedAt": man.get("generatedAt")},
        "tiles": tiles,
        "geneShiftPerTile": SHIFT,
        "qcGenes": [f"mt-{j}" for j in range(N_QC)],
        "generator": "bench/python/huge.py make",
        "generationSeconds": round(time.perf_counter() - t0, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(json.dumps(manifest), flush=True)
    return 0


def scanpy_side(args) -> int:
    warnings.filterwarnings("ignore")
    base_kb = status_kb("VmRSS")
    import numba
    import scanpy as sc
    import anndata as ad
    from fast_array_utils import stats as fau_stats

    numba.set_num_threads(args.threads)
    imp_kb = status_kb("VmRSS")
    times = {}
    t = time.perf_counter()
    a = sc.read_h5ad(args.file)
    times["read"] = time.perf_counter() - t
    read_kb = status_kb("VmRSS")
    a.var["mt"] = a.var_names.str.startswith("mt-")
    a.var["ribo"] = a.var_names.str.match(r"^[Rr][Pp][SsLl]")
    # warm the Numba kernels on a small slice (the JIT/cache load is not the streaming work)
    small = a[:2000].copy()
    sc.pp.calculate_qc_metrics(small, qc_vars=["mt", "ribo"], percent_top=(50, 100, 200, 500), log1p=True, inplace=False)
    sc.pp.normalize_total(small, target_sum=1e4)
    sc.pp.log1p(small)
    fau_stats.mean_var(small.X, axis=0, correction=1)
    del small
    t = time.perf_counter()
    obs, var = sc.pp.calculate_qc_metrics(a, qc_vars=["mt", "ribo"], percent_top=(50, 100, 200, 500), log1p=True, inplace=False)
    times["qc"] = time.perf_counter() - t
    t = time.perf_counter()
    sc.pp.normalize_total(a, target_sum=1e4)
    times["normalize"] = time.perf_counter() - t
    t = time.perf_counter()
    sc.pp.log1p(a)
    times["log1p"] = time.perf_counter() - t
    t = time.perf_counter()
    mean, var_ = fau_stats.mean_var(a.X, axis=0, correction=1)
    times["meanVar"] = time.perf_counter() - t
    refdir = Path(args.refdir)
    refdir.mkdir(parents=True, exist_ok=True)
    refs = {}

    def put(name, v):
        v = np.asarray(v)
        if v.dtype == bool:
            v = v.astype(np.uint8)
        elif v.dtype.kind in "iu":
            v = v.astype(np.int32)
        elif v.dtype not in (np.float32, np.float64):
            v = v.astype(np.float64)
        dt = {np.dtype(np.float64): "f64", np.dtype(np.float32): "f32", np.dtype(np.int32): "i32", np.dtype(np.uint8): "u8"}[v.dtype]
        fn = f"{name}.{dt}"
        np.ascontiguousarray(v).tofile(refdir / fn)
        refs[name] = {"file": fn, "dtype": dt, "length": int(v.size)}

    for c in obs.columns:
        put("obs." + c, obs[c].to_numpy())
    for c in var.columns:
        put("var." + c, var[c].to_numpy())
    put("geneStats.mean", mean)
    put("geneStats.var", var_)
    from importlib.metadata import version

    res = {
        "file": str(args.file),
        "shape": list(a.shape),
        "nnz": int(a.X.nnz),
        "threads": args.threads,
        "seconds": {k: round(v, 3) for k, v in times.items()},
        "computeSeconds": round(sum(v for k, v in times.items() if k != "read"), 3),
        "totalSeconds": round(sum(times.values()), 3),
        "rssMB": {"start": base_kb / 1024, "afterImport": imp_kb / 1024, "afterRead": read_kb / 1024, "peak": status_kb("VmHWM") / 1024},
        "calls": [
            "sc.read_h5ad(file)",
            "sc.pp.calculate_qc_metrics(adata, qc_vars=['mt', 'ribo'], percent_top=(50, 100, 200, 500), log1p=True, inplace=False)",
            "sc.pp.normalize_total(adata, target_sum=1e4)",
            "sc.pp.log1p(adata)",
            "fast_array_utils.stats.mean_var(adata.X, axis=0, correction=1)",
        ],
        "versions": {"python": sys.version.split()[0], "scanpy": sc.__version__, "anndata": ad.__version__, "numba": numba.__version__,
                     "numpy": np.__version__, "fast-array-utils": version("fast-array-utils")},
        "refs": refs,
    }
    Path(args.out).write_text(json.dumps(res, indent=1))
    print(f"huge.py scanpy: read {times['read']:.1f} s, compute {res['computeSeconds']:.1f} s, peak RSS {res['rssMB']['peak']:.0f} MB", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--src", required=True)
    m.add_argument("--tiles", type=int, default=4)
    m.add_argument("--out", required=True)
    s = sub.add_parser("scanpy")
    s.add_argument("--file", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--refdir", required=True)
    s.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    return make(args) if args.cmd == "make" else scanpy_side(args)


if __name__ == "__main__":
    sys.exit(main())
