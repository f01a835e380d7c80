"""One piece of ground is one task: a transfer finding on a farmland task's ground refers to it."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import shapely

from landcheck.findings import make_findings
from landcheck.ledger import load_ledger, merge_findings


def piece(check, category, patch, geom, subject=""):
    f = make_findings({"check": [check], "problem_type": ["非农化" if check == "farmland" else "流转地块非农化"],
                       "category": [category], "severity": ["error"], "patch_id": [patch], "farmland_id": ["F1"],
                       "village": ["甲村"], "township": ["示例镇"], "area_m2": [shapely.area(geom)]}, [geom], 4527)
    f["subject"] = subject
    return f


X, Y = 39500000.0, 4130000.0
POND = shapely.box(X, Y, X + 60, Y + 60)


def test_a_transfer_finding_on_farmland_task_ground_refers_to_it(tmp_path):
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, piece("farmland", "non_farm", "P1", POND), prefix="T", run_date=date(2026, 1, 1))
    # most of the transferred piece (the pond, a little more) lies in the farmland task's ground
    moved = shapely.box(X + 10, Y, X + 70, Y + 60)
    r = merge_findings(led, piece("transfer", "transfer_non_farm", "L-1", moved, "张三"), prefix="T",
                       run_date=date(2026, 1, 2), checks=("transfer",))
    L = load_ledger(led)
    assert len(L.tasks) == 1 and r.new == []
    assert r.related == [{"finding_key": r.related[0]["finding_key"], "issue_id": "T-2026-0001"}]
    assert r.issue_ids.tolist() == ["T-2026-0001"]
    assert L.tasks.at[0, "subject"] == "张三"
    assert (L.history["field"] == "related_issue").sum() == 1
    # a second run links again without a second history row
    merge_findings(led, piece("transfer", "transfer_non_farm", "L-1", moved, "张三"), prefix="T",
                   run_date=date(2026, 1, 3), checks=("transfer",))
    assert (load_ledger(led).history["field"] == "related_issue").sum() == 1


def test_a_transfer_finding_mostly_outside_farmland_tasks_opens_its_own(tmp_path):
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, piece("farmland", "non_farm", "P1", POND), prefix="T", run_date=date(2026, 1, 1))
    beside = shapely.box(X + 40, Y, X + 100, Y + 60)  # a third inside
    r = merge_findings(led, piece("transfer", "transfer_non_farm", "L-2", beside), prefix="T", checks=("transfer",))
    assert len(r.new) == 1 and r.related == []
    # a block under the minimum is a plan gap and always its own task
    r = merge_findings(led, piece("transfer", "transfer_below_min", "B0001", POND), prefix="T", checks=("transfer",))
    assert len(r.new) == 1 and r.related == []
