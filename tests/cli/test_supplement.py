"""`landcheck supplement` (issue 17) on hand-built squares: the need from a ledger (officer-set 调出补划 only,
suggestions with --include-suggested), exclusions, open tasks, the outputs and the exit codes."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from landcheck import units
from landcheck.cli import cli
from landcheck.ledger import apply_people_edits, ledger_transaction, new_ledger, save_ledger
from landcheck.ledger.schema import normalise_tasks
from tests.helpers import X0, Y0, dltb


def box(i: float, w: float = 100.0, h: float = 80.0, y: float = 0.0):
    return shapely.box(X0 + i, Y0 + y, X0 + i + w, Y0 + y + h)


def area(g) -> float:
    return float(units.ellipsoidal_area(np.array([g], dtype=object), 4527)[0])


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def township(tmp_path):
    """东村: farmland F1 (0..100, GDPDJB 2) with a 果园 to take out; 耕地 B1 adjacent (100..200), B2 isolated
    (600..700), B3 inside a 城镇开发边界 (800..900), B4 under an open 拆除复耕 task (1000..1100). 西村: farmland
    F2 (y 300) with a 坑塘 to take out. Tasks: T1 (东村, officer set 调出补划), T2 (西村, 调出补划 only
    suggested, 剩余未整改面积 100 mu), T3 (拆除复耕 over B4)."""
    geoms = [box(0), box(100), box(600), box(800), box(1000), box(0, y=300)]
    survey = dltb(geoms, ["0201", "0101", "0101", "0101", "0101", "1104"], BSM=[f"B{i}" for i in range(6)],
                  GDPDJB=["", "1", "1", "1", "1", ""], ZLDWMC=["东村"] * 5 + ["西村"])
    farmland = gpd.GeoDataFrame({"YJJBNTTBBH": ["F1", "F2"], "GDPDJB": ["2", "1"], "KCXS": [0.0, 0.0],
                                 "ZLDWMC": ["东村", "西村"]}, geometry=[box(0), box(0, y=300)], crs=4527)
    survey.to_file(tmp_path / "dltb.gpkg", layer="DLTB")
    farmland.to_file(tmp_path / "farmland.gpkg", layer="YJJBNTBHTB")
    gpd.GeoDataFrame({"name": ["城镇开发边界"]}, geometry=[box(790, 120, 100)], crs=4527).to_file(tmp_path / "ukb.gpkg")
    led = tmp_path / "ledger.gpkg"
    L = new_ledger(4527)
    tasks = gpd.GeoDataFrame({"issue_id": ["T1", "T2", "T3"], "village": ["东村", "西村", "东村"], "status": ["未整改"] * 3,
                              "measure": ["退园还耕", "调出补划", "拆除复耕"], "area_m2": [area(box(0)), area(box(0, y=300)), area(box(1000))],
                              "remaining_mu": [np.nan, 100.0, np.nan]},
                             geometry=[box(0), box(0, y=300), box(1000)], crs=4527)
    L.tasks = normalise_tasks(tasks)
    L.log("T2", "measure", "", "调出补划", "run 2026-05-01")
    save_ledger(L, led)
    with ledger_transaction(led) as L:
        apply_people_edits(L, [("T1", "measure", "调出补划")], "import 台账.xlsx")
    return tmp_path


def base(t):
    return ["supplement", "--survey", t / "dltb.gpkg", "--farmland", t / "farmland.gpkg", "--exclude", t / "ukb.gpkg",
            "-o", t / "out"]


def test_officer_set_need_is_met_by_the_adjacent_parcel(township):
    t = township
    r = invoke(*base(t), "--from-ledger", t / "ledger.gpkg", "--map", t / "m.html")
    assert r.exit_code == 0, r.output
    page = (t / "m.html").read_text(encoding="utf-8")
    names = [json.dumps(n)[1:-1] for n in ("拟补划地块", "调出地块（需补划）")]  # as folium writes them into the page
    assert all(n in page for n in names) and page.count("L.map(") == 2 and "sync" in page.lower()  # side by side
    s = json.loads((t / "out" / "summary.json").read_text())
    need = units.area_mu(area(box(0)))
    assert s["need_mu"] == need and s["by_village"]["东村"]["need_mu"] == need and "西村" not in s["by_village"]
    assert s["proposed_mu"] == units.area_mu(area(box(100))) and s["all_met"] and s["n_proposed"] == 1
    c = gpd.read_file(t / "out" / "candidates.gpkg", layer="candidates")
    assert list(c["patch_id"]) == ["B1", "B2"]  # B3 excluded, B4 under an open task, farmland never
    assert list(c["rank"]) == [1, 2] and list(c["proposed"]) == [True, False]
    assert c["area_mu"].iat[0] == units.area_mu(area(box(100)))
    import openpyxl

    wb = openpyxl.load_workbook(t / "out" / "补划地块清单.xlsx")
    ws = wb["汇总"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=4)]
    assert rows[0][:6] == ["东村", need, units.area_mu(area(box(100))), 0, 1, "是"]
    assert rows[1][0] == "合计" and rows[1][1] == need
    parcels = [[c.value for c in row] for row in wb["拟补划地块"].iter_rows(min_row=2)]
    assert parcels[0][2] == "B1" and parcels[0][8] == "是" and parcels[0][-1] == "是"
    assert json.loads((t / "out" / "manifest.json").read_text())


def test_suggested_tasks_only_when_asked_and_a_shortfall_exits_1(township):
    t = township
    r = invoke(*base(t), "--from-ledger", t / "ledger.gpkg", "--include-suggested")
    assert r.exit_code == 1, r.output
    s = json.loads((t / "out" / "summary.json").read_text())
    west = s["by_village"]["西村"]
    assert west["need_mu"] == 100.0 and west["township_used"] and not west["met"]
    assert west["proposed_mu"] == units.area_mu(area(box(600)))  # the township's spare after 东村 took B1
    assert west["shortfall_mu"] == units.sum_printed([100.0, -west["proposed_mu"]])
    assert s["shortfall_mu"] == units.sum_printed([s["by_village"][v]["shortfall_mu"] for v in s["by_village"]])
    assert s["suggested_only"] == ["T2"] and set(s["read_report"]) == {"survey", "farmland", "exclude_1"}


def test_need_mu_and_map(township):
    t = township
    r = invoke(*base(t), "--need-mu", "1", "--map", t / "out" / "m.html")
    assert r.exit_code == 0, r.output
    page = (t / "out" / "m.html").read_text(encoding="utf-8")
    assert json.dumps("拟补划地块")[1:-1] in page and json.dumps("调出地块（需补划）")[1:-1] not in page  # a figure has no place
    c = pyogrio.read_dataframe(t / "out" / "candidates.gpkg", layer="candidates")
    assert set(c["patch_id"]) == {"B1", "B2", "B4"}  # no ledger: B4 is free; B3 stays excluded


@pytest.mark.parametrize("extra, words", [
    ((), "give the need"),
    (("--need-mu", "1", "--from-ledger", "LEDGER"), "give the need"),
    (("--include-suggested", "--need-mu", "1"), "--include-suggested"),
    (("--need-mu", "1", "--exclude", "NOPE"), "nope.gpkg: file not found"),
])
def test_bad_input_exits_2(township, extra, words):
    t = township
    extra = [t / "ledger.gpkg" if e == "LEDGER" else t / "nope.gpkg" if e == "NOPE" else e for e in extra]
    r = invoke(*base(t), *extra)
    assert r.exit_code == 2 and words in r.output


def test_a_ledger_without_officer_set_tasks_is_bad_input(township, tmp_path):
    t = township
    led = tmp_path / "empty.gpkg"
    L = new_ledger(4527)
    L.tasks = normalise_tasks(gpd.GeoDataFrame({"issue_id": ["T9"], "measure": ["调出补划"], "status": ["未整改"]},
                                               geometry=[box(0)], crs=4527))
    save_ledger(L, led)
    r = invoke(*base(t), "--from-ledger", led)
    assert r.exit_code == 2 and "--include-suggested" in r.output and "empty.gpkg" in r.output


def test_supplement_map_escapes_text_from_input_files():
    """folium's GeoJsonTooltip writes property values into innerHTML: a village name from the survey
    must reach the page escaped, and the tooltip labels are Chinese."""
    import geopandas as gpd
    from shapely.geometry import box

    from landcheck.maps.supplement_map import supplement_map

    bad = '<img src=x onerror="alert(1)">村'
    needs = gpd.GeoDataFrame({"issue_id": ["SL-1"], "village": [bad], "need_mu": [1.5]},
                             geometry=[box(500000, 4000000, 500050, 4000050)], crs=4527)
    cands = gpd.GeoDataFrame({"rank": [1], "patch_id": ["P1"], "area_mu": [2.0], "gdpdjb": ["2"],
                              "for_village": [bad], "proposed": [True]},
                             geometry=[box(500100, 4000000, 500160, 4000060)], crs=4527)
    page = supplement_map(needs, cands, "t").get_root().render()
    assert "\\u003cimg" not in page and "lt;img src=x" in page  # JSON writes < as \u003c, &lt; as \u0026lt;
    labels = [json.dumps(w)[1:-1] for w in ("补划给", "需补划面积(亩)")]  # tojson writes \uXXXX
    assert all(w in page for w in labels), "Chinese tooltip labels"


def test_supplement_map_draws_the_farmland_near_the_need_and_the_proposal_only():
    import geopandas as gpd
    from shapely.geometry import box

    from landcheck.maps.supplement_map import farmland_context

    needs = gpd.GeoDataFrame({"issue_id": ["SL-1"]}, geometry=[box(500000, 4000000, 500050, 4000050)], crs=4527)
    chosen = gpd.GeoDataFrame({"rank": [1]}, geometry=[box(502000, 4000000, 502050, 4000050)], crs=4527)
    farmland = gpd.GeoDataFrame({"BSM": ["near need", "near proposal", "far"]}, crs=4527, geometry=[
        box(500250, 4000000, 500300, 4000050), box(501800, 4000000, 501900, 4000050), box(510000, 4000000, 510050, 4000050)])
    got = farmland_context(farmland, [needs, chosen])
    assert sorted(farmland.loc[got.index, "BSM"]) == ["near need", "near proposal"]
    assert farmland_context(None, [needs]) is None and farmland_context(farmland, [needs.iloc[:0]]) is None
