"""Fits R in log1p(m) ≈ 2s + s³·R(s²), s = m / (2 + m), on m in [lo, hi] for
ck::log1p_nonnegative (float32; kernels-cpp/include/ck/simd.h), minimising the largest relative
error of log1p(m) (Lawson's iteratively reweighted least squares on Chebyshev-spaced points, in
float64 numpy). Prints that error before and after the coefficients are rounded to float32, in
units of 2^-24, and the coefficients in hex.

    python bench/micro/fit_log1p.py -0.25 0.5 2     # the interval and degree the library uses

The function as compiled (float32 arithmetic, no fused multiply-add) is checked on every
float32 by run-log1p-width.sh --ulp.
"""
import sys

import numpy as np

lo, hi, deg = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
t = np.cos(np.linspace(0, np.pi, 20001))
m = (lo + hi) / 2 + (hi - lo) / 2 * t
m = m[np.abs(m) > 1e-3]  # below, R(s²)·s³ is far under the rounding of 2s
s = m / (2 + m)
z = s * s
R = (np.log1p(m) - 2 * s) / (s * z)
w = s * z / np.log1p(m)  # an error in R, relative to the result
A = np.vander(z, deg + 1, increasing=True)
u = np.ones_like(m) / len(m)
for _ in range(300):
    W = np.sqrt(u) * np.abs(w)
    c, *_ = np.linalg.lstsq(A * W[:, None], R * W, rcond=None)
    e = np.abs((A @ c - R) * w)
    u = u * e
    u /= u.sum()
c32 = c.astype(np.float32).astype(np.float64)
print(f"max relative error / 2^-24: {np.max(np.abs((A @ c - R) * w)) / 2**-24:.4f} fitted, "
      f"{np.max(np.abs((A @ c32 - R) * w)) / 2**-24:.4f} with float32 coefficients")
print(", ".join(float(x).hex() for x in c.astype(np.float32)))
