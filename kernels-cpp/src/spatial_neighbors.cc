// cellkernels — spatial neighbour graphs from coordinates (squidpy spatial_neighbors with
// generic coordinates, i.e. scikit-learn NearestNeighbors with the query point left out).
//
// kNN: the k other cells with the smallest d² = Σ_a (c_i[a] − c_j[a])² (summed over the
// dimensions in order, float64), ties broken by the smaller index; radius: every other cell with
// d² ≤ r². Distances are sqrt(d²), as scikit-learn's KD-tree returns them. A KD-tree (splits at
// the median of the widest dimension, leaves of ≤ 16 cells, a bounding box per node) prunes a
// node when its box is farther than the current k-th distance (strictly, so ties are never
// lost: a box's distance never exceeds that of a cell inside it, in floating point too); for
// 2-D points a uniform grid (Grid2) replaces the tree when its cells stay small.
// Queries run in fixed blocks, in tree order (for cache locality); each row's result depends on
// nothing else, so any thread count gives the same bits, equal to the js reference's. Rows come out with columns ascending.
#include <math.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"

namespace ck {
namespace {

constexpr int32_t kLeaf = 16;

struct Tree {
  const double* c = nullptr;
  int32_t n = 0, d = 0;
  int32_t* idx = nullptr;    // cells, reordered so that each node is a range
  int32_t* start = nullptr;  // per node
  int32_t* end = nullptr;
  int32_t* left = nullptr;   // −1 for a leaf; right child = left + 1
  double* box = nullptr;     // per node: lo[d], hi[d]
  double* pts = nullptr;     // coordinates in tree order (idx), packed, for leaf scans
  int32_t nodes = 0;

  bool alloc(int32_t n_, int32_t d_, const double* c_) {
    c = c_;
    n = n_;
    d = d_;
    const int32_t cap = 2 * (n / kLeaf + 1) * 2 + 1;
    idx = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
    start = static_cast<int32_t*>(malloc(sizeof(int32_t) * cap));
    end = static_cast<int32_t*>(malloc(sizeof(int32_t) * cap));
    left = static_cast<int32_t*>(malloc(sizeof(int32_t) * cap));
    box = static_cast<double*>(malloc(sizeof(double) * 2 * static_cast<size_t>(d) * cap));
    pts = static_cast<double*>(malloc(sizeof(double) * (static_cast<size_t>(n) * d + 1)));
    return idx && start && end && left && box && pts;
  }
  void release() {
    free(idx);
    free(start);
    free(end);
    free(left);
    free(box);
    free(pts);
  }
  double at(int32_t i, int32_t a) const { return c[static_cast<size_t>(i) * d + a]; }

  // builds node `id` over idx[s, e); children are allocated as a pair
  void build(int32_t id, int32_t s, int32_t e) {
    start[id] = s;
    end[id] = e;
    double* lo = box + 2 * static_cast<size_t>(d) * id;
    double* hi = lo + d;
    for (int32_t a = 0; a < d; ++a) lo[a] = hi[a] = at(idx[s], a);
    for (int32_t q = s + 1; q < e; ++q) {
      for (int32_t a = 0; a < d; ++a) {
        const double v = at(idx[q], a);
        if (v < lo[a]) lo[a] = v;
        if (v > hi[a]) hi[a] = v;
      }
    }
    int32_t dim = 0;
    for (int32_t a = 1; a < d; ++a) {
      if (hi[a] - lo[a] > hi[dim] - lo[dim]) dim = a;
    }
    if (e - s <= kLeaf || hi[dim] == lo[dim]) {
      left[id] = -1;
      return;
    }
    const int32_t mid = s + (e - s) / 2;
    std::nth_element(idx + s, idx + mid, idx + e, [&](int32_t p, int32_t q) {
      const double vp = at(p, dim), vq = at(q, dim);
      return vp < vq || (vp == vq && p < q);
    });
    const int32_t l = nodes;
    nodes += 2;
    left[id] = l;
    build(l, s, mid);
    build(l + 1, mid, e);
  }

  double box_dist2(int32_t id, const double* q) const {
    const double* lo = box + 2 * static_cast<size_t>(d) * id;
    const double* hi = lo + d;
    double s = 0;
    for (int32_t a = 0; a < d; ++a) {
      double t = 0;
      if (q[a] < lo[a]) t = lo[a] - q[a];
      else if (q[a] > hi[a]) t = q[a] - hi[a];
      s += t * t;
    }
    return s;
  }

