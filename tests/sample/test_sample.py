"""The synthetic sample township (landcheck/sample/) and the committed files under layers/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landcheck import landuse, sample, units
from tests.helpers import LAYERS

N_SMALL = 1500


@pytest.fixture(scope="module")
def town() -> sample.Township:
    return sample.make_township(n_patches=N_SMALL)


def _pairwise_overlaps(geoms: np.ndarray) -> np.ndarray:
    """Planar overlap area (m²) of every intersecting pair i < j."""
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    return shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))


# ---- the survey layer ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [20261129, 7])
def test_survey_is_a_coverage(seed):
    t = sample.make_township(seed=seed, n_patches=N_SMALL)
    g = t.survey.geometry.to_numpy()
    assert shapely.is_valid(g).all()
    assert (shapely.get_type_id(g) == 3).all()  # plain polygons, as in a DLTB
    union = shapely.union_all(g)
    assert abs(shapely.area(g).sum() - union.area) / union.area < 1e-4  # no gaps counted twice, no overlaps
    assert shapely.get_num_interior_rings(union) == 0  # no gaps inside the township
    assert _pairwise_overlaps(g).max() <= 0.01
    assert shapely.coverage_is_valid(g)  # shared edges have identical vertices (topology-checked)
    assert shapely.area(g).min() >= 30.0  # no slivers: small pieces were merged


def test_ids_are_unique_and_shaped_like_a_delivery(town):
    s = town.survey
    assert s["BSM"].is_unique and (s["BSM"].str.len() == 18).all()
    assert (s["YSDM"] == "2001010100").all()
    assert s["ZLDWDM"].str.fullmatch(r"371426\d{6}0000000").all()
    assert not s.duplicated(["ZLDWDM", "TBBH"]).any()  # TBBH is unique within a village
    assert town.farmland["YJJBNTTBBH"].is_unique and town.farmland["BSM"].is_unique
    assert town.transfer["地块编号"].is_unique
    assert town.facility_records["备案编号"].is_unique
    assert s["ZLDWMC"].str.endswith(("村", "社区")).all()
    assert (s["SJNF"] == 2025).all()


def test_every_code_is_known_and_named(town):
    s = town.survey
    table = landuse.code_table()
    assert s["DLBM"].isin(list(table)).all()
    assert s["DLBM"].str.len().isin([2, 4, 5]).all()  # '09', '0103', '1104A' — strings with their zeros
    assert (s["DLMC"] == s["DLBM"].map(landuse.name_of)).all()
    # 耕地 at delineation time, but for the few old orchards (0201, 果园, no 田坎)
    old = ~town.farmland["DLBM"].str.startswith("01")
    assert 1 <= old.sum() == town.planted["old_orchard"] and set(town.farmland.loc[old, "DLBM"]) == {"0201"}
    assert set(town.farmland.loc[old, "DLMC"]) == {"果园"} and (town.farmland.loc[old, "KCMJ"] == 0).all()
    expected = {"0101", "0102", "0103", "0201", "0307", "1006", "1107", "1003", "1004", "1101", "1104", "1104A",
                "1202", "0702", "0701", "05H1", "08H1", "08H2", "0809", "0601"}
    assert expected <= set(s["DLBM"])
    cult = s["DLBM"].str.startswith("01")
    assert s.loc[cult, "ZZSXDM"].isin(["LS", "FLS", "LYFL", "XG", "LLJZ", "WG"]).all()
    assert (s.loc[cult, "ZZSXDM"] == "LS").mean() > 0.8
    linear = s["DLBM"].isin(["1006", "1107"])
    assert (s.loc[linear, "XZDWKD"] > 0).all()
    assert s.loc[s["DLBM"] == "1006", "XZDWKD"].between(2, 8).all()
    assert s.loc[s["DLBM"] == "0702", "CZCSXM"].isin(["202", "203"]).all()  # 202 in the seat, 203 elsewhere
    assert (s.loc[s["DLBM"] == "0701", "CZCSXM"] == "202").all()


def test_areas_follow_the_official_rules(town):
    s = town.survey
    measured = units.ellipsoidal_area(s.geometry.to_numpy(), 4527)
    assert np.abs(s["TBMJ"].to_numpy() - measured).max() <= 0.01
    kcmj = units.round_half_up_array(s["TBMJ"].to_numpy() * s["KCXS"].to_numpy())
    assert np.allclose(s["KCMJ"], kcmj, atol=1e-9)
    assert np.allclose(s["TBDLMJ"], s["TBMJ"] - s["KCMJ"], atol=1e-6)
    with_tk = s["KCXS"] > 0
    assert with_tk.any() and (~with_tk).any()
    assert s.loc[with_tk, "KCXS"].between(0.05, 0.12).all()
    assert (s.loc[with_tk, "KCDLBM"] == "1203").all()
    assert (s.loc[with_tk, "GDPDJB"] != "1").all()  # 田坎 only on sloping land in the county table
    f = town.farmland
    assert np.abs(f["YJJBNTTBMJ"] - units.ellipsoidal_area(f.geometry.to_numpy(), 4527)).max() <= 0.01
    assert np.allclose(f["YJJBNTMJ"], f["YJJBNTTBMJ"] - f["KCMJ"], atol=1e-6)


def test_layers_are_in_gauss_krueger_zone_39(town):
    for frame in (town.survey, town.farmland, town.transfer, town.facility_records):
        assert frame.crs.to_epsg() == 4527
    x0, y0, x1, y1 = town.survey.total_bounds
    assert 39_490_000 < x0 < x1 < 39_530_000 and 4_100_000 < y0 < y1 < 4_160_000
    lon, lat = town.survey.to_crs(4490).union_all().centroid.coords[0]
    assert abs(lon - 117.1) < 0.05 and abs(lat - 37.3) < 0.05


# ---- farmland and planted violations ------------------------------------------------------------

def _inside_farmland(town: sample.Township) -> pd.DataFrame:
    """Every survey patch's area (m², planar) inside the farmland, with its class and ZZSXDM."""
    s = town.survey
    fm = shapely.union_all(town.farmland.geometry.to_numpy())
    area = shapely.area(shapely.intersection(s.geometry.to_numpy(), fm))
    return pd.DataFrame({"DLBM": s["DLBM"], "ZZSXDM": s["ZZSXDM"].fillna(""), "cls": s["DLBM"].map(landuse.pbf_class),
                         "area": area, "geometry": s.geometry.to_numpy()})


