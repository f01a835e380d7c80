"""Benchmark: landcheck's survey quality check against the plain geopandas way, in one run.

    python benchmarks/bench_survey.py                  # county size: ~300 000 patches
    python benchmarks/bench_survey.py --patches 30000  # quick

A county's 地类图斑 layer from the sample-township generator (EPSG:4527) with planted defects (`--grow`
patches grown by 0.5 m: overlaps; `--shrink` shrunk by 0.2 m: ring gaps); each engine in its own
process: (a) `check_survey(schema="dltb")`, every check; (a') its overlap step alone
(`overlay.self_overlaps` + ellipsoidal areas); (b) the plain way for the overlaps: `geopandas.sjoin`
self-join, `geopandas.overlay(how="intersection")` of the patches in the pairs, the same areas and
tolerance. Prints wall time, peak RSS, b/a and b/a′, and whether all three find the same overlaps.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness import measure, parse, print_table, ratio, result_line, run_child

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


def child(mode: str, folder: str) -> dict:
    """One engine on the parquet input: its time, memory, overlaps (> tolerance) and their area."""
    folder = Path(folder)
    import geopandas as gpd
    import numpy as np

    from landcheck import overlay, units

    if mode == "landcheck":  # imported before the clock starts, and only where it runs
        from landcheck.checks.survey import SurveyTolerances, check_survey
    sv = gpd.read_parquet(folder / "survey.parquet")

    def above_tolerance(pieces):
        a = units.ellipsoidal_area(pieces, sv.crs)
        return int((a > TOLERANCE_M2).sum()), float(a[a > TOLERANCE_M2].sum())

    def landcheck():
        res = check_survey(sv, None, schema="dltb", tolerances=SurveyTolerances(overlap_tolerance_m2=TOLERANCE_M2))
        return (res.summary["n_overlaps"], res.summary["overlap_m2"],
                {"counts": res.counts, "n_problems": res.summary["n_problems"]})

    def landcheck_overlaps():
        i, j, piece = overlay.self_overlaps(sv.geometry.to_numpy())
        return (*above_tolerance(piece), {})

    def plain():
        g = gpd.GeoDataFrame({"pid": np.arange(len(sv))}, geometry=sv.geometry.values, crs=sv.crs)
        pairs = gpd.sjoin(g, g, predicate="intersects")
        pairs = pairs[pairs["pid_left"] < pairs["pid_right"]]
        cand = np.unique(np.concatenate([pairs["pid_left"].to_numpy(), pairs["pid_right"].to_numpy()]))
        sub = g.iloc[cand]
        pieces = gpd.overlay(sub, sub, how="intersection", keep_geom_type=True)
        pieces = pieces[pieces["pid_1"] < pieces["pid_2"]]
        return (*above_tolerance(pieces.geometry.to_numpy()),
                {"candidate_pairs": int(len(pairs)), "patches_in_pairs": int(len(cand))})

    (n, m2, extra), m = measure({"landcheck": landcheck, "landcheck_overlaps": landcheck_overlaps, "plain": plain}[mode])
    return {**m, "n_overlaps": int(n), "overlap_m2": float(m2), **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--grow", type=int, default=1000, help="patches grown by 0.5 m (overlaps)")
    ap.add_argument("--shrink", type=int, default=500, help="patches shrunk by 0.2 m (gaps)")
    args = parse(ap, child)

    from landcheck.sample import make_township

    with tempfile.TemporaryDirectory(prefix="bench_survey_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        town = make_township(seed=args.seed, n_patches=args.patches)
        survey = plant_defects(town.survey, args.grow, args.shrink, args.seed)
        print(f"generated {len(survey)} survey patches in {time.perf_counter() - t0:.1f} s (EPSG:4527); planted "
              f"{args.grow} grown by 0.5 m (overlaps) and {args.shrink} shrunk by 0.2 m (gaps)")
        survey.to_parquet(folder / "survey.parquet")
        a, o, b = (run_child(__file__, mode, folder) for mode in ("landcheck", "landcheck_overlaps", "plain"))
    names = ("landcheck (a)", "overlaps only (a′)", "sjoin+overlay (b)")
    print_table(dict(zip(names, (a, o, b))), {"b/a": (names[2], names[0]), "b/a′": (names[2], names[1])},
                {"overlaps > 1 m² (pairs)": [e["n_overlaps"] for e in (a, o, b)],
                 "overlap area (m²)": [f"{e['overlap_m2']:.2f}" for e in (a, o, b)]}, label_width=34)
    print(f"\nlandcheck problems: {a['n_problems']} {a['counts']}")
    print(f"plain way: {b['candidate_pairs']} candidate pairs from the sjoin over {b['patches_in_pairs']} patches")
    rel = abs(a["overlap_m2"] - b["overlap_m2"]) / max(b["overlap_m2"], 1e-9) * 100
    same = a["n_overlaps"] == b["n_overlaps"] == o["n_overlaps"] and rel <= 0.01
    print(f"agreement: counts {a['n_overlaps']} / {o['n_overlaps']} / {b['n_overlaps']}, total area differs by "
          f"{rel:.6f} % ({'OK' if same else 'MISMATCH'}: same count, area within 0.01 %)")
    result_line("bench_survey", {"patches": len(survey), "grown": args.grow, "shrunk": args.shrink},
                {"landcheck": a, "landcheck overlaps only": o, "sjoin+overlay": b},
                {"seconds b/a": ratio(b["seconds"], a["seconds"]), "seconds b/a′": ratio(b["seconds"], o["seconds"]),
                 "peak MB b/a": ratio(b["peak_mb"], a["peak_mb"], 1.0)}, same)


if __name__ == "__main__":
    main()
