"""Benchmark: `landcheck survey` and `landcheck transfer` against the plain scripts, whole process.

    python benchmarks/bench_commands.py survey                   # ~300 000 patches, planted defects
    python benchmarks/bench_commands.py transfer                 # 100 000 parcels, ~2 000 operators
    python benchmarks/bench_commands.py survey --size 30000      # quick

Inputs are generated once into a cache folder (--cache, default <tempdir>/landcheck-bench-COMMAND-SIZE)
as GeoPackages: the survey as bench_survey.py makes it (sample-township generator, 0.5 % grown by
0.5 m, 0.25 % shrunk by 0.2 m), the parcels as bench_transfer.py makes them. Each run starts the plain
script (plain_survey.py / plain_transfer.py: pyogrio, sjoin / overlay / dissolve, write) and
`python -m landcheck.cli COMMAND … -o …` as fresh processes, alternating, --runs times: wall time
from start to exit, peak RSS (wait4, as bench_county.py). Prints the median ratio plain / landcheck,
whether the results agree (survey: the same overlaps, count and area within 0.1 % — planar against
ellipsoidal; transfer: the same number of blocks and of blocks under 100 mu, total area within 0.1 %),
one JSON line, and appends a row to benchmarks/README.md's table (before `<!-- bench_commands rows -->`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_county import timed
from harness import ROOT, append_readme_row, result_line

HERE = Path(__file__).resolve().parent
MU = 10000 / 15
SEED = {"survey": 7, "transfer": 11}


def generate(command: str, cache: Path, size: int) -> Path:
    """The command's input as a GeoPackage in `cache` (made once)."""
    path = cache / ("survey.gpkg" if command == "survey" else "parcels.gpkg")
    if path.exists():
        return path
    t0 = time.perf_counter()
    if command == "survey":
        from bench_survey import plant_defects

        from landcheck.sample import make_township

        df = plant_defects(make_township(seed=SEED[command], n_patches=size).survey, size // 200, size // 400,
                           SEED[command])
        layer = "DLTB"
    else:
        from bench_transfer import make_parcels

        df, layer = make_parcels(size, SEED[command]), "parcels"
    df.to_file(path.with_suffix(".tmp.gpkg"), layer=layer, engine="pyogrio")
    path.with_suffix(".tmp.gpkg").rename(path)
    print(f"generated {len(df):,} features into {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def argv_of(command: str, way: str, path: Path, out: Path) -> list[str]:
    """The process of one way: the plain script or the landcheck command as the user runs it."""
    if way == "plain":
        extra = ["--by", "operator"] if command == "transfer" else []
        return [sys.executable, str(HERE / f"plain_{command}.py"), str(path), str(out) + ".gpkg", *extra]
    extra = ["--by", "operator"] if command == "transfer" else []
    return [sys.executable, "-m", "landcheck.cli", "-q", command, str(path), *extra, "-o", str(out)]


def result_of(command: str, way: str, stdout: str, out: Path) -> dict:
    """What both ways are compared on."""
    if way == "plain":
        r = json.loads(stdout.strip().splitlines()[-1])
        if command == "survey":
            return {"overlaps": r["overlaps"], "overlap_m2": r["overlap_m2"], "gaps (not compared)": r["gaps"]}
        return {"blocks": r["blocks"], "below_min": r["below_min"], "total_mu": r["total_mu"]}
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if command == "survey":
        q = s.get("quality", s)
        return {"overlaps": q["n_overlaps"], "overlap_m2": q["overlap_m2"], "gaps (not compared)": q.get("n_gaps")}
    return {"blocks": s["n_blocks"], "below_min": s["n_below_min"], "total_mu": s["total_mu"]}


def agree(command: str, p: dict, lc: dict) -> bool:
    if command == "survey":
        return p["overlaps"] == lc["overlaps"] and abs(p["overlap_m2"] - lc["overlap_m2"]) <= 0.001 * p["overlap_m2"]
    # a few blocks split at gaps within 5 mm of the tolerance, where the plain buffer's corners are
    # polygons (bench_transfer.py shows them): counts within 0.05 %
    return (abs(p["blocks"] - lc["blocks"]) <= 0.0005 * p["blocks"]
            and abs(p["below_min"] - lc["below_min"]) <= 0.0005 * p["below_min"]
            and abs(p["total_mu"] - lc["total_mu"]) <= 0.001 * p["total_mu"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("survey", "transfer"))
    ap.add_argument("--size", type=int, default=None, help="patches (survey, 300 000) or parcels (transfer, 100 000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-readme", action="store_true", help="do not append the row to benchmarks/README.md")
    args = ap.parse_args(argv)
    size = args.size or (300_000 if args.command == "survey" else 100_000)
    cache = args.cache or Path(tempfile.gettempdir()) / f"landcheck-bench-{args.command}-{size}"
    cache.mkdir(parents=True, exist_ok=True)
    if args.generate_only:
        generate(args.command, cache, size)
        return
    path = cache / ("survey.gpkg" if args.command == "survey" else "parcels.gpkg")
    if not path.exists():  # in a child: a forked process starts from its parent's peak RSS (wait4's ru_maxrss)
        import subprocess

        subprocess.run([sys.executable, __file__, args.command, "--size", str(size), "--cache", str(cache),
                        "--generate-only"], check=True)
    runs = {"plain": [], "landcheck": []}
    for k in range(args.runs):
        for way in ("plain", "landcheck"):
            out = cache / f"{way}-{k}"
            load = os.getloadavg()[0]
            s, mb, stdout = timed(argv_of(args.command, way, path, out))
            runs[way].append({"seconds": s, "peak_mb": mb, "load": load, "result": result_of(args.command, way, stdout, out)})
        print(f"run {k + 1}: plain {runs['plain'][-1]['seconds']:.2f} s, landcheck {runs['landcheck'][-1]['seconds']:.2f} s"
              f" (load {load:.2f})", flush=True)
    engines = {k: {"seconds": statistics.median(r["seconds"] for r in v), "peak_mb": max(r["peak_mb"] for r in v)}
               for k, v in runs.items()}
    rp, rl = runs["plain"][0]["result"], runs["landcheck"][0]["result"]
    same = agree(args.command, rp, rl)
    ratio = statistics.median(p["seconds"] / q["seconds"] for p, q in zip(runs["plain"], runs["landcheck"]))
    load = statistics.median(r["load"] for v in runs.values() for r in v)
    print(f"\n{'':24}{'plain':>14}{'landcheck':>14}")
    print(f"{'wall time (s, median)':24}{engines['plain']['seconds']:>14.2f}{engines['landcheck']['seconds']:>14.2f}")
    print(f"{'peak RSS (MB)':24}{engines['plain']['peak_mb']:>14.0f}{engines['landcheck']['peak_mb']:>14.0f}")
    for key in rp:
        print(f"{key:24}{rp[key]!s:>14.14}{rl[key]!s:>14.14}")
    print(f"results agree: {'yes' if same else 'NO'}; load (1 min) {load:.2f} on {os.cpu_count()} cores")
    print(f"ratio plain / landcheck (median of {args.runs}): {ratio:.2f}")
    rec = result_line(f"commands_{args.command}", {"size": size}, engines, {"plain/landcheck": ratio}, same,
                      load=round(load, 2), plain=rp, landcheck=rl)
    if not args.no_readme:
        append_row(ROOT / "benchmarks" / "README.md", rec, args.command, args.runs)


#: The line of benchmarks/README.md before which each run's row goes.
MARKER = "<!-- bench_commands rows -->"


def append_row(readme: Path, rec: dict, command: str, runs: int) -> None:
    """One row of the README's table."""
    append_readme_row(readme, MARKER, rec, [rec["date"], command, f"{rec['sizes']['size']:,}"],
                      [rec["load"], rec["totals_agree"]], runs)


if __name__ == "__main__":
    main()