def test_farmland_is_drawn_from_cultivated_patches(town):
    f = town.farmland.geometry.to_numpy()
    assert shapely.is_valid(f).all()
    assert _pairwise_overlaps(f).max() <= 0.01  # polygons do not overlap
    assert shapely.coverage_is_valid(f)
    s = town.survey
    cult = s["DLBM"].str.startswith("01")
    fm = shapely.union_all(f)
    cult_area = shapely.area(s.geometry[cult].to_numpy()).sum()
    in_fm = shapely.area(shapely.intersection(s.geometry[cult].to_numpy(), fm)).sum()
    assert in_fm / cult_area > 0.5  # most cultivated land is permanent basic farmland
    # most farmland polygons follow patch edges (every patch they touch is wholly in or out) …
    g = s.geometry.to_numpy()
    fi, pi = shapely.STRtree(g).query(f, predicate="intersects")
    share = shapely.area(shapely.intersection(f[fi], g[pi])) / shapely.area(g[pi])
    cut = (share > 1e-4) & (share < 1 - 1e-4)
    cutting = np.unique(fi[cut])
    assert len(cutting) < 0.3 * len(f)
    assert len(cutting) > 0  # … and some cut across patches


def test_violations_of_each_kind_lie_inside_farmland(town):
    inside = _inside_farmland(town)
    hit = inside[inside["area"] > 1.0]
    assert {"0201", "0307", "1104A"} & set(hit.loc[hit["cls"] == "non_grain", "DLBM"])
    assert (hit["cls"] == "non_grain").sum() >= 3
    assert {"0702", "0601"} <= set(hit.loc[hit["cls"] == "non_farm", "DLBM"])
    assert (hit["ZZSXDM"] == "FLS").sum() >= 3
    assert (hit["ZZSXDM"] == "WG").sum() >= 1
    assert (hit["cls"] == "other").any()
    facilities = hit[hit["cls"] == "facility"]
    assert len(facilities) >= 2
    records = shapely.union_all(town.facility_records.geometry.to_numpy())
    unfiled = shapely.area(shapely.difference(facilities["geometry"].to_numpy(), records))
    assert (unfiled < 1.0).any() and (unfiled > 100.0).any()  # some filed (备案), some not
    assert set(town.planted) >= {"orchard", "nursery", "fishpond", "home", "factory", "facility", "FLS", "WG"}


