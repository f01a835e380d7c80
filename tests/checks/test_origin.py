"""新增 or 存量 of farmland findings (checks/origin.py, judged through check_farmland): each rule of
domain.md §9.1 on hand-built squares, the baseline split and the measures that follow."""

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from landcheck import units
from landcheck.checks.farmland import check_farmland
from landcheck.config import load_rules

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def survey(code="0702", zz="", czcsxm="", geom=None):
    return gpd.GeoDataFrame({"feature_id": ["P1"], "DLBM": [code], "ZZSXDM": [zz], "CZCSXM": [czcsxm], "ZLDWMC": ["甲村"]},
                            geometry=[geom or box(0, 0, 100, 100)], crs=4527)


def farmland(dlbm=None):
    data = {"feature_id": ["#1"], "YJJBNTTBBH": ["F1"]}
    if dlbm is not None:
        data["DLBM"] = [dlbm]
    return gpd.GeoDataFrame(data, geometry=[box(0, 0, 100, 100)], crs=4527)


def baseline(*parts):
    """(code, geometry) pairs of a baseline survey."""
    return gpd.GeoDataFrame({"DLBM": [c for c, _ in parts]}, geometry=[g for _, g in parts], crs=4527)


def judged(sv, fm, base=None, year=""):
    return check_farmland(sv, fm, load_rules(), baseline=base, baseline_year=year)


def only(res):
    assert len(res.findings) == 1
    return res.findings.iloc[0]


def test_farmland_delineated_on_construction_is_existing():
    f = only(judged(survey("0702"), farmland("0702")))
    assert (f["origin"], f["origin_evidence"]) == ("existing", "划定时地类 0702")
    assert (f["severity"], f["suggested_measure"]) == ("warning", "核实举证/调出补划")
    assert "存量（划定时地类 0702）" in f["description"] and "立案查处" not in f["description"]


def test_farmland_delineated_on_cultivated_land_is_new_and_to_be_demolished():
    f = only(judged(survey("0702"), farmland("0103")))
    assert (f["origin"], f["severity"], f["suggested_measure"]) == ("new", "error", "拆除复耕")
    assert f["description"].startswith("永久基本农田内农村宅基地(0702) 15.00亩")
    assert "新增（划定时地类 0103）" in f["description"] and f["description"].endswith("建议立案查处")


@pytest.mark.parametrize("base_code,said", [("0103", "2025年为 0103（本年新增）"), ("0702", "2025年为 0702（往年新增）")])
def test_baseline_only_tells_this_year_or_earlier_when_the_farmland_class_is_cultivated(base_code, said):
    f = only(judged(survey("0702"), farmland("0103"), baseline((base_code, box(-10, -10, 110, 110))), "2025"))
    assert f["origin"] == "new" and f["origin_evidence"] == f"划定时地类 0103；{said}"
    assert f["orig_dlbm"] == base_code


@pytest.mark.parametrize("base_code,origin", [("0103", "new"), ("0702", "existing"), ("0601", "existing")])
def test_without_farmland_class_the_baseline_decides(base_code, origin):
    f = only(judged(survey("0702"), farmland(), baseline((base_code, box(-10, -10, 110, 110)))))
    assert f["origin"] == origin and f["origin_evidence"] == f"基期为 {base_code}"


def test_baseline_of_another_category_does_not_decide():
    f = only(judged(survey("0702"), farmland(), baseline(("0301", box(-10, -10, 110, 110)))))
    assert f["origin"] == "unknown"


@pytest.mark.parametrize("czcsxm", ["203", "201A", "205"])
def test_settlement_attribute_means_existing(czcsxm):
    f = only(judged(survey("0702", czcsxm=czcsxm), farmland()))
    assert (f["origin"], f["origin_evidence"]) == ("existing", f"城镇村属性码 {czcsxm}")


def test_erdiao_village_class_means_existing():
    f = only(judged(survey("203"), farmland()))
    assert f["origin"] == "existing" and f["origin_evidence"] == "二调地类 村庄(203)"


def test_nothing_known_is_unknown_to_verify():
    f = only(judged(survey("0702"), farmland()))
    assert (f["origin"], f["severity"], f["suggested_measure"]) == ("unknown", "warning", "核实举证")
    assert "待核实（新增/存量待核实）" in f["description"]


@pytest.mark.parametrize("zz,measure", [("JKHF", "退园还耕（即可恢复）"), ("GCHF", "退园还耕（工程恢复）"), ("", "调出补划")])
def test_existing_orchard_is_restored_when_restorable_else_taken_out(zz, measure):
    f = only(judged(survey("0201", zz=zz), farmland("0201")))
    assert f["origin"] == "existing" and f["suggested_measure"] == measure


def test_new_orchard_keeps_its_restore_measure():
    f = only(judged(survey("0201"), farmland("0103")))
    assert (f["origin"], f["suggested_measure"], f["severity"]) == ("new", "退园还耕", "error")


def test_finding_split_along_the_baseline_keeps_its_area():
    sv, fm = survey("0702"), farmland()
    whole = check_farmland(sv, fm, load_rules()).findings
    base = baseline(("0103", box(-10, -10, 40, 110)), ("0702", box(40, -10, 110, 110)))
    res = judged(sv, fm, base, "2025")
    f = res.findings.sort_values("lon").reset_index(drop=True)
    assert f["origin"].tolist() == ["new", "existing"]
    assert abs(f["area_m2"].sum() - whole["area_m2"].sum()) < 1e-6
    expect = units.ellipsoidal_area([box(0, 0, 40, 100), box(40, 0, 100, 100)], 4527)
    assert abs(f["area_m2"] - expect).max() < 0.01
    assert f["finding_key"].is_unique and not set(f["finding_key"]) & set(whole["finding_key"])
    by = res.summary["by_origin"]["non_farm"]
    assert by == {"new": units.area_mu(expect[0]), "existing": units.area_mu(expect[1])}


def test_a_baseline_sliver_does_not_split_a_finding():
    sv, fm = survey("0702"), farmland()
    whole = check_farmland(sv, fm, load_rules()).findings
    base = baseline(("0103", box(-10, -10, 0.05, 110)), ("0702", box(0.05, -10, 110, 110)))
    f = only(judged(sv, fm, base))
    assert f["origin"] == "existing" and f["finding_key"] == whole["finding_key"].iloc[0]
    assert f.geometry.equals(whole.geometry.iloc[0])


@pytest.mark.parametrize("base_zz,with_class,origin,said", [
    ("LS", True, "new", "2025年为 0103（本年新增）"), ("FLS", True, "new", "2025年为 0103（往年新增）"),
    ("LS", False, "new", "2025年为 0103"), ("FLS", False, "existing", "2025年为 0103")])
def test_non_grain_crop_compares_planting_attributes_with_the_baseline(base_zz, with_class, origin, said):
    base = baseline(("0103", box(-10, -10, 110, 110)))
    base["ZZSXDM"] = base_zz
    f = only(judged(survey("0103", zz="FLS"), farmland("0103" if with_class else None), base, "2025"))
    assert f["category"] == "non_grain_crop" and f["origin"] == origin and f["origin_evidence"].endswith(said)
    assert "种植属性 非粮作物(FLS)" in f["description"]
