"""findings.xlsx read back with openpyxl: Chinese headers and labels, codes and ids exact as text,
formula-looking values kept as text, numbers as numbers, print setup."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import shapely

from landcheck.findings import HEADERS_ZH, make_findings
from landcheck.pipeline.outputs import write_findings
from landcheck.spreadsheet.findings_book import SHEET


def _findings():
    data = {"check": ["farmland", "farmland"], "problem_type": ["非粮化（林果）", "=cmd|' /C calc'!A0"],
            "category": ["non_grain", "facility"], "severity": ["error", "warning"],
            "suggested_measure": ["退园还耕", "补办备案"], "patch_id": ["371426104100000013", "000123"],
            "farmland_id": ["3714261040010001", ""], "dlbm": ["0201", "1202"], "dlmc": ["果园", "设施农用地"],
            "village": ["甲村", "乙村"], "township": ["示例镇", "示例镇"], "area_m2": [666.6666667, 1234.5]}
    geoms = [shapely.box(0, 0, 30, 22.2), shapely.box(100, 0, 130, 40)]
    f = make_findings(data, geoms, 4527)
    f["origin"] = ["new", "unknown"]
    f["village_code"] = ["371426104001", "371426104002"]
    return gpd.GeoDataFrame(f, geometry="geometry", crs=4527)


def test_findings_xlsx_beside_the_csv_keeps_codes_and_ids_as_text(tmp_path):
    written = write_findings(_findings(), tmp_path)
    assert written["findings_xlsx"] == tmp_path / "findings.xlsx" and (tmp_path / "findings.csv").exists()
    ws = openpyxl.load_workbook(tmp_path / "findings.xlsx")[SHEET]
    head = [c.value for c in ws[1]]
    assert head[:4] == [HEADERS_ZH["finding_key"], HEADERS_ZH["check"], HEADERS_ZH["problem_type"], HEADERS_ZH["category"]]
    assert "新增/存量" in head and "行政村代码" in head
    rows = [dict(zip(head, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert rows[0][HEADERS_ZH["dlbm"]] == "0201"                      # the zero stays
    assert rows[0][HEADERS_ZH["patch_id"]] == "371426104100000013"    # 18 digits exact, as text
    assert rows[1][HEADERS_ZH["patch_id"]] == "000123"
    assert rows[1][HEADERS_ZH["problem_type"]] == "=cmd|' /C calc'!A0"  # text, not a formula
    assert ws.cell(row=3, column=head.index(HEADERS_ZH["problem_type"]) + 1).data_type == "s"
    assert rows[0][HEADERS_ZH["category"]] == "非粮化" and rows[1][HEADERS_ZH["category"]] == "设施农用地（需核实备案）"
    assert rows[0][HEADERS_ZH["severity"]] == "错误" and rows[0]["新增/存量"] == "新增" and rows[1]["新增/存量"] == "待核实"
    assert rows[0][HEADERS_ZH["area_mu"]] == 1.0 and isinstance(rows[1][HEADERS_ZH["area_m2"]], float)
    assert rows[0]["行政村代码"] == "371426104001"
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.column_dimensions["A"].width >= 10
    assert not list(tmp_path.glob(".findings*"))  # written atomically: no temporary file left


def test_an_empty_text_is_no_cell_but_keeps_its_columns_look(tmp_path):
    write_findings(_findings(), tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    ws = wb[SHEET]
    head = [c.value for c in ws[1]]
    col = head.index(HEADERS_ZH["farmland_id"]) + 1
    assert ws.cell(row=2, column=col).value == "3714261040010001"
    empty = ws.cell(row=3, column=col)
    assert empty.value is None and not empty.has_style  # not written at all
    style = ws.column_dimensions[openpyxl.utils.get_column_letter(col)]._style
    assert wb._borders[style.borderId].left.style == "thin" and style.numFmtId == 49  # the column's text format: '@', bordered