def test_expected_findings_cover_every_category(town):
    ef = sample.expected_findings(town)
    assert {"non_grain", "non_farm", "facility", "non_grain_crop", "mixed_crop", "abandoned", "pond", "other"} <= set(ef["category"])
    assert (ef["area_m2"] >= 1.0).all()
    # plain 1104 is a pond to verify, 1104A a fish pond (非粮化); LYFL/LLJZ are mixed_crop, FLS non_grain_crop
    assert set(ef.loc[ef["category"] == "pond", "DLBM"]) == {"1104"}
    assert "1104" not in set(ef.loc[ef["category"] == "non_grain", "DLBM"])
    zz = town.survey.set_index("BSM")["ZZSXDM"]
    assert set(zz.loc[ef.loc[ef["category"] == "mixed_crop", "BSM"]]) <= {"LYFL", "LLJZ"}
    # the farmland's own class is the group's cultivated class: every finding is 新增, but on the old orchards
    # (class 0201 at delineation): 存量 非粮化, whole patches of 0201 without 恢复属性
    old = (ef["origin"] != "new").to_numpy()
    assert old.any() and set(ef.loc[old, "origin"]) == {"existing"} and set(ef.loc[old, "DLBM"]) == {"0201"}
    assert set(zz.loc[ef.loc[old, "BSM"]].fillna("")) == {""}
    for c, cells in sample.by_origin(ef).items():  # the cells of a category add up to its total, rounded once
        assert sum(v["count"] for v in cells.values()) == (ef["category"] == c).sum()
        assert abs(sum(v["mu"] for v in cells.values()) - units.area_mu(ef.loc[ef["category"] == c, "area_m2"].sum())) < 1e-9


def test_plain_ponds_are_planted_in_farmland_fields(town):
    s = town.survey
    assert town.planted["pond"] >= 3
    fm = shapely.union_all(town.farmland.geometry.to_numpy())
    ponds = s[s["DLBM"] == "1104"]
    inside = shapely.area(shapely.intersection(ponds.geometry.to_numpy(), fm)) / shapely.area(ponds.geometry.to_numpy())
    planted = ponds[inside > 0.99]  # whole former fields inside the farmland
    assert len(planted) == town.planted["pond"]
    assert (planted["ZZSXDM"] == "").all() and (planted["KCXS"] == 0).all() and (planted["GDPDJB"] == "").all()


def _facility_mu(t: sample.Township, types=None) -> float:
    rec = t.facility_records.copy()
    if types is not None:
        rec["设施类型"] = types
    ef = sample.expected_findings(sample.Township(**{**t.__dict__, "facility_records": rec}))
    return units.m2_to_mu(ef.loc[ef["category"] == "facility", "area_m2"].sum())


def test_only_records_of_a_planting_type_are_deducted():
    """A 1202 inside a 种植 record is infrastructure; inside a 养殖 record it stays a finding."""
    t = sample.make_township(n_patches=3000)
    kinds = sample.expected.record_kinds(t.facility_records)
    assert set(kinds) == {"planting", "livestock", "aquaculture"}
    as_is = _facility_mu(t)
    all_planting = _facility_mu(t, "种植设施")
    none_planting = _facility_mu(t, "畜禽养殖设施")
    assert all_planting < as_is <= none_planting  # 养殖 records inside the farmland are findings


