"""Change detection against the baseline survey and change-patch checks (checks/changes.py), on
layers built in code in EPSG:4527 (CGCS2000 3° Gauss–Krüger zone 39, eastings with the zone prefix)
near 117.1°E 37.3°N: 100 m × 100 m squares are 15.00 mu on the ellipsoid there."""

from __future__ import annotations

import json
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from landcheck import units
from landcheck.checks.changes import (
    CHANGE_COLUMNS,
    FINDING_EXTRA,
    PATCH_COLUMNS,
    change_kind,
    change_kinds,
    change_patch_rules,
    changes_for_output,
    changes_for_report,
    check_change_patches,
    compare_baseline,
    normalise_tblx,
)
from landcheck.config import Rules, load_rules
from landcheck.errors import LandcheckError
from landcheck.findings import FINDING_COLUMNS

#: The origin (117.1°E 37.3°N) in EPSG:4527, as tests/conftest.py places its fixtures.
X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)


def box(x0, x1, y0=0.0, y1=100.0):
    """A rectangle in metres from the origin (EPSG:4527)."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def survey(rows, crs=4527, **extra) -> gpd.GeoDataFrame:
    """Survey patches from (BSM, DLBM, geometry) rows, built in EPSG:4527 and transformed to `crs`."""
    data = {"BSM": [r[0] for r in rows], "DLBM": [r[1] for r in rows], "ZLDWMC": ["东村"] * len(rows)}
    data.update(extra)
    gdf = gpd.GeoDataFrame(data, geometry=[r[2] for r in rows], crs=4527)
    return gdf.to_crs(crs) if crs != 4527 else gdf


def farmland(*geoms, ids=None, crs=4527) -> gpd.GeoDataFrame:
    ids = ids or [f"F{i + 1}" for i in range(len(geoms))]
    gdf = gpd.GeoDataFrame({"YJJBNTTBBH": ids}, geometry=list(geoms), crs=4527)
    return gdf.to_crs(crs) if crs != 4527 else gdf


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _by_patch(changes, fid):
    rows = changes[changes["feature_id"] == fid]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ------------------------------------------------------------------------- the required case
def test_cultivated_to_factory_inside_farmland_is_15_mu_of_both(rules):
    old = survey([("A", "0101", box(0, 100)), ("N", "0103", box(100, 200))])
    new = survey([("A", "0601", box(0, 100)), ("N", "0103", box(100, 200))])
    r = compare_baseline(new, old, rules, farmland=farmland(box(-20, 120, -20, 120)), township="示例镇")
    s = r.summary
    assert s["new_construction_on_cultivated_mu"] == 15.00
    assert s["new_on_farmland_mu"] == 15.00
    assert s["n_changes"] == 1 and s["n_by_type"]["新增建设占用耕地"] == 1
    # the deprecated cultivated_out_mu is every non-exempt out, construction included
    assert s["cultivated_out_mu"] == 15.0 and s["cultivated_in_mu"] == 0.0
    assert s["cultivated_account"]["out"]["to_construction"] == 15.00
    assert s["cultivated_change_mu"] == -15.00 and s["net_mu"] == -15.00 and s["in_out_balance_mu"] == 0.0
    ch = _by_patch(r.changes, "A")
    assert (ch["from_dlbm"], ch["to_dlbm"], ch["from_dlmc"], ch["to_dlmc"]) == ("0101", "0601", "水田", "工业用地")
    assert ch["change_type"] == "新增建设占用耕地" and ch["kind"] == "new_construction"
    assert ch["area_mu"] == 15.00 and ch["in_farmland_mu"] == 15.00 and ch["farmland_id"] == "F1"
    assert ch["severity"] == "error"
    # one finding: the whole piece lies inside farmland
    f = r.findings
    assert list(f["problem_type"]) == ["新增占用永久基本农田"]
    assert f["severity"].iloc[0] == "error" and f["category"].iloc[0] == "non_farm"
    assert f["suggested_measure"].iloc[0] == "拆除复耕"
    assert f["area_mu"].iloc[0] == 15.00 and f["farmland_id"].iloc[0] == "F1" and f["patch_id"].iloc[0] == "A"
    assert f["check"].iloc[0] == "change" and f["township"].iloc[0] == "示例镇" and f["village"].iloc[0] == "东村"
    assert f["orig_dlbm"].iloc[0] == "水田(0101)" and f["dlbm"].iloc[0] == "0601"
    assert units.m2_to_mu(f["pbf_m2"].iloc[0]) == pytest.approx(15.0, abs=1e-3)
    # the area is ellipsoidal: a little under the planar 10 000 m²
    assert 9999.9 < ch["area_m2"] < 10000.0


def test_half_inside_farmland_splits_the_finding(rules):
    old = survey([("B", "0103", box(0, 100))])
    new = survey([("B", "0601", box(0, 100))])
    r = compare_baseline(new, old, rules, farmland=farmland(box(50, 150, -10, 110)))
    assert r.summary["new_construction_on_cultivated_mu"] == 15.00
    assert r.summary["new_on_farmland_mu"] == 7.50
    ch = _by_patch(r.changes, "B")
    assert ch["in_farmland_mu"] == 7.50 and ch["area_mu"] == 15.00
    f = r.findings.set_index("problem_type")
    assert f.loc["新增占用永久基本农田", "area_mu"] == 7.50 and f.loc["新增占用永久基本农田", "severity"] == "error"
    assert f.loc["新增建设占用耕地", "area_mu"] == 7.50 and f.loc["新增建设占用耕地", "severity"] == "warning"
    assert f.loc["新增建设占用耕地", "farmland_id"] == "" and f.loc["新增占用永久基本农田", "farmland_id"] == "F1"
    # the two parts are the two halves of the ground
    g = r.findings.set_index("problem_type").geometry
    assert g["新增占用永久基本农田"].intersection(g["新增建设占用耕地"]).area < 1e-6
    assert g["新增占用永久基本农田"].union(g["新增建设占用耕地"]).area == pytest.approx(10000.0, abs=1e-3)


def test_sliver_of_farmland_does_not_split_a_change(rules):
    old = survey([("B", "0103", box(0, 100))])
    new = survey([("B", "0601", box(0, 100))])
    # the farmland edge misses the patch edge by 5 cm on one side, reaches 5 cm into it on the other
    r_out = compare_baseline(new, old, rules, farmland=farmland(box(0.05, 120, -10, 110)))
    assert r_out.summary["new_on_farmland_mu"] == 15.00 and list(r_out.findings["problem_type"]) == ["新增占用永久基本农田"]
    r_in = compare_baseline(new, old, rules, farmland=farmland(box(99.95, 200, -10, 110)))
    assert r_in.summary["new_on_farmland_mu"] == 0.0 and list(r_in.findings["problem_type"]) == ["新增建设占用耕地"]
    assert r_in.changes["farmland_id"].iloc[0] == ""


def test_without_farmland_new_construction_is_one_finding(rules):
    old = survey([("A", "0102", box(0, 100))])
    new = survey([("A", "0702", box(0, 100))])
    r = compare_baseline(new, old, rules)
    assert r.summary["new_construction_on_cultivated_mu"] == 15.00
    assert r.summary["new_on_farmland_mu"] is None and r.summary["has_farmland"] is False
    assert np.isnan(r.changes["in_farmland_m2"].iloc[0])
    assert list(r.findings["problem_type"]) == ["新增建设占用耕地"] and r.findings["area_mu"].iloc[0] == 15.00
    assert np.isnan(r.findings["pbf_m2"].iloc[0])


# ------------------------------------------------------------------------------ kinds of change
def test_outflow_inflow_and_within_cultivated(rules):
    old = survey([("C", "0103", box(0, 100)), ("D", "0301", box(100, 200)), ("W", "0101", box(200, 300)),
                  ("P", "0102", box(300, 400)), ("G", "0404", box(400, 500))])
    new = survey([("C", "0201", box(0, 100)), ("D", "0103", box(100, 200)), ("W", "0103", box(200, 300)),
                  ("P", "1104A", box(300, 400)), ("G", "0601", box(400, 500))],
                 ZZSXDM=["JKHF", "", "", "", ""])
    r = compare_baseline(new, old, rules, farmland=farmland(box(1000, 1100)))
    s = r.summary
    ch = r.changes.set_index("feature_id")
    assert ch.loc["C", "change_type"] == "耕地流出" and ch.loc["P", "change_type"] == "耕地流出"
    assert ch.loc["D", "change_type"] == "耕地流入"
    assert ch.loc["W", "change_type"] == "耕地内部地类变化" and ch.loc["W", "severity"] == ""
    assert ch.loc["G", "change_type"] == "其他地类变化"
    assert s["cultivated_out_mu"] == 30.00 and s["cultivated_in_mu"] == 15.00
    assert s["net_mu"] == -15.00 and s["cultivated_change_mu"] == -15.00
    assert s["new_construction_on_cultivated_mu"] == 0.0 and s["new_on_farmland_mu"] == 0.0
    assert s["cultivated_out_by_group_mu"] == {"garden": 15.0, "water": 15.0}
    assert s["n_by_type"] == {"新增建设占用耕地": 0, "耕地流出": 2, "耕地流入": 1, "耕地内部地类变化": 1, "其他地类变化": 1}
    # only the outflows are findings; their measure is the new class's (refined by 恢复属性 JKHF)
    f = r.findings.set_index("patch_id")
    assert sorted(f.index) == ["C", "P"]
    assert f.loc["C", "suggested_measure"] == "退园还耕（即可恢复）" and f.loc["C", "category"] == "non_grain"
    assert f.loc["P", "suggested_measure"] == "退塘还耕"
    assert set(f["problem_type"]) == {"耕地流出"} and set(f["severity"]) == {"warning"}


@pytest.mark.parametrize("before, after, kind", [
    ("0101", "0601", "new_construction"), ("0103", "1003", "new_construction"), ("0102", "1109", "new_construction"),
    ("0103", "203", "new_construction"), ("0103", "1006", "outflow"), ("0103", "1202", "outflow"),
    ("0103", "0301K", "outflow"), ("0101", "9999", "outflow"), ("0404", "0102", "inflow"), ("1104A", "0101", "inflow"),
    ("0101", "0103", "within_cultivated"), ("0201", "0201K", "other"), ("0301", "0601", "other"),
])
def test_change_kind(before, after, kind):
    assert change_kind(before, after) == kind


# ---------------------------------------------------------------------- slivers, coverage, balance
def test_redrawn_boundary_is_a_counted_sliver_not_a_change(rules):
    old = survey([("E", "0103", box(0, 100)), ("F", "0702", box(100, 200))])
    new = survey([("E", "0103", box(0, 100.05)), ("F", "0702", box(100.05, 200))])
    r = compare_baseline(new, old, rules)
    s = r.summary
    assert s["n_changes"] == 0 and len(r.changes) == 0 and len(r.findings) == 0
    assert s["n_slivers"] == 1
    assert s["areas_m2"]["sliver_m2"] == pytest.approx(5.0, abs=0.01)
    assert s["n_new_only"] == 0 and s["n_old_only"] == 0


def test_balance_changes_plus_unchanged_is_the_new_layer(rules):
    old = survey([("A", "0101", box(0, 100)), ("B", "0103", box(100, 200)), ("C", "0301", box(200, 300)),
                  ("D", "0103", box(300, 400, 0, 50)), ("E", "0103", box(300, 400, 50, 100))])
    # B is split in two new patches, D and E are merged into one, A changes, C changes half
    new = survey([("A", "0601", box(0, 100)), ("B1", "0103", box(100, 150)), ("B2", "0201", box(150, 200)),
                  ("C1", "0103", box(200, 250)), ("C2", "0301", box(250, 300)), ("DE", "0102", box(300, 400))])
    r = compare_baseline(new, old, rules, farmland=farmland(box(0, 400)))
    a = r.summary["areas_m2"]
    new_m2 = units.ellipsoidal_area(new.geometry.to_numpy(), 4527).sum()
    assert a["sliver_m2"] == 0.0 and a["new_only_m2"] == 0.0
    assert r.changes["area_m2"].sum() + a["unchanged_m2"] == pytest.approx(new_m2, abs=0.01)
    assert a["new_m2"] == pytest.approx(new_m2, abs=1e-6)
    assert r.summary["balance"]["new_difference_m2"] == pytest.approx(0.0, abs=0.01)
    assert r.summary["balance"]["old_difference_m2"] == pytest.approx(0.0, abs=0.01)
    # the merged patch DE keeps both old ids
    de = r.changes[r.changes["feature_id"] == "DE"]
    assert sorted(de["old_feature_id"]) == ["D", "E"] and set(de["change_type"]) == {"耕地内部地类变化"}
    assert r.summary["mu_by_type"] == {"新增建设占用耕地": 15.0, "耕地流出": 7.5, "耕地流入": 7.5,
                                       "耕地内部地类变化": 15.0, "其他地类变化": 0.0}
    assert r.summary["n_changes"] == 5 and r.summary["warnings"] == []


def test_coverage_differences_are_counted_and_returned(rules):
    old = survey([("A", "0103", box(0, 100)), ("GONE", "0103", box(500, 600))])
    new = survey([("A", "0103", box(0, 100)), ("NEW", "0103", box(200, 300))])
    r = compare_baseline(new, old, rules)
    s = r.summary
    assert s["n_new_only"] == 1 and s["new_only_mu"] == 15.00
    assert s["n_old_only"] == 1 and s["old_only_mu"] == 15.00
    assert s["n_changes"] == 0 and s["unchanged_mu"] == 15.00
    cov = r.coverage.set_index("side")
    assert cov.loc["new_only", "feature_id"] == "NEW" and cov.loc["old_only", "feature_id"] == "GONE"
    assert s["balance"]["new_difference_m2"] == pytest.approx(0.0, abs=0.01)


def test_pieces_without_a_code_are_counted_not_judged(rules):
    old = survey([("A", "0103", box(0, 100))])
    new = survey([("A", None, box(0, 100))])
    r = compare_baseline(new, old, rules)
    assert r.summary["n_changes"] == 0 and r.summary["n_no_code"] == 1 and r.summary["no_code_mu"] == 15.00


def test_overlapping_layer_is_reported(rules):
    old = survey([("A", "0103", box(0, 100))])
    new = survey([("A", "0103", box(0, 100)), ("A2", "0601", box(0, 100))])
    r = compare_baseline(new, old, rules)
    assert r.summary["balance"]["new_difference_m2"] == pytest.approx(0.0, abs=0.01)
    assert r.summary["balance"]["old_difference_m2"] < -9000  # the old ground is counted twice
    assert r.summary["warnings"] and "overlapping" in r.summary["warnings"][0]


# ------------------------------------------------------------------------------------ CRS, keys
# --------------------------------------------------------------------- the year's 耕地 account
def _account_layers():
    """One square per cause (100 m × 100 m = 15.00 mu; G 200 m wide, J 50 m) and two without a cause."""
    pairs = [("A", "0103", "0201", 100), ("B", "0101", "0702", 100), ("C", "0103", "1206", 100),
             ("D", "0102", "1101", 100), ("E", "0103", "0301", 100), ("F", "0103", "1207", 100),
             ("G", "0201", "0103", 200), ("H", "0702", "0103", 100), ("I", "0602", "0101", 100),
             ("J", "1206", "0103", 50), ("K", "0101", "0103", 100), ("L", "0301", "0601", 100)]
    x, old, new = 0.0, [], []
    for fid, a, b, w in pairs:
        old.append((fid, a, box(x, x + w)))
        new.append((fid, b, box(x, x + w)))
        x += w
    return survey(new), survey(old)


def test_every_change_of_cultivated_land_gets_its_cause_and_the_account_balances(rules):
    new, old = _account_layers()
    account = {"exempt_water": ["1101", "1102"], "exempt_ecological": ["0301"], "exempt_disaster": ["1207"]}
    r = compare_baseline(new, old, replace(rules, data={**rules.data, "changes": {**rules.data["changes"],
                                                                                "account": account}}))
    s = r.summary
    acc = s["cultivated_account"]
    assert acc["out"] == {"to_other_farmland": 15.0, "to_construction": 15.0, "to_unused": 15.0, "exempt_water": 15.0,
                          "exempt_ecological": 15.0, "exempt_disaster": 15.0, "unclassified_out": 0.0}
    assert acc["in"] == {"from_other_farmland": 30.0, "from_construction": 30.0, "from_unused": 7.5,
                         "unclassified_in": 0.0}
    assert acc["out_total_mu"] == 90.0 and acc["in_total_mu"] == 67.5
    # 166号 进出平衡: other farmland only (30 − 15); net: every in − every out, exempt causes included
    assert acc["in_out_balance_mu"] == s["in_out_balance_mu"] == 15.0
    assert acc["net_mu"] == s["net_mu"] == s["cultivated_change_mu"] == -22.5
    # deprecated aliases: out and in without the exempt causes
    assert s["cultivated_out_mu"] == 45.0 and s["cultivated_in_mu"] == 67.5
    assert s["by_village"]["东村"]["in_out_balance_mu"] == 15.0 and s["by_village"]["东村"]["net_mu"] == -22.5
    cause = r.changes.set_index("feature_id")["cause"]
    assert cause["A"] == "耕地转为其他农用地" and cause["B"] == "耕地转为建设用地" and cause["C"] == "耕地转为未利用地"
    assert cause["D"] == "河湖水面扩大（待核实是否自然扩大）"
    assert cause["E"] == "国家安排的生态退耕" and cause["F"] == "自然灾害损毁难以复耕"
    assert cause["G"] == "其他农用地恢复为耕地" and cause["H"] == cause["I"] == "建设用地复垦为耕地"
    assert cause["J"] == "未利用地开发为耕地" and cause["K"] == "" and cause["L"] == ""


def test_by_default_only_water_is_exempt(rules):
    new, old = _account_layers()
    s = compare_baseline(new, old, rules).summary
    acc = s["cultivated_account"]
    # 0103 → 1206 is to_unused, 0702/0602 → 01 from_construction; 0301 and 1207 by their 三大类
    assert acc["out"]["to_other_farmland"] == 30.0 and acc["out"]["to_unused"] == 30.0
    assert acc["out"]["exempt_ecological"] == 0.0 and acc["out"]["exempt_disaster"] == 0.0
    assert acc["out"]["exempt_water"] == 15.0
    assert s["in_out_balance_mu"] == 0.0 and s["net_mu"] == -22.5 and s["cultivated_out_mu"] == 75.0


def test_account_rounds_once_from_unrounded_sums(rules):
    # three 0103 → 0201 pieces of 1.0049 mu each: 3.01 (3.0147) from the sum, not 3.00 from rounded rows
    w = 1.0049 * 10000 / 15 / 100
    old = survey([(f"P{i}", "0103", box(i * 10, i * 10 + w)) for i in range(3)])
    new = survey([(f"P{i}", "0201", box(i * 10, i * 10 + w)) for i in range(3)])
    r = compare_baseline(new, old, rules)
    assert list(r.changes["area_mu"]) == [1.0, 1.0, 1.0]
    exact = units.m2_to_mu(r.changes["area_m2"].sum())
    assert r.summary["cultivated_account"]["out"]["to_other_farmland"] == units.area_mu(r.changes["area_m2"].sum())
    assert round(exact, 2) == 3.01 == r.summary["cultivated_account"]["out"]["to_other_farmland"]


def test_account_rules_refuse_unknown_codes(rules):
    bad = replace(rules, data={**rules.data, "changes": {**rules.data["changes"], "account": {"exempt_disaster": ["9999"]}}})
    new, old = _account_layers()
    with pytest.raises(LandcheckError, match="9999"):
        compare_baseline(new, old, bad)


def _scenario(old_crs=4527, new_crs=4527, farm_crs=4527):
    old = survey([("A", "0101", box(0, 100)), ("B", "0103", box(100, 200)), ("C", "0103", box(200, 300)),
                  ("D", "0301", box(300, 400)), ("E", "0103", box(400, 500)), ("F", "0702", box(500, 600))], crs=old_crs)
    new = survey([("A", "0601", box(0, 100)), ("B", "0601", box(100, 200)), ("C", "0201", box(200, 300)),
                  ("D", "0103", box(300, 400)), ("E", "0103", box(400, 500.05)), ("F", "0702", box(500.05, 600))],
                 crs=new_crs)
    fm = farmland(box(-10, 100, -10, 110), box(100, 150), crs=farm_crs)
    return new, old, fm


def test_old_layer_in_lonlat_gives_the_same_result(rules):
    new, old, fm = _scenario()
    a = compare_baseline(new, old, rules, farmland=fm)
    new, old_ll, fm_ll = _scenario(old_crs=4490, farm_crs=4490)
    b = compare_baseline(new, old_ll, rules, farmland=fm_ll)
    assert old_ll.crs.to_epsg() == 4490
    for key in ("new_construction_on_cultivated_mu", "new_on_farmland_mu", "cultivated_out_mu", "cultivated_in_mu",
                "unchanged_mu", "n_changes"):
        assert b.summary[key] == pytest.approx(a.summary[key], abs=0.01), key
    assert a.summary["new_construction_on_cultivated_mu"] == 30.00 and a.summary["new_on_farmland_mu"] == 22.50
    assert b.changes.crs == new.crs and b.findings.crs == new.crs
    assert sorted(b.findings["problem_type"]) == sorted(a.findings["problem_type"])


def test_new_layer_in_lonlat_works_in_its_gauss_krueger_zone(rules):
    new, old, fm = _scenario(new_crs=4490)
    r = compare_baseline(new, old, rules, farmland=fm)
    assert r.summary["new_construction_on_cultivated_mu"] == pytest.approx(30.0, abs=0.01)
    assert r.changes.crs.to_epsg() == 4490 and r.findings.crs.to_epsg() == 4490


def test_finding_keys_are_deterministic(rules):
    new, old, fm = _scenario()
    a = compare_baseline(new, old, rules, farmland=fm)
    b = compare_baseline(new.copy(), old.copy(), rules, farmland=fm.copy())
    assert list(a.findings["finding_key"]) == list(b.findings["finding_key"])
    assert a.findings["finding_key"].is_unique and len(a.findings) == 4
    # the same ground in another file order gives the same keys
    c = compare_baseline(new.iloc[::-1].reset_index(drop=True), old.iloc[::-1].reset_index(drop=True), rules, farmland=fm)
    assert sorted(c.findings["finding_key"]) == sorted(a.findings["finding_key"])
    # another township field changes nothing of the key (it is not part of what is found)
    assert set(a.findings["finding_key"]) == set(compare_baseline(new, old, rules, farmland=fm, township="X").findings["finding_key"])


def test_schemas_of_the_frames(rules):
    new, old, fm = _scenario()
    r = compare_baseline(new, old, rules, farmland=fm)
    assert list(r.changes.columns) == CHANGE_COLUMNS + ["geometry"]
    assert list(r.findings.columns) == list(FINDING_COLUMNS) + list(FINDING_EXTRA) + ["geometry"]
    assert set(r.findings["check"]) == {"change"}
    out = changes_for_output(r.changes)
    assert (out["area_m2"] == np.round(out["area_m2"], 2)).all()
    rows = changes_for_report(r.changes)
    assert len(rows) == len(r.changes) and "geometry" not in rows[0]
    json.dumps(rows, ensure_ascii=False, allow_nan=False)
    json.dumps(r.summary, ensure_ascii=False, allow_nan=False)
    empty = compare_baseline(old, old, rules, farmland=fm)
    assert len(empty.changes) == 0 and len(empty.findings) == 0
    assert list(empty.findings.columns) == list(r.findings.columns)
    assert empty.summary["unchanged_mu"] == 90.00


def test_rules_are_checked_against_the_vocabulary(rules):
    kinds = change_kinds(rules)
    assert kinds["new_on_farmland"].problem_type == "新增占用永久基本农田" and kinds["inflow"].finding is False
    bad = Rules(data={**rules.data, "changes": {**rules.data["changes"],
                                               "outflow": {**rules.data["changes"]["outflow"], "problem_type": "耕地跑了"}}})
    with pytest.raises(LandcheckError, match="耕地跑了"):
        change_kinds(bad)
    bad_cat = Rules(data={**rules.data, "change_patches": {**rules.data["change_patches"], "tblx": {"20": {"category": "oops"}}}})
    with pytest.raises(LandcheckError, match="oops"):
        change_patch_rules(bad_cat)


def test_inflow_can_be_made_a_finding_by_rules(rules):
    data = {**rules.data, "changes": {**rules.data["changes"],
                                      "inflow": {**rules.data["changes"]["inflow"], "finding": True, "severity": "warning"}}}
    old = survey([("D", "0301", box(0, 100))])
    new = survey([("D", "0103", box(0, 100))])
    assert len(compare_baseline(new, old, rules).findings) == 0
    r = compare_baseline(new, old, replace(rules, data=data))
    assert list(r.findings["problem_type"]) == ["耕地流入"]


# ------------------------------------------------------------------------------- change patches
def _patches():
    base = survey([("X", "0103", box(0, 200)), ("Y", "0301", box(200, 400)), ("Z", "0702", box(400, 600))])
    base.loc[base["BSM"] == "Z", "ZLDWMC"] = "南村"
    fm = farmland(box(100, 200))
    pt = gpd.GeoDataFrame(
        {"JCBH": ["WP001", "WP002", "WP003", "WP004"], "TBLX": ["20", "KT", "建构筑物", 1.0],
         "QSX": ["20251006"] * 4, "HSX": ["20260501"] * 4},
        geometry=[box(150, 250), box(20, 60, 20, 60), box(500, 550), box(10, 15, 70, 90)], crs=4527)
    return pt, base, fm


def test_change_patches_against_farmland_and_cultivated_land(rules):
    pt, base, fm = _patches()
    r = check_change_patches(pt, base, fm, rules, township="示例镇")
    c = r.changes.set_index("patch_id")
    assert list(r.changes.columns) == PATCH_COLUMNS + ["geometry"]
    # 建/构筑物 half on cultivated farmland, half on forest
    assert c.loc["WP001", "area_mu"] == 15.00
    assert c.loc["WP001", "in_farmland_mu"] == 7.50 and c.loc["WP001", "in_cultivated_mu"] == 7.50
    assert c.loc["WP001", "category"] == "non_farm" and c.loc["WP001", "category_label"] == "非农化"
    assert c.loc["WP001", "tblx_name"] == "建/构筑物" and c.loc["WP001", "farmland_id"] == "F1"
    # 坑塘 on cultivated land outside farmland
    assert c.loc["WP002", "category"] == "non_grain" and c.loc["WP002", "in_cultivated_mu"] == 2.40
    assert c.loc["WP002", "in_farmland_mu"] == 0.0
    # a building on a homestead: neither cultivated nor farmland → counted, not a finding
    assert c.loc["WP003", "tblx"] == "20" and not c.loc["WP003", "is_finding"]
    assert c.loc["WP003", "dlbm"] == "0702" and c.loc["WP003", "village"] == "南村"
    # TBLX 1 (耕地) is not suspicious
    assert c.loc["WP004", "tblx"] == "01" and not c.loc["WP004", "is_finding"]
    f = r.findings.set_index("patch_id")
    assert sorted(f.index) == ["WP001", "WP002"]
    assert set(f["check"]) == {"change_patch"} and set(f["problem_type"]) == {"卫片图斑（需核实）"}
    assert f.loc["WP001", "category"] == "non_farm" and f.loc["WP002", "category"] == "non_grain"
    assert units.m2_to_mu(f.loc["WP001", "pbf_m2"]) == pytest.approx(7.5, abs=1e-3)
    assert units.m2_to_mu(f.loc["WP001", "cultivated_m2"]) == pytest.approx(7.5, abs=1e-3)
    assert "前时相 20251006 后时相 20260501" in f.loc["WP001", "description"]
    s = r.summary
    assert s["n_patches"] == 4 and s["n_findings"] == 2 and s["n_outside"] == 1 and s["outside_mu"] == 7.50
    assert s["in_farmland_mu"] == 7.50 and s["in_cultivated_mu"] == 7.50 + 2.40 + 0.15
    assert s["by_category"]["non_farm"]["n"] == 2 and s["by_category"]["non_farm"]["n_findings"] == 1
    assert s["n_not_to_verify"] == 1 and s["unknown_tblx"] == {}
    json.dumps(s, ensure_ascii=False, allow_nan=False)
    json.dumps(changes_for_report(r.changes), ensure_ascii=False, allow_nan=False)


def test_change_patch_keys_are_deterministic_and_crs_independent(rules):
    pt, base, fm = _patches()
    a = check_change_patches(pt, base, fm, rules)
    b = check_change_patches(pt.to_crs(4490), base, fm.to_crs(4490), rules)
    assert list(a.findings["finding_key"]) == list(check_change_patches(pt, base, fm, rules).findings["finding_key"])
    assert list(b.findings["finding_key"]) == list(a.findings["finding_key"])
    assert b.changes.crs.to_epsg() == 4490
    assert np.allclose(b.changes["in_farmland_m2"], a.changes["in_farmland_m2"], atol=0.5)


def test_change_patches_without_layers_are_all_to_verify(rules):
    pt, _, _ = _patches()
    pt["TBLX"] = ["20", "XYZ", "推堆土", "01"]
    r = check_change_patches(pt, None, None, rules)
    c = r.changes.set_index("patch_id")
    assert c.loc["WP002", "category"] == "other" and c.loc["WP003", "tblx"] == "TD"
    assert sorted(r.findings["patch_id"]) == ["WP001", "WP002", "WP003"]
    assert r.summary["unknown_tblx"] == {"XYZ": 1} and r.summary["in_farmland_mu"] is None
    assert any("XYZ" in w for w in r.summary["warnings"])
    assert np.isnan(r.changes["in_cultivated_m2"]).all()


def test_change_patch_ids_fall_back_to_the_feature_id(rules):
    pt, base, fm = _patches()
    pt = pt.rename(columns={"JCBH": "监测编号"})
    pt.loc[0, "监测编号"] = None
    r = check_change_patches(pt, base, fm, rules)
    assert r.changes["patch_id"].iloc[0] == "#1" and r.changes["patch_id"].iloc[1] == "WP002"
    assert r.summary["n_without_jcbh"] == 1


@pytest.mark.parametrize("raw, code", [("1", "01"), (1.0, "01"), ("20.0", "20"), (" kt ", "KT"), (None, ""), ("DL1", "DL1")])
def test_normalise_tblx(raw, code):
    assert normalise_tblx(raw) == code


def test_tblx_names_and_aliases(rules):
    pr = change_patch_rules(rules)
    assert pr.lookup("坑塘")[:3] == ("KT", "坑塘", "non_grain")
    assert pr.lookup("建构筑物")[2] == "non_farm" and pr.lookup("推堆土")[0] == "TD"
    assert pr.lookup("ND")[2] == "infrastructure" and pr.lookup("QQ")[2:] == ("other", True, False)


def test_farmland_part_can_stay_in_one_finding_by_rules(rules):
    data = {**rules.data, "changes": {**rules.data["changes"],
                                      "new_on_farmland": {**rules.data["changes"]["new_on_farmland"], "finding": False}}}
    old = survey([("B", "0103", box(0, 100))])
    new = survey([("B", "0601", box(0, 100))])
    r = compare_baseline(new, old, replace(rules, data=data), farmland=farmland(box(50, 150, -10, 110)))
    assert list(r.findings["problem_type"]) == ["新增建设占用耕地"] and r.findings["area_mu"].iloc[0] == 15.00
    assert units.m2_to_mu(r.findings["pbf_m2"].iloc[0]) == pytest.approx(7.5, abs=1e-3)
    assert r.findings["farmland_id"].iloc[0] == "F1" and r.summary["new_on_farmland_mu"] == 7.50
