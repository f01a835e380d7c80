"""Benchmark: the survey quality check on 1× and 2× a county, local engine against dask (2 workers).

    python benchmarks/bench_scale_survey.py                        # 1×, 2× of 200 000 patches
    python benchmarks/bench_scale_survey.py --sizes 1 --base 50000  # quick

A county of `--base` 地类图斑 patches is generated once with the sample-township generator (EPSG:4527,
a complete coverage with every DLTB field), with defects planted as in bench_survey.py (0.5 % of the
patches grown by 0.5 m: overlaps; 0.25 % shrunk by 0.2 m: ring gaps), and tiled k times side by side
(BSM and TBBH made unique per tile). Each size is written as a GeoPackage. Then, each in its own
process so that peak memory is its own:
  (a) local: `read_layer` + `check_survey` (all cores), as `landcheck survey` runs;
  (b) dask: `scale.partition_survey` (chunked read → Hilbert-sorted GeoParquet parts of
      `--partition-size` patches) in the client, then `scale.check_survey_partitioned` on a
      `LocalCluster` of `--workers` processes with one thread each.
Wall time (dask split into partitioning and the distributed check, and the check into its three
rounds; cluster start-up apart), peak RSS of the local process, of the dask client and of the largest
worker (sampled every 10 ms, GEOS memory included), and whether both engines gave the same result
(a hash of every problem row — geometry as WKB —, the counts, the summary and the report).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

from bench_scale import _worker_sampler_start, _worker_sampler_stop, run_child  # benchmarks/bench_scale.py
from memory import PeakSampler, rss_mb  # benchmarks/memory.py


def _digest(res) -> dict:
    import shapely

    h = hashlib.sha1()
    p = res.problems
    for c in p.columns:
        if c == "geometry":
            h.update(b"".join(b"N" if g is None else shapely.to_wkb(g) for g in p.geometry.values))
        else:
            h.update(repr(p[c].tolist()).encode())
    h.update(json.dumps([res.counts, res.summary, res.report], sort_keys=True, ensure_ascii=False, default=str).encode())
    return {"sha1": h.hexdigest(), "counts": res.counts, "n_problems": len(p)}


def child_local(path: Path) -> dict:
    from landcheck.checks.survey import check_survey
    from landcheck.layers import read_layer

    with PeakSampler() as mem:
        t0 = time.perf_counter()
        df, rep = read_layer(path, kind="survey", require_landuse=False)
        t_read = time.perf_counter() - t0
        res = check_survey(df, rep)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "read_s": t_read, "peak_mb": mem.peak, "n_patches": len(df), **_digest(res)}


def child_dask(path: Path, workers: int, partition_size: int) -> dict:
    from landcheck import scale

    work = path.parent / "dask-work"
    marks: list[tuple[str, float]] = []
    with PeakSampler() as mem:
        t0 = time.perf_counter()
        layer = scale.partition_survey(path, work, partition_size=partition_size, chunk_size=partition_size)
        t_part = time.perf_counter() - t0
        part_peak = mem.peak
        mem.peak = mem.base = rss_mb()
        t1 = time.perf_counter()
        with scale.dask_client(None, workers) as client:
            t_start = time.perf_counter() - t1
            client.run(_worker_sampler_start)
            t2 = time.perf_counter()
            res = scale.check_survey_partitioned(layer, client=client,
                                                 step=lambda s: marks.append((s, time.perf_counter() - t2)))
            t_check = time.perf_counter() - t2
            per_worker = client.run(_worker_sampler_stop)
    rounds = [t for s, t in marks if "任务" in s] + [t_check]
    return {"seconds": t_part + t_check, "partition_s": t_part, "check_s": t_check, "cluster_start_s": t_start,
            "rounds_s": [round(b - a, 2) for a, b in zip(rounds[:-1], rounds[1:])],
            "client_peak_mb": max(part_peak, mem.peak), "client_partition_mb": part_peak, "client_check_mb": mem.peak,
            "worker_peak_mb": max(v["peak"] for v in per_worker.values()),
            "worker_base_mb": max(v["base"] for v in per_worker.values()), "n_parts": layer.n_parts,
            "n_patches": layer.n_features, **_digest(res)}


def make_sizes(base: int, sizes: list[int], seed: int, root: Path) -> dict[int, Path]:
    """Write each size (k tiles of one generated county with planted defects) as a GeoPackage."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from bench_survey import plant_defects
    from landcheck.sample import make_township

    t0 = time.perf_counter()
    town = make_township(seed=seed, n_patches=base)
    # the generator snaps to a 0.1 mm grid with a GEOS precision model; layers read from files have none
    sv = town.survey.set_geometry(shapely.from_wkb(shapely.to_wkb(town.survey.geometry.values)))
    sv = plant_defects(sv, len(sv) // 200, len(sv) // 400, seed)
    x0, y0, x1, y1 = sv.total_bounds
    print(f"generated one county: {len(sv)} patches, {(x1 - x0) / 1000:.0f} × {(y1 - y0) / 1000:.0f} km in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    out = {}
    for k in sizes:
        folder = root / f"{k}x"
        folder.mkdir(parents=True, exist_ok=True)
        tiles = []
        for t in range(k):
            dx = (t % 2) * (x1 - x0 + 200.0)
            dy = (t // 2) * (y1 - y0 + 200.0)
            tile = sv.set_geometry(shapely.transform(sv.geometry.values, lambda c: c + np.array([dx, dy])))
            for c in ("BSM", "TBBH"):
                tile[c] = [None if v is None or v != v else f"{t}{v}" for v in tile[c]]
            tiles.append(tile)
        df = gpd.GeoDataFrame(pd.concat(tiles, ignore_index=True), crs=sv.crs)
        df.to_file(folder / "DLTB.gpkg", layer="DLTB", driver="GPKG", engine="pyogrio")
        out[k] = folder / "DLTB.gpkg"
        print(f"  wrote {k}× ({len(df)} patches) in {folder}", flush=True)
    return out


def run_child_here(args: list[str]) -> dict:
    return run_child(args, __file__)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=200_000, help="patches in one county (1×)")
    ap.add_argument("--sizes", default="1,2", help="multiples of a county, e.g. 1,2")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-size", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, path = args.child[0], Path(args.child[1])
        res = child_local(path) if mode == "local" else child_dask(path, int(args.child[2]), int(args.child[3]))
        print(json.dumps(res))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {rss_mb():.0f} MB in this process; {args.workers} dask workers × 1 thread, "
          f"parts of {args.partition_size} patches", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_survey_") as tmp:
        paths = make_sizes(args.base, sizes, args.seed, Path(tmp))
        for k in sizes:
            local = run_child_here(["--child", "local", str(paths[k])])
            print(f"{k}× local: {local['seconds']:.1f} s, peak {local['peak_mb']:.0f} MB", flush=True)
            dask = run_child_here(["--child", "dask", str(paths[k]), str(args.workers), str(args.partition_size)])
            print(f"{k}× dask: {dask['seconds']:.1f} s (rounds {dask['rounds_s']}), client {dask['client_peak_mb']:.0f} MB "
                  f"(partitioning {dask['client_partition_mb']:.0f}, check {dask['client_check_mb']:.0f}), "
                  f"worker {dask['worker_peak_mb']:.0f} MB", flush=True)
            rows.append((k, local, dask))

    print(f"\n{'size':>5}{'patches':>10}{'parts':>6} | {'local s':>8}{'local MB':>9} | "
          f"{'dask s':>7}{'(part':>7}{'+check)':>8}{'client MB':>10}{'worker MB':>10} | same")
    for k, local, dask in rows:
        same = "yes" if local["sha1"] == dask["sha1"] else "NO"
        print(f"{k:>4}×{dask['n_patches']:>10}{dask['n_parts']:>6} | {local['seconds']:>8.1f}{local['peak_mb']:>9.0f} | "
              f"{dask['seconds']:>7.1f}{dask['partition_s']:>7.1f}{dask['check_s']:>8.1f}"
              f"{dask['client_peak_mb']:>10.0f}{dask['worker_peak_mb']:>10.0f} | {same}")
    for k, local, dask in rows:
        print(f"{k}×: problems {local['n_problems']} {local['counts']}; dask rounds (features+overlaps, coverage "
              f"chunks, gap patches + reduce) {dask['rounds_s']} s")
    print("\nMB: peak resident memory of the process (the worker column: the largest of the workers, "
          f"which hold about {rows[-1][2]['worker_base_mb']:.0f} MB before their first task); "
          f"dask s excludes starting the cluster (~{rows[-1][2]['cluster_start_s']:.1f} s).")


if __name__ == "__main__":
    main()
