"""Benchmark: landcheck's farmland check against the plain geopandas way, in one run.

    python benchmarks/bench_farmland.py                 # county size: ~300 000 patches
    python benchmarks/bench_farmland.py --patches 30000 # quick

Generates a county-sized pair with the sample-township generator (EPSG:4527; farmland drawn from
groups of patches, so most edges coincide, and some cutting across patches), then measures, each in
its own process so that peak memory is its own:
  (a) landcheck: `check_farmland` (STRtree, containment shortcut, threaded intersections,
      cultivated land by subtraction);
  (b) the plain way: `geopandas.overlay(survey, farmland, how="intersection")`, then the same
      rules and ellipsoidal areas on every piece (`landcheck.checks.farmland_plain`).
Checks that every category total agrees to 0.01 % and prints wall time, peak RSS and b/a.
Finally times `landcheck farmland` end to end (GBK Shapefile + GeoPackage in, files out).
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

CATS = ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure", "other",
        "sliver", "uncovered", "pbf")


def child(mode: str, folder: Path) -> None:
    """Run one engine on the parquet inputs and print {seconds, totals_m2} as JSON."""
    import geopandas as gpd

    from landcheck.config import load_rules

    sv = gpd.read_parquet(folder / "survey.parquet")
    fm = gpd.read_parquet(folder / "farmland.parquet")
    rec = gpd.read_parquet(folder / "records.parquet")
    rules = load_rules()
    from landcheck.checks.farmland import check_farmland
    from landcheck.checks.farmland_plain import plain_totals

    with PeakSampler() as mem:
        t0 = time.perf_counter()
        if mode == "landcheck":
            totals = check_farmland(sv, fm, rules, facility_records=rec).summary["areas_m2"]
        else:
            totals = plain_totals(sv, fm, rules, facility_records=rec)
        seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mb": mem.peak - mem.base, "inputs_mb": mem.base, "totals": totals}))


def run_child(mode: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

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

        a = run_child("landcheck", folder)
        b = run_child("plain", folder)
        print(f"\n{'':24}{'landcheck (a)':>16}{'geopandas.overlay (b)':>24}{'b/a':>8}")
        print(f"{'wall time (s)':24}{a['seconds']:>16.2f}{b['seconds']:>24.2f}{b['seconds'] / a['seconds']:>8.2f}")
        print(f"{'peak RSS above inputs (MB)':24}{a['peak_mb']:>16.0f}{b['peak_mb']:>24.0f}"
              f"{b['peak_mb'] / max(a['peak_mb'], 1):>8.2f}")
        print(f"{'RSS with inputs (MB)':24}{a['inputs_mb']:>16.0f}{b['inputs_mb']:>24.0f}")
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

        # end to end: files in, files out, as an officer runs it
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


if __name__ == "__main__":
    main()
