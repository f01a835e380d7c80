"""Benchmark: the farmland check on 1×, 2× and 4× a county, local engine against dask (2 workers).

    python benchmarks/bench_scale.py                       # 1×, 2×, 4× of 200 000 patches
    python benchmarks/bench_scale.py --sizes 1,2 --base 50000   # quick

A county of `--base` survey patches is generated once with the sample-township generator
(EPSG:4527) and tiled k times side by side (ids made unique per tile), so that each size holds k
times the same work; each size is written as GeoPackages (survey DLTB, farmland, facility records).
Then, each in its own process so that peak memory is its own:
  (a) local: `read_layer` of each layer and `check_farmland` (all cores), as `landcheck farmland` runs;
  (b) dask: `scale.partition_inputs` (chunked read → Hilbert-sorted GeoParquet parts of
      `--partition-size` patches) in the client, then `scale.check_farmland_partitioned` on a
      `LocalCluster` of `--workers` processes with one thread each.
Wall time (dask split into partitioning and the distributed check; cluster start-up is shown apart),
peak RSS of the local process, of the dask client and of the largest worker (sampled every 10 ms,
GEOS memory included), seconds per 100 000 patches, and whether both engines gave the same summary
and the same finding keys.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import PeakSampler, rss_mb  # benchmarks/memory.py


def _digest(result) -> dict:
    keys = sorted(result.findings["finding_key"])
    s = result.summary
    return {"areas_m2": s["areas_m2"], "n_findings": s["n_findings"], "farmland_overlaps": s["farmland_overlaps"],
            "keys_sha1": hashlib.sha1("\n".join(keys).encode()).hexdigest(),
            "summary_sha1": hashlib.sha1(json.dumps(s, sort_keys=True, ensure_ascii=False).encode()).hexdigest()}


def child_local(folder: Path) -> dict:
    from landcheck.checks.farmland import check_farmland
    from landcheck.config import load_rules
    from landcheck.layers import read_layer

    rules = load_rules()
    with PeakSampler() as mem:
        t0 = time.perf_counter()
        sv, _ = read_layer(folder / "survey.gpkg", kind="survey", require_landuse=True)
        fm, _ = read_layer(folder / "farmland.gpkg", kind="farmland")
        rec, _ = read_layer(folder / "records.gpkg", kind="facility")
        t_read = time.perf_counter() - t0
        result = check_farmland(sv, fm, rules, facility_records=rec)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "read_s": t_read, "peak_mb": mem.peak, "n_patches": len(sv), "n_farmland": len(fm),
            **_digest(result)}


def _worker_sampler_start(dask_worker=None):
    import os
    import threading
    import time as _t

    page = os.sysconf("SC_PAGE_SIZE") / 2**20

    def rss():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * page

    state = {"base": rss(), "peak": rss(), "stop": False}

    def loop():
        while not state["stop"]:
            state["peak"] = max(state["peak"], rss())
            _t.sleep(0.01)

    threading.Thread(target=loop, daemon=True).start()
    dask_worker._landcheck_rss = state


def _worker_sampler_stop(dask_worker=None):
    state = dask_worker._landcheck_rss
    state["stop"] = True
    return {"base": state["base"], "peak": state["peak"]}


def child_dask(folder: Path, workers: int, partition_size: int) -> dict:
    from landcheck import scale
    from landcheck.config import load_rules
    from landcheck.layers import read_layer

    rules = load_rules()
    work = folder / "dask-work"
    with PeakSampler() as mem:
        t0 = time.perf_counter()
        sv, fm = scale.partition_inputs(folder / "survey.gpkg", folder / "farmland.gpkg", work,
                                        partition_size=partition_size, chunk_size=partition_size,
                                        survey_read={"kind": "survey", "require_landuse": True},
                                        farmland_read={"kind": "farmland"})
        rec, _ = read_layer(folder / "records.gpkg", kind="facility")
        t_part = time.perf_counter() - t0
        t1 = time.perf_counter()
        with scale.dask_client(None, workers) as client:
            t_start = time.perf_counter() - t1
            client.run(_worker_sampler_start)
            t2 = time.perf_counter()
            result = scale.check_farmland_partitioned(sv, fm, rules, rec, client=client)
            t_check = time.perf_counter() - t2
            per_worker = client.run(_worker_sampler_stop)
    return {"seconds": t_part + t_check, "partition_s": t_part, "check_s": t_check, "cluster_start_s": t_start,
            "client_peak_mb": mem.peak, "worker_peak_mb": max(v["peak"] for v in per_worker.values()),
            "worker_base_mb": max(v["base"] for v in per_worker.values()), "n_tasks": fm.n_parts,
            "n_patches": sv.n_features, "n_farmland": fm.n_features, **_digest(result)}


def make_sizes(base: int, sizes: list[int], seed: int, root: Path) -> dict[int, Path]:
    """Write each size (k tiles of one generated county) as GeoPackages under root/k."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from landcheck.sample import make_township

    t0 = time.perf_counter()
    town = make_township(seed=seed, n_patches=base)
    # the generator snaps to a 0.1 mm grid with a GEOS precision model; layers read from files have none
    layers = {k: getattr(town, k) for k in ("survey", "farmland", "facility_records")}
    layers = {k: f.set_geometry(shapely.from_wkb(shapely.to_wkb(f.geometry.values))) for k, f in layers.items()}
    x0, y0, x1, y1 = layers["survey"].total_bounds
    print(f"generated one county: {len(layers['survey'])} patches, {len(layers['farmland'])} farmland polygons, "
          f"{len(layers['facility_records'])} facility records, {(x1 - x0) / 1000:.0f} × {(y1 - y0) / 1000:.0f} km "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)
    id_cols = {"survey": ("BSM", "TBBH"), "farmland": ("BSM", "YJJBNTTBBH"), "facility_records": ("BSM",)}
    names = {"survey": ("survey.gpkg", "DLTB"), "farmland": ("farmland.gpkg", "YJJBNTBHTB"),
             "facility_records": ("records.gpkg", "SSNYDBA")}
    out = {}
    for k in sizes:
        folder = root / f"{k}x"
        folder.mkdir(parents=True, exist_ok=True)
        cols = 2 if k > 1 else 1
        for role, frame in layers.items():
            tiles = []
            for t in range(k):
                dx = (t % cols) * (x1 - x0 + 200.0)
                dy = (t // cols) * (y1 - y0 + 200.0)
                tile = frame.set_geometry(shapely.transform(frame.geometry.values, lambda c: c + np.array([dx, dy])))
                for c in id_cols[role]:
                    if c in tile.columns:
                        tile[c] = [None if v is None or v != v else f"{t}{v}" for v in tile[c]]
                tiles.append(tile)
            df = gpd.GeoDataFrame(pd.concat(tiles, ignore_index=True), crs=frame.crs)
            fname, layer = names[role]
            df.to_file(folder / fname, layer=layer, driver="GPKG", engine="pyogrio")
        out[k] = folder
        print(f"  wrote {k}× ({k * len(layers['survey'])} patches) in {folder}", flush=True)
    return out


def run_child(args: list[str], script: str = __file__) -> dict:
    """Run `script` with `args` in a fresh process (its own peak memory); its last stdout line is JSON."""
    proc = subprocess.run([sys.executable, script, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=200_000, help="patches in one county (1×)")
    ap.add_argument("--sizes", default="1,2,4", help="multiples of a county, e.g. 1,2,4")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-size", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-local", default="", help="sizes not to run locally (memory), e.g. 4")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, folder = args.child[0], Path(args.child[1])
        res = child_local(folder) if mode == "local" else child_dask(folder, int(args.child[2]), int(args.child[3]))
        print(json.dumps(res))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    skip_local = {int(s) for s in args.skip_local.split(",") if s}
    print(f"machine: {rss_mb():.0f} MB in this process; {args.workers} dask workers × 1 thread, "
          f"parts of {args.partition_size} patches", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        folders = make_sizes(args.base, sizes, args.seed, Path(tmp))
        for k in sizes:
            local = None if k in skip_local else run_child(["--child", "local", str(folders[k])])
            if local:
                print(f"{k}× local: {local['seconds']:.1f} s, peak {local['peak_mb']:.0f} MB", flush=True)
            dask = run_child(["--child", "dask", str(folders[k]), str(args.workers), str(args.partition_size)])
            print(f"{k}× dask: {dask['seconds']:.1f} s, client {dask['client_peak_mb']:.0f} MB, "
                  f"worker {dask['worker_peak_mb']:.0f} MB", flush=True)
            rows.append((k, local, dask))

    print(f"\n{'size':>5}{'patches':>10}{'farmland':>10}{'tasks':>7} | {'local s':>8}{'local MB':>9}{'s/100k':>8} | "
          f"{'dask s':>7}{'(part':>7}{'+check)':>8}{'client MB':>10}{'worker MB':>10}{'s/100k':>8} | same")
    for k, local, dask in rows:
        n = dask["n_patches"]
        if local:
            same = "yes" if (local["summary_sha1"] == dask["summary_sha1"] and local["keys_sha1"] == dask["keys_sha1"]) else "NO"
            loc = f"{local['seconds']:>8.1f}{local['peak_mb']:>9.0f}{local['seconds'] / n * 1e5:>8.2f}"
        else:
            same, loc = "—", f"{'—':>8}{'—':>9}{'—':>8}"
        print(f"{k:>4}×{n:>10}{dask['n_farmland']:>10}{dask['n_tasks']:>7} | {loc} | "
              f"{dask['seconds']:>7.1f}{dask['partition_s']:>7.1f}{dask['check_s']:>8.1f}"
              f"{dask['client_peak_mb']:>10.0f}{dask['worker_peak_mb']:>10.0f}{dask['seconds'] / n * 1e5:>8.2f} | {same}")
    print("\nMB: peak resident memory of the process (the worker column: the largest of the workers, "
          f"which hold about {rows[-1][2]['worker_base_mb']:.0f} MB before their first task); "
          f"dask s excludes starting the cluster (~{rows[-1][2]['cluster_start_s']:.1f} s).")


if __name__ == "__main__":
    main()