def test_facility_records_cover_some_1202_patches(town):
    s = town.survey
    fac = s[s["DLBM"] == "1202"].geometry.to_numpy()
    rec = town.facility_records.geometry.to_numpy()
    assert 0 < len(rec) < len(fac)
    _, j = shapely.STRtree(fac).query(shapely.point_on_surface(rec), predicate="within")
    assert len(np.unique(j)) == len(rec)  # each record sits on its own 1202 patch
    assert {"备案编号", "项目名称", "备案日期"} <= set(town.facility_records.columns)


# ---- land transfer ------------------------------------------------------------------------------

def test_transfer_parcels_lie_on_cultivated_land_of_the_township(town):
    t, s = town.transfer, town.survey
    township = shapely.union_all(s.geometry.to_numpy())
    assert shapely.covered_by(t.geometry.to_numpy(), shapely.buffer(township, 0.01)).all()
    _, j = shapely.STRtree(s.geometry.to_numpy()).query(shapely.point_on_surface(t.geometry.to_numpy()), predicate="within")
    on = s["DLBM"].to_numpy()[j]
    assert np.char.startswith(on.astype(str), "01").mean() > 0.9
    assert np.isin(on, ["1104A", "0201"]).sum() in (1, 2)  # a parcel on a fish pond or orchard in the farmland
    measured = units.m2_to_mu(units.ellipsoidal_area(t.geometry.to_numpy(), 4527))
    assert np.abs(t["流转面积"] / measured - 1).max() < 0.1  # contract areas are close to measured ones
    assert t["流入方"].nunique() >= 3
    assert (pd.to_datetime(t["合同终止"]) > pd.to_datetime(t["合同起始"])).all()


def test_transfer_blocks_above_and_below_100_mu_in_a_full_township():
    t = sample.make_township(n_patches=8000)
    blocks = sample.transfer_blocks(t.transfer)
    assert (blocks < 100).any() and (blocks >= 100).any()
    total = t.transfer["流转面积"].sum()
    assert 0.02 < total / units.m2_to_mu(t.survey["TBMJ"].sum()) < 0.05


# ---- determinism --------------------------------------------------------------------------------

def _same(a: sample.Township, b: sample.Township) -> bool:
    for name in ("survey", "farmland", "transfer", "facility_records"):
        x, y = getattr(a, name), getattr(b, name)
        if len(x) != len(y) or not x.drop(columns="geometry").equals(y.drop(columns="geometry")):
            return False
        if not shapely.equals_exact(x.geometry.to_numpy(), y.geometry.to_numpy(), tolerance=0).all():
            return False
    return True


def test_generator_is_deterministic(town):
    assert _same(town, sample.make_township(n_patches=N_SMALL))
    other = sample.make_township(seed=1, n_patches=N_SMALL)
    assert not _same(town, other)
    assert not np.allclose(town.survey.total_bounds, other.survey.total_bounds)


# ---- files --------------------------------------------------------------------------------------

def _check_dltb_file(shp: Path) -> None:
    for ext in (".shp", ".shx", ".dbf"):
        assert shp.with_suffix(ext).exists()
    assert not shp.with_suffix(".cpg").exists() and not shp.with_suffix(".prj").exists()
    assert shp.with_suffix(".dbf").read_bytes()[29] == 0


