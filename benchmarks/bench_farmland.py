"""Benchmark: landcheck's farmland check against the plain geopandas way, in one run.

    python benchmarks/bench_farmland.py                 # county size: ~300 000 patches
    python benchmarks/bench_farmland.py --patches 30000 # quick

A county generated with the sample-township generator (EPSG:4527); each engine in its own process:
(a) `check_farmland`; (b) `geopandas.overlay(survey, farmland, how="intersection")` + the same rules
(`landcheck.checks.farmland_plain`). Prints wall time, peak RSS, b/a, whether every category total
agrees to 0.01 %, then times `landcheck farmland` end to end (GBK Shapefile + GeoPackage in, files out).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from harness import measure, parse, print_table, ratio, result_line, run_child

CATS = ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure", "other",
        "sliver", "uncovered", "pbf")


def child(mode: str, folder: str) -> dict:
    """One engine on the parquet inputs: its time, memory and category totals (m²)."""
    folder = Path(folder)
    import geopandas as gpd

    from landcheck.checks.farmland import check_farmland
    from landcheck.checks.farmland_plain import plain_totals
    from landcheck.config import load_rules

    sv = gpd.read_parquet(folder / "survey.parquet")
    fm = gpd.read_parquet(folder / "farmland.parquet")
    rec = gpd.read_parquet(folder / "records.parquet")
    rules = load_rules()
    if mode == "landcheck":
        totals, m = measure(lambda: check_farmland(sv, fm, rules, facility_records=rec).summary["areas_m2"])
    else:
        totals, m = measure(lambda: plain_totals(sv, fm, rules, facility_records=rec))
    return {**m, "totals": totals}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    args = parse(ap, child)

    from landcheck.sample import make_township, write_township

    with tempfile.TemporaryDirectory(prefix="bench_farmland_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        town = make_township(seed=args.seed, n_patches=args.patches)
        print(f"generated {len(town.survey)} survey patches, {len(town.farmland)} farmland polygons, "
              f"{len(town.facility_records)} facility records in {time.perf_counter() - t0:.1f} s (EPSG:4527)")
        town.survey.to_parquet(folder / "survey.parquet")
        town.farmland.to_parquet(folder / "farmland.parquet")
        town.facility_records.to_parquet(folder / "records.parquet")

        a = run_child(__file__, "landcheck", folder)
        b = run_child(__file__, "plain", folder)
        print_table({"landcheck (a)": a, "geopandas.overlay (b)": b}, {"b/a": ("geopandas.overlay (b)", "landcheck (a)")})
        print("\ncategory totals (mu):")
        worst = 0.0
        pbf = b["totals"]["pbf"]
        for c in CATS:
            va, vb = a["totals"][c], b["totals"][c]
            rel = abs(va - vb) / pbf * 100
            worst = max(worst, rel)
            print(f"  {c:16}{va * 15 / 10000:>14.2f}{vb * 15 / 10000:>14.2f}   diff {rel:.5f} % of farmland")
        print(f"agreement: worst difference {worst:.5f} % of the farmland area "
              f"({'OK' if worst <= 0.01 else 'MISMATCH'}: target 0.01 %)")

        # end to end: files in, files out, as an officer runs it (the `landcheck` of this checkout: harness)
        write_township(town, folder / "layers")
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["landcheck", "-q", "farmland", "--survey", str(folder / "layers" / "survey" / "DLTB.shp"),
             "--farmland", str(folder / "layers" / "farmland.gpkg"),
             "--facility-records", str(folder / "layers" / "facility_records.gpkg"), "-o", str(folder / "out")],
            capture_output=True, text=True)
        e2e = time.perf_counter() - t0
        print(f"\nlandcheck farmland end to end (read GBK Shapefile + GeoPackage, check, write GPKG/CSV/JSON): "
              f"{e2e:.1f} s, exit {proc.returncode}")
        if proc.returncode not in (0, 1):
            print(proc.stderr)
    result_line("bench_farmland", {"patches": len(town.survey), "farmland": len(town.farmland),
                                   "facility_records": len(town.facility_records)},
                {"landcheck": a, "geopandas.overlay": b}, {"seconds b/a": ratio(b["seconds"], a["seconds"]),
                                                           "peak MB b/a": ratio(b["peak_mb"], a["peak_mb"], 1.0)},
                worst <= 0.01, end_to_end_s=round(e2e, 2), end_to_end_exit=proc.returncode)


if __name__ == "__main__":
    main()
