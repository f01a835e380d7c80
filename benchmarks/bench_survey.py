"""Benchmark: landcheck's survey quality check against the plain geopandas way, in one run.

    python benchmarks/bench_survey.py                  # county size: ~300 000 patches
    python benchmarks/bench_survey.py --patches 30000  # quick

Generates a county-sized 地类图斑 layer with the sample-township generator (EPSG:4527, a complete
coverage), then plants defects: `--grow` patches grown by 0.5 m (each overlaps its neighbours) and
`--shrink` patches shrunk by 0.2 m (a thin ring-shaped gap around each). Then measures, each in its
own process so that peak memory is its own:
  (a) landcheck: `check_survey(schema="dltb")`, every check (fields, codes, areas, attributes, the
      overlap self-join, the coverage gaps);
  (a') landcheck, the overlap step alone: `overlay.self_overlaps` (STRtree on the whole array,
      relate_pattern filter, vectorised intersection, threads) + ellipsoidal areas + the tolerance;
  (b) the plain way for the overlaps: `geopandas.sjoin` self-join (intersects) for the candidate
      pairs, then `geopandas.overlay(how="intersection")` of the patches in them for the overlap
      pieces, ellipsoidal areas, the same tolerance.
Checks that (a), (a') and (b) find the same overlaps (count and total area) and prints wall time,
peak RSS and b/a.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import PeakSampler  # benchmarks/memory.py

TOLERANCE_M2 = 1.0


def plant_defects(survey, grow: int, shrink: int, seed: int):
    """The survey with `grow` patches grown by 0.5 m and `shrink` others shrunk by 0.2 m."""
    import geopandas as gpd
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    idx = rng.choice(len(survey), grow + shrink, replace=False)
    g = survey.geometry.to_numpy().copy()
    g[idx[:grow]] = shapely.buffer(g[idx[:grow]], 0.5, join_style="mitre")
    g[idx[grow:]] = shapely.buffer(g[idx[grow:]], -0.2, join_style="mitre")
    return survey.set_geometry(gpd.GeoSeries(g, crs=survey.crs, index=survey.index))


def child(mode: str, folder: Path) -> None:
    """Run one engine on the parquet input and print {seconds, peak_mb, n_overlaps, overlap_m2} as JSON."""
    import geopandas as gpd
    import numpy as np

    from landcheck import overlay, units

    sv = gpd.read_parquet(folder / "survey.parquet")
    extra = {}
    with PeakSampler() as mem:
        t0 = time.perf_counter()
        if mode == "landcheck":
            from landcheck.checks.survey import SurveyTolerances, check_survey

            res = check_survey(sv, None, schema="dltb", tolerances=SurveyTolerances(overlap_tolerance_m2=TOLERANCE_M2))
            n, m2 = res.summary["n_overlaps"], res.summary["overlap_m2"]
            extra = {"counts": res.counts, "n_problems": res.summary["n_problems"]}
        elif mode == "landcheck_overlaps":
            i, j, piece = overlay.self_overlaps(sv.geometry.to_numpy())
            a = units.ellipsoidal_area(piece, sv.crs)
            n, m2 = int((a > TOLERANCE_M2).sum()), float(a[a > TOLERANCE_M2].sum())
        else:
            g = gpd.GeoDataFrame({"pid": np.arange(len(sv))}, geometry=sv.geometry.values, crs=sv.crs)
            pairs = gpd.sjoin(g, g, predicate="intersects")
            pairs = pairs[pairs["pid_left"] < pairs["pid_right"]]
            cand = np.unique(np.concatenate([pairs["pid_left"].to_numpy(), pairs["pid_right"].to_numpy()]))
            sub = g.iloc[cand]
            pieces = gpd.overlay(sub, sub, how="intersection", keep_geom_type=True)
            pieces = pieces[pieces["pid_1"] < pieces["pid_2"]]
            a = units.ellipsoidal_area(pieces.geometry.to_numpy(), sv.crs)
            n, m2 = int((a > TOLERANCE_M2).sum()), float(a[a > TOLERANCE_M2].sum())
            extra = {"candidate_pairs": int(len(pairs)), "patches_in_pairs": int(len(cand))}
        seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mb": mem.peak - mem.base, "inputs_mb": mem.base,
                      "n_overlaps": int(n), "overlap_m2": float(m2), **extra}))


def run_child(mode: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--grow", type=int, default=1000, help="patches grown by 0.5 m (overlaps)")
    ap.add_argument("--shrink", type=int, default=500, help="patches shrunk by 0.2 m (gaps)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    from landcheck.sample import make_township

    with tempfile.TemporaryDirectory(prefix="bench_survey_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        town = make_township(seed=args.seed, n_patches=args.patches)
        survey = plant_defects(town.survey, args.grow, args.shrink, args.seed)
        print(f"generated {len(survey)} survey patches in {time.perf_counter() - t0:.1f} s (EPSG:4527); planted "
              f"{args.grow} grown by 0.5 m (overlaps) and {args.shrink} shrunk by 0.2 m (gaps)")
        survey.to_parquet(folder / "survey.parquet")

        a = run_child("landcheck", folder)
        o = run_child("landcheck_overlaps", folder)
        b = run_child("plain", folder)
        print(f"\n{'':34}{'landcheck (a)':>16}{'overlaps only (a′)':>20}{'sjoin+overlay (b)':>20}{'b/a':>7}{'b/a′':>7}")
        print(f"{'wall time (s)':34}{a['seconds']:>16.2f}{o['seconds']:>20.2f}{b['seconds']:>20.2f}"
              f"{b['seconds'] / a['seconds']:>7.1f}{b['seconds'] / o['seconds']:>7.1f}")
        print(f"{'peak RSS above inputs (MB)':34}{a['peak_mb']:>16.0f}{o['peak_mb']:>20.0f}{b['peak_mb']:>20.0f}"
              f"{b['peak_mb'] / max(a['peak_mb'], 1):>7.1f}{b['peak_mb'] / max(o['peak_mb'], 1):>7.1f}")
        print(f"{'RSS with inputs (MB)':34}{a['inputs_mb']:>16.0f}{o['inputs_mb']:>20.0f}{b['inputs_mb']:>20.0f}")
        print(f"{'overlaps > 1 m² (pairs)':34}{a['n_overlaps']:>16}{o['n_overlaps']:>20}{b['n_overlaps']:>20}")
        print(f"{'overlap area (m²)':34}{a['overlap_m2']:>16.2f}{o['overlap_m2']:>20.2f}{b['overlap_m2']:>20.2f}")
        print(f"\nlandcheck problems: {a['n_problems']} {a['counts']}")
        print(f"plain way: {b['candidate_pairs']} candidate pairs from the sjoin over {b['patches_in_pairs']} patches")
        rel = abs(a["overlap_m2"] - b["overlap_m2"]) / max(b["overlap_m2"], 1e-9) * 100
        same = a["n_overlaps"] == b["n_overlaps"] == o["n_overlaps"] and rel <= 0.01
        print(f"agreement: counts {a['n_overlaps']} / {o['n_overlaps']} / {b['n_overlaps']}, total area differs by "
              f"{rel:.6f} % ({'OK' if same else 'MISMATCH'}: same count, area within 0.01 %)")


if __name__ == "__main__":
    main()
