"""Runs scanpy's own preprocessing on an input with the parameters `cellkernels run` uses and
dumps the result in test/io/anndata_dump.py's JSON format (stdout).

Usage: scanpy_pipeline.py INPUT.h5ad MIN_GENES MIN_CELLS
Steps: calculate_qc_metrics(qc_vars mt/ribo, percent_top 50..500, log1p) -> filter_cells(min_genes)
-> filter_genes(min_cells) -> layers['counts'] -> normalize_total(1e4) -> log1p
-> highly_variable_genes(flavor='seurat') -> layers['lognorm'] -> scale(max_value=10).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "io"))
import anndata_dump as dump  # noqa: E402
import numpy as np  # noqa: E402
import scanpy as sc  # noqa: E402


def main():
    path, min_genes, min_cells = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    a = sc.read_h5ad(path)
    a.var["mt"] = a.var_names.str.match(r"(?i)^mt-")
    a.var["ribo"] = a.var_names.str.match(r"(?i)^rp[sl]")
    sc.pp.calculate_qc_metrics(a, qc_vars=["mt", "ribo"], percent_top=[50, 100, 200, 500], log1p=True, inplace=True)
    del a.var["mt"], a.var["ribo"]
    sc.pp.filter_cells(a, min_genes=min_genes)
    sc.pp.filter_genes(a, min_cells=min_cells)
    a.layers["counts"] = a.X.copy()
    sc.pp.normalize_total(a, target_sum=1e4)
    sc.pp.log1p(a)
    sc.pp.highly_variable_genes(a, flavor="seurat")
    a.layers["lognorm"] = a.X.copy()
    sc.pp.scale(a, max_value=10)
    res = {
        "shape": list(a.shape),
        "obs_names": a.obs_names.tolist(),
        "var_names": a.var_names.tolist(),
        "obs": {c: dump.column(a.obs[c]) for c in a.obs.columns},
        "var": {c: dump.column(a.var[c]) for c in a.var.columns},
        "X": dump.matrix(np.asarray(a.X)),
        "layers": {k: dump.matrix(v) for k, v in a.layers.items()},
    }
    json.dump(res, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
