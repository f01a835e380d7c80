"""`python -m landcheck.sample OUT_DIR [--seed N] [--patches N] [--variant names]`: generate a township,
write its layers and README.md, print the paths and counts.

Argument parsing and printing only."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .expected import summary
from .names import names_variant
from .readme import readme_text
from .township import make_township
from .write import write_township

#: The CLI's description (the first line of the package docstring).
DESCRIPTION = "The bundled sample township (示例镇): a deterministic, realistic synthetic township."


def main(argv: list[str] | None = None) -> int:
    """`python -m landcheck.sample OUT_DIR [--seed N] [--patches N] [--variant main|names]`: generate and
    write a township (or its names-only variant, `names.names_variant`) and its README.md."""
    parser = argparse.ArgumentParser(prog="python -m landcheck.sample", description=DESCRIPTION)
    parser.add_argument("out_dir", type=Path, help="folder to write into (e.g. layers)")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--patches", type=int, default=20_000, help="about how many survey patches")
    parser.add_argument("--variant", choices=("main", "names"), default="main",
                        help="names: 二调 names only in the survey, farmland with its own class (some on village land)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    t = make_township(args.seed, args.patches)
    if args.variant == "names":
        t = names_variant(t)
    t1 = time.perf_counter()
    paths = write_township(t, args.out_dir)
    stats = summary(t)
    (Path(args.out_dir) / "README.md").write_text(readme_text(t, stats), encoding="utf-8")
    for role, p in paths.items():
        print(f"{role:17s} {p}")
    print(f"{stats['patches']} patches, {stats['farmland_polygons']} farmland polygons, {stats['transfer_parcels']} transfer "
          f"parcels, {stats['facility_records']} facility records; generated in {t1 - t0:.1f} s")
    by = stats["expected_by_origin"]
    totals = {o: sum(c.get(o, {}).get("count", 0) for c in by.values()) for o in ("new", "existing", "unknown")}
    print(f"expected findings: {stats['expected_findings_total']['count']} pieces, "
          f"{stats['expected_findings_total']['mu']:.2f} mu; by origin " + ", ".join(f"{o} {n}" for o, n in totals.items()))
    return 0