  // d² between query q and the point at tree position p (same operations as dist2(i, j))
  double dist2_at(const double* q, int32_t p) const {
    const double* c2 = pts + static_cast<size_t>(p) * d;
    if (d == 2) {
      const double t0 = q[0] - c2[0], t1 = q[1] - c2[1];
      return (0.0 + t0 * t0) + t1 * t1;
    }
    double s = 0;
    for (int32_t a = 0; a < d; ++a) {
      const double t = q[a] - c2[a];
      s += t * t;
    }
    return s;
  }

  double dist2(int32_t i, int32_t j) const {
    double s = 0;
    for (int32_t a = 0; a < d; ++a) {
      const double t = at(i, a) - at(j, a);
      s += t * t;
    }
    return s;
  }
};

struct KnnState {
  int32_t k = 0, count = 0;
  double* d2 = nullptr;
  int32_t* j = nullptr;
  bool better(double a, int32_t ja, double b, int32_t jb) const { return a < b || (a == b && ja < jb); }
  void offer(double v, int32_t jj) {
    if (count == k && !better(v, jj, d2[k - 1], j[k - 1])) return;
    int32_t p = count == k ? k - 1 : count++;
    while (p > 0 && better(v, jj, d2[p - 1], j[p - 1])) {
      d2[p] = d2[p - 1];
      j[p] = j[p - 1];
      --p;
    }
    d2[p] = v;
    j[p] = jj;
  }
};

// visits node `id` whose box is at squared distance `bd` from the query
void knn_visit(const Tree& t, int32_t id, double bd, int32_t i, const double* q, KnnState& st) {
  if (st.count == st.k && bd > st.d2[st.k - 1]) return;
  if (t.left[id] < 0) {
    for (int32_t p = t.start[id]; p < t.end[id]; ++p) {
      const int32_t j = t.idx[p];
      if (j != i) st.offer(t.dist2_at(q, p), j);
    }
    return;
  }
  const int32_t l = t.left[id];
  const double dl = t.box_dist2(l, q), dr = t.box_dist2(l + 1, q);
  if (dl <= dr) {
    knn_visit(t, l, dl, i, q, st);
    knn_visit(t, l + 1, dr, i, q, st);
  } else {
    knn_visit(t, l + 1, dr, i, q, st);
    knn_visit(t, l, dl, i, q, st);
  }
}

// calls out(j, d2) for every other cell within r² (in tree order)
template <typename Out>
void radius_visit(const Tree& t, int32_t id, int32_t i, const double* q, double r2, const Out& out) {
  if (t.box_dist2(id, q) > r2) return;
  if (t.left[id] < 0) {
    for (int32_t p = t.start[id]; p < t.end[id]; ++p) {
      const int32_t j = t.idx[p];
      if (j == i) continue;
      const double v = t.dist2_at(q, p);
      if (v <= r2) out(j, v);
    }
    return;
  }
  radius_visit(t, t.left[id], i, q, r2, out);
  radius_visit(t, t.left[id] + 1, i, q, r2, out);
}

// A uniform grid for 2-D points (about two points per cell): kNN and radius queries look at
// rings of cells around the query and stop once the nearest cell not yet seen is farther than
// the current k-th distance (with a safety margin for the rounding of the cell coordinates), so
// the result is the same set as the KD-tree's. Used for d = 2 unless a cell gets crowded.
struct Grid2 {
  double x0 = 0, y0 = 0, s = 1, margin = 0;
  int32_t gx = 1, gy = 1, n = 0;
  int32_t* start = nullptr;  // per cell (gx·gy + 1)
  int32_t* order = nullptr;  // point ids by cell, ascending within a cell
  double* pts = nullptr;     // their coordinates, packed
  int32_t* cell = nullptr;   // cell of each point id

