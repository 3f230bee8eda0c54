#!/usr/bin/env python3
"""Benchmark datasets for cellkernels: deterministic, cached as raw binary CSR.

    bench/reference/.venv/bin/python bench/python/gen_datasets.py [--datasets mouse10k,nb10k] [--out bench/data]

Each dataset is a directory ``bench/data/<name>/`` holding

    manifest.json      shape, nnz, density, label ("real" / "synthetic ..."), generator + parameters
    indptr.i32         int32, n_cells + 1 (int64 when nnz >= 2**31; never for these sizes)
    indices.i32        int32 column (gene) indices, sorted within each row
    data.f32           float32 counts
    qc_mask.u8         1 for the genes of the QC gene set (mouse10k: ribosomal Rpl7/Rpl31/Rpl37a as in
                       the golden fixtures; synthetic: the first 13 genes, named "mt-<i>")

All files are raw little-endian, no header (the golden-fixture convention of bench/reference).

Datasets
  mouse10k   the bundled real 10x matrix (data/mouse10k-10x, 10,000 cells x 1,000 genes, 6.92 % dense)
  nb10k      SYNTHETIC 10,000 x 20,000, negative-binomial counts at mouse10k's density
  nb100k     SYNTHETIC 100,000 x 20,000, same model (138 M non-zeros, 1.1 GB)
  nb400k     SYNTHETIC 400,000 x 20,000, same model (552 M non-zeros, 4.4 GB: larger than the 4 GB
             wasm heap, for the streaming path; only generated on request)

The synthetic model (fixed seed, numpy PCG64, chunks of cells in order, so the bytes are identical on
every run with the pinned numpy):
  gene mean   m_g = exp(N(-4.2, 2.2))                       (mouse10k: median gene mean 1.3e-3, 28 % unseen)
  dispersion  phi_g = exp(N(log 0.6, 0.6)), NB size r_g = 1/phi_g (per-gene overdispersion -> HVG signal)
  library     s_c = exp(N(0, 0.63)) (mouse10k's sd of log library size is 0.63)
  mean        mu_cg = k * s_c * m_g, with k found by bisection so that the expected density is 6.92 %
  zero mask   x_cg != 0 with probability 1 - (1 + mu/r)^-r (the NB probability of a non-zero)
  value       a zero-truncated NB(mu, r) draw (rejection, 6 rounds; a value still 0 after that becomes 1)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FORMAT = 1
TARGET_DENSITY = 691_914 / 10_000_000  # mouse10k
N_QC_SYNTH = 13

SYNTH = {
    "nb10k": {"n_cells": 10_000, "n_genes": 20_000, "seed": 10_001},
    "nb100k": {"n_cells": 100_000, "n_genes": 20_000, "seed": 100_001},
    "nb400k": {"n_cells": 400_000, "n_genes": 20_000, "seed": 400_001},
}
MODEL = {
    "gene_log_mean": (-4.2, 2.2),
    "log_phi": (float(np.log(0.6)), 0.6),
    "lib_log_sd": 0.63,
    "target_density": TARGET_DENSITY,
    "truncation_rounds": 6,
    "chunk_cells": 500,
}


def log(msg: str) -> None:
    print(f"gen_datasets: {msg}", flush=True)


def write_manifest(d: Path, man: dict) -> None:
    tmp = d / "manifest.json.tmp"
    tmp.write_text(json.dumps(man, indent=1) + "\n")
    os.replace(tmp, d / "manifest.json")


def is_current(d: Path, key: dict) -> bool:
    m = d / "manifest.json"
    if not m.exists():
        return False
    try:
        man = json.loads(m.read_text())
    except ValueError:
        return False
    if man.get("key") != key:
        return False
    return all((d / f).exists() and (d / f).stat().st_size == sz for f, sz in man.get("file_sizes", {}).items())


def finish(d: Path, name: str, shape, nnz: int, label: str, synthetic: bool, key: dict, extra: dict, t0: float) -> dict:
    files = ["indptr.i32", "indices.i32", "data.f32", "qc_mask.u8"]
    man = {
        "format": FORMAT,
        "name": name,
        "label": label,
        "synthetic": synthetic,
        "shape": [int(shape[0]), int(shape[1])],
        "nnz": int(nnz),
        "density": nnz / (shape[0] * shape[1]),
        "dtype": "f32",
        "files": {"indptr": "indptr.i32", "indices": "indices.i32", "data": "data.f32", "qc_mask": "qc_mask.u8"},
        "file_sizes": {f: (d / f).stat().st_size for f in files},
        "key": key,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "generation_s": round(time.time() - t0, 2),
        "numpy": np.__version__,
        **extra,
    }
    write_manifest(d, man)
    return man


def make_mouse10k(out: Path) -> dict:
    import scipy.io

    src = REPO / "data" / "mouse10k-10x"
    key = {"source": "data/mouse10k-10x", "mtx_size": (src / "matrix.mtx.gz").stat().st_size, "format": FORMAT}
    d = out / "mouse10k"
    if is_current(d, key):
        return json.loads((d / "manifest.json").read_text())
    t0 = time.time()
    d.mkdir(parents=True, exist_ok=True)
    with gzip.open(src / "matrix.mtx.gz") as f:
        m = scipy.io.mmread(f).T.tocsr().astype(np.float32)  # 10x: genes x cells
    m.sum_duplicates()
    m.sort_indices()
    with gzip.open(src / "features.tsv.gz", "rt") as f:
        names = [line.split("\t")[1] for line in f]
    qc = np.array([n in ("Rpl7", "Rpl31", "Rpl37a") for n in names], dtype=np.uint8)  # the golden "ribo" set
    m.indptr.astype(np.int32).tofile(d / "indptr.i32")
    m.indices.astype(np.int32).tofile(d / "indices.i32")
    m.data.astype(np.float32).tofile(d / "data.f32")
    qc.tofile(d / "qc_mask.u8")
    return finish(
        d, "mouse10k", m.shape, m.nnz, "real: 10x mouse, 10k cells x 1k genes (data/mouse10k-10x)", False, key,
        {"qc_var": "ribo", "qc_genes": [n for n, q in zip(names, qc) if q]}, t0,
    )


def calibrate(m_g: np.ndarray, r_g: np.ndarray, s_sample: np.ndarray, target: float) -> float:
    """Scale k such that the mean over (sampled cells x all genes) of P(x != 0) equals target."""

    def density(k: float) -> float:
        mu = (k * s_sample[:, None]) * m_g[None, :]
        return float(np.mean(1.0 - np.exp(-r_g[None, :] * np.log1p(mu / r_g[None, :]))))

    lo, hi = 1e-3, 1e3
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        if density(mid) < target:
            lo = mid
        else:
            hi = mid
    return float(np.sqrt(lo * hi))


def make_synthetic(name: str, out: Path) -> dict:
    spec = SYNTH[name]
    n, g, seed = spec["n_cells"], spec["n_genes"], spec["seed"]
    key = {"spec": spec, "model": MODEL, "numpy": np.__version__, "format": FORMAT}
    d = out / name
    if is_current(d, key):
        return json.loads((d / "manifest.json").read_text())
    t0 = time.time()
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        f.unlink()
    rng = np.random.Generator(np.random.PCG64(seed))
    m_g = np.exp(rng.normal(*MODEL["gene_log_mean"], size=g))
    r_g = 1.0 / np.exp(rng.normal(*MODEL["log_phi"], size=g))
    s_c = np.exp(rng.normal(0.0, MODEL["lib_log_sd"], size=n))
    s_c /= np.median(s_c)
    k = calibrate(m_g, r_g, s_c[: min(n, 2000)], MODEL["target_density"])
    m32 = (k * m_g).astype(np.float32)
    r32 = r_g.astype(np.float32)
    inv_r32 = (1.0 / r_g).astype(np.float32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    nnz = 0
    step = MODEL["chunk_cells"]
    with open(d / "indices.i32", "wb") as fi, open(d / "data.f32", "wb") as fd:
        for c0 in range(0, n, step):
            c1 = min(n, c0 + step)
            mu = s_c[c0:c1, None].astype(np.float32) * m32[None, :]
            # P(x == 0) = (1 + mu/r)^-r
            p_nz = -np.expm1(-r32[None, :] * np.log1p(mu * inv_r32[None, :]))
            u = rng.random(mu.shape, dtype=np.float32)
            rows, cols = np.nonzero(u < p_nz)
            mu_nz = mu[rows, cols].astype(np.float64)
            r_nz = r_g[cols]
            p = r_nz / (r_nz + mu_nz)
            vals = np.zeros(rows.size, dtype=np.int64)
            todo = np.arange(rows.size)
            for _ in range(MODEL["truncation_rounds"]):
                if todo.size == 0:
                    break
                draw = rng.negative_binomial(r_nz[todo], p[todo])
                vals[todo] = draw
                todo = todo[draw == 0]
            vals[todo] = 1
            counts = np.bincount(rows, minlength=c1 - c0)
            indptr[c0 + 1 : c1 + 1] = nnz + np.cumsum(counts)
            nnz += rows.size
            cols.astype(np.int32).tofile(fi)
            vals.astype(np.float32).tofile(fd)
    if nnz >= 2**31:
        raise SystemExit(f"{name}: nnz {nnz} does not fit int32 indices")
    indptr.astype(np.int32).tofile(d / "indptr.i32")
    qc = np.zeros(g, dtype=np.uint8)
    qc[:N_QC_SYNTH] = 1
    qc.tofile(d / "qc_mask.u8")
    label = f"SYNTHETIC negative-binomial {n // 1000}k cells x {g // 1000}k genes at mouse10k density"
    return finish(
        d, name, (n, g), nnz, label, True, key,
        {"qc_var": "mt", "qc_genes": [f"mt-{i}" for i in range(N_QC_SYNTH)], "generator": "bench/python/gen_datasets.py",
         "seed": seed, "model": MODEL, "mean_scale_k": k},
        t0,
    )


def ensure(name: str, out: Path) -> dict:
    t0 = time.time()
    man = make_mouse10k(out) if name == "mouse10k" else make_synthetic(name, out)
    took = time.time() - t0
    if took > 0.5:
        log(f"{name}: {man['shape'][0]} x {man['shape'][1]}, nnz {man['nnz']:,} ({100 * man['density']:.2f} %) in {took:.1f} s")
    return man


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="mouse10k,nb10k")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "data")
    a = p.parse_args(argv)
    for name in a.datasets.split(","):
        if name != "mouse10k" and name not in SYNTH:
            raise SystemExit(f"unknown dataset {name}; known: mouse10k, {', '.join(SYNTH)}")
        ensure(name, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
