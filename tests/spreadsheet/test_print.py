"""The ledger workbook as printed: A4 landscape at 100 % (≥ 9 pt, wide sheets split over pages with
repeated title rows and key columns), a 合计 row on every sheet that is the sum of the printed cells, the
汇总 of violations only, a signature line, labels never broken inside their brackets — read back with
openpyxl, and converted to PDF by LibreOffice and measured with poppler when they are installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from landcheck import sample, units
from landcheck.config import vocabulary
from landcheck.ledger import ledger_transaction, load_ledger, merge_findings
from landcheck.spreadsheet import export_xlsx, import_xlsx
from landcheck.spreadsheet.layout import (
    COUNTY_COLUMNS, VILLAGE_COLUMNS, choices, label_width, print_label, village_names, village_widths, wrap,
)
from landcheck.spreadsheet.summary import COLUMN
from tests.helpers import check_sample
from tests.spreadsheet.test_spreadsheet import ROWS, findings

V = vocabulary()
PLAN_ROW = ("T1", "甲村", "0101", "水田", "transfer_below_min", "流转地块不足100亩", "核实举证", 40)
SKIP = ("lists", "_landcheck")


def soffice() -> str | None:
    """LibreOffice's program, or None (the tests that need it skip)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def plan_led(tmp_path) -> Path:
    """The sheet tests' ledger with a transfer block under the minimum (a plan gap, not a violation) in 甲村."""
    p = tmp_path / "ledger.gpkg"
    merge_findings(p, findings(ROWS + [PLAN_ROW]), prefix="SL", run_date=date(2026, 5, 1))
    return p


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    """The sample township, checked, merged into a ledger and exported (workbook and county template)."""
    folder = tmp_path_factory.mktemp("print")
    res = check_sample(sample.make_township(n_patches=3000), folder / "layers")
    led = folder / "ledger.gpkg"
    merge_findings(led, res.findings, prefix="SL", run_date=date(2026, 5, 1))
    out, county = folder / "t.xlsx", folder / "c.xlsx"
    export_xlsx(led, out, today=date(2026, 5, 2))
    export_xlsx(led, county, template="county", county="示例县", today=date(2026, 5, 2))
    return led, out, county


def breaks_inside_brackets(lines: list[str]) -> bool:
    depth = 0
    for line in lines[:-1]:
        depth += line.count("（") - line.count("）")
        if depth > 0:
            return True
    return False


def printed_sheets(path: Path):
    wb = openpyxl.load_workbook(path)
    return [ws for ws in wb.worksheets if ws.title not in SKIP]


def total_rows(ws) -> dict[str, int]:
    """Rows whose first cell starts with 合计 or 其中 (village sheets), by that text."""
    return {str(ws.cell(r, 1).value): r for r in range(3, ws.max_row + 1)
            if str(ws.cell(r, 1).value or "").startswith(("合计", "其中"))}


# ------------------------------------------------------------------------------------------
# Page setup and fonts, in the XLSX
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["default", "county"])
def test_page_setup_splits_wide_sheets_and_every_font_is_at_least_9_pt(plan_led, tmp_path, which):
    out = tmp_path / f"{which}.xlsx"
    export_xlsx(plan_led, out, template=which, county="示例县")
    sheets = printed_sheets(out)
    assert sheets
    for ws in sheets:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9 and ps.orientation == "landscape", ws.title
        assert not ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth in (None, 1), ws.title  # no shrink
        assert ps.scale in (None, 100), ws.title
        assert ws.print_area and ws.print_title_rows and ws.print_title_cols, ws.title
        if ws.title == "汇总":
            assert ws.print_title_rows == "$1:$4" and ws.print_title_cols == "$A:$A"
        elif which == "default":
            assert ws.print_title_rows == "$1:$2" and ws.print_title_cols == "$A:$B"  # 序号, 问题编号
            assert [ws.cell(2, 1).value, ws.cell(2, 2).value] == ["序号", "问题编号"]
        else:
            assert ws.print_title_cols == "$A:$A"
        sizes = {c.font.sz for row in ws.iter_rows() for c in row if c.has_style}
        assert sizes and min(sizes) >= 9, (ws.title, sorted(sizes))
        # the signature line, last in the print area
        last = ws.max_row
        sign = " ".join(str(c.value) for c in ws[last] if c.value)
        assert all(w in sign for w in ("填报单位", "填报人", "审核人", "日期")), (ws.title, sign)
        assert ws.print_area.endswith(f"${last}"), (ws.print_area, last)