  void release() {
    free(start);
    free(order);
    free(pts);
    free(cell);
  }
  int32_t cx_of(double x) const {
    double c = floor((x - x0) / s);
    return c < 0 ? 0 : c >= gx ? gx - 1 : static_cast<int32_t>(c);
  }
  int32_t cy_of(double y) const {
    double c = floor((y - y0) / s);
    return c < 0 ? 0 : c >= gy ? gy - 1 : static_cast<int32_t>(c);
  }
  // returns false when the grid would not help (crowded cells) or memory ran out
  bool build(const double* c, int32_t n_) {
    n = n_;
    double x1 = c[0], y1 = c[1];
    x0 = c[0];
    y0 = c[1];
    for (int32_t i = 1; i < n; ++i) {
      x0 = c[2 * i] < x0 ? c[2 * i] : x0;
      x1 = c[2 * i] > x1 ? c[2 * i] : x1;
      y0 = c[2 * i + 1] < y0 ? c[2 * i + 1] : y0;
      y1 = c[2 * i + 1] > y1 ? c[2 * i + 1] : y1;
    }
    const double ex = x1 - x0, ey = y1 - y0;
    if (!(ex > 0) || !(ey > 0)) return false;
    s = sqrt(2.0 * ex * ey / n);
    double fx = floor(ex / s) + 1, fy = floor(ey / s) + 1;
    if (fx * fy > 4.0 * n + 16) return false;
    gx = static_cast<int32_t>(fx);
    gy = static_cast<int32_t>(fy);
    margin = 1e-9 * (ex + ey + s);
    const size_t cells = static_cast<size_t>(gx) * gy;
    start = static_cast<int32_t*>(calloc(cells + 1, sizeof(int32_t)));
    order = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
    pts = static_cast<double*>(malloc(sizeof(double) * (2 * static_cast<size_t>(n) + 1)));
    cell = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
    if (!start || !order || !pts || !cell) return false;
    for (int32_t i = 0; i < n; ++i) {
      cell[i] = cy_of(c[2 * i + 1]) * gx + cx_of(c[2 * i]);
      ++start[cell[i] + 1];
    }
    int32_t crowd = 0;
    for (size_t q = 0; q < cells; ++q) {
      if (start[q + 1] > crowd) crowd = start[q + 1];
      start[q + 1] += start[q];
    }
    if (crowd > 32) return false;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t p = start[cell[i]]++;
      order[p] = i;
      pts[2 * static_cast<size_t>(p)] = c[2 * i];
      pts[2 * static_cast<size_t>(p) + 1] = c[2 * i + 1];
    }
    for (size_t q = cells; q > 0; --q) start[q] = start[q - 1];
    start[0] = 0;
    return true;
  }
  // d² to the point at grid position p (the KD-tree's operations)
  double dist2_at(const double* q, int32_t p) const {
    const double t0 = q[0] - pts[2 * static_cast<size_t>(p)], t1 = q[1] - pts[2 * static_cast<size_t>(p) + 1];
    return (0.0 + t0 * t0) + t1 * t1;
  }
  template <typename F>
  void scan_cell(int32_t cx, int32_t cy, const F& f) const {
    if (cx < 0 || cy < 0 || cx >= gx || cy >= gy) return;
    const int32_t q = cy * gx + cx;
    for (int32_t p = start[q]; p < start[q + 1]; ++p) f(p);
  }
  void knn(int32_t i, const double* q, KnnState& st) const {
    const int32_t cx = cx_of(q[0]), cy = cy_of(q[1]);
    const int32_t rmax = gx > gy ? gx : gy;
    auto offer = [&](int32_t p) {
      const int32_t j = order[p];
      if (j != i) st.offer(dist2_at(q, p), j);
    };
    for (int32_t r = 0; r <= rmax; ++r) {
      if (r == 0) scan_cell(cx, cy, offer);
      else {
        for (int32_t dx = -r; dx <= r; ++dx) {
          scan_cell(cx + dx, cy - r, offer);
          scan_cell(cx + dx, cy + r, offer);
        }
        for (int32_t dy = -r + 1; dy <= r - 1; ++dy) {
          scan_cell(cx - r, cy + dy, offer);
          scan_cell(cx + r, cy + dy, offer);
        }
      }
      if (st.count == st.k) {
        // every cell outside rings 0..r is at least this far from q
        double b = q[0] - (x0 + (cx - r) * s);
        b = fmin(b, (x0 + (cx + r + 1) * s) - q[0]);
        b = fmin(b, q[1] - (y0 + (cy - r) * s));
        b = fmin(b, (y0 + (cy + r + 1) * s) - q[1]);
        b -= margin;
        if (b > 0 && b * b > st.d2[st.k - 1]) return;
      }
    }
  }
  template <typename Out>
  void radius(int32_t i, const double* q, double r, double r2, const Out& out) const {
    const int32_t ax = cx_of(q[0] - r - margin) - 1, bx = cx_of(q[0] + r + margin) + 1;
    const int32_t ay = cy_of(q[1] - r - margin) - 1, by = cy_of(q[1] + r + margin) + 1;
    for (int32_t y = ay; y <= by; ++y) {
      for (int32_t x = ax; x <= bx; ++x) {
        scan_cell(x, y, [&](int32_t p) {
          const int32_t j = order[p];
          if (j == i) return;
          const double v = dist2_at(q, p);
          if (v <= r2) out(j, v);
        });
      }
    }
  }
};

// sorts a row's (index, distance) pairs by index (insertion sort: rows are short)
void sort_row(int32_t* j, double* v, int32_t len) {
  for (int32_t a = 1; a < len; ++a) {
    const int32_t jj = j[a];
    const double vv = v[a];
    int32_t b = a;
    while (b > 0 && j[b - 1] > jj) {
      j[b] = j[b - 1];
      v[b] = v[b - 1];
      --b;
    }
    j[b] = jj;
    v[b] = vv;
  }
}

int32_t check(const double* coords, int32_t n, int32_t d) {
  if (n < 0 || d < 1) {
    set_error_detail(n < 0 ? 2 : 3);
    return kInvalidArgument;
  }
  for (size_t q = 0; q < static_cast<size_t>(n) * d; ++q) {
    if (!isfinite(coords[q])) {
      set_error_detail(1);
      return kInvalidArgument;
    }
  }
  return kOk;
}

bool build_tree(Tree& t, const double* coords, int32_t n, int32_t d) {
  if (!t.alloc(n, d, coords)) return false;
  for (int32_t i = 0; i < n; ++i) t.idx[i] = i;
  t.nodes = 1;
  if (n > 0) t.build(0, 0, n);
  for (int32_t p = 0; p < n; ++p) {
    for (int32_t a = 0; a < d; ++a) t.pts[static_cast<size_t>(p) * d + a] = t.at(t.idx[p], a);
  }
  return true;
}

constexpr int32_t kQueryBlock = 256;

/// The spatial index of a call: a Grid2 for 2-D points when it builds, else a KD-tree.
struct Index {
  Tree tree;
  Grid2 grid;
  bool use_grid = false;
  const double* c = nullptr;
  int32_t d = 0;

