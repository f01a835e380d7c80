"""Benchmark: the farmland check on 1×, 2× and 4× a county, local engine against dask (2 workers).

    python benchmarks/bench_scale.py                       # 1×, 2×, 4× of 200 000 patches
    python benchmarks/bench_scale.py --sizes 1,2 --base 50000   # quick

One county of `--base` patches from the sample-township generator (EPSG:4527), tiled k times side by
side and written as GeoPackages; each engine in its own process: (a) local: `read_layer` +
`check_farmland`, as `landcheck farmland` runs; (b) dask: `scale.partition_inputs` in the client, then
`scale.check_farmland_partitioned` on a `LocalCluster` of `--workers` one-thread processes. Prints wall
time, peak RSS of the local process, the dask client and the largest worker, s per 100 000 patches,
and whether both engines gave the same summary and finding keys. bench_scale_survey.py uses the
county, the tiling, the cluster run and the table's footing of this module.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

from harness import (PeakSampler, parse, result_line, rss_mb, run_child, tile, worker_sampler_start,
                     worker_sampler_stop)


# ----------------------------------------------------------------- shared with bench_scale_survey.py
def options(doc: str, sizes: str) -> argparse.ArgumentParser:
    """The options of both scale benchmarks (`sizes`: the default multiples of a county); then `start`."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--base", type=int, default=200_000, help="patches in one county (1×)")
    ap.add_argument("--sizes", default=sizes, help=f"multiples of a county, e.g. {sizes}")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-size", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    return ap


def start(ap: argparse.ArgumentParser, child_local, child_dask) -> tuple[argparse.Namespace, list[int]]:
    """Parse the options (as a child: `local FOLDER` or `dask FOLDER WORKERS PARTITION_SIZE` runs
    `child_local` or `child_dask`), print the machine line; the options and the multiples asked for."""
    def child(mode, path, *dask):
        return child_local(Path(path)) if mode == "local" else child_dask(Path(path), *map(int, dask))

    args = parse(ap, child)
    print(f"machine: {rss_mb():.0f} MB in this process; {args.workers} dask workers × 1 thread, "
          f"parts of {args.partition_size} patches", flush=True)
    return args, [int(s) for s in args.sizes.split(",")]


def county(base: int, seed: int, roles: dict[str, str]) -> dict:
    """One generated county: the layers `roles` ({attribute of the township: what to call it}), without
    the generator's precision model (layers read from files have none)."""
    import shapely

    from landcheck.sample import make_township

    t0 = time.perf_counter()
    town = make_township(seed=seed, n_patches=base)
    layers = {k: getattr(town, k) for k in roles}
    layers = {k: f.set_geometry(shapely.from_wkb(shapely.to_wkb(f.geometry.values))) for k, f in layers.items()}
    x0, y0, x1, y1 = layers["survey"].total_bounds
    print(f"generated one county: {', '.join(f'{len(f)} {roles[k]}' for k, f in layers.items())}, "
          f"{(x1 - x0) / 1000:.0f} × {(y1 - y0) / 1000:.0f} km in {time.perf_counter() - t0:.0f} s", flush=True)
    return layers


def write_sizes(layers: dict, sizes: list[int], root: Path, files: dict[str, tuple[str, str]],
                ids: dict[str, tuple[str, ...]]) -> dict[int, Path]:
    """Each size k: every layer tiled k times (two columns, 200 m apart, the columns `ids` made unique
    per tile) and written as the GeoPackage `files[role]` = (file name, layer) under root/k×."""
    x0, y0, x1, y1 = layers["survey"].total_bounds
    out = {}
    for k in sizes:
        folder = root / f"{k}x"
        folder.mkdir(parents=True, exist_ok=True)
        for role, frame in layers.items():
            df = tile(frame, k, (x1 - x0 + 200.0, y1 - y0 + 200.0), 2 if k > 1 else 1, ids.get(role, ()))
            df.to_file(folder / files[role][0], layer=files[role][1], driver="GPKG", engine="pyogrio")
        out[k] = folder
        print(f"  wrote {k}× ({k * len(layers['survey'])} patches) in {folder}", flush=True)
    return out


def on_cluster(workers: int, check) -> tuple[object, dict]:
    """`check(client)` on a local dask cluster of `workers` one-thread processes, each sampling its own
    RSS: the result and {check_s, check_started, cluster_start_s, worker_peak_mb, worker_base_mb}."""
    from landcheck import scale

    t1 = time.perf_counter()
    with scale.dask_client(None, workers) as client:
        t_start = time.perf_counter() - t1
        client.run(worker_sampler_start)
        t2 = time.perf_counter()
        result = check(client)
        t_check = time.perf_counter() - t2
        per_worker = client.run(worker_sampler_stop)
    return result, {"check_s": t_check, "check_started": t2, "cluster_start_s": t_start,
                    "worker_peak_mb": max(v["peak"] for v in per_worker.values()),
                    "worker_base_mb": max(v["base"] for v in per_worker.values())}