def test_written_files_arrive_like_real_deliveries(town, tmp_path):
    paths = sample.write_township(town, tmp_path)
    shp = paths["survey"]
    assert shp == tmp_path / "survey" / "DLTB.shp"
    _check_dltb_file(shp)
    right = pyogrio.read_dataframe(shp, encoding="GBK")
    assert right.crs is None  # no .prj: the zone prefix of the eastings tells the CRS
    assert list(right["DLMC"]) == list(town.survey["DLMC"])
    assert list(right["ZLDWMC"]) == list(town.survey["ZLDWMC"])
    assert list(right["DLBM"]) == list(town.survey["DLBM"])
    assert np.array_equal(right["TBMJ"].to_numpy(), town.survey["TBMJ"].to_numpy())
    assert shapely.equals_exact(right.geometry.to_numpy(), town.survey.geometry.to_numpy(), tolerance=1e-9).all()
    naive = pyogrio.read_dataframe(shp)  # what a reader that trusts the file gets: mojibake
    assert not naive["DLMC"].isin(list(town.survey["DLMC"])).any()
    assert naive["DLMC"].str.contains("[À-ÿ]").all()
    for role, layer in sample.GPKG_LAYERS.items():
        assert pyogrio.list_layers(paths[role])[:, 0].tolist() == [layer]
        frame = pyogrio.read_dataframe(paths[role])
        assert frame.crs.to_epsg() == 4527
        assert len(frame) == len(getattr(town, role))
    back = pyogrio.read_dataframe(paths["transfer"])
    assert list(back["流入方"]) == list(town.transfer["流入方"])


def test_command_line_writes_layers_and_readme(tmp_path):
    assert sample.main([str(tmp_path), "--seed", "3", "--patches", "600"]) == 0
    _check_dltb_file(tmp_path / "survey" / "DLTB.shp")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "--seed 3 --patches 600" in readme and "synthetic" in readme
    assert "| category | | pieces | mu | 新增 | 存量 | 待核实 |" in readme and "names-only variant" not in readme
    names = tmp_path / "names"
    assert sample.main([str(names), "--seed", "3", "--patches", "600", "--variant", "names"]) == 0
    readme = (names / "README.md").read_text(encoding="utf-8")
    assert "--seed 3 --patches 600 --variant names" in readme and "names-only variant" in readme
    survey = pyogrio.read_dataframe(names / "survey" / "DLTB.shp", encoding="GBK")
    assert "DLBM" not in survey.columns and "村庄" in set(survey["DLMC"])


def test_committed_layers_exist_and_read():
    shp = LAYERS / "survey" / "DLTB.shp"
    _check_dltb_file(shp)
    survey = pyogrio.read_dataframe(shp, encoding="GBK")
    assert 19_000 <= len(survey) <= 21_500
    assert survey["DLMC"].isin([c.name_zh for c in landuse.code_table().values()]).all()
    assert survey["BSM"].is_unique
    assert str(int(survey.total_bounds[0])).startswith("395")
    farmland = pyogrio.read_dataframe(LAYERS / "farmland.gpkg", layer="YJJBNTBHTB")
    transfer = pyogrio.read_dataframe(LAYERS / "transfer.gpkg", layer="流转地块")
    records = pyogrio.read_dataframe(LAYERS / "facility_records.gpkg", layer="设施农用地备案")
    for frame in (farmland, transfer, records):
        assert frame.crs.to_epsg() == 4527 and len(frame) > 0
    assert farmland["YJJBNTTBBH"].is_unique
    assert 3000 <= transfer["流转面积"].sum() <= 4500
    readme = (LAYERS / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme and "python -m landcheck.sample layers" in readme
    assert sum(p.stat().st_size for p in LAYERS.rglob("*") if p.is_file()) < 20e6


def test_town_boundary_holds_the_seat_and_no_farmland(town):
    """The 城镇开发边界 (issue 17): every seat patch inside it, no farmland in it, some fields around the seat."""
    b = town.town_boundary
    assert len(b) >= 1 and b.crs.to_epsg() == 4527 and set(b["LX"]) == {"城镇开发边界"}
    whole = b.geometry.union_all()
    s = town.survey
    seat = s[s["CZCSXM"] == "202"]
    assert len(seat) and seat.geometry.within(whole.buffer(1e-6)).all()
    assert town.farmland.geometry.intersection(whole).area.sum() < 1.0
    fields = s[s["DLBM"].str.startswith("01")].geometry.intersection(whole).area.sum()
    assert fields > 10_000  # it takes some cultivated land outside the farmland, which 补划 must avoid
    assert (abs(b["MJ"] - units.ellipsoidal_area(b.geometry.to_numpy(), 4527)) < 0.01).all()
