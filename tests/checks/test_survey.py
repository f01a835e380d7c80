"""Quality check of a delivered survey layer (`landcheck.checks.survey`).

Every problem code has a small fixture built in code (EPSG:4527, zone-prefixed eastings near 117.1°E
37.3°N) that must report it with the right feature id; a clean layer reports nothing. Problems that
depend on the reader (invalid / empty / non-polygon geometry, no CRS, contradicted CRS) are written to
a file and read through `layers.read_layer`. The real Veneto tiles (invalid rings, overlaps) and the
Chinese real files run with schema `geometry` and must agree with their SOURCE.md.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landcheck import units
from landcheck.checks.survey import (
    CODES,
    PROBLEM_COLUMNS,
    SurveyTolerances,
    check_survey,
    detect_schema,
    exit_status,
    problems_for_output,
)
from landcheck.config import Rules, load_rules
from landcheck.errors import LandcheckError
from landcheck.layers import read_layer
from tests.helpers import H, W, X0, Y0, dltb, grid

def of(result, code: str) -> gpd.GeoDataFrame:
    p = result.problems
    return p[p["code"] == code]


def ids_of(result, code: str) -> list[str]:
    return of(result, code)["feature_id"].tolist()


def write_read(gdf, tmp_path, write, fmt="gpkg", **kw):
    return read_layer(write(gdf, tmp_path, fmt, **kw))


# ===================================================================== clean layers report nothing
def test_clean_dltb_reports_nothing():
    layer = dltb(grid(6, 3))
    res = check_survey(layer, None, schema="dltb")
    assert res.problems.empty, res.problems[["code", "feature_id", "message"]].to_string()
    assert res.counts == {} and res.summary["n_problems"] == 0 and exit_status(res.problems, "warning") == 0
    assert list(res.problems.columns) == PROBLEM_COLUMNS + ["geometry"]
    assert res.summary["area_mu"] == pytest.approx(units.m2_to_mu(units.ellipsoidal_area(layer.geometry.values, 4527).sum()), abs=0.01)
    assert res.summary["n_gaps"] == 0 and res.summary["holes"] == {"n": 0, "mu": 0.0}


def test_clean_dltb_through_the_reader_reports_nothing(tmp_path, write):
    df, r = write_read(dltb(grid(6, 2)), tmp_path, write)
    res = check_survey(df, r)
    assert res.schema == "dltb"
    assert res.problems.empty, res.problems[["code", "feature_id", "message"]].to_string()


def test_dltb_in_lon_lat_is_checked_in_metres_and_reports_nothing():
    res = check_survey(dltb(grid(4, 2), crs=4490), None, schema="dltb")
    assert res.problems.empty, res.problems[["code", "feature_id", "message"]].to_string()


# ======================================================================= reader-dependent problems
def test_invalid_empty_and_non_polygon_geometries_from_the_reader(tmp_path, write):
    g = grid(5)
    bowtie = shapely.Polygon([(X0, Y0 + 200), (X0 + 100, Y0 + 300), (X0 + 100, Y0 + 200), (X0, Y0 + 300)])
    sliver = shapely.Polygon([(X0, Y0 + 400), (X0 + 10, Y0 + 400), (X0 + 20, Y0 + 400), (X0, Y0 + 400)])
    geoms = [g[0], bowtie, None, shapely.Polygon(), shapely.Point(X0 + 50, Y0 + 500), sliver]
    layer = dltb(grid(6))
    layer = layer.set_geometry(gpd.GeoSeries(geoms, crs=4527))
    df, r = write_read(layer, tmp_path, write)
    assert len(r.repaired) == 1 and len(r.dropped) == 4
    res = check_survey(df, r, schema="dltb")
    inv = of(res, "invalid_geometry")
    assert sorted(inv["feature_id"]) == ["B2", "B6"] and set(inv["severity"]) == {"error"}
    repaired = inv[inv["feature_id"] == "B2"].iloc[0]
    assert "Self-intersection" in repaired["message"] and "已修复" in repaired["message"]
    # located at the self-intersection (the centre of the bow tie), carrying the repaired polygon
    lon, lat = units._to_lonlat(gpd.GeoSeries([], crs=4527).crs).transform(X0 + 50, Y0 + 250)
    assert repaired["lon"] == pytest.approx(lon, abs=1e-5) and repaired["lat"] == pytest.approx(lat, abs=1e-5)
    assert repaired.geometry.area == pytest.approx(5000.0)
    assert "已剔除" in inv[inv["feature_id"] == "B6"].iloc[0]["message"]
    assert sorted(ids_of(res, "empty_geometry")) == ["B3", "B4"]
    assert ids_of(res, "non_polygon") == ["B5"] and "point" in of(res, "non_polygon").iloc[0]["message"]
    assert res.summary["n_read"] == 6 and res.summary["n_features"] == 2


def test_invalid_geometry_in_a_frame_not_read_by_the_reader():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    layer = dltb([bowtie, *grid(3)[1:]])
    res = check_survey(layer, None, schema="geometry")
    assert ids_of(res, "invalid_geometry") == ["B1"]
    assert "Self-intersection" in of(res, "invalid_geometry").iloc[0]["message"]


def test_no_crs_is_a_warning_when_it_could_be_inferred(tmp_path, write):
    df, r = write_read(dltb(grid(3)), tmp_path, write, fmt="shp", prj=False)
    assert r.crs_source == "inferred"
    res = check_survey(df, r)
    p = of(res, "no_crs")
    assert len(p) == 1 and p.iloc[0]["severity"] == "warning" and "EPSG:4527" in p.iloc[0]["message"]
    assert p.iloc[0]["feature_id"] == "" and p.iloc[0].geometry is None
    assert set(res.problems["code"]) == {"no_crs"}


def test_declared_crs_contradicted_by_the_coordinates(tmp_path, write):
    layer = dltb(grid(3), crs=4548).set_crs(4527, allow_override=True)
    df, r = write_read(layer, tmp_path, write)
    assert r.crs_source == "corrected"
    res = check_survey(df, r)
    p = of(res, "crs_mismatch")
    assert len(p) == 1 and p.iloc[0]["severity"] == "error" and p.iloc[0]["value"] == "EPSG:4548"
    assert "EPSG:4527" in p.iloc[0]["message"]


# ================================================================================== field problems
def test_missing_fields_errors_and_warnings():
    layer = dltb(grid(3)).drop(columns=["TBMJ", "SJNF", "BSM"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "missing_field").set_index("field")
    assert set(p.index) == {"TBMJ", "SJNF", "BSM"}
    assert p.loc["TBMJ", "severity"] == "error" and p.loc["BSM", "severity"] == "error"
    assert p.loc["SJNF", "severity"] == "warning"
    assert res.summary["counts_by_severity"]["error"]["missing_field"] == 2


def test_missing_code_field_with_names_only_is_an_error_and_codes_come_from_names(tmp_path, write):
    layer = dltb(grid(3), codes=["0101", "0103", "0201"]).drop(columns=["DLBM"])
    df, r = write_read(layer, tmp_path, write)
    assert "DLBM" in df.columns and "DLBM" not in r.field_map
    res = check_survey(df, r)
    p = of(res, "missing_field")
    assert p["field"].tolist() == ["DLBM"] and p.iloc[0]["severity"] == "error"
    assert "code_name_mismatch" not in res.counts and "unknown_code" not in res.counts


def test_unknown_code_blank_code_and_grouping_code():
    layer = dltb(grid(4), codes=["0101", "0103", "0201", "1006"],
                 DLBM=["0999", "0103", "", "01"], DLMC=["某地", "旱地", "不知道", "耕地"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "unknown_code")
    assert p["feature_id"].tolist() == ["B1", "B3", "B4"]
    assert p["severity"].tolist() == ["error", "error", "warning"]
    assert p.iloc[0]["value"] == "0999" and "0999" in p.iloc[0]["message"]


def test_code_name_mismatch_accepts_erdiao_names_and_parent_names_of_suffixed_codes():
    layer = dltb(grid(4), codes=["0101", "0103", "0201", "1006"],
                 DLBM=["0101", "0301", "0201K", "1104A"], DLMC=["旱地", "有林地", "果园", "坑塘水面"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "code_name_mismatch")
    assert p["feature_id"].tolist() == ["B1"] and p.iloc[0]["value"] == "旱地" and p.iloc[0]["severity"] == "error"


def test_duplicate_bsm_and_tbbh_within_a_location_unit():
    layer = dltb(grid(5), BSM=["B1", "B2", "B2", "B4", "B5"], TBBH=["1", "2", "3", "7", "7"],
                 ZLDWDM=["371426104101"] * 4 + ["371426104102"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "duplicate_id")
    assert p["feature_id"].tolist() == ["B2"] and p.iloc[0]["severity"] == "error"
    assert "重复 2 次（第 2 个要素、第 3 个要素）" in p.iloc[0]["message"]  # 1-based, like #n
    assert p.iloc[0].geometry.area == pytest.approx(2 * W * H)  # both features
    # TBBH 7 twice, but in two different location units: fine; now the same unit
    layer["ZLDWDM"] = ["371426104101"] * 5
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "duplicate_id").set_index("field")
    assert p.loc["TBBH", "feature_id"] == "B4/B5" and p.loc["TBBH", "severity"] == "warning"
    assert p.loc["TBBH", "value"] == "7"


def test_area_mismatch_beyond_both_tolerances():
    base = dltb(grid(4))
    tbmj = base["TBMJ"].to_numpy().copy()
    tbmj[1] += 5.0      # 5 m² of 7 997 m²: beyond 0.1 m² and 0.01 %
    tbmj[2] += 0.09     # under 0.1 m²
    tbmj[3] -= 0.5      # 0.5 m² but 0.006 % of 8000 m²: within 0.01 %
    layer = dltb(grid(4), TBMJ=tbmj, KCMJ=base["KCMJ"], TBDLMJ=np.round(tbmj - base["KCMJ"], 2))
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "area_mismatch")
    assert p["feature_id"].tolist() == ["B2"] and p.iloc[0]["severity"] == "warning"
    assert "5.00" in p.iloc[0]["message"]


def test_tbmj_in_mu_is_one_layer_problem_not_one_per_patch():
    base = dltb(grid(5))
    mu = np.round(base["TBMJ"].to_numpy() * 15 / 10000, 2)
    res = check_survey(dltb(grid(5), TBMJ=mu, KCMJ=[0.0] * 5, TBDLMJ=mu, KCXS=[0.0] * 5, KCDLBM=[""] * 5), None)
    p = of(res, "area_mismatch")
    assert len(p) == 1 and p.iloc[0]["feature_id"] == "" and "亩" in p.iloc[0]["message"]
    assert p.iloc[0]["severity"] == "error"


def test_tbdlmj_and_kcmj_mismatch():
    base = dltb(grid(3), codes=["0103"])
    kcmj = base["KCMJ"].to_numpy().copy()
    tbdlmj = base["TBDLMJ"].to_numpy().copy()
    kcmj[0] += 10.0
    tbdlmj[0] = np.round(base["TBMJ"].iloc[0] - kcmj[0], 2)  # TBDLMJ follows the wrong KCMJ: only KCMJ is wrong
    tbdlmj[2] += 1.0
    res = check_survey(dltb(grid(3), codes=["0103"], KCMJ=kcmj, TBDLMJ=tbdlmj), None)
    p = of(res, "tbdlmj_mismatch")
    assert p["feature_id"].tolist() == ["B1", "B3"] and p["field"].tolist() == ["KCMJ", "TBDLMJ"]
    assert set(p["severity"]) == {"error"}


def test_invalid_attributes():
    codes = ["0101", "0702", "0201", "0101", "0103", "0101", "0102"]
    layer = dltb(grid(7), codes=codes,
                 ZZSXDM=["XX", "LS", "JKHF", "", "FLS", "LS", "LS"],
                 KCXS=[0.0, 0.0, 0.05, 0.0, 0.7, 0.0, 0.0],
                 KCDLBM=["", "", "1203", "", "1203", "", ""],
                 CZCSXM=["", "203", "", "206", "", "203A", ""],
                 GDPDJB=["", "", "", "", "2", "", "7"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "invalid_attribute")
    got = sorted(zip(p["feature_id"], p["field"], p["severity"]))
    assert got == sorted([
        ("B1", "ZZSXDM", "error"),     # XX is no 种植属性
        ("B2", "ZZSXDM", "error"),     # 宅基地 with a 种植属性
        ("B3", "KCXS", "error"),       # 田坎 deducted from an orchard
        ("B4", "ZZSXDM", "warning"),   # 耕地 without 种植属性
        ("B4", "CZCSXM", "error"),     # 206 is no 城镇村属性码
        ("B5", "KCXS", "error"),       # 0.7 out of range
        ("B6", "CZCSXM", "error"),     # 203A 独立工业用地 on 耕地
        ("B7", "GDPDJB", "error"),     # slope class 7
    ]), p[["feature_id", "field", "message"]].to_string()


def test_tbxhdm_refines_only_its_classes():
    codes = ["0101", "0101", "0201", "0601", "0102", "0601"]
    layer = dltb(grid(6), codes=codes, ZZSXDM=["LS", "XG", "", "", "FLS", ""],
                 TBXHDM=["HDGD", "HDGD", "LQYD", "GTGY", "GTGY", "ZZZZ"])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "invalid_attribute")
    got = sorted(zip(p["feature_id"], p["field"]))
    assert got == [("B2", "TBXHDM"),  # 河道耕地 planted XG: must be LS/FLS/LYFL
                   ("B5", "TBXHDM"),  # 钢铁工业用地 on 水浇地
                   ("B6", "TBXHDM")], p[["feature_id", "field", "message"]].to_string()  # unknown code
    assert "LS/FLS/LYFL" in p["message"].iloc[0]


@pytest.mark.parametrize("code, tbxhdm, zzsxdm, bad", [
    # 0401/0402/0403/0403K carry no ZZSXDM (三调 恢复属性 QC, domain.md §9.4)
    ("0401", "", "", False), ("0402", "", "", False), ("0403K", "", "", False),
    ("0401", "", "JKHF", True), ("0402", "", "GCHF", True), ("0403", "", "JKHF", True), ("0403K", "", "GCHF", True),
    # 0404 only GCHF or blank
    ("0404", "", "", False), ("0404", "", "GCHF", False), ("0404", "", "JKHF", True), ("0404", "", "LS", True),
    # 园地 refined as LQYD: blank; other 园地 JKHF/GCHF
    ("0201", "LQYD", "", False), ("0201", "", "JKHF", False), ("0202", "LQYD", "JKHF", True),
    ("0201", "LQYD", "GCHF", True),
])
def test_recovery_attribute_rules(code, tbxhdm, zzsxdm, bad):
    layer = dltb(grid(2), codes=["0101", "0201"], DLBM=["0101", code], ZZSXDM=["LS", zzsxdm], TBXHDM=["", tbxhdm])
    layer["DLMC"] = ["水田", ""]
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "invalid_attribute")
    got = list(zip(p["feature_id"], p["field"], p["severity"]))
    assert got == ([("B2", "ZZSXDM", "error")] if bad else []), p[["feature_id", "message"]].to_string()
    if bad:
        msg = p["message"].iloc[0]
        assert "三调恢复属性质检" in msg and zzsxdm in msg
        assert {"0404": "GCHF", "0201": "LQYD", "0202": "LQYD"}.get(code, "0401/0402/0403/0403K") in msg


def test_adjustable_classes_may_keep_cultivated_attributes():
    layer = dltb(grid(2), codes=["0201", "0201"], DLBM=["0201K", "0301"], DLMC=["可调整果园", "乔木林地"],
                 KCXS=[0.053, 0.053], KCDLBM=["1203", "1203"], GDLX=["PD", "PD"], ZZSXDM=["JKHF", ""])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "invalid_attribute")
    assert sorted(zip(p["feature_id"], p["field"])) == [("B2", "GDLX"), ("B2", "KCXS")]
    assert res.summary["features_with_errors"] == 1


def test_kcdlbm_must_be_tiankan_and_settlement_land_needs_czcsxm():
    layer = dltb(grid(2), codes=["0103", "0702"], KCDLBM=["1107", ""], CZCSXM=["", ""])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "invalid_attribute")
    assert sorted(zip(p["feature_id"], p["field"], p["severity"])) == [("B1", "KCDLBM", "error"),
                                                                      ("B2", "CZCSXM", "warning")]


def test_rural_road_wider_than_8_m():
    layer = dltb(grid(3), codes=["1006"], XZDWKD=[6.0, 8.0, 10.5])
    res = check_survey(layer, None, schema="dltb")
    p = of(res, "road_too_wide")
    assert p["feature_id"].tolist() == ["B3"] and p.iloc[0]["value"] == "10.5" and "1003" in p.iloc[0]["message"]


# ================================================================================ topology problems
def test_overlap_is_one_problem_per_pair_with_the_overlap_piece():
    g = grid(4)
    g[1] = shapely.box(X0 + W - 2, Y0, X0 + 2 * W, Y0 + H)          # 2 m into B1: 160 m²
    g[3] = shapely.box(X0 + 3 * W - 0.01, Y0, X0 + 4 * W, Y0 + H)    # 0.8 m² into B3: under 1 m²
    res = check_survey(dltb(g), None, schema="dltb")
    p = of(res, "overlap")
    assert p["feature_id"].tolist() == ["B1/B2"] and p.iloc[0]["severity"] == "error"
    assert p.iloc[0]["area_m2"] == pytest.approx(160.0, rel=1e-3)
    assert p.iloc[0].geometry.area == pytest.approx(160.0)
    assert p.iloc[0].geometry.bounds == pytest.approx((X0 + W - 2, Y0, X0 + W, Y0 + H))
    assert res.summary["overlaps_below_tolerance"] == 1 and res.summary["n_overlaps"] == 1
    # a duplicate patch overlaps wholly
    res = check_survey(dltb([*grid(2), grid(2)[0]]), None, schema="geometry")
    p = of(res, "overlap")
    assert p["feature_id"].tolist() == ["B1/B3"] and "重复" in p.iloc[0]["message"]


def test_overlap_tolerance_comes_from_the_rules():
    g = grid(2)
    g[1] = shapely.box(X0 + W - 2, Y0, X0 + 2 * W, Y0 + H)
    assert SurveyTolerances.from_rules(load_rules()).overlap_tolerance_m2 == 1.0
    rules = load_rules()
    big = Rules(data={**rules.data, "thresholds": {**rules.data["thresholds"], "overlap_tolerance_m2": 500.0}})
    res = check_survey(dltb(g), None, schema="geometry", tolerances=SurveyTolerances.from_rules(big))
    assert "overlap" not in res.counts and res.summary["overlaps_below_tolerance"] == 1


def test_narrow_gap_is_a_problem_and_a_wide_hole_is_not():
    g = grid(3, 3)
    centre = g[4]
    g[4] = shapely.buffer(centre, -0.1, join_style="mitre")   # a 0.1 m ring around the centre patch
    res = check_survey(dltb(g, codes=["0101"]), None, schema="dltb")
    p = of(res, "gap")
    assert len(p) == 1 and p.iloc[0]["severity"] == "warning"
    ring_area = centre.area - g[4].area
    assert p.iloc[0]["area_m2"] == pytest.approx(ring_area, rel=1e-3)
    assert p.iloc[0].geometry.area == pytest.approx(ring_area, rel=1e-6)  # the ring, without the island
    assert p.iloc[0]["feature_id"].split("/") == ["B1", "B2", "B3", "B4", "B5", "B6"] + ["…"]
    assert res.summary["n_gaps"] == 1
    # the centre patch missing altogether: an 8000 m² hole 80 m wide — an enclave, not a gap
    res = check_survey(dltb([x for k, x in enumerate(grid(3, 3)) if k != 4], codes=["0101"]), None)
    assert "gap" not in res.counts and res.summary["holes"]["n"] == 1
    assert res.summary["holes"]["mu"] == pytest.approx(units.m2_to_mu(W * H), abs=0.05)


def test_small_square_hole_is_a_gap_and_noise_is_not():
    g = grid(3, 3)
    cx, cy = X0 + 1.5 * W, Y0 + 1.5 * H
    g[4] = shapely.difference(g[4], shapely.box(cx - 5, cy - 5, cx + 5, cy + 5))  # a 100 m² hole, 10 m wide
    g[0] = shapely.difference(g[0], shapely.box(X0 + 50, Y0 + H - 0.001, X0 + 60, Y0 + H))  # 0.01 m² notch
    res = check_survey(dltb(g, codes=["0101"]), None, schema="geometry")
    p = of(res, "gap")
    # the square hole lies inside one patch (a hole of the patch itself, surrounded only by B5)
    assert p["feature_id"].tolist() == ["B5"] and p.iloc[0]["area_m2"] == pytest.approx(100.0, rel=1e-3)
    assert res.summary["gaps_below_tolerance"] == 1


def test_gaps_are_not_checked_on_farmland_and_change_layers():
    g = grid(3, 3)
    g[4] = shapely.buffer(g[4], -0.1, join_style="mitre")
    farmland = gpd.GeoDataFrame({"YJJBNTTBBH": [f"F{i}" for i in range(9)]}, geometry=g, crs=4527)
    res = check_survey(farmland, None)
    assert res.schema == "farmland" and "gap" not in res.counts and res.summary["n_gaps"] is None


def test_threads_do_not_change_the_result():
    g = grid(20, 10)
    g[5] = shapely.buffer(g[5], 0.5, join_style="mitre")
    g[77] = shapely.buffer(g[77], -0.2, join_style="mitre")
    layer = dltb(g, codes=["0101"])
    a = check_survey(layer, None, threads=1).problems
    b = check_survey(layer, None, threads=2).problems
    assert len(a) > 0 and a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert shapely.equals(a.geometry.values, b.geometry.values).all()


# ============================================================================ schemas and detection
def test_detect_schema():
    assert detect_schema(["BSM", "DLBM", "TBMJ"]) == "dltb"
    assert detect_schema(["DLMC", "geometry"]) == "dltb"
    assert detect_schema(["YJJBNTTBBH", "DLBM", "DLMC"]) == "farmland"
    assert detect_schema(["jcbh", "DLBM"]) == "change"
    assert detect_schema(["TBLX", "QSX"]) == "change"
    with pytest.raises(LandcheckError) as e:
        detect_schema(["NAME", "AREA", "geometry", "feature_id"])
    msg = str(e.value)
    assert "DLBM" in msg and "YJJBNTTBBH" in msg and "JCBH" in msg and "auto|dltb|farmland|change|geometry" in msg
    assert "NAME, AREA" in msg


def test_dltb_schema_needs_a_land_use_field():
    layer = gpd.GeoDataFrame({"NAME": ["a", "b"]}, geometry=grid(2), crs=4527)
    with pytest.raises(LandcheckError, match="no land-use field.*--schema geometry"):
        check_survey(layer, None, schema="dltb")
    with pytest.raises(LandcheckError, match="--schema"):
        check_survey(layer, None, schema="auto")
    res = check_survey(layer, None, schema="geometry")
    assert res.problems.empty and res.summary["n_features"] == 2
    with pytest.raises(LandcheckError, match="unknown schema"):
        check_survey(layer, None, schema="roads")


def test_farmland_schema_fields(tmp_path, write):
    g = grid(4)
    area = np.round(units.ellipsoidal_area(np.array(g, dtype=object), 4527), 2)
    farmland = gpd.GeoDataFrame({
        "BSM": ["1", "2", "3", "4"], "JBNTTBBH": ["F1", "F2", "F2", "F4"], "DLBM": ["0101", "0103", "0103", "0101"],
        "DLMC": ["水田", "旱地", "旱地", "水田"], "ZLDWDM": ["371426104101"] * 4, "YJJBNTTBMJ": area,
        "KCXS": [0.0] * 4, "KCMJ": [0.0] * 4, "YJJBNTMJ": [area[0], area[1], area[2] - 3, area[3]],
    }, geometry=g, crs=4527)
    df, r = write_read(farmland, tmp_path, write)
    res = check_survey(df, r)
    assert res.schema == "farmland"
    p = of(res, "duplicate_id")
    assert p["field"].tolist() == ["YJJBNTTBBH"] and p["feature_id"].tolist() == ["2/3"]
    p = of(res, "tbdlmj_mismatch")
    assert p["feature_id"].tolist() == ["3"] and p["field"].tolist() == ["YJJBNTMJ"]
    assert set(res.counts) == {"duplicate_id", "tbdlmj_mismatch"}
    # without its patch number the farmland layer misses its id field
    res = check_survey(df.drop(columns=["YJJBNTTBBH"]), r, schema="farmland")
    assert of(res, "missing_field")["field"].tolist() == ["YJJBNTTBBH"]


def test_change_schema_fields():
    change = gpd.GeoDataFrame({
        "JCBH": ["J1", "J2", "J2", "J4"], "TBLX": ["20", "YH", "XYZ", ""],
        "QSX": ["20250101", "20250101", "2025-13-01", "20260501"], "HSX": ["20250601", "20250601", "20250601", "20250101"],
        "DLBM": ["0101", "0103", "9999", "0101"],
    }, geometry=grid(4), crs=4527)
    res = check_survey(change, None)
    assert res.schema == "change"
    # feature ids are the reader's (BSM, else #n); the monitoring number is the value
    p = of(res, "duplicate_id")
    assert p["feature_id"].tolist() == ["#2/#3"] and p["value"].tolist() == ["J2"] and p.iloc[0]["severity"] == "error"
    p = of(res, "invalid_attribute")
    got = sorted(zip(p["feature_id"], p["field"], p["severity"]))
    assert got == [("#3", "QSX", "error"), ("#3", "TBLX", "warning"), ("#4", "QSX", "error"), ("#4", "TBLX", "error")]
    assert "晚于" in p[(p["feature_id"] == "#4") & (p["field"] == "QSX")].iloc[0]["message"]
    assert ids_of(res, "unknown_code") == ["#3"]
    res = check_survey(change.drop(columns=["HSX"]), None)
    assert of(res, "missing_field")["field"].tolist() == ["HSX"] and of(res, "missing_field").iloc[0]["severity"] == "warning"


# ======================================================================== result shapes and exit
def test_every_code_has_a_fixture_here():
    """The codes this file proves (keep in step with CODES)."""
    proven = {"missing_field", "no_crs", "crs_mismatch", "invalid_geometry", "empty_geometry", "non_polygon",
              "unknown_code", "code_name_mismatch", "duplicate_id", "overlap", "gap", "area_mismatch",
              "tbdlmj_mismatch", "invalid_attribute", "road_too_wide"}
    assert proven == set(CODES)


def test_summary_report_and_exit_status(tmp_path, write):
    g = grid(4)
    g[1] = shapely.box(X0 + W - 2, Y0, X0 + 2 * W, Y0 + H)
    layer = dltb(g, XZDWKD=[0.0, 0.0, 0.0, 12.0], CZCSXM=["", "", "", ""])
    df, r = write_read(layer, tmp_path, write, fmt="shp", prj=False)
    res = check_survey(df, r)
    s = res.summary
    assert s["counts"] == res.counts and sum(res.counts.values()) == s["n_problems"] == len(res.problems)
    assert s["n_errors"] + s["n_warnings"] == s["n_problems"]
    assert res.counts["overlap"] == 1 and res.counts["road_too_wide"] == 1 and res.counts["no_crs"] == 1
    assert list(res.counts) == [c for c in CODES if c in res.counts]  # report order
    assert res.problems["code"].tolist() == sorted(res.problems["code"], key=list(CODES).index)
    assert s["overlap_mu"] == pytest.approx(units.m2_to_mu(160.0), abs=0.01)
    assert s["features_with_errors"] == 3  # B1 and B2 (the overlap), B4 (the road)
    rep = res.report
    assert set(rep) >= {"layer", "counts", "problems", "summary"} and rep["layer"]["path"] == r.path
    assert len(rep["problems"]) == len(res.problems)
    assert set(rep["problems"][0]) >= {"code", "severity", "feature_id", "message"}
    json.dumps(rep, ensure_ascii=False, allow_nan=False)  # ready for report.json
    assert res.problems.crs == df.crs
    out = problems_for_output(res.problems)
    assert (out["area_m2"].dropna() == out["area_m2"].dropna().round(2)).all()
    assert exit_status(res.problems, "error") == 1 and exit_status(res.problems, "never") == 0
    warn_only = res.problems[res.problems["severity"] == "warning"]
    assert len(warn_only) and exit_status(warn_only, "error") == 0 and exit_status(warn_only, "warning") == 1
    with pytest.raises(ValueError):
        exit_status(res.problems, "info")


def test_sample_township_survey_runs_and_is_topologically_clean():
    from landcheck.config import bundled_layers_dir

    path = bundled_layers_dir() / "survey" / "DLTB.shp"
    if not path.exists():
        pytest.skip("bundled sample township absent")
    df, r = read_layer(path, kind="survey")
    res = check_survey(df, r)
    assert res.schema == "dltb"
    # a complete coverage (sample.py): no overlaps, no gaps; no .prj: the CRS was inferred
    for code in ("overlap", "gap", "invalid_geometry", "duplicate_id", "unknown_code", "area_mismatch", "tbdlmj_mismatch"):
        assert code not in res.counts, (code, of(res, code).head().to_string())
    assert res.counts.get("no_crs") == 1
    # the generator clears 田坎 and 耕地类型 where it plants an orchard, nursery or fish pond: nothing else
    assert res.counts == {"no_crs": 1}


# ============================================================================ real third-party data
@pytest.mark.parametrize("name, invalid", [("bassa_padovana", 310), ("padova_centro", 297)])
def test_veneto_tiles_with_schema_geometry(real_file, name, invalid):
    path = real_file(f"veneto-copsuolo2023/veneto_copsuolo2023_{name}.gpkg")
    df, r = read_layer(path)
    res = check_survey(df, r, schema="geometry")
    # SOURCE.md: 310 resp. 297 invalid geometries (self-intersections); all repaired or dropped, all reported
    assert res.counts["invalid_geometry"] == invalid == len(r.repaired) + len(r.dropped)
    assert "empty_geometry" not in res.counts and "non_polygon" not in res.counts
    # the tiles have overlapping polygons (multipolygon relations over other patches)
    assert res.counts["overlap"] > 10
    ov = of(res, "overlap")
    assert (ov["area_m2"] > 1.0).all() and ov["feature_id"].str.fullmatch(r"#\d+/#\d+").all()
    assert (ov.geometry.is_valid & ~ov.geometry.is_empty).all()
    # roads were excluded upstream: coverage holes exist, mostly wide ones (not gaps)
    assert res.summary["holes"]["n"] > 0
    assert res.summary["n_features"] == len(df) and res.summary["n_read"] == r.n_read
    assert res.summary["crs"] == "EPSG:4326" and res.problems.crs.to_epsg() == 4326
    lon = res.problems["lon"].dropna()
    assert lon.between(11.3, 12.3).all()  # located in Padova, not in metres


@pytest.mark.parametrize("rel, n", [("china-lakes-ngcc-hyd1_4p/hyd1_4p.shp", 550),
                                    ("china-admin-zhejiang-amap/浙江省.shp", 90)])
def test_chinese_real_files_without_prj(real_file, rel, n):
    df, r = read_layer(real_file(rel))
    res = check_survey(df, r, schema="geometry")
    # SOURCE.md: all valid, no .prj (lon/lat inferred)
    assert res.summary["n_features"] == n and "invalid_geometry" not in res.counts
    assert res.counts["no_crs"] == 1 and of(res, "no_crs").iloc[0]["severity"] == "warning"
    with pytest.raises(LandcheckError):
        check_survey(df, r, schema="auto")


def test_coverage_union_of_the_chunks_finds_the_gaps_the_plain_union_finds(monkeypatch):
    """A layer of several union chunks with grown, shrunk and bow-tie patches and a long 5 cm gap: the
    chunks united as coverages (the default) give the gap problems and totals of the plain union."""
    from landcheck import overlay
    from tests.scale.test_survey import make_survey

    layer = make_survey(nx=50, ny=44)  # 2 200 patches: 3 chunks
    got = check_survey(layer, None, schema="dltb")
    plain_union_by = overlay.union_by
    calls = []
    monkeypatch.setattr(overlay, "union_by", lambda *a, **k: calls.append(k.pop("coverage")) or plain_union_by(*a, **k))
    plain = check_survey(layer, None, schema="dltb")
    assert calls == [True]
    keys = ("n_gaps", "gap_mu", "gap_m2", "gap_below_tolerance_m2", "holes")
    assert {k: got.summary[k] for k in keys} == {k: plain.summary[k] for k in keys}
    # holes of 1e-10 … 1e-8 m² where grown patches overlap are floating-point noise of either union
    # (each has about ten, not the same ones): counted among the gaps below tolerance, not shown
    assert abs(got.summary["gaps_below_tolerance"] - plain.summary["gaps_below_tolerance"]) <= 2
    assert got.summary["n_gaps"] >= 20
    a, b = of(got, "gap"), of(plain, "gap")
    assert a["feature_id"].tolist() == b["feature_id"].tolist() and np.allclose(a["area_m2"], b["area_m2"])
    diff = shapely.symmetric_difference(a.geometry.to_numpy(), b.geometry.to_numpy())
    assert shapely.area(diff).max() < 1e-6  # the same gaps, up to floating-point noise (m², EPSG:4527)