# ------------------------------------------------------------------------------------------
# Totals as printed
# ------------------------------------------------------------------------------------------
def check_totals(out: Path, tasks: pd.DataFrame) -> None:
    wb = openpyxl.load_workbook(out)
    ws = wb["汇总"]
    h2 = 4 if ws.cell(4, 2).value == "处" else 5
    groups, group = [], None
    for c in range(2, ws.max_column + 1):
        group = ws.cell(h2 - 1, c).value or group
        groups.append((group, ws.cell(h2, c).value))
    pairs = [c for c in range(2, ws.max_column + 1) if ws.cell(h2, c).value == "处"]
    rows = {ws.cell(r, 1).value: r for r in range(h2 + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    total_r = rows.pop("合计")
    rows = {k: v for k, v in rows.items() if not str(k).startswith("填报单位")}

    def num(r, c):
        return ws.cell(r, c).value or 0

    violations = tasks[tasks["category"] != "transfer_below_min"]
    assert num(total_r, 2) == len(violations)  # violations only
    for r in list(rows.values()):
        assert num(r, 2) == sum(num(r, c) for c in pairs[1:])
        assert num(r, 3) == units.sum_printed([num(r, c + 1) for c in pairs[1:]])  # 合计亩 = its cells as printed
    for c in range(2, ws.max_column + 1):
        column = [num(r, c) for r in rows.values()]
        expected = units.sum_printed(column) if ws.cell(h2, c).value == "亩" else sum(column)
        assert num(total_r, c) == expected, (groups[c - 2], num(total_r, c), expected)
    assert num(total_r, 3) == units.sum_printed(violations["area_mu"])
    # every village sheet's 合计 is its village's 汇总 row, and the sum of its printed cells
    names = {str(ws.cell(r, 1).value): r for r in rows.values()}
    for sheet in wb.worksheets:
        if sheet.title in ("汇总", *SKIP):
            continue
        heads = {sheet.cell(2, c).value: c for c in range(1, sheet.max_column + 1)}
        totals = total_rows(sheet)
        t = totals["合计"]
        data = range(3, min(totals.values()))
        mu_col, ids = heads["面积(亩)"], heads["问题编号"]
        village = next(v for v in names if f" {v} " in sheet.cell(1, 1).value)  # title: 乡镇 村 整改台账
        plan_ids = set(tasks.loc[tasks["category"] == "transfer_below_min", "issue_id"])
        counted = [r for r in data if sheet.cell(r, ids).value not in plan_ids]
        assert sheet.cell(t, ids + 1).value == len(counted) == num(names[village], 2)
        assert sheet.cell(t, mu_col).value == units.sum_printed([sheet.cell(r, mu_col).value for r in counted])
        assert sheet.cell(t, mu_col).value == (ws.cell(names[village], 3).value or 0)
        plan_rows = [r for r in data if sheet.cell(r, ids).value in plan_ids]
        if plan_rows:
            p = next(v for k, v in totals.items() if k.startswith("其中"))
            assert sheet.cell(p, ids + 1).value == len(plan_rows)
            assert sheet.cell(p, mu_col).value == units.sum_printed([sheet.cell(r, mu_col).value for r in plan_rows])


def test_totals_are_the_sums_of_the_printed_cells_and_count_violations_only(plan_led, tmp_path):
    out = tmp_path / "t.xlsx"
    with ledger_transaction(plan_led) as L:
        L.meta["pbf_gross_m2"], L.meta["pbf_net_m2"] = "666667", "600000"
    export_xlsx(plan_led, out, today=date(2026, 5, 2))
    T = load_ledger(plan_led).tasks
    check_totals(out, T)
    wb = openpyxl.load_workbook(out)
    assert wb["汇总"]["B3"].value == "永久基本农田面积：1000.00 亩；扣除田坎后 900.00 亩"
    assert "流转地块不足100亩" not in {str(c.value) for c in wb["汇总"][4]}  # not a problem type of the 汇总
    jia = next(ws for ws in wb.worksheets if ws.title == "甲村")
    assert any(k.startswith("其中流转地块面积不足") for k in total_rows(jia))
    # the 合计 and signature rows are not read back
    res = import_xlsx(plan_led, out)
    assert res.changes == [] and res.n_rows == len(T)


def test_no_pbf_line_without_the_figures(plan_led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(plan_led, out)
    ws = openpyxl.load_workbook(out)["汇总"]
    assert ws.cell(4, 2).value == "处" and not any("永久基本农田" in str(c.value) for c in ws[3])


def test_sample_township_totals_add_up_as_printed(township):
    led, out, county = township
    T = load_ledger(led).tasks
    check_totals(out, T)
    ws = openpyxl.load_workbook(county)["非农违法图斑清单"]
    t = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    assert t > 5
    for c in (8, 9, 10):
        assert ws.cell(t, c).value == units.sum_printed([ws.cell(r, c).value or 0 for r in range(4, t)])


def test_villages_in_village_code_order():
    tasks = pd.DataFrame({"village": ["乙村", "甲村", "", "丙村"], "village_code": ["2", "1", "", "3"]})
    assert village_names(tasks) == ["甲村", "乙村", "丙村", ""]


# ------------------------------------------------------------------------------------------
# Labels never broken inside their brackets
# ------------------------------------------------------------------------------------------
def test_no_vocabulary_label_breaks_inside_its_brackets():
    # a village sheet's problem type: alone on its sheet (the narrowest column) or with the others
    for label in V.problem_types:
        for rows in (pd.DataFrame({"problem_type": [label]}), pd.DataFrame({"problem_type": list(V.problem_types)})):
            w = village_widths(rows)[[k for k, *_ in VILLAGE_COLUMNS].index("problem_type")]
            assert not breaks_inside_brackets(wrap(print_label(label, w), w)), (label, w)
    # the drop-downs' values stay as they are: on one line at any sheet's width
    widths = dict(zip([k for k, *_ in VILLAGE_COLUMNS], village_widths(pd.DataFrame({"problem_type": ["x"]}))))
    for key, values in choices().items():
        for v in values:
            assert not breaks_inside_brackets(wrap(v, widths[key])), (key, v, widths[key])
    # 汇总 headers: a problem type or category over its 处 and 亩, a status over its column
    for label in [*V.problem_types, *(lab for lab, _short in V.categories.values())]:
        assert not breaks_inside_brackets(wrap(print_label(label, 2 * COLUMN), 2 * COLUMN)), label
    for s in V.statuses:
        w = max(COLUMN, label_width(s))
        assert not breaks_inside_brackets(wrap(print_label(s, w), w)), s
    # the county template's headers (非农违法面积（亩） …) break before their brackets too
    for header, *_kinds, width in COUNTY_COLUMNS:
        assert not breaks_inside_brackets(wrap(print_label(header, width), width)), header
    assert breaks_inside_brackets(wrap("非农化（建设占用）", 12))  # the test can fail
    assert print_label("非农化（建设占用）", 12) == "非农化\n（建设占用）" and print_label("非农化（道路）", 16) == "非农化（道路）"


# ------------------------------------------------------------------------------------------
# As LibreOffice prints it
# ------------------------------------------------------------------------------------------
CJK_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\u4e00-\u9fff]{2,})</word>')


@pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None, reason="LibreOffice or poppler not installed")
def test_libreoffice_prints_the_sample_township_at_9_pt_or_more(township, tmp_path):
    _led, out, county = township
    for book in (out, county):
        subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                        "--outdir", str(tmp_path / "pdf"), str(book)], check=True, capture_output=True, timeout=300,
                       env={**__import__("os").environ, "HOME": str(tmp_path)})
        pdf = tmp_path / "pdf" / (book.stem + ".pdf")
        html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', html)
        assert pages and all(float(w) > float(h) and abs(float(w) - 841.89) < 1 for w, h in pages)  # A4 landscape
        # a CJK character is one em wide: a word of CJK characters gives the size its text is printed at
        sizes = [(float(m[2]) - float(m[0])) / len(m[4]) for m in CJK_WORD.findall(html)]
        assert len(sizes) > 20
        assert min(sizes) >= 9.0, sorted(sizes)[:5]
        assert 9.5 <= sorted(sizes)[len(sizes) // 2] <= 10.5  # the body at 10 pt
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "审核人" in text and "合计" in text
        assert not re.search(r"^\s*）", text, flags=re.M)  # no closing bracket alone at a line's start