def run_sizes(script: str, args, inputs: dict[int, Path], say_dask, skip_local=frozenset()) -> list[tuple]:
    """Both engines on every size, each in its own process: [(k, local answer or None, dask answer)]."""
    rows = []
    for k, path in inputs.items():
        local = None if k in skip_local else run_child(script, "local", path)
        if local:
            print(f"{k}× local: {local['seconds']:.1f} s, peak {local['peak_mb']:.0f} MB", flush=True)
        dask = run_child(script, "dask", path, args.workers, args.partition_size)
        print(f"{k}× dask: {dask['seconds']:.1f} s{say_dask(dask)}, worker {dask['worker_peak_mb']:.0f} MB", flush=True)
        rows.append((k, local, dask))
    return rows


def footing(name: str, args, rows: list[tuple], same) -> None:
    """What the MB columns mean, the ratio of each size, then the JSON result line (`same(local, dask)`:
    the two engines' results agree)."""
    print("\nMB: peak resident memory of the process (the worker column: the largest of the workers, "
          f"which hold about {rows[-1][2]['worker_base_mb']:.0f} MB before their first task); "
          f"dask s excludes starting the cluster (~{rows[-1][2]['cluster_start_s']:.1f} s).")
    engines, ratios, agree = {}, {}, []
    for k, local, dask in rows:
        if local:
            engines[f"local {k}×"] = local
            ratios[f"seconds dask/local {k}×"] = dask["seconds"] / local["seconds"]
            agree.append(same(local, dask))
            print(f"{k}×: dask/local wall time {ratios[f'seconds dask/local {k}×']:.2f}")
        engines[f"dask {k}×"] = {"seconds": dask["seconds"], "peak_mb": dask["client_peak_mb"]}
    result_line(name, {"county_patches": args.base, "multiples": [k for k, _, _ in rows],
                       "patches": [d["n_patches"] for _, _, d in rows], "workers": args.workers,
                       "partition_size": args.partition_size},
                engines, ratios, all(agree) if agree else None,
                dask_worker_peak_mb={f"{k}×": round(d["worker_peak_mb"], 1) for k, _, d in rows})


# -------------------------------------------------------------------------------- the farmland check
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
        result, run = on_cluster(workers, lambda client: scale.check_farmland_partitioned(sv, fm, rules, rec,
                                                                                           client=client))
    return {"seconds": t_part + run["check_s"], "partition_s": t_part, **run, "client_peak_mb": mem.peak,
            "n_tasks": fm.n_parts, "n_patches": sv.n_features, "n_farmland": fm.n_features, **_digest(result)}


def same_result(local: dict, dask: dict) -> bool:
    return local["summary_sha1"] == dask["summary_sha1"] and local["keys_sha1"] == dask["keys_sha1"]


def main() -> None:
    ap = options(__doc__, "1,2,4")
    ap.add_argument("--skip-local", default="", help="sizes not to run locally (memory), e.g. 4")
    args, sizes = start(ap, child_local, child_dask)
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        layers = county(args.base, args.seed, {"survey": "patches", "farmland": "farmland polygons",
                                               "facility_records": "facility records"})
        folders = write_sizes(layers, sizes, Path(tmp),
                              {"survey": ("survey.gpkg", "DLTB"), "farmland": ("farmland.gpkg", "YJJBNTBHTB"),
                               "facility_records": ("records.gpkg", "SSNYDBA")},
                              {"survey": ("BSM", "TBBH"), "farmland": ("BSM", "YJJBNTTBBH"),
                               "facility_records": ("BSM",)})
        rows = run_sizes(__file__, args, folders,
                         lambda d: f", client {d['client_peak_mb']:.0f} MB",
                         {int(s) for s in args.skip_local.split(",") if s})

    print(f"\n{'size':>5}{'patches':>10}{'farmland':>10}{'tasks':>7} | {'local s':>8}{'local MB':>9}{'s/100k':>8} | "
          f"{'dask s':>7}{'(part':>7}{'+check)':>8}{'client MB':>10}{'worker MB':>10}{'s/100k':>8} | same")
    for k, local, dask in rows:
        n = dask["n_patches"]
        if local:
            same = "yes" if same_result(local, dask) else "NO"
            loc = f"{local['seconds']:>8.1f}{local['peak_mb']:>9.0f}{local['seconds'] / n * 1e5:>8.2f}"
        else:
            same, loc = "—", f"{'—':>8}{'—':>9}{'—':>8}"
        print(f"{k:>4}×{n:>10}{dask['n_farmland']:>10}{dask['n_tasks']:>7} | {loc} | "
              f"{dask['seconds']:>7.1f}{dask['partition_s']:>7.1f}{dask['check_s']:>8.1f}"
              f"{dask['client_peak_mb']:>10.0f}{dask['worker_peak_mb']:>10.0f}{dask['seconds'] / n * 1e5:>8.2f} | {same}")
    footing("bench_scale", args, rows, same_result)


if __name__ == "__main__":
    main()
