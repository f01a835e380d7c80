"""Snapshot every output of landcheck's commands, normalised, to compare two versions of the code.

    python scripts/compare_outputs.py snapshot BEFORE_DIR      # on the old code
    python scripts/compare_outputs.py snapshot AFTER_DIR       # on the new code
    python scripts/compare_outputs.py diff BEFORE_DIR AFTER_DIR

`snapshot` runs the commands below in a scratch folder (the sample township of this checkout's `layers/`
and the real files in `../shared/data/real/`) and writes, for every file they produce and for every
command's exit code, stdout and stderr, a normalised text copy into the snapshot folder. Normalised is
what is random or dated by nature: folium's element ids, timestamps and today's date, the workbook's
zip and docProps, SQLite page layout (a GeoPackage is compared table by table, row by row).
`diff` prints a unified diff of the two snapshots and exits 1 when they differ.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "data" / "real"
L = REPO / "layers"

# inputs by paths relative to the scratch folder (a copy of layers/, a link to the real data), so that
# what a command prints does not depend on where the checkout lies
SURVEY = "layers/survey/DLTB.shp"
FARMLAND = "layers/farmland.gpkg"
TRANSFER = "layers/transfer.gpkg"
FACILITY = "layers/facility_records.gpkg"


def commands() -> list[tuple[str, list[str]]]:
    """(name, argv after `landcheck`) in the order they run; later ones read earlier outputs."""
    cmds: list[tuple[str, list[str]]] = [
        ("run", ["run"]),
        ("run-again", ["run"]),
        ("farmland", ["farmland", "--survey", SURVEY, "--farmland", FARMLAND, "--facility-records", FACILITY,
                      "--township", "示例镇", "-o", "farmland", "--map", "maps/farmland.html"]),
        ("farmland-ledger", ["farmland", "--survey", SURVEY, "--farmland", FARMLAND, "--ledger", "ledger2.gpkg",
                             "--prefix", "T", "-o", "farmland-ledger", "--map", "maps/farmland-ledger.html"]),
        ("farmland-dask", ["farmland", "--survey", SURVEY, "--farmland", FARMLAND, "--facility-records", FACILITY,
                           "--township", "示例镇", "-o", "farmland-dask", "--engine", "dask", "--workers", "2"]),
        ("transfer", ["transfer", TRANSFER, "--by", "流入方", "--farmland", FARMLAND, "--survey", SURVEY,
                      "-o", "transfer", "--map", "maps/transfer.html", "--ledger", "ledger2.gpkg", "--prefix", "T"]),
        ("transfer-plain", ["transfer", TRANSFER, "-o", "transfer-plain"]),
        ("survey", ["survey", SURVEY, "-o", "survey", "--map", "maps/survey.html"]),
        ("survey-json", ["survey", SURVEY, "-o", "survey-json", "--format", "json", "--fail-on", "warning"]),
        ("survey-dask", ["survey", SURVEY, "-o", "survey-dask", "--engine", "dask", "--workers", "2"]),
        ("survey-farmland-schema", ["survey", FARMLAND, "-o", "survey-farmland"]),
        ("survey-baseline", ["survey", SURVEY, "--baseline", SURVEY, "--farmland", FARMLAND, "-o", "survey-baseline",
                             "--ledger", "ledger2.gpkg", "--prefix", "T"]),
        ("map-ledger", ["map", "out/ledger.gpkg", "--farmland", FARMLAND, "-o", "maps/ledger.html"]),
        ("map-villages", ["map", "out/ledger.gpkg", "--by", "village", "-o", "maps/ledger-villages"]),
        ("map-findings-offline", ["map", "farmland/findings.gpkg", "--offline", "-o", "maps/offline.html",
                                  "--basemap", "gaode"]),
        ("ledger-export", ["ledger", "export", "out/ledger.gpkg", "-o", "export/整改台账.xlsx"]),
        ("ledger-export-county", ["ledger", "export", "out/ledger.gpkg", "-o", "export/清单.xlsx", "--template", "county"]),
        ("ledger-export-csv", ["ledger", "export", "out/ledger.gpkg", "-o", "export/台账.csv"]),
        ("ledger-export-gpkg", ["ledger", "export", "out/ledger.gpkg", "-o", "export/台账.gpkg"]),
        ("ledger-status", ["ledger", "status", "out/ledger.gpkg"]),
        ("ledger-status2", ["ledger", "status", "ledger2.gpkg"]),
        ("ledger-import", ["ledger", "import", "out/ledger.gpkg", "out/整改台账.xlsx"]),
        ("init", ["init", "init/landcheck.toml"]),
        ("inspect-sample", ["inspect", SURVEY]),
        ("inspect-sample-json", ["inspect", SURVEY, "--format", "json"]),
        ("bad-input", ["farmland", "--survey", FARMLAND, "--farmland", FARMLAND, "-o", "bad"]),
        ("missing-file", ["inspect", "no/such/file.shp"]),
    ]
    if REAL.exists():
        for p in sorted(REAL.rglob("*")):
            if p.suffix.lower() in {".shp", ".gpkg", ".geojson", ".json", ".parquet", ".fgb", ".gml", ".kml", ".zip"} \
                    and p.name != "SOURCE.md":
                rel = str(p.relative_to(REAL))
                cmds.append((f"real-inspect/{rel}", ["inspect", f"real/{rel}", "--format", "json"]))
                cmds.append((f"real-inspect-text/{rel}", ["inspect", f"real/{rel}"]))
                cmds.append((f"real-survey/{rel}", ["survey", f"real/{rel}", "--schema", "geometry", "--format", "json",
                                                    "-o", f"real-survey/{rel}"]))
    return cmds


# --- normalisation ---------------------------------------------------------------------------------

TODAY = date.today()
_DATE_PATTERNS = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<TIMESTAMP>"),
    (re.compile(re.escape(TODAY.isoformat())), "<TODAY>"),
    (re.compile(f"{TODAY.year}年0?{TODAY.month}月0?{TODAY.day}日"), "<TODAY>"),
    (re.compile(TODAY.strftime("%Y%m%d")), "<TODAY>"),
    (re.compile(TODAY.strftime("%Y/%m/%d")), "<TODAY>"),
    (re.compile(r"\d+(\.\d+)? ?(s|秒|ms)\b"), "<SECONDS>"),
    (re.compile(r"[ \t]+$", re.M), ""),
]
#: log lines of dask/distributed (addresses, client ids): noise, not output
_DASK_LOG = re.compile(r"^.*(tcp://|Client-|stimulus_id|Nanny|[Ww]orker|[Ss]cheduler|dashboard|close-stream|"
                       r"compute stream|established connection).*\n?", re.M)


def norm_text(s: str, scratch: str) -> str:
    s = renumber_ids(_DASK_LOG.sub("", s))
    s = s.replace(scratch, "<SCRATCH>").replace(str(REPO), "<REPO>").replace(str(REAL), "<REAL>")
    for rx, rep in _DATE_PATTERNS:
        s = rx.sub(rep, s)
    return s


#: 32-digit hex: folium's element ids, the ledger's uuid
_HEX_ID = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])")


def renumber_ids(s: str) -> str:
    """Random 32-digit hex ids → <ID0>, <ID1> … by first appearance (equal ids stay equal)."""
    ids: dict[str, str] = {}
    return _HEX_ID.sub(lambda m: f"<ID{ids.setdefault(m.group(0), str(len(ids)))}>", s)


def norm_html(s: str, scratch: str) -> str:
    return norm_text(s, scratch)


def norm_gpkg(path: Path, scratch: str) -> str:
    out = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
        for t in tables:
            if t.startswith(("rtree_", "sqlite_")):
                continue
            cols = [r[1] for r in con.execute(f'pragma table_info("{t}")')]
            out.append(f"## table {t} ({', '.join(cols)})")
            for row in con.execute(f'select * from "{t}" order by rowid' if t != "gpkg_spatial_ref_sys" else
                                   f'select * from "{t}"'):
                cells = [(v.hex() if isinstance(v, bytes) else repr(v)) for v in row]
                out.append(" | ".join(cells))
    finally:
        con.close()
    return norm_text("\n".join(out), scratch)


def norm_xlsx(path: Path, scratch: str) -> str:
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if name.startswith("docProps/"):
                continue
            data = z.read(name)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = "binary sha256 " + hashlib.sha256(data).hexdigest()
            out.append(f"## {name}\n{text}")
    return norm_text("\n".join(out), scratch)


def normalise(path: Path, scratch: str) -> str:
    suf = path.suffix.lower()
    if suf == ".gpkg":
        return norm_gpkg(path, scratch)
    if suf == ".xlsx":
        return norm_xlsx(path, scratch)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "binary sha256 " + hashlib.sha256(data).hexdigest()
    if suf in {".html", ".htm"}:
        return norm_html(text, scratch)
    return norm_text(text, scratch)


def snapshot(dest: Path) -> None:
    dest = dest.resolve()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="lc-compare-"))
    shutil.copytree(L, scratch / "layers")
    if REAL.exists():
        (scratch / "real").symlink_to(REAL, target_is_directory=True)
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1", TERM="dumb", PYTHONHASHSEED="0", PYTHONPATH=str(REPO))
    try:
        for name, argv in commands():
            print(f"· landcheck {' '.join(argv)}", file=sys.stderr)
            p = subprocess.run([sys.executable, "-c", "from landcheck.cli import main; main()", *argv],
                               cwd=scratch, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            rec = dest / "_commands" / f"{name}.txt"
            rec.parent.mkdir(parents=True, exist_ok=True)
            rec.write_text(norm_text(f"exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}", str(scratch)),
                           encoding="utf-8")
        produced = sorted(Path(root) / name for root, _, names in os.walk(scratch) for name in names)
        for f in produced:
            if f.is_symlink() or f.relative_to(scratch).parts[0] in {"dask-worker-space", "layers", "real"}:
                continue
            rel = f.relative_to(scratch)
            target = dest / "files" / (str(rel) + ".txt")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_text(normalise(f, str(scratch)), encoding="utf-8")
            except Exception as exc:  # a file we cannot read is itself a difference
                target.write_text(f"unreadable: {type(exc).__name__}: {exc}", encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"snapshot written to {dest}", file=sys.stderr)


def diff(a: Path, b: Path) -> int:
    fa = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    changed = 0
    for rel in sorted(fa - fb):
        print(f"only in {a}: {rel}")
        changed += 1
    for rel in sorted(fb - fa):
        print(f"only in {b}: {rel}")
        changed += 1
    for rel in sorted(fa & fb):
        ta = renumber_ids((a / rel).read_text(encoding="utf-8")).splitlines()
        tb = renumber_ids((b / rel).read_text(encoding="utf-8")).splitlines()
        if ta != tb:
            changed += 1
            lines = list(difflib.unified_diff(ta, tb, str(a / rel), str(b / rel), lineterm="", n=1))
            print("\n".join(line[:400] for line in lines[:60]))
            if len(lines) > 60:
                print(f"… {len(lines) - 60} more diff lines")
    print(f"{changed} file(s) differ of {len(fa | fb)}")
    return 1 if changed else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "snapshot":
        snapshot(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        return diff(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
