"""`landcheck evidence import|patrol` on a made-up folder: exit codes, evidence_report.csv, summary.json,
the manifest, the 巡查日志, and bad input as one line with exit 2."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from landcheck.cli import cli
from landcheck.config import vocabulary
from landcheck.manifest import mismatch

from ..evidence.conftest import write_photo
from ..evidence.test_core import ll, write_gpx
from ..evidence.test_import import make_ledger


def test_import_then_patrol(tmp_path):
    ledger = make_ledger(tmp_path / "out" / "ledger.gpkg")
    f = tmp_path / "field"
    write_photo(f / "a.jpg", *ll(50, 50), make="=HYPERLINK(\"http://x\")")  # EXIF text is untrusted
    write_gpx(f / "t.gpx", "巡查", [(-50, 120), (200, 120), (450, 120), (450, 400)])
    runner = CliRunner()
    r = runner.invoke(cli, ["evidence", "import", str(f), "--ledger", str(ledger)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out" / "evidence"
    rep = pd.read_csv(out / "evidence_report.csv", encoding="utf-8-sig", dtype=str)
    assert list(rep["issue_id"]) == ["SL-2026-0001"] and mismatch(out) is None
    assert rep["device"][0].startswith("'=")  # formula-safe
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["site_checks"] == 2
    write_photo(f / "nogps.jpg", color=(1, 1, 1))
    r = runner.invoke(cli, ["evidence", "import", str(f), "--ledger", str(ledger), "--format", "json"])
    assert r.exit_code == 1 and json.loads(r.output)["listed"] == 1 and json.loads(r.output)["known"] == 1
    r = runner.invoke(cli, ["evidence", "patrol", "--ledger", str(ledger), "--date", "2026-06-12"])
    assert r.exit_code == 1 and vocabulary().label("evidence_patrol_visited", n=2) in r.output
    log = pd.read_csv(out / vocabulary().label("evidence_patrol_file", date="2026-06-12"), encoding="utf-8-sig", dtype=str)
    assert list(log["issue_id"]) == ["SL-2026-0001", "SL-2026-0002", "SL-2026-0003"]
    assert list(log["visited"]) == ["True", "True", "False"]
    r = runner.invoke(cli, ["evidence", "patrol", "--ledger", str(ledger), "--date", "2026-06-13", "--days", "2"])
    assert r.exit_code == 1 and "SL-2026-0003" in r.output


def test_bad_input_exits_2(tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli, ["evidence", "import", str(tmp_path / "none"), "--ledger", str(tmp_path / "l.gpkg")])
    assert r.exit_code == 2 and "not a folder" in r.output
    (tmp_path / "f").mkdir()
    r = runner.invoke(cli, ["evidence", "import", str(tmp_path / "f"), "--ledger", str(tmp_path / "l.gpkg")])
    assert r.exit_code == 2 and "ledger not found" in r.output
    rules = tmp_path / "r.toml"
    rules.write_text("[evidence]\nhandheld_tolerance_m = -5\n", encoding="utf-8")
    r = runner.invoke(cli, ["evidence", "import", str(tmp_path / "f"), "--ledger", str(tmp_path / "l.gpkg"), "--rules", str(rules)])
    assert r.exit_code == 2 and "handheld_tolerance_m" in r.output


def test_ledger_status_counts_done_tasks_without_an_after_photo(tmp_path):
    ledger = make_ledger(tmp_path / "ledger.gpkg", done_date="2026-06-01")
    runner = CliRunner()
    r = runner.invoke(cli, ["ledger", "status", str(ledger), "--format", "json"])
    assert json.loads(r.output)["done_without_after_photo"] == ["SL-2026-0002"]
    write_photo(tmp_path / "f" / "after.jpg", *ll(350, 50))  # taken 2026-06-12, after 整改完成时间
    assert runner.invoke(cli, ["evidence", "import", str(tmp_path / "f"), "--ledger", str(ledger)]).exit_code == 0
    r = runner.invoke(cli, ["ledger", "status", str(ledger), "--format", "json"])
    assert json.loads(r.output)["done_without_after_photo"] == []
