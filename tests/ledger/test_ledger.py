"""The rectification ledger: the full cycle (check → ledger → xlsx → officers' edits → import → re-runs),
matching, issue numbers, people's fields, disappearance, atomic writes, the lock, status and exports."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck import ledger as ledger_mod
from landcheck.checks.farmland import check_farmland
from landcheck.cli import cli
from landcheck.config import load_rules, vocabulary
from landcheck.errors import LandcheckError
from landcheck.findings import make_findings
from landcheck.ledger import (
    PEOPLE_FIELDS, export_csv, export_gpkg, ledger_lock, ledger_status, load_ledger, lock_path, merge_findings,
)

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)
S = vocabulary().statuses  # 未整改, 整改中, 已整改, 已销号, 待复核（已消失）
NEW, DOING, DONE, CLOSED, GONE = S


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


# BSM, DLBM, village, geometry — B and C orchards, G a home, K forest, J a facility; A, H, L cultivated
PATCHES = {
    "A": ("0103", "甲村", box(0, 0, 100, 200)),
    "B": ("0201", "甲村", box(100, 0, 160, 100)),
    "C": ("0201", "甲村", box(100, 100, 160, 200)),
    "G": ("0702", "乙村", box(160, 0, 260, 100)),
    "K": ("0301", "乙村", box(260, 0, 400, 100)),
    "H": ("0103", "乙村", box(160, 100, 400, 200)),
    "J": ("1202", "丙村", box(0, 300, 100, 400)),
    "L": ("0103", "丙村", box(100, 300, 200, 400)),
}
FARMLAND = [("F1", "甲村", box(0, 0, 400, 200)), ("F2", "丙村", box(0, 300, 200, 400))]


def survey(**changes) -> gpd.GeoDataFrame:
    """The fixture survey; `changes` maps a patch id to its new DLBM."""
    rows = {k: (changes.get(k, v[0]), v[1], v[2]) for k, v in PATCHES.items()}
    return gpd.GeoDataFrame({"feature_id": list(rows), "DLBM": [r[0] for r in rows.values()],
                             "ZLDWMC": [r[1] for r in rows.values()]}, geometry=[r[2] for r in rows.values()], crs=4527)


def farmland() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"feature_id": ["#1", "#2"], "YJJBNTTBBH": [f[0] for f in FARMLAND],
                             "ZLDWMC": [f[1] for f in FARMLAND], "DLBM": ["0103", "0103"]},
                            geometry=[f[2] for f in FARMLAND], crs=4527)


def findings_of(sv: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return check_farmland(sv, farmland(), load_rules(), township="示例镇").findings


def run(path: Path, sv: gpd.GeoDataFrame, when: date):
    return merge_findings(path, findings_of(sv), prefix="SL", run_date=when, checks=["farmland"])


def tasks_by_patch(path: Path) -> pd.DataFrame:
    return load_ledger(path).tasks.set_index("patch_id")


def invoke(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={}, catch_exceptions=False)


def sheet_rows(ws) -> dict[str, int]:
    """issue_id → row number on a village sheet (header in row 2)."""
    head = [c.value for c in ws[2]]
    col = head.index("问题编号") + 1
    return {ws.cell(r, col).value: r for r in range(3, ws.max_row + 1) if ws.cell(r, col).value}


def col_of(ws, header: str) -> int:
    return [c.value for c in ws[2]].index(header) + 1


def file_hash(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# The full cycle
# ------------------------------------------------------------------------------------------
def test_full_cycle(tmp_path):
    led = tmp_path / "out" / "ledger.gpkg"
    xlsx = tmp_path / "out" / "整改台账.xlsx"

    # 1. check → ledger: five problems, numbered in village / patch order
    r1 = run(led, survey(), date(2026, 5, 1))
    assert r1.new == [f"SL-2026-000{i}" for i in range(1, 6)]
    t = tasks_by_patch(led)
    assert sorted(t.index) == ["B", "C", "G", "J", "K"]
    assert t.sort_values("issue_id").index.tolist() == ["J", "G", "K", "B", "C"]  # 丙村 < 乙村 < 甲村 (code order)
    assert (t["status"] == NEW).all() and (t["measure"] == t["suggested_measure"]).all()
    assert t.loc["B", "village"] == "甲村" and t.loc["B", "township"] == "示例镇" and t.loc["B", "area_mu"] == 9.0
    assert r1.issue_ids.tolist() == [t.set_index("finding_key").loc[k, "issue_id"] for k in findings_of(survey())["finding_key"]]

    # 2. export xlsx from the CLI
    res = invoke("ledger", "export", led, "-o", xlsx)
    assert res.exit_code == 0, res.output
    assert xlsx.exists()

    # 3. officers edit the workbook (openpyxl, as a person would in Excel)
    wb = openpyxl.load_workbook(xlsx)
    assert "甲村" in wb.sheetnames and "乙村" in wb.sheetnames
    ws = wb["甲村"]
    rows = sheet_rows(ws)
    c_id, g_id = t.loc["C", "issue_id"], t.loc["G", "issue_id"]
    ws.cell(rows[c_id], col_of(ws, "整改状态")).value = DONE
    ws.cell(rows[c_id], col_of(ws, "剩余未整改面积(亩)")).value = 0
    ws.cell(rows[c_id], col_of(ws, "整改完成时间")).value = date(2026, 5, 20)
    ws.cell(rows[c_id], col_of(ws, "整改措施")).value = "退园还耕（即可恢复）"
    ws2 = wb["乙村"]
    rows2 = sheet_rows(ws2)
    ws2.cell(rows2[g_id], col_of(ws2, "整改状态")).value = DOING
    ws2.cell(rows2[g_id], col_of(ws2, "责任人")).value = "张三"
    ws2.cell(rows2[g_id], col_of(ws2, "整改时限")).value = date(2026, 6, 30)
    ws2.cell(rows2[g_id], col_of(ws2, "核查结论")).value = "违法"
    wb.save(xlsx)

    # 4. import from the CLI: what changed is printed and recorded in history
    res = invoke("ledger", "import", led, xlsx)
    assert res.exit_code == 0, res.output
    assert "张三" in res.output and g_id in res.output
    t = tasks_by_patch(led)
    assert t.loc["C", "status"] == DONE and t.loc["C", "measure"] == "退园还耕（即可恢复）" and t.loc["C", "done_date"] == "2026-05-20"
    assert t.loc["C", "remaining_mu"] == 0.0
    assert t.loc["G", "status"] == DOING and t.loc["G", "resp_person"] == "张三" and t.loc["G", "deadline"] == "2026-06-30"
    h = load_ledger(led).history
    imp = h[h["origin"] == f"import {xlsx.name}"]
    assert set(zip(imp["issue_id"], imp["field"])) == {
        (c_id, "status"), (c_id, "remaining_mu"), (c_id, "done_date"), (c_id, "measure"),
        (g_id, "status"), (g_id, "resp_person"), (g_id, "deadline"), (g_id, "verdict")}
    assert imp.set_index(["issue_id", "field"]).loc[(g_id, "status"), "old"] == NEW
    # importing the same file again changes nothing
    res = invoke("ledger", "import", led, xlsx)
    assert res.exit_code == 0 and "nothing new" in res.output

    # 5. re-run with an unchanged survey: same ids, edits kept, no new tasks, nothing updated
    before = tasks_by_patch(led)
    r2 = run(led, survey(), date(2026, 6, 1))
    assert r2.new == [] and r2.updated == [] and r2.disappeared == [] and r2.matched == 5
    assert r2.matched_by["finding_key"] == 5
    assert r2.finished_but_found == [c_id]  # the survey still shows C's orchard although it is 已整改
    after = tasks_by_patch(led)
    for col in ("issue_id",) + PEOPLE_FIELDS:
        assert after[col].equals(before[col]), col
    assert (after["last_seen"] == "2026-06-01").all()

    # 6. B's orchard became 旱地: its task is 待复核（已消失） with the date, the rest unchanged
    r3 = run(led, survey(B="0103"), date(2026, 7, 1))
    b_id = before.loc["B", "issue_id"]
    assert r3.disappeared == [b_id] and r3.new == []
    t = tasks_by_patch(led)
    assert t.loc["B", "status"] == GONE and t.loc["B", "disappeared_date"] == "2026-07-01"
    for p in ("C", "G", "J", "K"):
        assert t.loc[p, "status"] == after.loc[p, "status"]
    assert len(t) == 5  # never deleted

    # 7. a new violation (L cultivated → home): one new task with the next number
    r4 = run(led, survey(B="0103", L="0702"), date(2026, 8, 1))
    assert r4.new == ["SL-2026-0006"] and r4.disappeared == []
    t = tasks_by_patch(led)
    assert t.loc["L", "issue_id"] == "SL-2026-0006" and t.loc["L", "status"] == NEW
    assert t.loc["B", "status"] == GONE and t.loc["G", "resp_person"] == "张三"

    # 8. status from the CLI: G is overdue on 2026-09-01 → exit 1; JSON for scripts
    res = invoke("ledger", "status", led, "--format", "json", "--as-of", "2026-09-01")
    assert res.exit_code == 1
    s = json.loads(res.output)
    assert s["n"] == 6 and s["by_status"][GONE]["n"] == 1 and s["by_status"][DONE]["n"] == 1
    assert [o["issue_id"] for o in s["overdue_tasks"]] == [g_id]
    assert s["by_village"]["乙村"]["overdue"] == 1
    res = invoke("ledger", "status", led, "--as-of", "2026-06-01")
    assert res.exit_code == 0 and "甲村" in res.output and "合计" in res.output
    assert "…" not in res.output  # on 80 columns the status headers fold, they are not cut to "未 …"

    # 9. the workbook of step 3 was imported, so a fresh export may replace it
    res = invoke("ledger", "export", led, "-o", xlsx)
    assert res.exit_code == 0, res.output


# ------------------------------------------------------------------------------------------
# Matching and numbering
# ------------------------------------------------------------------------------------------
def fnd(rows, crs=4527):
    """Findings from (key, check, patch_id, farmland_id, village, geometry) tuples."""
    return make_findings({
        "finding_key": [r[0] for r in rows], "check": [r[1] for r in rows], "patch_id": [r[2] for r in rows],
        "farmland_id": [r[3] for r in rows], "village": [r[4] for r in rows], "problem_type": ["非粮化（林果）"] * len(rows),
        "suggested_measure": ["退园还耕"] * len(rows), "dlbm": ["0201"] * len(rows), "dlmc": ["果园"] * len(rows),
        "area_m2": [g.area for g in (r[5] for r in rows)],
    }, [r[5] for r in rows], crs)


def test_matching_order_key_then_ids_then_overlap(tmp_path):
    led = tmp_path / "l.gpkg"
    base = fnd([
        ("k1", "farmland", "P1", "F1", "甲村", box(0, 0, 100, 100)),
        ("k2", "farmland", "P2", "F1", "甲村", box(200, 0, 300, 100)),
        ("k3", "farmland", "P3", "F1", "甲村", box(400, 0, 500, 100)),
        ("k4", "farmland", "P4", "F1", "甲村", box(600, 0, 700, 100)),
        ("k5", "farmland", "#5", "F1", "甲村", box(800, 0, 900, 100)),
        ("k6", "transfer", "P6", "", "甲村", box(1000, 0, 1100, 100)),
    ])
    r = merge_findings(led, base, prefix="T", run_date=date(2026, 1, 1), checks=["farmland", "transfer"])
    ids = dict(zip(base["finding_key"], r.issue_ids))
    again = fnd([
        ("k1", "farmland", "Pother", "F9", "甲村", box(0, 0, 100, 100)),     # same key → k1
        ("n2", "farmland", "P2", "F1", "甲村", box(200, 0, 250, 100)),        # same ids → k2
        ("n3", "farmland", "Q3", "F7", "甲村", box(420, 0, 560, 100)),        # 80 % of k3 → k3
        ("n4", "farmland", "Q4", "F7", "甲村", box(660, 0, 760, 100)),        # 40 % of k4 → new
        ("n5", "farmland", "#5", "F1", "甲村", box(2000, 0, 2100, 100)),      # '#5' is no identity → new
        ("n6", "farmland", "P6", "", "甲村", box(1000, 0, 1100, 100)),        # another check's place → new
    ])
    r2 = merge_findings(led, again, prefix="T", run_date=date(2026, 2, 1), checks=["farmland"])
    got = r2.issue_ids.tolist()
    assert got[:3] == [ids["k1"], ids["k2"], ids["k3"]]
    assert r2.matched_by == {"finding_key": 1, "ids": 1, "overlap": 1}
    assert sorted(got[3:]) == ["T-2026-0007", "T-2026-0008", "T-2026-0009"]
    # k4 and k5 were not found again; the transfer task (k6) is outside this run's checks
    assert sorted(r2.disappeared) == sorted([ids["k4"], ids["k5"]])
    T = load_ledger(led).tasks.set_index("issue_id")
    assert T.loc[ids["k6"], "status"] == NEW
    # matched tasks take the new tool values, with history
    assert T.loc[ids["k1"], "patch_id"] == "Pother" and T.loc[ids["k3"], "finding_key"] == "n3"
    h = load_ledger(led).history
    k1h = h[(h["issue_id"] == ids["k1"]) & (h["origin"].str.startswith("run 2026-02-01"))]
    assert set(k1h["field"]) == {"patch_id", "farmland_id"}
    assert set(h[(h["issue_id"] == ids["k2"]) & (h["origin"].str.startswith("run 2026-02-01"))]["field"]) >= {"finding_key", "geometry", "area_m2", "area_mu"}


def test_issue_ids_are_never_reused_and_follow_prefix_and_year(tmp_path):
    led = tmp_path / "l.gpkg"
    merge_findings(led, fnd([("a", "farmland", "P1", "F", "甲村", box(0, 0, 10, 10)),
                             ("b", "farmland", "P2", "F", "甲村", box(20, 0, 30, 10))]), prefix="SL", run_date=date(2026, 3, 1))
    # someone deletes the last task in QGIS: its number is not handed out again
    L = load_ledger(led)
    kept = L.tasks[L.tasks["issue_id"] != "SL-2026-0002"]
    pyogrio.write_dataframe(kept, led, layer="tasks", promote_to_multi=True)
    r = merge_findings(led, fnd([("a", "farmland", "P1", "F", "甲村", box(0, 0, 10, 10)),
                                 ("c", "farmland", "P3", "F", "甲村", box(40, 0, 50, 10))]), prefix="SL", run_date=date(2026, 4, 1))
    assert r.new == ["SL-2026-0003"]
    r = merge_findings(led, fnd([("d", "farmland", "P4", "F", "甲村", box(60, 0, 70, 10))]), prefix="SL",
                       run_date=date(2027, 1, 5), checks=[])
    assert r.new == ["SL-2027-0001"]
    r = merge_findings(led, fnd([("e", "farmland", "P5", "F", "甲村", box(80, 0, 90, 10))]), prefix="371426104",
                       run_date=date(2027, 1, 6), checks=[])
    assert r.new == ["371426104-2027-0001"]
    assert load_ledger(led).meta["seq:SL-2026"] == "3"


def test_a_run_never_overwrites_peoples_fields(tmp_path):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    L = load_ledger(led)
    b = L.tasks.set_index("patch_id").loc["B", "issue_id"]
    edits = [(b, "measure", "拆除复耕"), (b, "resp_unit", "某村委"), (b, "remarks", "已约谈"), (b, "status", DOING),
             (b, "deadline", "2026-10-01"), (b, "remaining_mu", 4.5), (b, "verdict", "违法")]
    with ledger_mod.ledger_transaction(led) as L:
        ledger_mod.apply_people_edits(L, edits, "import test.xlsx")
    # B's orchard became forest (0301): the problem, the suggestion and the description change; people's fields stay
    r = run(led, survey(B="0301"), date(2026, 6, 1))
    assert r.updated == [b] and r.new == []
    t = tasks_by_patch(led)
    assert t.loc["B", "dlbm"] == "0301" and t.loc["B", "suggested_measure"] != "退园还耕"
    assert t.loc["B", "measure"] == "拆除复耕" and t.loc["B", "resp_unit"] == "某村委" and t.loc["B", "status"] == DOING
    assert t.loc["B", "remarks"] == "已约谈" and t.loc["B", "deadline"] == "2026-10-01" and t.loc["B", "remaining_mu"] == 4.5
    h = load_ledger(led).history
    run_rows = h[h["origin"] == "run 2026-06-01 farmland"]
    assert set(run_rows["field"]) == {"dlbm", "dlmc", "problem_type", "suggested_measure", "description"}
    assert not set(run_rows["field"]) & set(PEOPLE_FIELDS)


def test_disappearing_and_reappearing(tmp_path):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    t = tasks_by_patch(led)
    b, c, k = t.loc["B", "issue_id"], t.loc["C", "issue_id"], t.loc["K", "issue_id"]
    with ledger_mod.ledger_transaction(led) as L:
        ledger_mod.apply_people_edits(L, [(b, "status", DOING), (c, "status", DONE), (k, "status", CLOSED)], "import x.xlsx")
    r = run(led, survey(B="0103", C="0103", K="0103"), date(2026, 6, 1))
    assert r.disappeared == [b]
    t = tasks_by_patch(led)
    assert t.loc["B", "status"] == GONE and t.loc["C", "status"] == DONE and t.loc["K", "status"] == CLOSED
    assert t.loc["C", "disappeared_date"] == ""
    # a second run without them keeps the first date
    run(led, survey(B="0103", C="0103", K="0103"), date(2026, 7, 1))
    assert tasks_by_patch(led).loc["B", "disappeared_date"] == "2026-06-01"
    # B's orchard is back: same task, its status before disappearing comes back
    r = run(led, survey(C="0103", K="0103"), date(2026, 8, 1))
    assert r.reappeared == [b] and r.new == []
    t = tasks_by_patch(led)
    assert t.loc["B", "status"] == DOING and t.loc["B", "disappeared_date"] == ""


def test_a_clean_run_marks_only_its_own_checks(tmp_path):
    led = tmp_path / "l.gpkg"
    merge_findings(led, fnd([("a", "farmland", "P1", "F", "甲村", box(0, 0, 10, 10)),
                             ("t", "transfer", "T1", "", "甲村", box(20, 0, 30, 10))]), prefix="SL", run_date=date(2026, 1, 1))
    empty = fnd([("a", "farmland", "P1", "F", "甲村", box(0, 0, 10, 10))]).iloc[:0]
    r = merge_findings(led, empty, prefix="SL", run_date=date(2026, 2, 1))  # checks unknown: nothing disappears
    assert r.disappeared == []
    r = merge_findings(led, empty, prefix="SL", run_date=date(2026, 2, 1), checks=["farmland"])
    assert r.disappeared == ["SL-2026-0001"]
    assert load_ledger(led).tasks.set_index("issue_id").loc["SL-2026-0002", "status"] == NEW


def test_findings_in_another_crs_match_the_ledger(tmp_path):
    led = tmp_path / "l.gpkg"
    f = findings_of(survey())
    merge_findings(led, f, prefix="SL", run_date=date(2026, 1, 1))
    r = merge_findings(led, f.to_crs(4490), prefix="SL", run_date=date(2026, 2, 1))
    assert r.new == [] and r.matched == len(f) and r.updated == []
    assert load_ledger(led).tasks.crs.to_epsg() == 4527


# ------------------------------------------------------------------------------------------
# Safety: atomic writes, the lock
# ------------------------------------------------------------------------------------------
def test_a_failure_in_the_middle_of_a_write_leaves_the_old_ledger(tmp_path, monkeypatch):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    before = file_hash(led)
    real = pyogrio.write_dataframe
    calls = []

    def failing(df, path, layer=None, **kw):
        calls.append(layer)
        if layer == "history":  # tasks already written into the temporary copy
            raise OSError("disk full (simulated)")
        return real(df, path, layer=layer, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(OSError, match="simulated"):
        run(led, survey(B="0103", L="0702"), date(2026, 6, 1))
    assert calls[:2] == ["tasks", "history"]
    assert file_hash(led) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.gpkg"]  # no temporary file, no lock left
    monkeypatch.setattr(pyogrio, "write_dataframe", real)
    assert len(load_ledger(led).tasks) == 5
    r = run(led, survey(B="0103", L="0702"), date(2026, 6, 1))
    assert r.new == ["SL-2026-0006"] and len(r.disappeared) == 1


HOLDER = textwrap.dedent("""
    import sys
    from landcheck.ledger import ledger_lock
    with ledger_lock(sys.argv[1], "test holder"):
        print("locked", flush=True)
        sys.stdin.readline()
