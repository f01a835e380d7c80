"""Suggestions in people fields (ledger/suggestions.py) and the migration of a ledger written by the
previous release (format "1"): untouched suggestions follow the new judgment, people's edits are kept
and listed, the old file is backed up beside itself."""

from datetime import date

from landcheck import ledger as ledger_mod
from landcheck.ledger import load_ledger, merge_findings
from tests.ledger.test_ledger import findings_of, run, survey, tasks_by_patch


def v1_ledger(path):
    """A ledger as the previous release wrote it: no origin, measure = the old suggestion, format "1"."""
    f = findings_of(survey()).drop(columns=["origin", "origin_evidence"])
    f["suggested_measure"] = "拆除复耕"
    merge_findings(path, f, prefix="SL", run_date=date(2026, 5, 1), checks=["farmland"])
    with ledger_mod.ledger_transaction(path) as L:
        L.meta["format"] = "1"
        L.tasks["origin_evidence"] = ""


def test_new_tasks_get_new_or_stock_from_the_origin(tmp_path):
    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    t = tasks_by_patch(led)
    assert set(t["new_or_stock"]) == {"新增"} and t.loc["G", "origin_evidence"] == "划定时地类 0103"


def test_a_v1_ledger_migrates_keeping_peoples_edits(tmp_path):
    led = tmp_path / "l.gpkg"
    v1_ledger(led)
    b = tasks_by_patch(led).loc["B", "issue_id"]
    with ledger_mod.ledger_transaction(led) as L:
        ledger_mod.apply_people_edits(L, [(b, "measure", "调出补划")], "import 台账.xlsx")
    r = run(led, survey(), date(2026, 6, 1))
    assert r.backup.endswith("l.v1-backup.gpkg") and (tmp_path / "l.v1-backup.gpkg").exists()
    assert load_ledger(tmp_path / "l.v1-backup.gpkg").meta["format"] == "1"
    assert load_ledger(led).meta["format"] == "2"
    t = tasks_by_patch(led)
    assert t.loc["B", "measure"] == "调出补划"  # the officer's choice stays …
    assert {"issue_id": b, "field": "measure", "kept": "调出补划", "suggested": "退园还耕"} in r.kept_edits  # … and is listed
    assert t.loc["G", "measure"] == "拆除复耕" and t.loc["C", "measure"] == "退园还耕"  # untouched: the new suggestion
    assert set(t["new_or_stock"]) == {"新增"}
    h = load_ledger(led).history
    c = t.loc["C", "issue_id"]
    assert len(h[(h["issue_id"] == c) & (h["field"] == "measure") & h["origin"].str.startswith("run 2026-06-01")]) == 1
    again = run(led, survey(), date(2026, 7, 1))
    assert again.updated == [] and again.backup == "" and again.kept_edits == r.kept_edits


def test_the_workbook_offers_new_or_stock_to_fill(tmp_path):
    import openpyxl

    from landcheck.spreadsheet import export_xlsx

    led = tmp_path / "l.gpkg"
    run(led, survey(), date(2026, 5, 1))
    wb = openpyxl.load_workbook(export_xlsx(led, tmp_path / "台账.xlsx"))
    ws = next(ws for ws in wb.worksheets if isinstance(ws["A1"].value, str) and "乙村" in ws["A1"].value)
    col = {c.value: c.column for c in ws[2] if c.value}["新增/存量"]
    assert {ws.cell(r, col).value for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value} == {"新增"}
    assert any(d.formula1.startswith("lists!$D$") for d in ws.data_validations.dataValidation)  # a drop-down


def test_clue_id_follows_the_data_until_officers_fill_it(tmp_path):
    """线索编号 is a people field whose first value comes from the 卫片 layer's XSBH: a later batch that
    brings it fills an untouched task, a number an officer typed is kept (and listed)."""
    led = tmp_path / "l.gpkg"

    def merge(clues, when):
        f = findings_of(survey())
        f["clue_id"] = [clues.get(p, "") for p in f["patch_id"]]
        return merge_findings(led, f, prefix="SL", run_date=when, checks=["farmland"])

    merge({"G": "XS-G1"}, date(2026, 5, 1))
    t = tasks_by_patch(led)
    assert t.loc["G", "clue_id"] == "XS-G1" and t.loc["B", "clue_id"] == ""
    b = t.loc["B", "issue_id"]
    with ledger_mod.ledger_transaction(led) as L:
        ledger_mod.apply_people_edits(L, [(b, "clue_id", "XS-B-officer")], "import 台账.xlsx")
    r = merge({"G": "XS-G2", "B": "XS-B2", "K": "XS-K2"}, date(2026, 6, 1))
    t = tasks_by_patch(led)
    assert t.loc["G", "clue_id"] == "XS-G2" and t.loc["K", "clue_id"] == "XS-K2"   # untouched: the data's
    assert t.loc["B", "clue_id"] == "XS-B-officer"                                  # the officer's stays …
    assert {"issue_id": b, "field": "clue_id", "kept": "XS-B-officer", "suggested": "XS-B2"} in r.kept_edits
    merge({}, date(2026, 7, 1))                                                     # a batch without clues clears nothing
    assert tasks_by_patch(led).loc["G", "clue_id"] == "XS-G2"
