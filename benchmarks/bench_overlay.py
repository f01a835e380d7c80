"""Benchmark: landcheck.overlay.intersect_pairs against geopandas.overlay(how="intersection").

    python benchmarks/bench_overlay.py                    # 300 000 patches, farmland patches / 6
    python benchmarks/bench_overlay.py --patches 30000    # quick (farmland scales along)
    options: --farmland M, --threads T, --seed S, --densify K, --skip-geopandas, --uncovered

Synthetic layers in EPSG:4527 from a numpy seed: survey patches as a valid Voronoi coverage (~50 m,
`--densify` extra vertices per edge, a smooth 2 m warp) and farmland made of groups of patches, some
shifted or simplified so their edges cut across patches, plus a few large polygons of thousands of
vertices. Each phase in its own process: (a) `intersect_pairs` + planar area; (b) `geopandas.overlay`
+ area; with `--uncovered` (c) `uncovered(farmland, survey)` reusing (a)'s pairs and (d)
`geopandas.overlay(how="difference")`. Prints wall and CPU time, peak RSS, b/a and whether areas agree.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from harness import measure, parse, ratio, result_line, run_child

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


# ------------------------------------------------------------------------------------------ phases
def child(phase: str, folder: str, threads: str | None = None) -> dict:
    """One phase on the parquet layers: time, memory and what it found."""
    import warnings

    import geopandas as gpd

    from landcheck.overlay import intersect_pairs, uncovered

    threads = None if threads is None else int(threads)
    survey = gpd.read_parquet(Path(folder) / "survey.parquet")
    farm = gpd.read_parquet(Path(folder) / "farmland.parquet")
    if phase == "a":
        def run():
            pieces = intersect_pairs(survey.geometry.values, farm.geometry.values, threads=threads)
            return {"pieces": len(pieces), "whole": int(pieces.whole.sum()),
                    "total_m2": float(shapely.area(pieces.geometry).sum())}
    elif phase == "b":
        def run():
            res = gpd.overlay(survey, farm, how="intersection", keep_geom_type=True)
            return {"pieces": len(res), "total_m2": float(res.geometry.area.to_numpy().sum())}
    elif phase == "c":
        pieces = intersect_pairs(survey.geometry.values, farm.geometry.values, threads=threads)  # (a)'s pairs

        def run():
            area = shapely.area(uncovered(farm.geometry.values, survey.geometry.values, pieces=pieces, threads=threads))
            return {"rows": int((area > 0).sum()), "total_m2": float(area.sum())}
    else:
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # keep_geom_type drops lines and points
                area = gpd.overlay(farm, survey, how="difference").geometry.area.to_numpy()
            return {"rows": int((area > 0).sum()), "rows_above_1e-6": int((area > 1e-6).sum()),
                    "total_m2": float(area.sum())}
    found, m = measure(run)
    return {**m, **found}


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
    args = parse(p, child, argv)
    m = args.farmland if args.farmland is not None else max(1, args.patches // 6)

    import geopandas as gpd

    from landcheck.overlay import n_threads

    t = time.perf_counter()
    patches, farmland = make_layers(args.patches, m, args.seed, args.densify)
    nv = shapely.get_num_coordinates(farmland)
    print(f"data: {len(patches):,} patches ({shapely.get_num_coordinates(patches).mean():.0f} vertices "
          f"on average), {len(farmland):,} farmland polygons (max {nv.max():,} vertices, "
          f"{int((nv > 256).sum())} over 256), made in {time.perf_counter() - t:.1f} s; CRS {CRS}")
    print(f"machine: {os.cpu_count()} cores, landcheck uses {n_threads(args.threads)} threads; "
          f"load average before the runs {os.getloadavg()[0]:.2f}")
    print("peak memory: RSS above the phase's start, sampled every 5 ms in the phase's own process (GEOS included)")
    phases = ["a"] + ([] if args.skip_geopandas else ["b"])
    phases += (["c"] + ([] if args.skip_geopandas else ["d"])) if args.uncovered else []
    with tempfile.TemporaryDirectory(prefix="bench_overlay_") as tmp:
        folder = Path(tmp)
        gpd.GeoDataFrame({"pid": np.arange(len(patches))}, geometry=patches, crs=CRS).to_parquet(folder / "survey.parquet")
        gpd.GeoDataFrame({"fid": np.arange(len(farmland))}, geometry=farmland, crs=CRS).to_parquet(folder / "farmland.parquet")
        extra = [] if args.threads is None else [args.threads]
        r = {ph: run_child(__file__, ph, folder, *extra) for ph in phases}

    def line(tag, e, rest):
        print(f"{tag:31s} {e['seconds']:6.2f} s wall, {e['cpu_s']:6.2f} s CPU, peak +{e['peak_mb']:7.1f} MiB, {rest}")

    ok = True
    a = r["a"]
    line("(a) intersect_pairs + area:", a, f"{a['pieces']:,} pieces ({a['whole']:,} whole), total {a['total_m2']:,.2f} m²")
    ratios = {}
    if "b" in r:
        b = r["b"]
        line("(b) geopandas.overlay + area:", b, f"{b['pieces']:,} pieces, total {b['total_m2']:,.2f} m²")
        rel = abs(a["total_m2"] - b["total_m2"]) / b["total_m2"]
        ok &= rel < 1e-4
        print(f"    total area difference: {rel:.2e} relative ({'OK' if rel < 1e-4 else 'FAIL'}, limit 1e-4)")
        ratios = {"seconds b/a": ratio(b["seconds"], a["seconds"]), "cpu b/a": ratio(b["cpu_s"], a["cpu_s"]),
                  "peak MB a/b": ratio(a["peak_mb"], b["peak_mb"], 1.0)}
        print(f"    ratio b/a: wall {ratios['seconds b/a']:.2f}x, CPU {ratios['cpu b/a']:.2f}x; "
              f"peak memory a/b: {ratios['peak MB a/b']:.2f}")
    if "c" in r:
        c = r["c"]
        line("(c) uncovered (pairs of a):", c,
             f"{c['rows']:,} farmland polygons not fully covered, {c['total_m2']:,.4f} m²")
    if "d" in r:
        d = r["d"]
        line("(d) geopandas difference:", d, f"{d['rows']:,} rows with area > 0 ({d['rows_above_1e-6']:,} above "
             f"1e-6 m²), {d['total_m2']:,.4f} m²")
        diff_ok = abs(c["total_m2"] - d["total_m2"]) <= 1e-4 * max(d["total_m2"], 1.0)
        ok &= diff_ok
        ratios.update({"seconds d/c": ratio(d["seconds"], c["seconds"]), "cpu d/c": ratio(d["cpu_s"], c["cpu_s"]),
                       "peak MB c/d": ratio(c["peak_mb"], d["peak_mb"], 1.0)})
        print(f"    uncovered area agrees: {'OK' if diff_ok else 'FAIL'}; ratio d/c: wall {ratios['seconds d/c']:.2f}x, "
              f"CPU {ratios['cpu d/c']:.2f}x; peak memory c/d: {ratios['peak MB c/d']:.2f}")
    names = {"a": "intersect_pairs", "b": "geopandas.overlay", "c": "uncovered", "d": "geopandas difference"}
    result_line("bench_overlay", {"patches": len(patches), "farmland": len(farmland), "densify": args.densify,
                                  "threads": n_threads(args.threads)},
                {names[k]: v for k, v in r.items()}, ratios, ok if len(r) > 1 else None)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