""")


def test_a_second_writer_gets_ledger_is_in_use(tmp_path):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    xlsx = tmp_path / "t.xlsx"
    assert invoke("ledger", "export", led, "-o", xlsx).exit_code == 0
    before = file_hash(led)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(led)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LandcheckError, match="ledger is in use"):
            run(led, survey(L="0702"), date(2026, 6, 1))
        res = invoke("ledger", "import", led, xlsx)
        assert res.exit_code == 2 and "ledger is in use" in res.output and "test holder" in res.output
        # reading is not blocked
        assert invoke("ledger", "export", led, "-o", tmp_path / "t2.xlsx").exit_code == 0
        assert file_hash(led) == before
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert not lock_path(led).exists()
    assert run(led, survey(L="0702"), date(2026, 6, 1)).new == ["SL-2026-0006"]


def test_a_stale_lock_of_a_dead_process_is_replaced(tmp_path):
    led = tmp_path / "l.gpkg"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    lock_path(led).write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "time": "x"}))
    run(led, survey(), date(2026, 5, 1))
    assert not lock_path(led).exists()
    # a lock of another machine is left alone and named in the message
    lock_path(led).write_text(json.dumps({"pid": 1, "host": "other-pc", "time": "2026-01-01T00:00:00"}))
    with pytest.raises(LandcheckError, match="in use by process 1 on other-pc"):
        run(led, survey(), date(2026, 6, 1))
    with ledger_lock(tmp_path / "other.gpkg"):
        with pytest.raises(LandcheckError, match="in use"):
            with ledger_lock(tmp_path / "other.gpkg"):
                pass


# ------------------------------------------------------------------------------------------
# Status, plain exports, errors
# ------------------------------------------------------------------------------------------
def test_status_counts_mu_from_unrounded_sums(tmp_path):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    s = ledger_status(led, today=date(2026, 5, 2))
    T = load_ledger(led).tasks
    from landcheck import units

    assert s["mu"] == units.round_half_up(units.m2_to_mu(T["area_m2"].sum()), 2)
    assert s["by_status"][NEW]["n"] == 5 and s["open"]["n"] == 5 and s["overdue"] == 0
    assert set(s["by_village"]) == {"甲村", "乙村", "丙村"}
    assert sum(v["n"] for v in s["by_village"].values()) == 5


def test_csv_and_gpkg_exports(tmp_path):
    led = tmp_path / "l.gpkg"
    f = findings_of(survey())
    f.loc[f.index[0], "village"] = "=1+2"
    merge_findings(led, f, prefix="SL", run_date=date(2026, 5, 1))
    res = invoke("ledger", "export", led, "-o", tmp_path / "t.csv")
    assert res.exit_code == 0
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", dtype=str)
    assert "'=1+2" in set(df["village"]) and "issue_id" in df.columns
    assert invoke("ledger", "export", led, "-o", tmp_path / "t.gpkg").exit_code == 0
    g = gpd.read_file(tmp_path / "t.gpkg", layer="tasks")
    assert len(g) == 5 and g.crs.to_epsg() == 4527
    export_csv(led, tmp_path / "u.csv")
    export_gpkg(led, tmp_path / "u.gpkg")
    assert invoke("ledger", "export", led, "-o", led).exit_code == 2  # never replaces the ledger itself
    assert invoke("ledger", "export", led, "-o", tmp_path / "t.txt").exit_code == 2


def test_bad_ledger_paths_exit_2(tmp_path):
    res = invoke("ledger", "status", tmp_path / "missing.gpkg")
    assert res.exit_code == 2 and "ledger not found" in res.output
    other = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)], crs=4527), other, layer="x")
    res = invoke("ledger", "export", other, "-o", tmp_path / "x.xlsx")
    assert res.exit_code == 2 and "not a landcheck ledger" in res.output
    (tmp_path / "junk.gpkg").write_text("no")
    assert invoke("ledger", "status", tmp_path / "junk.gpkg").exit_code == 2


def test_findings_of_a_check_outside_checks_still_match(tmp_path):
    led = tmp_path / "l.gpkg"
    two = fnd([("a", "farmland", "P1", "F", "甲村", box(0, 0, 10, 10)), ("t", "transfer", "T1", "", "甲村", box(20, 0, 30, 10))])
    merge_findings(led, two, prefix="SL", run_date=date(2026, 1, 1))
    r = merge_findings(led, two.iloc[1:], prefix="SL", run_date=date(2026, 2, 1), checks=["farmland"])
    assert r.new == [] and r.matched == 1 and r.disappeared == ["SL-2026-0001"]


@pytest.mark.parametrize("check, source", [("change_patch", "卫片执法"), ("change", "年度变更调查"),
                                           ("transfer", "流转台账"), ("farmland", "YJJBNT套合")])
def test_each_check_shows_its_source(tmp_path, check, source):
    f = findings_of(survey()).assign(check=check)
    merge_findings(tmp_path / "ledger.gpkg", f, prefix="SL", run_date=date(2026, 5, 1), checks=[check])
    assert set(load_ledger(tmp_path / "ledger.gpkg").tasks["source"]) == {source}


def test_a_run_on_part_of_the_township_leaves_the_rest_alone(tmp_path):
    """A re-run whose survey covers only 甲村 must not mark 乙村's and 丙村's tasks as disappeared; within
    the scope a vanished problem still disappears."""
    led = tmp_path / "ledger.gpkg"
    run(led, survey(), date(2026, 5, 1))
    part = survey(B="0103")  # B (甲村) restored; 乙村 / 丙村 not surveyed this time
    part = part[part["ZLDWMC"] == "甲村"]
    r = merge_findings(led, findings_of(part), prefix="SL", run_date=date(2026, 6, 1), checks=["farmland"],
                       scope=part.geometry)
    t = tasks_by_patch(led)
    assert t.at["B", "status"] == GONE and r.n_out_of_scope == 3
    assert (t.loc[["G", "K", "J"], "status"] == NEW).all()
    # without a scope the same run would have marked them
    led2 = tmp_path / "ledger2.gpkg"
    run(led2, survey(), date(2026, 5, 1))
    merge_findings(led2, findings_of(part), prefix="SL", run_date=date(2026, 6, 1), checks=["farmland"])
    assert (tasks_by_patch(led2).loc[["G", "K", "J"], "status"] == GONE).all()


def test_numeric_codes_reach_the_ledger_as_their_text(tmp_path):
    """Ids and codes saved as numbers (12.0) become '12' in the ledger, like every column's text
    (landcheck.columns); blanks and surrounding spaces go."""
    f = findings_of(survey()).iloc[:2].copy()
    f["patch_id"] = [12.0, 13.5]
    f["dlbm"] = pd.Series([" 0201 ", None], index=f.index, dtype=object)
    r = merge_findings(tmp_path / "ledger.gpkg", f, prefix="SL", run_date=date(2026, 5, 1), checks=["farmland"])
    t = load_ledger(tmp_path / "ledger.gpkg").tasks.set_index("issue_id").loc[r.issue_ids.tolist()]
    assert t["patch_id"].tolist() == ["12", "13.5"] and t["dlbm"].tolist() == ["0201", ""]


def test_merge_writes_the_meta_it_is_given_and_keeps_the_rest(tmp_path):
    led = tmp_path / "l.gpkg"
    merge_findings(led, findings_of(survey()), prefix="SL", run_date=date(2026, 5, 1), checks=["farmland"],
                   meta={"pbf_gross_m2": "100.00", "pbf_net_m2": "90.00"})
    meta = load_ledger(led).meta
    assert meta["pbf_gross_m2"] == "100.00" and meta["pbf_net_m2"] == "90.00" and meta["seq:SL-2026"]
    run(led, survey(), date(2026, 6, 1))  # a merge without meta leaves it as it was
    assert load_ledger(led).meta["pbf_net_m2"] == "90.00"


def test_cycle_of_the_columns_officers_fill_for_the_county(tmp_path, monkeypatch):
    """项目名称, 使用主体, 建设（发现）时间, 是否立案, 线索编号 on the village sheets: edited, imported, kept by
    a re-run; a bad date or a 是否立案 not in the list is named; the county template reads them."""
    led = tmp_path / "out" / "ledger.gpkg"
    xlsx = tmp_path / "out" / "整改台账.xlsx"
    run(led, survey(), date(2026, 5, 1))
    res = invoke("ledger", "export", led, "-o", xlsx)
    assert res.exit_code == 0, res.output
    t = tasks_by_patch(led)
    g_id = t.loc["G", "issue_id"]
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["乙村"]
    head = [c.value for c in ws[2]]
    for h in ("项目名称", "使用主体", "建设（发现）时间", "是否立案", "线索编号", "新增/存量"):
        assert h in head, h
        # people-filled columns are tinted like the others
        assert ws.cell(2, col_of(ws, h)).fill.fgColor.rgb == ws.cell(2, col_of(ws, "整改状态")).fill.fgColor.rgb
    # 是否立案 is a drop-down of 是/否 (the hidden lists sheet)
    lists = [c.value for c in wb["lists"][1]]
    assert "是否立案" in lists and [wb["lists"].cell(r, lists.index("是否立案") + 1).value for r in (2, 3)] == ["是", "否"]
    r = sheet_rows(ws)[g_id]
    ws.cell(r, col_of(ws, "建设（发现）时间")).value = "2026年13月"
    ws.cell(r, col_of(ws, "是否立案")).value = "已立案"
    wb.save(xlsx)
    res = invoke("ledger", "import", led, xlsx)
    assert res.exit_code == 2
    assert f"row {r}, column" in res.output and "(建设（发现）时间)" in res.output and "(是否立案)" in res.output
    assert "2026年13月" in res.output and "已立案" in res.output
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["乙村"]
    edits = {"项目名称": "某某仓储项目", "使用主体": "某某公司", "建设（发现）时间": "2025年6月", "是否立案": "是",
             "线索编号": "370123SJBG26000001"}
    for h, v in edits.items():
        ws.cell(r, col_of(ws, h)).value = v
    wb.save(xlsx)
    res = invoke("ledger", "import", led, xlsx)
    assert res.exit_code == 0, res.output
    want = {"project_name": "某某仓储项目", "subject": "某某公司", "build_time": "2025-06", "case_filed": "是",
            "clue_id": "370123SJBG26000001"}
    assert tasks_by_patch(led).loc["G", list(want)].to_dict() == want
    # a re-run keeps them (clue_id is a people field: the farmland data has none, the officers' value stays)
    run(led, survey(), date(2026, 6, 1))
    assert tasks_by_patch(led).loc["G", list(want)].to_dict() == want
    # a fresh export shows them and reads back with nothing to import
    res = invoke("ledger", "export", led, "-o", xlsx)
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(xlsx)["乙村"]
    assert ws.cell(r, col_of(ws, "建设（发现）时间")).value == "2025-06"
    assert "nothing new" in invoke("ledger", "import", led, xlsx).output
    # the county template: 县名称 from landcheck.toml, 线索编号 the officers', 问题编号 apart, 原地类 / 现状地类
    monkeypatch.chdir(tmp_path)
    Path("landcheck.toml").write_text('[township]\nname = "示例镇"\ncounty = "示例县"\n[layers.survey]\npath = "x.gpkg"\n',
                                      encoding="utf-8")
    county = tmp_path / "c.xlsx"
    res = invoke("ledger", "export", led, "--template", "county", "-o", county)
    assert res.exit_code == 0, res.output
    n = len(load_ledger(led).tasks)
    assert f"列出 1 项；未列出 {n - 1} 项：非农化以外 {n - 1} 项，核查结论为合法 0 项" in res.output.replace("\n", "")
    ws = openpyxl.load_workbook(county).active
    head = [c.value for c in ws[3]]
    row = dict(zip(head, [c.value for c in ws[4]]))
    assert row["县名称"] == "示例县" and row["乡镇名称"] == "示例镇" and row["线索编号"] == "370123SJBG26000001"
    assert row["问题编号"] == g_id and row["监测编号"] is None and row["项目名称"] == "某某仓储项目" and row["项目主体"] == "某某公司"
    assert row["原地类"] == "旱地(0103)" and row["现状地类"] == "农村宅基地(0702)"
