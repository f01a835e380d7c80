"""Typos in landcheck.toml and in a --rules file are errors naming the file, the line, the key and
the closest known key; so is a value of the wrong type."""

import pytest
from click.testing import CliRunner

from landcheck.cli import cli
from landcheck.config import load_rules, load_run_config
from landcheck.config.keys import check_keys, line_of
from landcheck.config.packaged import packaged_toml
from landcheck.config.rules import RULES_KEYS
from landcheck.config.run import CONFIG_TEMPLATE, CONFIG_KEYS
from landcheck.config.packaged import parse_toml
from landcheck.errors import LandcheckError

GOOD = ('[township]\nname = "乙镇"\ncounty = "某县"\ncode = "371426999"\nid_prefix = "YZ"\n'
        '[monitoring]\nbatch = "2026年第1批"\n'
        '[layers.survey]\npath = "data/dltb.gpkg"\nlayer = "DLTB"\ncrs = "EPSG:4527"\nencoding = "GBK"\n'
        '[layers.survey.fields]\nDLBM = "CODE"\n'
        '[targets]\ntransfer_target_mu = 6000\nmin_block_mu = 100.5\n'
        '[output]\ndir = "out"\nmaps = "maps"\nbasemap = "tianditu"\n')


def _write(tmp_path, text, name="landcheck.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_known_key_is_accepted(tmp_path):
    cfg = load_run_config(_write(tmp_path, GOOD))
    assert cfg.township == "乙镇" and cfg.transfer_target_mu == 6000 and cfg.batch == "2026年第1批"
    check_keys(parse_toml(CONFIG_TEMPLATE), CONFIG_KEYS, "template", CONFIG_TEMPLATE)
    check_keys(packaged_toml("rules.toml"), RULES_KEYS, "rules.toml", "")


def test_an_unknown_key_names_file_line_and_the_closest_key(tmp_path):
    text = GOOD.replace("transfer_target_mu = 6000", "transfer_targt_mu = 6000")
    p = _write(tmp_path, text)
    line = text.splitlines().index("transfer_targt_mu = 6000") + 1
    with pytest.raises(LandcheckError) as e:
        load_run_config(p)
    assert e.value.message == f"{p}:{line}: unknown key targets.transfer_targt_mu — did you mean transfer_target_mu?"


def test_an_unknown_table_and_a_layer_key(tmp_path):
    with pytest.raises(LandcheckError, match=r":1: unknown table townshp — did you mean township\?"):
        load_run_config(_write(tmp_path, GOOD.replace("[township]", "[townshp]")))
    text = GOOD.replace('layer = "DLTB"', 'layers = "DLTB"')
    with pytest.raises(LandcheckError, match=r":10: unknown key layers.survey.layers — did you mean layer\?"):
        load_run_config(_write(tmp_path, text))


def test_a_value_of_the_wrong_type(tmp_path):
    text = GOOD.replace("transfer_target_mu = 6000", 'transfer_target_mu = "6000亩"')
    with pytest.raises(LandcheckError, match=r"landcheck.toml:16: targets.transfer_target_mu must be a number"):
        load_run_config(_write(tmp_path, text))
    with pytest.raises(LandcheckError, match=r"township.name must be a text"):
        load_run_config(_write(tmp_path, GOOD.replace('name = "乙镇"', "name = 3")))


def test_rules_file_typos_and_types(tmp_path):
    p = _write(tmp_path, "[thresholds]\nsliver_width_m = 0.5\n\n[classes.non_farm]\nseverty = \"高\"\n", "rules.toml")
    with pytest.raises(LandcheckError) as e:
        load_rules(p)
    assert e.value.message == f"{p}:5: unknown key classes.non_farm.severty — did you mean severity?"
    p = _write(tmp_path, '[thresholds]\nsliver_width_m = "half a metre"\n', "rules.toml")
    with pytest.raises(LandcheckError, match=r"rules.toml:2: thresholds.sliver_width_m must be a number"):
        load_rules(p)
    p = _write(tmp_path, '[change_patches.tblx.99]\nname = "新类型"\ncategory = "non_farm"\nalias = ["x"]\n', "rules.toml")
    with pytest.raises(LandcheckError, match=r"rules.toml:4: unknown key change_patches.tblx.99.alias — did you mean aliases\?"):
        load_rules(p)
    ok = _write(tmp_path, '[thresholds]\nmin_area_m2 = 2\n[planting.LS]\ncategory = "cultivated"\n', "rules.toml")
    assert load_rules(ok).min_area_m2 == 2


def test_cli_exits_2_on_a_typo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, GOOD.replace("min_block_mu", "min_blok_mu"))
    r = CliRunner().invoke(cli, ["run"])
    assert r.exit_code == 2
    assert "landcheck.toml:17: unknown key targets.min_blok_mu — did you mean min_block_mu?" in r.output


def test_line_of_finds_dotted_keys_and_headers():
    text = '[a]\nx = 1\n[a.b]\ny = 2\n[c]\nd.e = 3\n"q r" = 4\n'
    assert line_of(text, "a") == 1 and line_of(text, "a.x") == 2 and line_of(text, "a.b") == 3
    assert line_of(text, "a.b.y") == 4 and line_of(text, "c.d.e") == 6 and line_of(text, "c.q r") == 7
    assert line_of(text, "zz") is None
