"""Run configuration (landcheck.toml), packaged vocabulary and rules."""

from pathlib import Path

import pytest

from landcheck import landuse
from landcheck.config import (CATEGORIES, CONFIG_TEMPLATE, load_rules, load_run_config, vocabulary)
from landcheck.errors import LandcheckError


def test_template_is_valid_toml_and_loads(tmp_path: Path):
    cfg_path = tmp_path / "landcheck.toml"
    cfg_path.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    cfg = load_run_config(cfg_path)
    assert cfg.township == "某某镇"
    assert cfg.layers["survey"].path == (tmp_path / "data" / "DLTB.shp").resolve()
    assert cfg.transfer_target_mu == 5000 and cfg.min_block_mu == 100
    assert cfg.prefix == "371426104"  # empty id_prefix falls back to the township code


def test_config_field_overrides_and_errors(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text('[layers.survey]\npath = "a.shp"\nlayer = "DLTB"\n[layers.survey.fields]\ndlbm = "地类代码"\n', encoding="utf-8")
    cfg = load_run_config(p)
    assert cfg.layers["survey"].fields == {"DLBM": "地类代码"}
    assert cfg.layers["survey"].layer == "DLTB"
    p.write_text('[layers.roads]\npath = "a.shp"\n', encoding="utf-8")
    with pytest.raises(LandcheckError, match=r"c.toml:1: unknown table layers.roads \(known: survey, farmland"):
        load_run_config(p)
    p.write_text('[layers.survey\n', encoding="utf-8")
    with pytest.raises(LandcheckError, match="not valid TOML"):
        load_run_config(p)
    with pytest.raises(LandcheckError, match="not found"):
        load_run_config(tmp_path / "missing.toml")


def test_vocabulary_holds_the_statuses_and_verdicts():
    v = vocabulary()
    assert v.statuses == ("未整改", "整改中", "已整改", "已销号", "待复核（已消失）")
    assert set(v.verdicts) == {"合法", "违法", "其他", "伪变化"}
    assert "退园还耕（即可恢复）" in v.all_measures and "退塘还耕（工程恢复）" in v.all_measures


@pytest.mark.parametrize("code,zz,category,problem,measure", [
    ("0201", "", "non_grain", "非粮化（林果）", "退园还耕"),
    ("0201", "JKHF", "non_grain", "非粮化（林果）", "退园还耕（即可恢复）"),
    ("0307", "GCHF", "non_grain", "非粮化（林木苗木）", "退林还耕（工程恢复）"),
    ("1104A", "", "non_grain", "非粮化（挖塘养鱼）", "退塘还耕"),
    ("1104K", "", "non_grain", "非粮化（挖塘养鱼）", "退塘还耕（即可恢复）"),
    ("1104", "", "pond", "坑塘水面（需核实用途）", "核实举证"),
    ("0404", "", "non_grain", "非粮化（草地）", "恢复耕种"),
    ("0702", "", "non_farm", "非农化（建设占用）", "拆除复耕"),
    ("0601", "", "non_farm", "非农化（建设占用）", "拆除复耕"),
    ("1003", "", "non_farm", "非农化（道路）", "核实举证/补办手续"),
    ("1109", "", "non_farm", "非农化（水利设施）", "核实举证"),
    ("1202", "", "facility", "设施农用地（需核实备案）", "补办备案"),
    ("1101", "", "other", "其他非耕地（需核实）", "核实举证"),
    ("1006", "", "infrastructure", "", ""),
    ("1107", "", "infrastructure", "", ""),
    ("1203", "", "infrastructure", "", ""),
])
def test_packaged_rules_follow_domain_table(code, zz, category, problem, measure):
    from landcheck.checks.farmland import patch_rules
    import geopandas as gpd
    import shapely

    rules = load_rules()
    df = gpd.GeoDataFrame({"DLBM": [code], "ZZSXDM": [zz]}, geometry=[shapely.box(0, 0, 1, 1)])
    rule = patch_rules(df, rules)[0]
    assert (rule.category, rule.problem_type, rule.suggested_measure) == (category, problem, measure)


@pytest.mark.parametrize("zz,category,problem,measure", [
    ("LS", "cultivated", "", ""), ("", "cultivated", "", ""), ("XG", "cultivated", "", ""),
    ("FLS", "non_grain_crop", "种植非粮作物", "引导种粮"),
    ("LLJZ", "mixed_crop", "林粮间作（需核实）", "核实举证"),   # both grow grain (domain.md §9.4)
    ("LYFL", "mixed_crop", "粮与非粮轮作", "无需整改"),
    ("WG", "abandoned", "未耕种（疑似撂荒）", "复耕复种"),     # 未耕种 is not by itself 撂荒
])
def test_cultivated_by_planting_attribute(zz, category, problem, measure):
    r = load_rules().for_planting(zz)
    assert (r.category, r.problem_type, r.suggested_measure) == (category, problem, measure)


def test_every_code_class_has_a_rule():
    rules = load_rules()
    for code, entry in landuse.code_table().items():
        rule = rules.for_planting("") if entry.in_pbf == "ok" else rules.for_class(entry.in_pbf, entry.group, code)
        assert rule.category in CATEGORIES, code


def test_rules_override_and_validation(tmp_path: Path):
    p = tmp_path / "r.toml"
    p.write_text('[thresholds]\nsliver_width_m = 0.5\n[classes.other]\nsuggested_measure = "调出补划"\n', encoding="utf-8")
    r = load_rules(p)
    assert r.sliver_width_m == 0.5 and r.min_area_m2 == 1.0
    assert r.for_class("other").suggested_measure == "调出补划"
    p.write_text('[classes.other]\nsuggested_measure = "随便处理"\n', encoding="utf-8")
    with pytest.raises(LandcheckError, match="not in the vocabulary"):
        load_rules(p)
    p.write_text('[classes.other]\ncategory = "bad"\n', encoding="utf-8")
    with pytest.raises(LandcheckError, match="category 'bad'"):
        load_rules(p)
