"""`landcheck survey` end to end: files in, summary.json / report.json / problems / changes / findings
out, exit status as the contract says (0 passed, 1 problems at or above --fail-on, 2 bad input)."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from landcheck import units
from landcheck.cli import cli
from landcheck.ledger import read_tasks

from tests.helpers import X0, Y0, dltb, grid


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={})


def write(gdf, path, layer="DLTB"):
    pyogrio.write_dataframe(gdf, path, layer=layer)
    return path


@pytest.fixture
def clean(tmp_path):
    return write(dltb(), tmp_path / "clean.gpkg")


def test_clean_layer_passes_with_exit_0_and_writes_every_file(clean, tmp_path):
    out = tmp_path / "out"
    r = invoke("survey", clean, "-o", out)
    assert r.exit_code == 0, r.output
    assert "通过" in r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["n_problems"] == 0 and s["exit_code"] == 0 and s["schema"] == "dltb"
    assert s["read_report"]["layer"]["n_features"] == 6
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert rep["problems"] == [] and rep["changes"] == [] and rep["counts"] == {}
    assert len(gpd.read_file(out / "problems.gpkg", layer="problems")) == 0
    assert not (out / "changes.gpkg").exists()
    # --map without a baseline has nothing to draw: said, not silently skipped
    r = invoke("survey", clean, "-o", out, "--map", tmp_path / "m.html")
    assert r.exit_code == 0 and "nothing to draw" in r.output and not (tmp_path / "m.html").exists()


def test_problems_give_exit_1_and_fail_on_decides(tmp_path):
    # a 1006 road 12 m wide (error) in an otherwise clean layer; a missing DLMC name is only a warning
    gdf = dltb(codes=["0101", "1006"], XZDWKD=[0.0, 12.0])
    path = write(gdf, tmp_path / "road.gpkg")
    out = tmp_path / "o"
    r = invoke("survey", path, "-o", out, "--format", "json")
    assert r.exit_code == 1, r.output
    rep = json.loads(r.output)  # stdout is the report and nothing else
    assert rep["counts"] == {"road_too_wide": 1}
    assert rep["problems"][0]["feature_id"] == "B2" and rep["problems"][0]["severity"] == "error"
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == rep
    assert invoke("survey", path, "-o", out, "--fail-on", "never").exit_code == 0
    warn = write(dltb().drop(columns=["QSXZ"]), tmp_path / "warn.gpkg")
    assert invoke("survey", warn, "-o", out).exit_code == 0
    assert invoke("survey", warn, "-o", out, "--fail-on", "warning").exit_code == 1


def test_problem_table_counts_errors_and_warnings_of_a_code_apart(tmp_path):
    # missing TBMJ and BSM are errors, missing SJNF a warning: one code, 2 errors and 1 warning
    path = write(dltb().drop(columns=["TBMJ", "SJNF", "BSM"]), tmp_path / "fields.gpkg")
    r = invoke("survey", path, "-o", tmp_path / "o")
    assert r.exit_code == 1, r.output
    header = next(line for line in r.output.splitlines() if "错误" in line and "警告" in line and "┃" in line)
    row = next(line for line in r.output.splitlines() if line.strip("│ ").startswith("missing_field"))
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[-2:] == ["2", "1"], r.output
    assert header.index("错误") < header.index("警告")


def test_bad_input_exits_2_with_a_message(tmp_path):
    out = tmp_path / "o"
    no_code = write(dltb().drop(columns=["DLBM", "DLMC"]), tmp_path / "nocode.gpkg")
    r = invoke("survey", no_code, "--schema", "dltb", "-o", out)
    assert r.exit_code == 2 and "--schema geometry" in r.output and "Traceback" not in r.output
    r = invoke("survey", no_code, "-o", out)  # auto: cannot tell what it is
    assert r.exit_code == 2 and "--schema" in r.output
    assert invoke("survey", no_code, "--schema", "geometry", "-o", out).exit_code == 0
    empty = write(dltb().iloc[:0], tmp_path / "empty.gpkg")
    r = invoke("survey", empty, "-o", out)
    assert r.exit_code == 2 and "empty.gpkg" in r.output
    assert invoke("survey", tmp_path / "missing.gpkg", "-o", out).exit_code == 2
    r = invoke("survey", no_code, "--schema", "geometry", "--baseline", no_code, "-o", out)
    assert r.exit_code == 2 and "--baseline" in r.output


def test_baseline_change_inside_farmland_is_15_mu_and_reaches_the_ledger(tmp_path):
    """A 100 m × 100 m cultivated patch becomes a factory inside farmland: 15.00 mu of both."""
    geoms = [shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100)]
    old = write(dltb(geoms, codes=["0101", "0201"]), tmp_path / "2025.gpkg")
    new = write(dltb(geoms, codes=["0601", "0201"]), tmp_path / "2026.gpkg")
    farm = gpd.GeoDataFrame({"YJJBNTTBBH": ["F1"]}, geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 110, Y0 + 110)], crs=4527)
    farm_path = write(farm, tmp_path / "farm.gpkg", layer="YJJBNTTB")
    out, ledger = tmp_path / "o", tmp_path / "ledger.gpkg"
    r = invoke("survey", new, "--baseline", old, "--farmland", farm_path, "-o", out, "--ledger", ledger,
               "--map", tmp_path / "m.html")
    assert r.exit_code == 1, r.output  # 新增占用永久基本农田 is an error
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["changes"]["new_construction_on_cultivated_mu"] == 15.00
    assert s["changes"]["new_on_farmland_mu"] == 15.00
    assert set(s["read_report"]) == {"layer", "baseline", "farmland"}
    changes = gpd.read_file(out / "changes.gpkg", layer="changes")
    assert len(changes) == 1 and changes["from_dlbm"].iat[0] == "0101" and changes["to_dlbm"].iat[0] == "0601"
    assert units.round_half_up(changes["area_mu"].iat[0], 2) == 15.00
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(rep["changes"]) == 1 and rep["changes"][0]["feature_id"] == "B1"
    tasks = read_tasks(ledger)
    assert tasks["problem_type"].tolist() == ["新增占用永久基本农田"] and set(tasks["source"]) == {"年度变更调查"}
    assert (tmp_path / "m.html").stat().st_size > 10_000
    # nothing changed: exit 0, no findings
    r = invoke("survey", old, "--baseline", old, "-o", tmp_path / "same")
    assert r.exit_code == 0, r.output
    assert len(gpd.read_file(tmp_path / "same" / "findings.gpkg", layer="findings")) == 0


def _printed_account(output: str) -> dict[str, float]:
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 2:
            rows[cells[0]] = float(cells[1])
    return rows


def test_baseline_prints_the_cultivated_account_whose_rows_add_up(tmp_path):
    # 0103 → 0201 (15), 0101 → 0702 (15), 0103 → 1206 (7.5), 0201 → 0103 (30), 0702 → 0103 (15)
    geoms = [shapely.box(X0 + x0, Y0, X0 + x1, Y0 + 100) for x0, x1 in ((0, 100), (100, 200), (200, 250), (250, 450),
                                                                       (450, 550))]
    old = write(dltb(geoms, codes=["0103", "0101", "0103", "0201", "0702"]), tmp_path / "2025.gpkg")
    new = write(dltb(geoms, codes=["0201", "0702", "1206", "0103", "0103"]), tmp_path / "2026.gpkg")
    r = invoke("survey", new, "--baseline", old, "-o", tmp_path / "o")
    assert "年度耕地进出账" in r.output, r.output
    rows = _printed_account(r.output)
    assert rows["流出: 耕地转为其他农用地"] == 15.0 and rows["流出: 耕地转为建设用地"] == 15.0
    assert rows["流出: 耕地转为未利用地"] == 7.5 and rows["流出: 河湖水面扩大（待核实是否自然扩大）"] == 0.0
    assert rows["流入: 其他农用地恢复为耕地"] == 30.0 and rows["流入: 建设用地复垦为耕地"] == 15.0
    outs = [v for k, v in rows.items() if k.startswith("流出: ")]
    ins = [v for k, v in rows.items() if k.startswith("流入: ")]
    assert len(outs) == 6 and len(ins) == 3
    assert rows["流出合计"] == pytest.approx(sum(outs)) == 37.5 and rows["流入合计"] == pytest.approx(sum(ins)) == 45.0
    assert rows["进出平衡（其他农用地 流入−流出）"] == 15.0
    assert rows["净增减（全部流入−全部流出）"] == pytest.approx(rows["流入合计"] - rows["流出合计"]) == 7.5
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["changes"]
    assert s["net_mu"] == 7.5 and s["in_out_balance_mu"] == 15.0


def test_printed_account_rounds_rows_first_then_sums():
    from landcheck.cli.survey import account_rows

    acc = {"out": {"to_other_farmland": 0.01, "to_construction": 0.01, "to_unused": 0.01, "exempt_water": 0.0,
                   "exempt_ecological": 0.0, "exempt_disaster": 0.0, "unclassified_out": 0.0},
           "in": {"from_other_farmland": 1.1, "from_construction": 2.2, "from_unused": 0.0, "unclassified_in": 0.7}}
    rows = dict(account_rows(acc))
    assert rows["流出合计"] == "0.03" and rows["流入合计"] == "4.00"   # 1.1 + 2.2 + 0.7 in hundredths, no 4.0000001
    assert rows["流入: 未知地类转为耕地（待核实）"] == "0.70" and "流出: 耕地转为未知地类（待核实）" not in rows
    assert rows["进出平衡（其他农用地 流入−流出）"] == "1.09" and rows["净增减（全部流入−全部流出）"] == "3.97"


def test_change_patch_layer_becomes_findings_for_verification(tmp_path):
    base_geoms = grid(2, 1, 200, 200)
    base = write(dltb(base_geoms, codes=["0101", "0601"]), tmp_path / "base.gpkg")
    patches = gpd.GeoDataFrame(
        {"JCBH": ["WP001", "WP002"], "TBLX": ["20", "KT"], "QSX": ["20251006", "20251006"], "HSX": ["20260501", "20260501"]},
        geometry=[shapely.box(X0 + 50, Y0 + 50, X0 + 100, Y0 + 100), shapely.box(X0 + 250, Y0 + 50, X0 + 300, Y0 + 100)],
        crs=4527)
    path = write(patches, tmp_path / "wp.gpkg", layer="卫片图斑")
    out, ledger = tmp_path / "o", tmp_path / "ledger.gpkg"
    r = invoke("survey", path, "--baseline", base, "-o", out, "--ledger", ledger)
    assert r.exit_code in (0, 1), r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["schema"] == "change" and s["changes"]["n_patches"] == 2
    f = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert f["patch_id"].tolist() == ["WP001"]  # the one on cultivated land; WP002 lies on the factory
    assert set(read_tasks(ledger)["source"]) == {"卫片执法"}


def test_real_veneto_tile_with_schema_geometry(real_file, tmp_path):
    """A real delivery with broken rings and overlaps (SOURCE.md: 310 invalid): problems, exit 1, no traceback."""
    path = real_file("veneto-copsuolo2023/veneto_copsuolo2023_bassa_padovana.gpkg")
    r = invoke("survey", path, "--schema", "geometry", "-o", tmp_path / "o")
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert s["counts"]["invalid_geometry"] == 310 and s["counts"]["overlap"] > 0
    problems = gpd.read_file(tmp_path / "o" / "problems.gpkg", layer="problems")
    assert len(problems) == s["n_problems"]


def test_engine_dask_gives_the_local_report(tmp_path):
    """`--engine dask` (2 local workers) on a layer with an overlap, a wide road and a baseline change:
    the same report (problems, counts, changes) as the local engine."""
    pytest.importorskip("distributed")
    geoms = grid(4, 2)
    geoms[1] = shapely.box(X0 + 90, Y0, X0 + 200, Y0 + 80)  # overlaps its left neighbour by 10 m × 80 m
    old = write(dltb(grid(4, 2), codes=["0101"] * 8), tmp_path / "old.gpkg")
    new = write(dltb(geoms, codes=["0101", "0601", "1006", "0101", "0101", "0101", "0101", "0101"],
                     XZDWKD=[0.0, 0.0, 12.0, 0, 0, 0, 0, 0]), tmp_path / "new.gpkg")
    reports = {}
    for engine in ("local", "dask"):
        out = tmp_path / engine
        r = invoke("survey", new, "--baseline", old, "-o", out, "--engine", engine, "--workers", "2")
        assert r.exit_code == 1, r.output
        reports[engine] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    a, b = reports["local"], reports["dask"]
    assert a["problems"] == b["problems"] and a["counts"] == b["counts"] and a["changes"] == b["changes"]
    assert {"overlap", "road_too_wide"} <= set(a["counts"]) and b["summary"]["engine"]["name"] == "dask"


def test_next_monthly_batch_leaves_last_months_patches_alone(tmp_path):
    """卫片 batches come monthly: May's patch is not 已消失 because June's batch lies elsewhere."""
    base = write(dltb(grid(4, 1, 200, 200), codes=["0101"] * 4), tmp_path / "base.gpkg")
    ledger = tmp_path / "ledger.gpkg"
    for month, x in (("05", 50), ("06", 450)):
        batch = gpd.GeoDataFrame({"JCBH": [f"WP{month}1"], "TBLX": ["20"], "QSX": ["20251006"], "HSX": [f"2026{month}01"]},
                                 geometry=[shapely.box(X0 + x, Y0 + 50, X0 + x + 50, Y0 + 100)], crs=4527)
        path = write(batch, tmp_path / f"wp{month}.gpkg", layer="卫片图斑")
        r = invoke("survey", path, "--baseline", base, "-o", tmp_path / month, "--ledger", ledger)
        assert r.exit_code in (0, 1), r.output
    tasks = read_tasks(ledger).set_index("patch_id")
    assert sorted(tasks.index) == ["WP051", "WP061"]
    assert set(tasks["status"]) == {"未整改"}
    s = json.loads((tmp_path / "06" / "summary.json").read_text(encoding="utf-8"))
    assert s["ledger"]["n_out_of_scope"] == 1 and s["ledger"]["n_disappeared"] == 0


def test_a_weipian_batch_fills_the_county_template(tmp_path, monkeypatch):
    """卫片 patches with JCBH and XSBH: 监测编号 and 线索编号 reach the ledger and the county 清单 in columns
    of their own (问题编号 apart); 监测批次 from the layer's field, else --batch, else landcheck.toml."""
    import openpyxl

    monkeypatch.chdir(tmp_path)
    (tmp_path / "landcheck.toml").write_text(
        '[township]\nname = "示例镇"\ncounty = "示例县"\n[monitoring]\nbatch = "2026年第1批"\n'
        '[layers.survey]\npath = "base.gpkg"\n', encoding="utf-8")
    base = write(dltb(grid(4, 1, 200, 200), codes=["0101"] * 4), tmp_path / "base.gpkg")
    ledger = tmp_path / "ledger.gpkg"
    box = lambda x: shapely.box(X0 + x, Y0 + 50, X0 + x + 50, Y0 + 100)  # noqa: E731
    layers = {
        "toml": gpd.GeoDataFrame({"JCBH": ["WP001"], "xsbh": ["370123SJBG26000001"], "TBLX": ["20"]},
                                 geometry=[box(50)], crs=4527),
        "option": gpd.GeoDataFrame({"监测编号": ["WP002"], "线索编号": [""], "TBLX": ["YH"]}, geometry=[box(250)], crs=4527),
        "field": gpd.GeoDataFrame({"JCBH": ["WP003"], "XSBH": ["370123SJBG26000003"], "JCPC": ["2026年7月一批"],
                                   "TBLX": ["20"]}, geometry=[box(450)], crs=4527),
    }
    for name, layer in layers.items():
        path = write(layer, tmp_path / f"{name}.gpkg", layer="卫片图斑")
        extra = ("--batch", "2026年第2批") if name != "toml" else ()
        r = invoke("survey", path, "--baseline", base, "-o", tmp_path / name, "--ledger", ledger, *extra)
        assert r.exit_code in (0, 1), r.output
    tasks = read_tasks(ledger).set_index("patch_id")
    assert tasks.loc[["WP001", "WP002", "WP003"], "monitor_id"].tolist() == ["WP001", "WP002", "WP003"]
    assert tasks.loc[["WP001", "WP002", "WP003"], "clue_id"].tolist() == ["370123SJBG26000001", "", "370123SJBG26000003"]
    assert tasks.loc[["WP001", "WP002", "WP003"], "batch"].tolist() == ["2026年第1批", "2026年第2批", "2026年7月一批"]
    out = tmp_path / "county.xlsx"
    r = invoke("ledger", "export", ledger, "--template", "county", "-o", out)
    assert r.exit_code == 0, r.output
    said = r.output.replace("\n", "")
    assert "列出 3 项" in said and "未列出 0 项" in said
    ws = openpyxl.load_workbook(out).active
    head = [c.value for c in ws[3]]
    data = (dict(zip(head, [c.value for c in r])) for r in ws.iter_rows(min_row=4, max_row=ws.max_row - 2))  # signature last
    rows = {row["监测编号"]: row for row in data if row["序号"] != "合计"}
    assert ws.cell(ws.max_row, 2).value.startswith("填报单位")
    assert set(rows) == {"WP001", "WP002", "WP003"}
    assert rows["WP001"]["线索编号"] == "370123SJBG26000001" and rows["WP002"]["线索编号"] is None
    assert rows["WP003"]["监测批次"] == "2026年7月一批" and rows["WP001"]["县名称"] == "示例县"
    assert rows["WP001"]["问题编号"] == tasks.loc["WP001", "issue_id"] != rows["WP001"]["线索编号"]
    assert rows["WP001"]["原地类"] == "水田(0101)"
