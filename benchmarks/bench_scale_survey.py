"""Benchmark: the survey quality check on 1× and 2× a county, local engine against dask (2 workers).

    python benchmarks/bench_scale_survey.py                        # 1×, 2× of 200 000 patches
    python benchmarks/bench_scale_survey.py --sizes 1 --base 50000  # quick

One county's 地类图斑 layer from the sample-township generator (EPSG:4527) with defects planted as in
bench_survey.py, tiled k times side by side (bench_scale.py's county and tiling) and written as a
GeoPackage; each engine in its own process: (a) local: `read_layer` + `check_survey`; (b) dask:
`scale.partition_survey` in the client, then `scale.check_survey_partitioned` on a `LocalCluster` of
`--workers` one-thread processes. Prints wall time (dask: partitioning, the check and its three rounds),
peak RSS of the local process, the dask client and the largest worker, and whether both engines gave
the same result (a hash of every problem row, the counts, the summary and the report).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench_scale import county, footing, on_cluster, options, run_sizes, start, write_sizes
from bench_survey import plant_defects
from harness import PeakSampler


def _digest(res) -> dict:
    return {"sha1": res.fingerprint(), "counts": res.counts, "n_problems": len(res.problems)}


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
        mem.restart()
        res, run = on_cluster(workers, lambda client: scale.check_survey_partitioned(
            layer, client=client, step=lambda s: marks.append((s, time.perf_counter()))))
    rounds = [t - run["check_started"] for s, t in marks if "任务" in s] + [run["check_s"]]
    return {"seconds": t_part + run["check_s"], "partition_s": t_part, **run,
            "rounds_s": [round(b - a, 2) for a, b in zip(rounds[:-1], rounds[1:])],
            "client_peak_mb": max(part_peak, mem.peak), "client_partition_mb": part_peak, "client_check_mb": mem.peak,
            "n_parts": layer.n_parts, "n_patches": layer.n_features, **_digest(res)}


def same_result(local: dict, dask: dict) -> bool:
    return local["sha1"] == dask["sha1"]


def main() -> None:
    args, sizes = start(options(__doc__, "1,2"), child_local, child_dask)
    with tempfile.TemporaryDirectory(prefix="bench_scale_survey_") as tmp:
        layers = county(args.base, args.seed, {"survey": "patches"})
        sv = layers["survey"]
        layers["survey"] = plant_defects(sv, len(sv) // 200, len(sv) // 400, args.seed)
        folders = write_sizes(layers, sizes, Path(tmp), {"survey": ("DLTB.gpkg", "DLTB")}, {"survey": ("BSM", "TBBH")})
        rows = run_sizes(__file__, args, {k: f / "DLTB.gpkg" for k, f in folders.items()},
                         lambda d: f" (rounds {d['rounds_s']}), client {d['client_peak_mb']:.0f} MB "
                                   f"(partitioning {d['client_partition_mb']:.0f}, check {d['client_check_mb']:.0f})")

    print(f"\n{'size':>5}{'patches':>10}{'parts':>6} | {'local s':>8}{'local MB':>9} | "
          f"{'dask s':>7}{'(part':>7}{'+check)':>8}{'client MB':>10}{'worker MB':>10} | same")
    for k, local, dask in rows:
        same = "yes" if same_result(local, dask) else "NO"
        print(f"{k:>4}×{dask['n_patches']:>10}{dask['n_parts']:>6} | {local['seconds']:>8.1f}{local['peak_mb']:>9.0f} | "
              f"{dask['seconds']:>7.1f}{dask['partition_s']:>7.1f}{dask['check_s']:>8.1f}"
              f"{dask['client_peak_mb']:>10.0f}{dask['worker_peak_mb']:>10.0f} | {same}")
    for k, local, dask in rows:
        print(f"{k}×: problems {local['n_problems']} {local['counts']}; dask rounds (features+overlaps, coverage "
              f"chunks, gap patches + reduce) {dask['rounds_s']} s")
    footing("bench_scale_survey", args, rows, same_result)


if __name__ == "__main__":
    main()
