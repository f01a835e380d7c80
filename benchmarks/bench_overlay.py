"""Benchmark: landcheck.overlay.intersect_pairs against geopandas.overlay(how="intersection").

Run:  python benchmarks/bench_overlay.py [--patches N] [--farmland M] [--threads T] [--seed S]
      python benchmarks/bench_overlay.py --patches 30000          # quick mode (farmland scales along)

Synthetic township in CGCS2000 / 3-degree Gauss-Kruger zone 39 (EPSG:4527, easting ~39 500 000),
generated from a numpy seed:
- survey patches (DLTB): Voronoi cells of a jittered grid, ~50 m across, a valid coverage; each edge
  gets `--densify` extra vertices (default 3, ~25 vertices a patch, closer to digitised patches than
  7-vertex Voronoi cells; `--densify 0` gives plain cells) and the plane is bent by a smooth 2 m warp,
  so edges are polylines; shared edges stay bit-identical between neighbours;
- farmland (YJJBNT, default patches / 6): unions of groups of adjacent patches (edges coincide exactly,
  as when farmland was delineated from the survey) for ~85 %; ~8 % shifted by up to 6 m and ~7 %
  simplified with a 4 m tolerance, so their edges cut across patches; plus a few large polygons
  (patches along a meandering strip, thousands of vertices) that exercise the subdivision path.

Area is planar (`shapely.area` / `GeoSeries.area`) in both runs, so the comparison measures the overlay.
Both methods run in this one process on the same data. Peak memory is the peak resident set size
(VmHWM from /proc/self/status, reset before each phase with /proc/self/clear_refs) above the RSS at
the start of the phase; it counts GEOS's C allocations, which tracemalloc cannot see. Where that reset
is unavailable the script falls back to tracemalloc (Python allocations only) and says so.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CRS = "EPSG:4527"
X0, Y0 = 39_500_000.0, 4_400_000.0
SPACING = 50.0  # mean patch size (m)


# --------------------------------------------------------------------------------------------- data
def voronoi_patches(n: int, rng: np.random.Generator, spacing: float = SPACING, densify: int = 3,
                    warp_m: float = 2.0) -> np.ndarray:
    """About `n` irregular patches tiling a square, in EPSG:4527 metres: Voronoi cells of a jittered
    grid, each edge given `densify` extra vertices and the whole plane bent by a smooth warp of
    amplitude `warp_m` (so edges are polylines, as digitised field edges are). The result is a valid
    coverage: neighbours share bit-identical vertices (the extra vertices of a shared edge are computed
    once, from the edge's lower-numbered end, and the warp is a function of position)."""
    from scipy.spatial import Voronoi

    side = int(np.ceil(np.sqrt(n)))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    pts = np.column_stack([gx.ravel(), gy.ravel()]).astype(float)
    pts += rng.uniform(-0.45, 0.45, size=pts.shape)  # jittered grid: irregular but no huge cells
    pts *= spacing
    # a frame of points around the grid so that every cell of the real points is bounded
    extent = side * spacing
    line = np.linspace(-2 * spacing, extent + 2 * spacing, side + 5)
    lo_, hi_ = np.full(side + 5, -2 * spacing), np.full(side + 5, extent + 2 * spacing)
    pad = np.column_stack([np.concatenate([line, line, lo_, hi_]), np.concatenate([lo_, hi_, line, line])])
    vor = Voronoi(np.vstack([pts, pad]))
    regions = [vor.regions[r] for r in vor.point_region[:n]]
    lengths = np.fromiter((len(r) for r in regions), dtype=np.int64, count=len(regions))
    u = np.fromiter((v for r in regions for v in r), dtype=np.int64, count=int(lengths.sum()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    nxt = np.arange(len(u)) + 1
    nxt[np.cumsum(lengths) - 1] = starts  # the edge after a ring's last vertex goes back to its first
    v = u[nxt]
    # each edge u→v as its start vertex plus `densify` points, computed from the lower-numbered end
    k = densify
    t = np.arange(1, k + 1) / (k + 1)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    tt = np.where((u < v)[:, None], t[None, :], t[None, ::-1])
    P = vor.vertices
    inner = P[lo][:, None, :] + tt[:, :, None] * (P[hi] - P[lo])[:, None, :]
    coords = np.concatenate([P[u][:, None, :], inner], axis=1).reshape(-1, 2)
    ring_idx = np.repeat(np.repeat(np.arange(len(regions)), lengths), k + 1)
    # smooth warp (a homeomorphism: amplitude / wavelength << 1)
    if warp_m:
        lam1, lam2 = 0.37 * spacing, 0.23 * spacing
        x, y = coords[:, 0].copy(), coords[:, 1].copy()
        coords[:, 0] = x + warp_m * np.sin(y / lam1) * np.cos(x / (3.1 * lam2))
        coords[:, 1] = y + warp_m * np.sin(x / lam2) * np.cos(y / (2.7 * lam1))
    rings = shapely.linearrings(coords + (X0, Y0), indices=ring_idx)  # closed automatically
    return shapely.orient_polygons(shapely.polygons(rings))


def farmland_from_patches(patches: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """About `m` farmland polygons built from the patches (see the module docstring)."""
    import geopandas as gpd

    n = len(patches)
    cent = shapely.get_coordinates(shapely.centroid(patches))
    # groups: patches nearest to the same seed (contiguous groups of ~n/groups patches)
    n_groups = int(m / 0.6)  # ~60 % of groups become farmland
    seeds = cent[rng.choice(n, size=n_groups, replace=False)]
    from scipy.spatial import cKDTree

    _, group = cKDTree(seeds).query(cent)
    chosen = rng.random(n_groups) < 0.6
    # a few big farmland blocks (thousands of vertices): the patches along a meandering strip
    n_big = max(2, m // 5000)
    side = np.sqrt(n) * SPACING
    lo, hi = cent.min(axis=0), cent.max(axis=0)
    in_big = np.zeros(n, dtype=bool)
    for k in range(n_big):
        steps = int(side / 100 * 0.6)
        ang = np.cumsum(rng.normal(0, 0.35, size=steps)) + rng.uniform(0, 2 * np.pi)
        walk = np.cumsum(np.column_stack([np.cos(ang), np.sin(ang)]) * 100.0, axis=0)
        walk = np.clip(walk + rng.uniform(lo, hi), lo, hi)
        line = shapely.linestrings(walk)
        strip = shapely.buffer(line, rng.uniform(100, 180))
        hit = shapely.contains_xy(strip, cent[:, 0], cent[:, 1]) & ~in_big
        group = np.where(hit, n_groups + k, group)
        in_big |= hit
    chosen = np.concatenate([chosen, np.ones(n_big, dtype=bool)])
    keep = chosen[group]
    gs = gpd.GeoSeries(patches[keep])
    farmland = gs.groupby(group[keep]).agg(lambda s: shapely.coverage_union_all(s.values))
    farm = np.asarray(farmland.values, dtype=object)
    farm = farm[shapely.get_type_id(farm) == 3]  # drop the rare non-contiguous group
    # some cut across patches: shifted by a few metres or simplified (chords across patch edges)
    kind = rng.random(len(farm))
    shift = np.flatnonzero(kind < 0.08)
    moved = shapely.transform(farm[shift], lambda xy: xy)  # fresh copies, moved in place below
    coords, owner = shapely.get_coordinates(moved, return_index=True)
    offsets = rng.uniform(-6, 6, size=(len(shift), 2))
    farm[shift] = shapely.set_coordinates(moved, coords + offsets[owner])
    simp = (kind >= 0.08) & (kind < 0.15)
    farm[simp] = shapely.make_valid(shapely.simplify(farm[simp], 4.0))
    farm = farm[np.isin(shapely.get_type_id(farm), (3, 6)) & ~shapely.is_empty(farm)]
    return shapely.orient_polygons(farm)


def make_layers(n_patches: int, n_farmland: int, seed: int = 20240601, densify: int = 3):
    rng = np.random.default_rng(seed)
    patches = voronoi_patches(n_patches, rng, densify=densify)
    farmland = farmland_from_patches(patches, n_farmland, rng)
    return patches, farmland


# ------------------------------------------------------------------------------------------ memory
def _malloc_trim() -> None:
    """Hand freed heap memory back to the OS (glibc), so one phase's leftovers do not hide the next
    phase's growth."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


class PeakMemory:
    """Peak RSS above the phase's starting RSS, from /proc (resettable VmHWM); tracemalloc fallback."""

    def __init__(self):
        self.how = "VmHWM (peak RSS, reset via /proc/self/clear_refs)"
        try:
            self._reset()
            self._read("VmHWM")
        except OSError:
            self.how = "tracemalloc (Python allocations only; GEOS memory not seen)"

    @staticmethod
    def _read(key: str) -> int:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
        raise OSError(key)

    @staticmethod
    def _reset() -> None:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")

    def __enter__(self):
        gc.collect()
        _malloc_trim()
        if self.how.startswith("VmHWM"):
            self._reset()
            self.start = self._read("VmRSS")
        else:
            import tracemalloc

            tracemalloc.start()
        return self

    def __exit__(self, *exc):
        if self.how.startswith("VmHWM"):
            self.peak = self._read("VmHWM") - self.start
        else:
            import tracemalloc

            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return False


# ------------------------------------------------------------------------------------------- main
def _timed(fn):
    """(result, wall s, CPU s of all threads, peak memory above the start in bytes)."""
    with PeakMemory() as mem:
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    return out, wall, cpu, mem.peak


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patches", type=int, default=300_000)
    p.add_argument("--farmland", type=int, default=None, help="default: patches / 6")
    p.add_argument("--threads", type=int, default=None, help="default: all cores")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--densify", type=int, default=3,
                   help="extra vertices per patch edge (default 3: ~25 a patch; 0: plain Voronoi cells, ~7)")
    p.add_argument("--skip-geopandas", action="store_true", help="time landcheck only")
    p.add_argument("--uncovered", action="store_true",
                   help="also time uncovered(farmland, survey) against geopandas.overlay(how='difference')")
    args = p.parse_args(argv)
    m = args.farmland if args.farmland is not None else max(1, args.patches // 6)

    import warnings

    import geopandas as gpd

    from landcheck.overlay import n_threads, intersect_pairs, uncovered

    t = time.perf_counter()
    patches, farmland = make_layers(args.patches, m, args.seed, args.densify)
    nv = shapely.get_num_coordinates(farmland)
    print(f"data: {len(patches):,} patches ({shapely.get_num_coordinates(patches).mean():.0f} vertices "
          f"on average), {len(farmland):,} farmland polygons (max {nv.max():,} vertices, "
          f"{int((nv > 256).sum())} over 256), made in {time.perf_counter() - t:.1f} s; CRS {CRS}")
    print(f"machine: {os.cpu_count()} cores, landcheck uses {n_threads(args.threads)} threads; "
          f"load average before the runs {os.getloadavg()[0]:.2f}")
    print(f"peak memory: {PeakMemory().how}")
    survey = gpd.GeoDataFrame({"pid": np.arange(len(patches))}, geometry=patches, crs=CRS)
    farm = gpd.GeoDataFrame({"fid": np.arange(len(farmland))}, geometry=farmland, crs=CRS)
    ok = True

    def line(tag, wall, cpu, peak, rest):
        print(f"{tag:31s} {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak +{peak / 2**20:7.1f} MiB, {rest}")

    # (a) landcheck.overlay.intersect_pairs
    def run_a():
        pieces = intersect_pairs(survey.geometry.values, farm.geometry.values, threads=args.threads)
        return pieces, shapely.area(pieces.geometry)

    (pieces, area_a), ta, ca, ma = _timed(run_a)
    total_a = float(area_a.sum())
    line("(a) intersect_pairs + area:", ta, ca, ma,
         f"{len(pieces):,} pieces ({int(pieces.whole.sum()):,} whole), total {total_a:,.2f} m²")

    # (b) geopandas.overlay
    if not args.skip_geopandas:
        def run_b():
            res = gpd.overlay(survey, farm, how="intersection", keep_geom_type=True)
            return len(res), res.geometry.area.to_numpy()

        (n_b, area_b), tb, cb, mb = _timed(run_b)
        total_b = float(area_b.sum())
        line("(b) geopandas.overlay + area:", tb, cb, mb, f"{n_b:,} pieces, total {total_b:,.2f} m²")
        rel = abs(total_a - total_b) / total_b
        ok &= rel < 1e-4
        print(f"    total area difference: {rel:.2e} relative ({'OK' if rel < 1e-4 else 'FAIL'}, limit 1e-4)")
        print(f"    ratio b/a: wall {tb / ta:.2f}x, CPU {cb / ca:.2f}x; "
              f"peak memory a/b: {ma / max(mb, 1):.2f}")

    if args.uncovered:
        # (c) uncovered farmland, reusing the pairs of (a)
        def run_c():
            return shapely.area(uncovered(farm.geometry.values, survey.geometry.values, pieces=pieces,
                                          threads=args.threads))

        area_c, tc, cc, mc = _timed(run_c)
        line("(c) uncovered (pairs of a):", tc, cc, mc,
             f"{int((area_c > 0).sum()):,} farmland polygons not fully covered, {area_c.sum():,.4f} m²")
        if not args.skip_geopandas:
            # (d) geopandas.overlay difference
            def run_d():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # keep_geom_type drops lines and points
                    return gpd.overlay(farm, survey, how="difference").geometry.area.to_numpy()

            area_d, td, cd, md = _timed(run_d)
            line("(d) geopandas difference:", td, cd, md,
                 f"{int((area_d > 0).sum()):,} rows with area > 0 ({int((area_d > 1e-6).sum()):,} above "
                 f"1e-6 m²), {area_d.sum():,.4f} m²")
            diff_ok = abs(area_c.sum() - area_d.sum()) <= 1e-4 * max(area_d.sum(), 1.0)
            ok &= diff_ok
            print(f"    uncovered area agrees: {'OK' if diff_ok else 'FAIL'}; "
                  f"ratio d/c: wall {td / tc:.2f}x, "
                  f"CPU {cd / cc:.2f}x; peak memory c/d: {mc / max(md, 1):.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
