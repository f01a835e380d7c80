"""Farmland check on hand-built rectangles whose overlaps are known exactly."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck import units
from landcheck.checks.farmland import check_farmland
from landcheck.cli import cli
from landcheck.config import load_rules
from tests.helpers import LAYERS

X0, Y0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def m2(*geoms) -> float:
    """Ellipsoidal area of hand-made boxes (the same measure the check must give)."""
    return float(units.ellipsoidal_area(list(geoms), 4527).sum())


# id, DLBM, ZZSXDM, KCXS, village, geometry
PATCHES = [
    ("A", "0103", "LS", 0.0, "甲村", box(0.05, 0, 100, 200)),
    ("B", "0201", "", 0.0, "甲村", box(100, 0, 160, 100)),        # orchard inside
    ("C", "0103", "FLS", 0.0, "甲村", box(100, 100, 160, 200)),   # non-grain crop inside
    ("D", "1006", "", 0.0, "甲村", box(160, 0, 166, 200)),        # farm road strip
    ("E", "0103", "LS", 0.1, "乙村", box(166, 0, 250, 200)),      # 10 % 田坎
    ("G", "0702", "", 0.0, "乙村", box(250, 0, 350, 100)),        # home straddling the edge x=300
    ("H", "0103", "", 0.0, "乙村", box(250, 100, 350, 200)),      # cultivated straddling
    ("I", "1104A", "", 0.0, "甲村", box(-50, 0, 0.05, 200)),      # pond outside, 0.05 m sliver inside
    ("J", "1202", "", 0.0, "丙村", box(0, 300, 100, 400)),        # facility, half filed
]
FARMLAND = [("F1", "甲村", box(0, 0, 300, 210)), ("F2", "丙村", box(0, 300, 100, 400))]
RECORDS = [box(0, 300, 50, 400)]


def survey_frame(crs=4527):
    df = gpd.GeoDataFrame(
        {"feature_id": [p[0] for p in PATCHES], "DLBM": [p[1] for p in PATCHES], "ZZSXDM": [p[2] for p in PATCHES],
         "KCXS": [p[3] for p in PATCHES], "ZLDWMC": [p[4] for p in PATCHES]},
        geometry=[p[5] for p in PATCHES], crs=4527)
    return df.to_crs(crs)


def farmland_frame(crs=4527):
    df = gpd.GeoDataFrame({"feature_id": ["#1", "#2"], "YJJBNTTBBH": [f[0] for f in FARMLAND],
                           "ZLDWMC": [f[1] for f in FARMLAND], "DLBM": ["0103", "0103"]},
                          geometry=[f[2] for f in FARMLAND], crs=4527)
    return df.to_crs(crs)


def records_frame():
    return gpd.GeoDataFrame({"feature_id": ["R1"], "设施类型": ["种植设施"], "备案日期": ["2020-05-01"]},
                            geometry=RECORDS, crs=4527)


EXPECTED = {
    "pbf": m2(box(0, 0, 300, 210), box(0, 300, 100, 400)),
    "non_grain": m2(box(100, 0, 160, 100)),
    "non_grain_crop": m2(box(100, 100, 160, 200)),
    "non_farm": m2(box(250, 0, 300, 100)),
    "facility": m2(box(50, 300, 100, 400)),
    "infrastructure": m2(box(160, 0, 166, 200)) + 0.1 * m2(box(166, 0, 250, 200)) + m2(box(0, 300, 50, 400)),
    "cultivated": m2(box(0.05, 0, 100, 200)) + 0.9 * m2(box(166, 0, 250, 200)) + m2(box(250, 100, 300, 200)),
    "sliver": m2(box(0, 0, 0.05, 200)),
    "uncovered": m2(box(0, 200, 300, 210)),
    "abandoned": 0.0,
    "other": 0.0,
}


def mu(v):
    return units.round_half_up(v * 15 / 10000, 2)


def test_hand_computed_categories_to_a_hundredth_of_a_mu():
    res = check_farmland(survey_frame(), farmland_frame(), load_rules(), facility_records=records_frame())
    s = res.summary
    assert s["pbf_mu"] == mu(EXPECTED["pbf"])
    for cat in ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure", "other"):
        assert abs(s[f"{cat}_mu"] - mu(EXPECTED[cat])) <= 0.01, cat
    assert abs(s["sliver_mu"] - mu(EXPECTED["sliver"])) <= 0.01
    assert abs(s["uncovered_mu"] - mu(EXPECTED["uncovered"])) <= 0.01
    total = sum(EXPECTED[c] for c in EXPECTED if c != "pbf")
    assert abs(total - EXPECTED["pbf"]) < 1e-6 * EXPECTED["pbf"]  # the fixture itself balances
    assert s["balance"]["difference_pct"] <= 0.01


def test_findings_rows_ids_and_measures():
    res = check_farmland(survey_frame(), farmland_frame(), load_rules(), facility_records=records_frame(), township="示例镇")
    f = res.findings.set_index("patch_id")
    assert sorted(f.index) == ["B", "C", "G", "J"]  # no road, no 田坎, no sliver, no plain cultivated
    assert f.loc["B", "problem_type"] == "非粮化（林果）" and f.loc["B", "suggested_measure"] == "退园还耕"
    assert f.loc["C", "category"] == "non_grain_crop" and f.loc["C", "suggested_measure"] == "引导种粮"
    assert f.loc["G", "category"] == "non_farm" and f.loc["G", "farmland_id"] == "F1"
    assert abs(f.loc["G", "area_m2"] - EXPECTED["non_farm"]) < 0.01  # only the part inside farmland
    assert f.loc["J", "category"] == "facility" and abs(f.loc["J", "area_m2"] - EXPECTED["facility"]) < 0.01
    assert f.loc["J", "village"] == "丙村" and f.loc["B", "township"] == "示例镇"
    assert f.loc["B", "dlmc"] == "果园"
    # lon/lat is a point inside the piece, in EPSG:4490
    pt = gpd.GeoSeries(gpd.points_from_xy([f.loc["G", "lon"]], [f.loc["G", "lat"]]), crs=4490).to_crs(4527).iloc[0]
    assert box(250, 0, 300, 100).buffer(0.5).contains(pt)
    assert f["area_mu"].tolist() == [units.round_half_up(a * 15 / 10000, 2) for a in f["area_m2"]]


def test_finding_keys_are_deterministic_and_unique():
    a = check_farmland(survey_frame(), farmland_frame(), load_rules()).findings
    b = check_farmland(survey_frame(), farmland_frame(), load_rules()).findings
    assert a["finding_key"].tolist() == b["finding_key"].tolist()
    assert a["finding_key"].is_unique


def test_without_facility_records_all_of_1202_is_a_finding():
    res = check_farmland(survey_frame(), farmland_frame(), load_rules())
    assert abs(res.summary["facility_mu"] - mu(m2(box(0, 300, 100, 400)))) <= 0.01


def test_inputs_in_different_crs_give_the_same_areas():
    a = check_farmland(survey_frame(), farmland_frame(), load_rules()).summary
    b = check_farmland(survey_frame(), farmland_frame(4490), load_rules()).summary
    c = check_farmland(survey_frame(4548), farmland_frame(4490), load_rules()).summary
    for key in ("pbf_mu", "non_grain_mu", "non_farm_mu", "cultivated_mu", "uncovered_mu"):
        assert abs(a[key] - b[key]) <= 0.01 and abs(a[key] - c[key]) <= 0.01, key


def test_overlapping_farmland_counted_once():
    fm = farmland_frame()
    dup = fm.iloc[[0]].copy()
    dup["YJJBNTTBBH"] = "F1-copy"
    fm2 = pd.concat([fm, dup], ignore_index=True)
    res = check_farmland(survey_frame(), fm2, load_rules())
    assert abs(res.summary["pbf_mu"] - mu(EXPECTED["pbf"])) <= 0.01
    assert res.summary["farmland_overlaps"] == 1
    assert (res.findings["patch_id"] == "B").sum() == 1


def test_sliver_thresholds_come_from_the_rules(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[thresholds]\nsliver_width_m = 0.01\nmin_area_m2 = 0.5\n", encoding="utf-8")
    res = check_farmland(survey_frame(), farmland_frame(), load_rules(p))
    assert "I" in set(res.findings["patch_id"])  # 0.05 m wide is no longer a sliver
    assert res.summary["sliver_mu"] == 0.0


def test_farmland_command_writes_outputs_and_exits_1(tmp_path):
    sv = tmp_path / "dltb.shp"
    survey_frame().to_file(sv, engine="pyogrio", encoding="GBK")
    fm = tmp_path / "pbf.gpkg"
    farmland_frame().to_file(fm, layer="YJJBNTBHTB", engine="pyogrio")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["farmland", "--survey", str(sv), "--farmland", str(fm), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_findings"] == 4
    assert summary["read_report"]["survey"]["encoding"] == "GBK"
    f = gpd.read_file(out / "findings.gpkg", layer="findings")
    assert len(f) == 4 and set(f["village"]) <= {"甲村", "乙村", "丙村"}
    csv = pd.read_csv(out / "findings.csv", encoding="utf-8-sig", dtype=str)
    assert list(csv.columns[:4]) == ["finding_key", "check", "problem_type", "category"]
    assert sorted(csv["patch_id"]) == sorted(f["patch_id"])


def test_farmland_command_clean_input_exits_0(tmp_path):
    sv = tmp_path / "dltb.gpkg"
    gpd.GeoDataFrame({"DLBM": ["0103"]}, geometry=[box(0, 0, 100, 100)], crs=4527).to_file(sv, engine="pyogrio")
    fm = tmp_path / "pbf.gpkg"
    gpd.GeoDataFrame({"YJJBNTTBBH": ["F"]}, geometry=[box(0, 0, 100, 100)], crs=4527).to_file(fm, engine="pyogrio")
    r = CliRunner().invoke(cli, ["farmland", "--survey", str(sv), "--farmland", str(fm), "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["n_findings"] == 0


def test_farmland_command_survey_without_landuse_field_exits_2(tmp_path):
    sv = tmp_path / "dltb.gpkg"
    gpd.GeoDataFrame({"NAME": ["x"]}, geometry=[box(0, 0, 100, 100)], crs=4527).to_file(sv, engine="pyogrio")
    r = CliRunner().invoke(cli, ["farmland", "--survey", str(sv), "--farmland", str(sv), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no land-use field" in r.output


def _agree(fast: dict, plain: dict, rel=1e-4, abs_mu=0.01):
    """Every category of the fast check equals the plain geopandas overlay to 0.01 % (or 0.01 mu)."""
    pbf = plain["pbf"]
    for cat in ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure",
                "other", "sliver", "uncovered"):
        got = fast[cat]
        want = plain[cat]
        assert abs(got - want) <= max(rel * pbf, abs_mu * 10000 / 15) if cat in ("cultivated", "uncovered") \
            else abs(got - want) <= max(rel * max(want, 1.0), abs_mu * 10000 / 15), (cat, got, want)


def _fast_m2(res) -> dict:
    return res.summary["areas_m2"]


def test_fast_check_agrees_with_plain_geopandas_overlay_on_fixture():
    from landcheck.checks.farmland_plain import plain_totals

    fast = check_farmland(survey_frame(), farmland_frame(), load_rules(), facility_records=records_frame())
    plain = plain_totals(survey_frame(), farmland_frame(), load_rules(), facility_records=records_frame())
    _agree(_fast_m2(fast), plain)


SAMPLE = LAYERS


@pytest.mark.skipif(not (SAMPLE / "survey" / "DLTB.shp").exists(), reason="sample township not generated")
def test_fast_check_agrees_with_plain_geopandas_overlay_on_sample_township():
    from landcheck.checks.farmland_plain import plain_totals
    from landcheck.layers import read_layer

    sv, _ = read_layer(SAMPLE / "survey" / "DLTB.shp", kind="survey", require_landuse=True)
    fm, _ = read_layer(SAMPLE / "farmland.gpkg", kind="farmland")
    rec, _ = read_layer(SAMPLE / "facility_records.gpkg", kind="facility")
    fast = check_farmland(sv, fm, load_rules(), facility_records=rec)
    plain = plain_totals(sv, fm, load_rules(), facility_records=rec)
    # exact m² from the unrounded summary balance
    _agree(_fast_m2(fast), plain)
    assert fast.summary["n_findings"] > 50
    assert {"non_farm", "non_grain", "non_grain_crop", "facility"} <= set(fast.findings["category"])


def test_farmland_command_feeds_the_ledger_across_runs(tmp_path):
    """check → ledger → re-run unchanged (same ids) → orchard became 旱地 (its task 待复核（已消失）)
    → a new home (next number), all through `landcheck farmland --ledger`."""
    from landcheck.ledger import read_tasks

    fm = tmp_path / "pbf.gpkg"
    farmland_frame().to_file(fm, layer="YJJBNTBHTB", engine="pyogrio")
    ledger = tmp_path / "ledger.gpkg"

    def run_with(survey: gpd.GeoDataFrame) -> dict:
        sv = tmp_path / "dltb.gpkg"
        survey.to_file(sv, layer="DLTB", engine="pyogrio")
        r = CliRunner().invoke(cli, ["farmland", "--survey", str(sv), "--farmland", str(fm), "--ledger", str(ledger),
                                     "--prefix", "SL", "-o", str(tmp_path / "out")], catch_exceptions=False)
        assert r.exit_code == 1, r.output
        assert "整改台账" in r.output
        return json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["ledger"]

    sv = survey_frame().rename(columns={"feature_id": "BSM"})
    first = run_with(sv)
    assert first["n_new"] == 4 and first["n_tasks"] == 4
    ids = dict(zip(read_tasks(ledger)["patch_id"], read_tasks(ledger)["issue_id"]))
    assert all(i.startswith("SL-") and i.endswith(("0001", "0002", "0003", "0004")) for i in ids.values())

    again = run_with(sv)
    assert again["n_new"] == 0 and again["n_matched"] == 4
    assert dict(zip(read_tasks(ledger)["patch_id"], read_tasks(ledger)["issue_id"])) == ids

    changed = sv.copy()
    changed.loc[changed["BSM"] == "B", "DLBM"] = "0103"  # the orchard is farmed again
    third = run_with(changed)
    assert third["disappeared"] == [ids["B"]] and third["n_new"] == 0
    tasks = read_tasks(ledger).set_index("issue_id")
    assert tasks.loc[ids["B"], "status"] == "待复核（已消失）"
    assert len(tasks) == 4  # never deleted

    extra = gpd.GeoDataFrame({"BSM": ["K"], "DLBM": ["0702"], "ZZSXDM": [""], "KCXS": [0.0], "ZLDWMC": ["甲村"]},
                             geometry=[box(10, 10, 30, 30)], crs=4527)
    a = changed.copy()
    a["geometry"] = a.geometry.difference(box(10, 10, 30, 30))
    fourth = run_with(pd.concat([a, extra], ignore_index=True))
    assert len(fourth["new"]) == 1 and fourth["new"][0].endswith("0005")


def test_cultivated_land_on_slopes_without_kcxs_is_said_to_be_gross():
    sv = survey_frame()
    sv["GDPDJB"] = ["3", "", "2", "", "1", "", "", "", ""]  # A (KCXS 0, grade 3) and C (grade 2): gross
    res = check_farmland(sv, farmland_frame(), load_rules())
    got = res.summary["tiankan_not_deducted"]
    assert got == {"n_patches": 2, "mu": units.area_mu(m2(box(0.05, 0, 100, 200), box(100, 100, 160, 200)))}
    assert any("未扣除田坎" in w and "2 个" in w for w in res.summary["warnings"])
    sv["KCXS"] = 0.1  # deducted everywhere: no warning
    assert "tiankan_not_deducted" not in check_farmland(sv, farmland_frame(), load_rules()).summary


def test_printed_figures_add_up_and_net_of_tiankan():
    """summary `printed`: categories sum their findings' printed mu, 耕地（种粮） is the remainder so the
    rows add up to the printed 永久基本农田; the net area is the gross less the 田坎 (10 % of E)."""
    res = check_farmland(survey_frame(), farmland_frame(), load_rules(), facility_records=records_frame())
    p, s = res.summary["printed"], res.summary
    rows = list(p["categories"].values()) + [p["sliver_mu"], p["uncovered_mu"]]
    assert units.sum_printed(rows) == p["pbf_mu"] == s["pbf_mu"]
    for c in ("non_grain", "non_grain_crop", "non_farm", "facility"):
        f = res.findings[res.findings["category"] == c]
        assert p["categories"][c] == units.sum_printed(units.area_mu_array(f["area_m2"].to_numpy()))
    assert p["findings_mu"] == units.sum_printed([p["categories"][c] for c in p["n_by_category"]])
    assert sum(p["n_by_category"].values()) == p["n_findings"] == len(res.findings)
    assert s["pbf_net_mu"] == mu(EXPECTED["pbf"] - 0.1 * m2(box(166, 0, 250, 200))) == p["pbf_net_mu"]
    for v, e in p["by_village"].items():
        assert e["findings_mu"] == units.sum_printed(list(e["categories"].values())), v


def test_village_code_from_the_feature_the_village_came_from():
    sv = survey_frame()
    sv["ZLDWDM"] = ["3714261042010000000"] * len(sv)
    sv.loc[sv["feature_id"] == "J", "ZLDWMC"] = ""   # no village on the patch: the farmland's name and code
    fm = farmland_frame()
    fm["ZLDWDM"] = ["3714261042020000000", "3714261042030000000"]
    f = check_farmland(sv, fm, load_rules()).findings.set_index("patch_id")
    assert f.loc["B", "village_code"] == "371426104201"
    assert f.loc["J", "village"] == "丙村" and f.loc["J", "village_code"] == "371426104203"