  int32_t build(const double* coords, int32_t n, int32_t dims) {
    c = coords;
    d = dims;
    if (dims == 2 && n >= 64) {
      use_grid = grid.build(coords, n);
      if (use_grid) return kOk;
      grid.release();
      grid = Grid2();
    }
    return build_tree(tree, coords, n, dims) ? kOk : kOutOfMemory;
  }
  void release() {
    tree.release();
    grid.release();
  }
  // the cell queried at position qp (index order, for cache locality)
  int32_t at(int32_t qp) const { return use_grid ? grid.order[qp] : tree.idx[qp]; }
  void knn(int32_t i, KnnState& st) const {
    const double* q = c + static_cast<size_t>(i) * d;
    if (use_grid) grid.knn(i, q, st);
    else knn_visit(tree, 0, 0.0, i, q, st);
  }
  template <typename Out>
  void radius(int32_t i, double r, double r2, const Out& out) const {
    const double* q = c + static_cast<size_t>(i) * d;
    if (use_grid) grid.radius(i, q, r, r2, out);
    else radius_visit(tree, 0, i, q, r2, out);
  }
};

int32_t knn(const double* coords, int32_t n, int32_t d, int32_t k, int32_t* out_idx, double* out_dist) {
  int32_t st = check(coords, n, d);
  if (st != kOk) return st;
  if (k < 1 || (n > 0 && k > n - 1)) {
    set_error_detail(4);
    return kInvalidArgument;
  }
  if (n == 0) return kOk;
  Index ix;
  if (ix.build(coords, n, d) != kOk) {
    ix.release();
    return kOutOfMemory;
  }
  std::atomic<int32_t> oom{0};
  parallel_for(num_blocks(n, kQueryBlock), [&](int32_t b) {
    KnnState s;
    s.k = k;
    s.d2 = static_cast<double*>(malloc(sizeof(double) * k));
    s.j = static_cast<int32_t*>(malloc(sizeof(int32_t) * k));
    if (!s.d2 || !s.j) {
      oom.store(1);
    } else {
      const int32_t e = (b + 1) * kQueryBlock < n ? (b + 1) * kQueryBlock : n;
      for (int32_t qp = b * kQueryBlock; qp < e; ++qp) {
        const int32_t i = ix.at(qp);
        s.count = 0;
        ix.knn(i, s);
        int32_t* oj = out_idx + static_cast<size_t>(i) * k;
        double* ov = out_dist + static_cast<size_t>(i) * k;
        for (int32_t q = 0; q < k; ++q) {
          oj[q] = s.j[q];
          ov[q] = s.d2[q];
        }
        sort_row(oj, ov, k);
        for (int32_t q = 0; q < k; ++q) ov[q] = sqrt(ov[q]);
      }
    }
    free(s.d2);
    free(s.j);
  });
  ix.release();
  return oom.load() ? kOutOfMemory : kOk;
}

/// Checks the coordinates and the radius and, when n > 0, builds `ix` (released on failure).
int32_t radius_setup(const double* coords, int32_t n, int32_t d, double radius, Index* ix) {
  const int32_t st = check(coords, n, d);
  if (st != kOk) return st;
  if (!(radius >= 0) || !isfinite(radius)) {
    set_error_detail(4);
    return kInvalidArgument;
  }
  if (n > 0 && ix->build(coords, n, d) != kOk) {
    ix->release();
    return kOutOfMemory;
  }
  return kOk;
}

/// Runs f(i) for every point, in the index's order, in fixed blocks of kQueryBlock queries
/// spread over the pool (each point is written by exactly one query, so the order of blocks
/// does not change the output).
template <class F>
void for_each_query(const Index& ix, int32_t n, const F& f) {
  parallel_for(num_blocks(n, kQueryBlock), [&](int32_t b) {
    const int32_t e = (b + 1) * kQueryBlock < n ? (b + 1) * kQueryBlock : n;
    for (int32_t qp = b * kQueryBlock; qp < e; ++qp) f(ix.at(qp));
  });
}

int32_t radius_count(const double* coords, int32_t n, int32_t d, double radius, int32_t* counts) {
  Index ix;
  const int32_t st = radius_setup(coords, n, d, radius, &ix);
  if (st != kOk || n == 0) return st;
  const double r2 = radius * radius;
  for_each_query(ix, n, [&](int32_t i) {
    int32_t c = 0;
    ix.radius(i, radius, r2, [&](int32_t, double) { ++c; });
    counts[i] = c;
  });
  ix.release();
  return kOk;
}

int32_t radius_fill(const double* coords, int32_t n, int32_t d, double radius, const int32_t* indptr, int32_t* out_idx,
                    double* out_dist) {
  Index ix;
  const int32_t st = radius_setup(coords, n, d, radius, &ix);
  if (st != kOk || n == 0) return st;
  const double r2 = radius * radius;
  std::atomic<int32_t> bad{-1};
  for_each_query(ix, n, [&](int32_t i) {
    int32_t p = indptr[i];
    const int32_t cap = indptr[i + 1];
    ix.radius(i, radius, r2, [&](int32_t j, double v) {
      if (p < cap) {
        out_idx[p] = j;
        out_dist[p] = v;
      }
      ++p;
    });
    if (p != cap) {
      bad.store(i);
      return;
    }
    sort_row(out_idx + indptr[i], out_dist + indptr[i], cap - indptr[i]);
    for (int32_t q = indptr[i]; q < cap; ++q) out_dist[q] = sqrt(out_dist[q]);
  });
  ix.release();
  if (bad.load() >= 0) {
    set_error_detail(bad.load());
    return kBadIndptr;  // indptr does not match the counts of ck_spatial_neighbors_radius_count
  }
  return kOk;
}

}  // namespace
}  // namespace ck

