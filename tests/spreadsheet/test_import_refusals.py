"""Import tells what it cannot apply (issue 15 item 7): on the sample township's ledger, exported and
edited as officers do, a renamed header of a people's column, a formula cell (with or without a cached
value) and 剩余未整改面积 above the task's area are errors naming the cell; nothing is applied."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from landcheck import sample
from landcheck.cli import cli
from landcheck.ledger import load_ledger, merge_findings
from landcheck.spreadsheet import ImportValidationError, export_xlsx, import_xlsx
from tests.helpers import check_sample


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def township_ledger(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("import")
    res = check_sample(sample.make_township(n_patches=1000), folder / "layers")
    led = folder / "ledger.gpkg"
    merge_findings(led, res.findings, prefix="SL", run_date=date(2026, 5, 1))
    return led


@pytest.fixture
def exported(township_ledger, tmp_path):
    """A fresh copy of the ledger, its workbook, and the first village sheet's layout: (ledger, xlsx,
    sheet title, {header: column}, first task's row, its issue id and area)."""
    led = tmp_path / "ledger.gpkg"
    shutil.copy(township_ledger, led)
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    wb = openpyxl.load_workbook(out)
    ws = next(ws for ws in wb.worksheets if ws.cell(2, 2).value == "问题编号")
    heads = {c.value: c.column for c in ws[2] if c.value}
    row = 3
    iid = ws.cell(row, heads["问题编号"]).value
    area = float(load_ledger(led).tasks.set_index("issue_id").at[iid, "area_mu"])
    return led, out, ws.title, heads, row, iid, area


def _edit(out: Path, sheet: str, *cells) -> None:
    wb = openpyxl.load_workbook(out)
    for r, c, v in cells:
        wb[sheet].cell(r, c).value = v
    wb.save(out)


def _refused(led: Path, out: Path) -> list:
    before = digest(led)
    with pytest.raises(ImportValidationError) as e:
        import_xlsx(led, out)
    assert digest(led) == before  # all-or-nothing
    return e.value.problems


def test_a_renamed_status_header_is_an_error_naming_its_cell(exported):
    led, out, sheet, h, row, iid, _ = exported
    c = h["整改状态"]
    _edit(out, sheet, (2, c, "状态"), (row, c, "已整改"), (row, h["责任人"], "李四"))
    problems = _refused(led, out)
    assert [(p.sheet, p.row, p.column, p.header) for p in problems] == [(sheet, 2, get_column_letter(c), "状态")]
    assert "整改状态" in problems[0].message and f"row {row}" in problems[0].message
    r = invoke("ledger", "import", led, out)
    assert r.exit_code == 2 and f"sheet '{sheet}', row 2, column {get_column_letter(c)} (状态)" in r.output
    assert load_ledger(led).tasks.set_index("issue_id").at[iid, "resp_person"] == ""  # the good edit is not applied either


def test_formula_cells_are_errors_with_or_without_a_cached_value(exported):
    led, out, sheet, h, row, iid, area = exported
    rem, person = h["剩余未整改面积(亩)"], h["责任人"]
    _edit(out, sheet, (row, rem, "=1+1"), (row + 1, person, '="李"&"四"'))  # openpyxl saves no cached value
    problems = _refused(led, out)
    assert {(p.row, p.column) for p in problems} == {(row, get_column_letter(rem)), (row + 1, get_column_letter(person))}
    assert all("formula" in p.message for p in problems)
    # the same workbook with cached values, as Excel saves it: still refused (the value is computed, not typed)
    cached = out.with_name("cached.xlsx")
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(cached, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
            dst.writestr(item, data)
    wb = openpyxl.load_workbook(cached, data_only=True)
    assert wb[sheet].cell(row, rem).value == 2  # Excel's cached value is there …
    assert {(p.row, p.column) for p in _refused(led, cached)} >= {(row, get_column_letter(rem))}  # … and not taken


def test_remaining_area_above_the_tasks_area_is_an_error(exported):
    led, out, sheet, h, row, iid, area = exported
    rem = h["剩余未整改面积(亩)"]
    _edit(out, sheet, (row, rem, 99999))
    problems = _refused(led, out)
    assert [(p.sheet, p.row, p.column, p.header) for p in problems] == [(sheet, row, get_column_letter(rem), "剩余未整改面积(亩)")]
    assert "99999.00" in problems[0].message and f"{area:.2f}" in problems[0].message
    _edit(out, sheet, (row, rem, area))  # the whole area is still allowed
    res = import_xlsx(led, out)
    assert load_ledger(led).tasks.set_index("issue_id").at[iid, "remaining_mu"] == pytest.approx(area)
    assert [c["field"] for c in res.changes] == ["remaining_mu"]


def test_an_officers_own_column_is_kept_out_with_a_warning(exported):
    led, out, sheet, h, row, iid, _ = exported
    last = max(h.values()) + 1
    _edit(out, sheet, (2, last, "联系电话"), (row, last, "13800138000"), (row, h["责任人"], "李四"))
    res = import_xlsx(led, out)
    assert any("联系电话" in w and "not imported" in w for w in res.warnings)
    assert load_ledger(led).tasks.set_index("issue_id").at[iid, "resp_person"] == "李四"


def test_a_renamed_issue_id_header_is_an_error_not_a_skipped_sheet(exported):
    led, out, sheet, h, row, iid, _ = exported
    _edit(out, sheet, (2, h["问题编号"], "编号"), (row, h["责任人"], "李四"))
    problems = _refused(led, out)
    assert [(p.sheet, p.row, p.header) for p in problems] == [(sheet, 2, "问题编号")]
    assert "整改状态" in problems[0].message
