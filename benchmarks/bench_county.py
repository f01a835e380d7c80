"""Benchmark: `landcheck farmland` against the plain geopandas script on the county pair, whole process.

    python benchmarks/bench_county.py                      # aligned farmland (edges follow the patches)
    python benchmarks/bench_county.py --shape independent  # farmland of its own tessellation (cuts across)
    python benchmarks/bench_county.py --patches 20000      # quick

The pair comes from ../shared/bench/county-pair/ (README there; or LANDCHECK_COUNTY_PAIR): generated
once into a cache folder (--cache, default <tempdir>/landcheck-county-pair-N), written as GeoPackages.
Each run starts both programs as fresh processes, alternating (plain first, then landcheck, --runs
times): wall time from start to exit (imports, reading, writing included), peak RSS of the process
(wait4), and the totals of both — non_farm, infrastructure and all other findings together (the plain
script's non_grain + other) — which must agree within 0.1 % (planar against ellipsoidal areas). Prints
the median ratio plain / landcheck, then one JSON line; appends a row to the table of last measured
figures in benchmarks/README.md (before the line `<!-- bench_county rows -->`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, append_readme_row, result_line

PAIR = Path(os.environ.get("LANDCHECK_COUNTY_PAIR", ROOT.parent / "shared" / "bench" / "county-pair"))
MU = 10000 / 15
#: landcheck's categories (summary areas_m2) that the plain script calls `other` or `non_grain`.
OTHER = ("non_grain_crop", "mixed_crop", "abandoned", "non_grain", "pond", "facility", "other")


def generate(cache: Path, patches: int, farmland: int) -> None:
    """The pair's parquet files (gen_data.py, gen_farmland_aligned.py) and both shapes as GeoPackages."""
    env = {**os.environ, "LC_DATA": str(cache)}
    if not (cache / "parcels.parquet").exists():
        subprocess.run([sys.executable, "gen_data.py", str(patches)], cwd=PAIR, env=env, check=True)
    if not (cache / "farmland_aligned.parquet").exists():
        subprocess.run([sys.executable, "gen_farmland_aligned.py", str(farmland)], cwd=PAIR, env=env, check=True)
    import geopandas as gpd

    if not (cache / "survey.gpkg").exists():
        gpd.read_parquet(cache / "parcels.parquet").drop(columns=["transfer"]).to_file(
            cache / "survey.gpkg", layer="DLTB", engine="pyogrio")
    for shape, name in (("aligned", "farmland_aligned"), ("independent", "farmland")):
        if not (cache / f"farmland_{shape}.gpkg").exists():
            gpd.read_parquet(cache / f"{name}.parquet").to_file(cache / f"farmland_{shape}.gpkg", layer="YJJBNTTB",
                                                               engine="pyogrio")


def timed(argv: list[str]) -> tuple[float, float, str]:
    """Run a process to its end: (wall seconds, its peak RSS in MB, its stdout)."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    out, err = proc.stdout.read(), proc.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:4])} … exited {code}:\n{err[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out


def totals_plain(stdout: str) -> dict[str, float]:
    t = json.loads(stdout.strip().splitlines()[-1])["totals_mu"]
    return {"non_farm": t.get("non_farm", 0.0), "infrastructure": t.get("infrastructure", 0.0),
            "other": t.get("non_grain", 0.0) + t.get("other", 0.0)}


def totals_landcheck(out: Path) -> dict[str, float]:
    a = json.loads((out / "summary.json").read_text(encoding="utf-8"))["areas_m2"]
    return {"non_farm": a["non_farm"] / MU, "infrastructure": a["infrastructure"] / MU,
            "other": sum(a.get(k, 0.0) for k in OTHER) / MU}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", choices=("aligned", "independent"), default="aligned")
    ap.add_argument("--patches", type=int, default=200_000)
    ap.add_argument("--farmland", type=int, default=30_000, help="farmland polygons of the aligned shape")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args(argv)
    cache = args.cache or Path(tempfile.gettempdir()) / f"landcheck-county-pair-{args.patches}"
    cache.mkdir(parents=True, exist_ok=True)
    generate(cache, args.patches, args.farmland)
    survey, farmland = cache / "survey.gpkg", cache / f"farmland_{args.shape}.gpkg"
    runs = {"plain": [], "landcheck": []}
    for k in range(args.runs):
        s, mb, out = timed([sys.executable, str(PAIR / "baseline_farmland.py"), str(survey), str(farmland),
                            str(cache / f"plain-{k}.gpkg")])
        runs["plain"].append({"seconds": s, "peak_mb": mb, "totals": totals_plain(out)})
        lc = cache / f"lc-{k}"
        s, mb, _ = timed([sys.executable, "-m", "landcheck.cli", "-q", "farmland", "--survey", str(survey),
                          "--farmland", str(farmland), "-o", str(lc)])
        runs["landcheck"].append({"seconds": s, "peak_mb": mb, "totals": totals_landcheck(lc)})
        print(f"run {k + 1}: plain {runs['plain'][-1]['seconds']:.2f} s, landcheck {s:.2f} s", flush=True)
    engines = {k: {"seconds": statistics.median(r["seconds"] for r in v), "peak_mb": max(r["peak_mb"] for r in v)}
               for k, v in runs.items()}
    tp, tl = runs["plain"][0]["totals"], runs["landcheck"][0]["totals"]
    diffs = {k: abs(tl[k] - tp[k]) / max(tp[k], 1e-9) for k in tp}
    ratio = statistics.median(p["seconds"] / l["seconds"] for p, l in zip(runs["plain"], runs["landcheck"]))
    print(f"\n{'':24}{'plain':>12}{'landcheck':>12}")
    print(f"{'wall time (s, median)':24}{engines['plain']['seconds']:>12.2f}{engines['landcheck']['seconds']:>12.2f}")
    print(f"{'peak RSS (MB)':24}{engines['plain']['peak_mb']:>12.0f}{engines['landcheck']['peak_mb']:>12.0f}")
    for k in tp:
        print(f"{k + ' (mu)':24}{tp[k]:>12.2f}{tl[k]:>12.2f}   {diffs[k] * 100:.4f} %")
    print(f"ratio plain / landcheck (median of {args.runs}): {ratio:.2f}")
    rec = result_line("county", {"patches": args.patches, "shape": args.shape}, engines, {"plain/landcheck": ratio},
                      all(d <= 0.001 for d in diffs.values()),
                      memory_ok=engines["landcheck"]["peak_mb"] <= engines["plain"]["peak_mb"])
    append_row(ROOT / "benchmarks" / "README.md", rec, args.runs)


#: The line of benchmarks/README.md before which each run's row goes.
MARKER = "<!-- bench_county rows -->"


def append_row(readme: Path, rec: dict, runs: int) -> None:
    """One row of the README's table: date, shape, patches, both times and memories, the ratio, totals."""
    append_readme_row(readme, MARKER, rec, [rec["date"], rec["sizes"]["shape"], f"{rec['sizes']['patches']:,}"],
                      [rec["totals_agree"]], runs)


if __name__ == "__main__":
    main()
