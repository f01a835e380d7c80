"""The ledger's workbook: layout an officer can use, hostile text kept as text, drop-downs from the
vocabulary, the county template, and an import that validates everything before applying anything."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck import units
from landcheck.cli import cli
from landcheck.config import vocabulary
from landcheck.errors import LandcheckError
from landcheck.findings import make_findings
from landcheck.ledger import ledger_transaction, apply_people_edits, load_ledger, merge_findings
from landcheck.spreadsheet import (
    COUNTY_HEADERS, ImportValidationError, UnimportedEditsError, export_xlsx, import_xlsx, legal_sheet_names, pending_edits,
)

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)
V = vocabulary()
NEW, DOING, DONE, CLOSED, GONE = V.statuses
HOSTILE = '=HYPERLINK("http://x","y")'
LONG = "某某县某某镇某某某某某某某某某某某某某某某某某某某某某某某某某某村民委员会[一]组"


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def findings(rows):
    """rows: (patch_id, village, dlbm, dlmc, category, problem_type, measure, width m)."""
    geoms = []
    x = 0.0
    for r in rows:
        geoms.append(box(x, 0, x + r[7], 100))
        x += r[7] + 50
    n = len(rows)
    return make_findings({
        "check": ["farmland"] * n, "patch_id": [r[0] for r in rows], "farmland_id": ["F1"] * n, "village": [r[1] for r in rows],
        "township": ["示例镇"] * n, "dlbm": [r[2] for r in rows], "dlmc": [r[3] for r in rows], "category": [r[4] for r in rows],
        "problem_type": [r[5] for r in rows], "suggested_measure": [r[6] for r in rows], "severity": ["error"] * n,
        "area_m2": [float(units.ellipsoidal_area([g], 4527).sum()) for g in geoms],
    }, geoms, 4527)


ROWS = [
    ("P1", "甲村", "0201", "果园", "non_grain", "非粮化（林果）", "退园还耕", 60),
    ("P2", "甲村", "0702", "农村宅基地", "non_farm", "非农化（建设占用）", "拆除复耕", 33.3333),
    ("P3", "乙村", "0601", "工业用地", "non_farm", "非农化（建设占用）", "拆除复耕", 71.11),
    ("P4", HOSTILE, "0301", "乔木林地", "non_grain", "非粮化（林木苗木）", "退林还耕", 12.5),
    ("@P5", LONG, "0702", "=1+1", "non_farm", "非农化（建设占用）", "拆除复耕", 20),
    ("P6", LONG.lower() + "x", "1202", "设施农用地", "facility", "设施农用地（需核实备案）", "补办备案", 10),
]


@pytest.fixture
def led(tmp_path) -> Path:
    p = tmp_path / "ledger.gpkg"
    merge_findings(p, findings(ROWS), prefix="SL", run_date=date(2026, 5, 1))
    return p


def ids(led: Path) -> dict[str, str]:
    return dict(zip(load_ledger(led).tasks["patch_id"], load_ledger(led).tasks["issue_id"]))


def invoke(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={}, catch_exceptions=False)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def village_sheet(wb, village: str):
    for ws in wb.worksheets:
        if ws.title not in ("汇总", "lists", "_landcheck") and isinstance(ws["A1"].value, str) and ws["A1"].value == f"示例镇 {village} 整改台账":
            return ws
    raise KeyError(village)


def header_cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[2] if c.value}


def row_of(ws, issue_id: str) -> int:
    col = header_cols(ws)["问题编号"]
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col).value == issue_id)


def set_cell(xlsx: Path, village: str, issue_id: str, header: str, value, out: Path | None = None) -> None:
    wb = openpyxl.load_workbook(xlsx)
    ws = village_sheet(wb, village)
    ws.cell(row_of(ws, issue_id), header_cols(ws)[header]).value = value
    wb.save(out or xlsx)


# ------------------------------------------------------------------------------------------
# Sheet names and layout
# ------------------------------------------------------------------------------------------
def test_legal_sheet_names():
    names = legal_sheet_names(["甲村", "a/b\\c[d]:e*f?g", "'引号'", "", "汇总", "History", "x" * 40, "X" * 40, "y" * 40 + "z"])
    assert names["a/b\\c[d]:e*f?g"] == "a_b_c_d__e_f_g"
    assert names["'引号'"] == "引号" and names[""] == "未填行政村"
    assert names["汇总"] == "汇总(2)" and names["History"] == "History(2)"
    assert names["x" * 40] == "x" * 31 and names["X" * 40] == "X" * 28 + "(2)"  # unique ignoring case
    assert all(len(v) <= 31 and not set(v) & set("[]:*?/\\") for v in names.values())
    assert len({v.casefold() for v in names.values()}) == len(names)


def test_workbook_layout_an_officer_can_use(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out, today=date(2026, 5, 2))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "汇总" and wb.sheetnames[-2:] == ["lists", "_landcheck"]
    assert wb["lists"].sheet_state == "hidden" and wb["_landcheck"].sheet_state == "veryHidden"
    assert all(len(n) <= 31 for n in wb.sheetnames) and len(wb.sheetnames) == 2 + 4 + 2
    ws = village_sheet(wb, "甲村")
    heads = [c.value for c in ws[2]]
    assert heads[:3] == ["序号", "问题编号", "图斑编号"] and {"核查结论", "整改措施", "整改状态", "责任人", "整改时限"} <= set(heads)
    assert ws.freeze_panes == "C3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$2"  # split, not shrunk (test_print)
    h = header_cols(ws)
    mu = ws.cell(3, h["面积(亩)"])
    assert mu.number_format == "0.00" and mu.data_type == "n"
    assert ws.cell(3, h["经度"]).number_format == "0.000000"
    desc = openpyxl.utils.get_column_letter(h["问题描述"])
    assert ws.column_dimensions[desc].width >= 16 and ws.cell(3, h["问题描述"]).alignment.wrap_text
    # the long village: full name in the title row although the sheet name is cut to 31 characters
    long_ws = village_sheet(wb, LONG)
    assert long_ws["A1"].value == f"示例镇 {LONG} 整改台账" and len(long_ws.title) <= 31
    # drop-downs: lists on the hidden sheet, as long as the vocabulary
    dv = {ws.cell(2, next(iter(d.sqref.ranges)).min_col).value: d for d in ws.data_validations.dataValidation}
    assert dv["核查结论"].type == "list" and dv["核查结论"].formula1 == f"lists!$A$2:$A${len(V.verdicts) + 1}"
    assert dv["整改措施"].formula1 == f"lists!$B$2:$B${len(V.all_measures) + 1}"
    assert dv["整改状态"].formula1 == f"lists!$C$2:$C${len(V.statuses) + 1}"
    assert dv["整改时限"].type == "date" and dv["剩余未整改面积(亩)"].type == "decimal"
    st = openpyxl.utils.get_column_letter(h["整改状态"])
    assert str(dv["整改状态"].sqref) == f"{st}3:{st}{ws.max_row - 3}"  # not the 合计, blank and signature rows
    lists = wb["lists"]
    assert [lists.cell(r, 2).value for r in range(2, len(V.all_measures) + 2)] == list(V.all_measures)


def test_summary_sheet_counts_and_totals(led, tmp_path):
    out = tmp_path / "t.xlsx"
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(ids(led)["P1"], "status", DONE), (ids(led)["P2"], "status", DOING),
                               (ids(led)["P2"], "deadline", "2026-05-01")], "import x.xlsx")
    export_xlsx(led, out, today=date(2026, 5, 2))
    ws = openpyxl.load_workbook(out)["汇总"]
    heads, group = {}, None
    for c in range(1, ws.max_column + 1):  # group headers are merged across their 处 / 亩 columns
        group = (ws.cell(3, c).value or "").replace("\n", "") or group  # a label may break before its "（"
        heads[(group, (ws.cell(4, c).value or "").replace("\n", ""))] = c
    rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row - 1)}  # the signature line last
    T = load_ledger(led).tasks
    assert set(rows) == {"甲村", "乙村", HOSTILE, LONG, LONG.lower() + "x", "合计"}
    total = rows["合计"]
    assert ws.cell(total, heads[("合计", "处")]).value == 6
    assert ws.cell(total, heads[("合计", "亩")]).value == units.printed_total_mu(T["area_m2"])
    assert ws.cell(rows["甲村"], heads[("合计", "处")]).value == 2
    c_nf = next(c for (a, b), c in heads.items() if a == "非农化（建设占用）" and b == "处")
    assert ws.cell(total, c_nf).value == 3
    status_col = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value in V.statuses}
    assert ws.cell(rows["甲村"], status_col[DONE]).value == 1 and ws.cell(total, status_col[NEW]).value == 4
    assert ws.cell(rows["甲村"], ws.max_column).value == 1  # overdue: P2 past its deadline and 整改中
    assert ws["A5"].hyperlink is not None and ws["A5"].hyperlink.location.endswith("!A1")


# ------------------------------------------------------------------------------------------
# Hostile text
# ------------------------------------------------------------------------------------------
def test_hostile_text_stays_plain_text_in_every_cell(led, tmp_path):
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(ids(led)["P1"], "remarks", "+86 138"), (ids(led)["P2"], "resp_person", "-张三"),
                               (ids(led)["P3"], "remarks", "\tTAB"), (ids(led)["P4"], "remarks", HOSTILE),
                               (ids(led)["P2"], "project_name", HOSTILE)], "import x.xlsx")
    for template in ("default", "county"):
        out = tmp_path / f"{template}.xlsx"
        export_xlsx(led, out, template=template)
        # no formula anywhere in the file: every worksheet XML is free of <f> elements
        with zipfile.ZipFile(out) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
        wb = openpyxl.load_workbook(out)
        seen = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value[:1] in "=+-@\t":
                        assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                        seen.add(c.value)
                    if isinstance(c.value, str) and HOSTILE in c.value:
                        seen.add(HOSTILE)
        assert HOSTILE in seen
        if template == "county":
            assert HOSTILE in {c.value for c in wb["非农违法图斑清单"]["E"]}  # 项目名称, exactly the text
        if template == "default":
            assert {"@P5", "+86 138", "-张三", "\tTAB"} <= seen
            ws = village_sheet(wb, HOSTILE)
            assert ws["A1"].value == f"示例镇 {HOSTILE} 整改台账" and ws["A1"].data_type == "s"
            assert ws.title == '=HYPERLINK("http___x","y")'
    # and back in: an import reads the text unchanged, nothing to apply
    out = tmp_path / "default.xlsx"
    assert import_xlsx(led, out).changes == []
    assert load_ledger(led).tasks.set_index("patch_id").loc["P4", "village"] == HOSTILE


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice not installed")
def test_libreoffice_shows_hostile_text_as_text_and_round_trips(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    conv = tmp_path / "conv"
    # every sheet to CSV (LibreOffice ≥ 7.2: sheet -1), as LibreOffice evaluates the cells
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(conv), str(out)], check=True, capture_output=True, timeout=180)
    texts = {p.name: p.read_text(encoding="utf-8") for p in conv.glob("*.csv")}
    summary = next(v for k, v in texts.items() if k.endswith("汇总.csv"))
    assert '"=HYPERLINK(""http://x"",""y"")"' in summary
    assert any("@P5" in v for v in texts.values()) and any("=1+1" in v for v in texts.values())
    # open and save in LibreOffice (as an officer would), then import: nothing changed
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "saved"), str(out)],
                   check=True, capture_output=True, timeout=180)
    res = import_xlsx(led, tmp_path / "saved" / "t.xlsx")
    assert res.changes == [] and res.n_rows == 6 and not res.warnings


# ------------------------------------------------------------------------------------------
# County template
# ------------------------------------------------------------------------------------------
def test_county_template_has_the_14_columns_and_a_total(led, tmp_path):
    out = tmp_path / "c.xlsx"
    i = ids(led)
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(i["P2"], "status", DONE), (i["P2"], "measure", "拆除复耕"), (i["P3"], "verdict", "合法")], "import x")
    res = invoke("ledger", "export", led, "--template", "county", "--county", "示例县", "-o", out)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    ws = wb["非农违法图斑清单"]
    assert [c.value.replace("\n", "") for c in ws[3]] == list(COUNTY_HEADERS) and len(COUNTY_HEADERS) == 20  # "\n" before （
    # the county's 14 columns in its order (domain.md §5.3), then landcheck's
    assert COUNTY_HEADERS[:4] == ("序号", "县名称", "监测批次", "线索编号") and COUNTY_HEADERS[13] == "备注"
    assert COUNTY_HEADERS[14:] == ("乡镇名称", "监测编号", "问题编号", "原地类", "现状地类", "种植属性")
    data = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=ws.max_row - 2)]  # the signature line last
    assert ws.cell(ws.max_row, 2).value.startswith("填报单位：示例县 示例镇")
    # non-farm tasks not verified lawful: P2 and @P5 (P3 is 合法); 问题编号 in its own column, never in 线索编号
    assert sorted(r[16] for r in data[:-1]) == sorted([i["P2"], i["@P5"]])
    assert all(r[3] is None for r in data[:-1])
    by_id = {r[16]: r for r in data[:-1]}
    p2, p5 = by_id[i["P2"]], by_id[i["@P5"]]
    assert p2[1] == "示例县" and p2[10] == "是" and p2[11] == "拆除复耕" and p2[0] in (1, 2)
    assert p5[10] == "否" and p5[11] == NEW and p5[6] == "=1+1" and p5[13].startswith("未核查")
    assert data[-1][0] == "合计"
    T = load_ledger(led).tasks.set_index("issue_id").loc[[i["P2"], i["@P5"]]]
    assert data[-1][7] == units.printed_total_mu(T["area_m2"]) == data[-1][9]
    # the county layout has nothing to import
    with pytest.raises(LandcheckError, match="county"):
        import_xlsx(led, out)


# ------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------
def test_import_validates_everything_and_applies_nothing_on_one_bad_value(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    i = ids(led)
    wb = openpyxl.load_workbook(out)
    ws = village_sheet(wb, "甲村")
    h = header_cols(ws)
    r1, r2 = row_of(ws, i["P1"]), row_of(ws, i["P2"])
    ws.cell(r1, h["责任人"]).value = "李四"                 # a good edit …
    ws.cell(r1, h["整改状态"]).value = "完成了"              # … and bad ones
    ws.cell(r1, h["整改时限"]).value = "下个月"
    ws.cell(r2, h["核查结论"]).value = "大概违法"
    ws.cell(r2, h["整改措施"]).value = "拆了"
    ws.cell(r2, h["剩余未整改面积(亩)"]).value = -1
    ws.cell(r2, h["整改完成时间"]).value = "2026-02-30"
    ws.cell(ws.max_row + 1, h["备注"]).value = "新发现一处"      # a row without 问题编号
    ws2 = village_sheet(wb, "乙村")
    ws2.cell(row_of(ws2, i["P3"]), header_cols(ws2)["问题编号"]).value = "SL-2026-9999"
    ws2.cell(row_of(ws2, "SL-2026-9999"), header_cols(ws2)["整改状态"]).value = None
    wb.save(out)
    before = digest(led)
    with pytest.raises(ImportValidationError) as e:
        import_xlsx(led, out)
    where = {(p.sheet, p.row, p.header) for p in e.value.problems}
    s1, s2 = ws.title, ws2.title
    assert where == {
        (s1, r1, "整改状态"), (s1, r1, "整改时限"), (s1, r2, "核查结论"), (s1, r2, "整改措施"),
        (s1, r2, "剩余未整改面积(亩)"), (s1, r2, "整改完成时间"), (s1, ws.max_row, "问题编号"), (s2, 3, "问题编号"),
    }
    assert digest(led) == before and load_ledger(led).tasks.set_index("patch_id").loc["P1", "resp_person"] == ""
    res = invoke("ledger", "import", led, out)
    assert res.exit_code == 2
    assert "8 bad values, nothing was imported" in res.output
    assert f"sheet '甲村', row {r1}, column {openpyxl.utils.get_column_letter(h['整改状态'])} (整改状态): '完成了'" in res.output
    assert "unknown 问题编号 'SL-2026-9999'" in res.output and "no 问题编号" in res.output
    assert digest(led) == before


def test_import_is_forgiving_where_it_is_safe(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    i = ids(led)
    wb = openpyxl.load_workbook(out)
    ws = village_sheet(wb, "甲村")
    ws.insert_cols(3)  # an officer adds a column of their own and moves things around
    ws.cell(2, 3).value = "我的备注"
    ws.cell(3, 3).value = "随便写"
    h = header_cols(ws)
    r1, r2 = row_of(ws, i["P1"]), row_of(ws, i["P2"])
    ws.cell(r1, h["整改状态"]).value = "待复核(已消失)"       # ASCII brackets
    ws.cell(r1, h["整改时限"]).value = "2026/9/30"
    ws.cell(r1, h["整改完成时间"]).value = "2026年10月1日"
    ws.cell(r2, h["整改时限"]).value = 46295                     # a date that lost its format (Excel serial)
    ws.cell(r2, h["责任人"]).value = 13800138000                # a phone number typed as a number
    ws.cell(r2, h["剩余未整改面积(亩)"]).value = "1.255亩"
    wb.save(out)
    res = import_xlsx(led, out)
    t = load_ledger(led).tasks.set_index("patch_id")
    assert t.loc["P1", "status"] == GONE and t.loc["P1", "deadline"] == "2026-09-30" and t.loc["P1", "done_date"] == "2026-10-01"
    assert t.loc["P2", "deadline"] == "2026-09-30" and t.loc["P2", "resp_person"] == "13800138000"
    assert t.loc["P2", "remaining_mu"] == 1.26
    assert {c["field"] for c in res.changes} == {"status", "deadline", "done_date", "resp_person", "remaining_mu"}
    assert all(c["sheet"] == ws.title for c in res.changes)


def test_rows_removed_from_the_sheet_keep_their_tasks(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    i = ids(led)
    wb = openpyxl.load_workbook(out)
    ws = village_sheet(wb, "甲村")
    ws.delete_rows(row_of(ws, i["P1"]))
    wb.remove(village_sheet(wb, "乙村"))
    wb.save(out)
    res = import_xlsx(led, out)
    assert res.changes == [] and res.n_rows == 4
    t = load_ledger(led).tasks
    assert len(t) == 6 and set(t["status"]) == {NEW}


def test_two_copies_edited_by_two_people_do_not_undo_each_other(led, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export_xlsx(led, a)
    shutil.copy(a, b)
    i = ids(led)
    set_cell(a, "甲村", i["P1"], "整改状态", DOING)
    set_cell(b, "甲村", i["P2"], "责任人", "王五")
    set_cell(b, "甲村", i["P1"], "备注", "已拆除一半")
    assert import_xlsx(led, a).changes[0]["new"] == DOING
    res = import_xlsx(led, b)  # b still shows P1 as 未整改, which nobody changed in b
    assert {(c["issue_id"], c["field"]) for c in res.changes} == {(i["P2"], "resp_person"), (i["P1"], "remarks")}
    t = load_ledger(led).tasks.set_index("patch_id")
    assert t.loc["P1", "status"] == DOING and t.loc["P2", "resp_person"] == "王五"
    # both changed the same cell: the later import wins, says so, and history keeps the other value
    c = tmp_path / "c.xlsx"
    export_xlsx(led, c)
    set_cell(c, "甲村", i["P1"], "整改状态", DONE)
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(i["P1"], "status", CLOSED)], "import other.xlsx")
    res = import_xlsx(led, c)
    assert res.conflicts and res.conflicts[0]["ledger"] == CLOSED and res.conflicts[0]["workbook"] == DONE
    h = load_ledger(led).history
    assert CLOSED in set(h[(h["issue_id"] == i["P1"]) & (h["field"] == "status")]["old"])


def test_export_does_not_overwrite_edits_not_yet_imported(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    export_xlsx(led, out)  # no edits: replacing is fine
    i = ids(led)
    set_cell(out, "乙村", i["P3"], "责任人", "赵六")
    assert pending_edits(led, out) == 1
    with pytest.raises(UnimportedEditsError, match="1 edited cell not imported"):
        export_xlsx(led, out)
    res = invoke("ledger", "export", led, "-o", out)
    assert res.exit_code == 2 and "--force" in res.output
    import_xlsx(led, out)
    export_xlsx(led, out)  # imported: may be replaced
    set_cell(out, "乙村", i["P3"], "责任人", "钱七")
    assert invoke("ledger", "export", led, "-o", out, "--force").exit_code == 0
    assert pending_edits(led, out) == 0
    # a workbook landcheck did not write is not replaced either
    foreign = tmp_path / "mine.xlsx"
    openpyxl.Workbook().save(foreign)
    with pytest.raises(UnimportedEditsError, match="not written by landcheck"):
        export_xlsx(led, foreign)
    # nor one open in LibreOffice
    (tmp_path / ".~lock.t.xlsx#").write_text("x")
    with pytest.raises(LandcheckError, match="open in a spreadsheet program"):
        export_xlsx(led, out, force=True)


def test_a_workbook_of_another_ledger_is_refused(led, tmp_path):
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    other = tmp_path / "other.gpkg"
    merge_findings(other, findings(ROWS), prefix="SL", run_date=date(2026, 5, 1))  # same issue ids, other tasks
    before = digest(other)
    with pytest.raises(LandcheckError, match="another ledger"):
        import_xlsx(other, out)
    assert digest(other) == before
    with pytest.raises(LandcheckError, match="cannot be read"):
        (tmp_path / "junk.xlsx").write_text("not a zip")
        import_xlsx(led, tmp_path / "junk.xlsx")


def test_an_empty_ledger_exports(tmp_path):
    led = tmp_path / "l.gpkg"
    merge_findings(led, findings(ROWS).iloc[:0], prefix="SL", run_date=date(2026, 5, 1), checks=["farmland"])
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "lists", "_landcheck"]
    assert wb["汇总"]["A5"].value == "合计"
    export_xlsx(led, tmp_path / "c.xlsx", template="county")
    assert import_xlsx(led, out).changes == []


def test_dates_come_out_as_dates(led, tmp_path):
    i = ids(led)
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(i["P1"], "deadline", "2026-09-30")], "import x")
    out = tmp_path / "t.xlsx"
    export_xlsx(led, out)
    ws = village_sheet(openpyxl.load_workbook(out), "甲村")
    cell = ws.cell(row_of(ws, i["P1"]), header_cols(ws)["整改时限"])
    assert cell.value == datetime(2026, 9, 30) and cell.number_format == "yyyy-mm-dd"