/// kNN graph of n points in d dimensions (row-major float64 coords, finite): for each point its
/// k nearest other points (1 ≤ k ≤ n − 1), ties by the smaller index, written to out_idx[n·k]
/// (ascending within each row) with Euclidean distances out_dist[n·k].
CK_EXPORT int32_t ck_spatial_neighbors_knn_dense_f64(const double* coords, int32_t n, int32_t d, int32_t k,
                                                     int32_t* out_idx, double* out_dist) {
  return ck::knn(coords, n, d, k, out_idx, out_dist);
}

/// Radius graph, first pass: counts[n] = number of other points within `radius` of each point.
CK_EXPORT int32_t ck_spatial_neighbors_radius_count_dense_f64(const double* coords, int32_t n, int32_t d, double radius,
                                                              int32_t* counts) {
  return ck::radius_count(coords, n, d, radius, counts);
}

/// Radius graph, second pass: with indptr[n+1] the running sum of the first pass's counts,
/// writes each point's neighbours (ascending) and distances at [indptr[i], indptr[i+1]).
CK_EXPORT int32_t ck_spatial_neighbors_radius_dense_f64(const double* coords, int32_t n, int32_t d, double radius,
                                                        const int32_t* indptr, int32_t* out_idx, double* out_dist) {
  return ck::radius_fill(coords, n, d, radius, indptr, out_idx, out_dist);
}
