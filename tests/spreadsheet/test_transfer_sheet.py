"""The 流转地块台账 sheet: the ledger's block registry printed, read back with openpyxl."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import openpyxl
from shapely.geometry import box

from landcheck.checks.transfer import check_transfer
from landcheck.checks.transfer.registry import registry_frame
from landcheck.ledger import load_ledger, merge_findings
from landcheck.spreadsheet import export_xlsx

X, Y = 39500000.0, 4130000.0


def test_the_transfer_sheet_prints_the_registry_with_a_total_of_the_printed_rows(tmp_path):
    rows = [("A1", "张三", "东村", 0, 400), ("A2", "张三", "西村", 400, 100), ("B1", "李四", "东村", 2000, 300)]
    parcels = gpd.GeoDataFrame({"DKBM": [r[0] for r in rows], "流入方": [r[1] for r in rows], "ZLDWMC": [r[2] for r in rows]},
                               geometry=[box(X + r[3], Y, X + r[3] + r[4], Y + 100) for r in rows], crs=4527)
    r = check_transfer(parcels, by="流入方", township="示例镇")
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, r.findings, prefix="T", checks=("transfer",),
                   transfer_blocks=registry_frame(r.blocks, None, 4527, 100.0, 5000.0))
    assert len(load_ledger(led).blocks) == 2
    out = export_xlsx(led, tmp_path / "台账.xlsx", today=date(2026, 6, 1))
    ws = openpyxl.load_workbook(out)["流转地块台账"]
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values[2][:8] == ["序号", "连片地块编号", "流入方", "所在行政村（面积，亩）", "地块编号", "地块数", "连片面积（亩）", "是否达到100亩"]
    b1, b2 = values[3], values[4]
    assert b1[1:3] == ["B0001", "张三"] and b1[4] == "A1、A2" and b1[5] == 2 and b1[7] == "不足"
    village_mu = [float(x.split(" ")[1]) for x in b1[3].split("、")]
    assert b1[3].startswith("东村 ") and round(sum(village_mu), 2) == b1[6]  # 4 : 1 by the parcels' areas
    assert abs(village_mu[0] - 4 * village_mu[1]) < 0.05
    assert b2[1:3] == ["B0002", "李四"]
    total = values[5]
    assert total[0] == "合计" and total[5] == 3 and total[6] == round(b1[6] + b2[6], 2)
    assert total[7] == "达到 0 块，不足 2 块"
    assert values[6][0].startswith("流转目标 5000 亩，已流转 ")


def test_no_transfer_sheet_without_a_registry(tmp_path):
    led = tmp_path / "ledger.gpkg"
    merge_findings(led, check_transfer(gpd.GeoDataFrame({"DKBM": ["A"]}, geometry=[box(X, Y, X + 10, Y + 10)], crs=4527)).findings,
                   prefix="T", checks=("transfer",))
    out = export_xlsx(led, tmp_path / "台账.xlsx", today=date(2026, 6, 1))
    assert "流转地块台账" not in openpyxl.load_workbook(out).sheetnames
