"""`landcheck run`: the main job on the bundled sample township and on a landcheck.toml."""

import json
import shutil

import pytest
from click.testing import CliRunner

from landcheck.cli import cli
from landcheck.config import bundled_layers_dir, load_run_config, sample_config
from landcheck.pipeline import main_job as pipeline  # where run() reads its layers
from landcheck.pipeline.main_job import run

from tests.helpers import page_payloads

SAMPLE = bundled_layers_dir()
needs_sample = pytest.mark.skipif(not (SAMPLE / "survey" / "DLTB.shp").exists(), reason="sample township absent")


@needs_sample
def test_run_on_the_bundled_sample(tmp_path, monkeypatch):
    cfg = sample_config()
    cfg.output_dir = tmp_path / "out"
    cfg.maps_dir = tmp_path / "maps"
    reads = []
    real_read_role = pipeline.read_role
    monkeypatch.setattr(pipeline, "read_role", lambda role, spec: reads.append(role) or real_read_role(role, spec))
    result = run(cfg)
    # checks and maps share the frames: every configured layer is read once
    assert sorted(reads) == sorted(cfg.layers)
    index = (tmp_path / "maps" / "villages" / "index.html").read_text(encoding="utf-8")
    assert "侯家洼村" in index and (tmp_path / "maps" / "villages" / "township.html").exists()
    # the township map draws every transfer block beside the findings
    payloads = page_payloads((tmp_path / "maps" / "villages" / "township.html").read_text(encoding="utf-8"))
    assert len(payloads["blocks"]["group"]) == result.transfer.summary["n_blocks"]
    assert sum(payloads["blocks"]["group"]) == result.transfer.summary["n_below_min"]
    assert result.exit_code == 1
    s = json.loads((tmp_path / "out" / "farmland" / "summary.json").read_text(encoding="utf-8"))
    assert s["n_findings"] == result.farmland.summary["n_findings"] > 50
    assert s["read_report"]["survey"]["encoding"] == "GBK"
    assert s["read_report"]["survey"]["crs"] == "EPSG:4527"
    assert s["read_report"]["survey"]["crs_source"] == "inferred"
    assert "facility_records" in s["read_report"]
    assert len(s["by_village"]) >= 20
    # the books balance
    parts = sum(s["areas_m2"][k] for k in s["areas_m2"] if k != "pbf")
    assert abs(parts - s["areas_m2"]["pbf"]) <= 1e-4 * s["areas_m2"]["pbf"]
    # the ledger and its workbook; a second run keeps every task number
    from landcheck.ledger import read_tasks
    from openpyxl import load_workbook

    assert s["ledger"]["n_new"] == s["n_findings"]
    ids = sorted(read_tasks(tmp_path / "out" / "ledger.gpkg")["issue_id"])
    assert ids[0] == "SL-" + ids[0].split("-")[1] + "-0001"
    wb = load_workbook(tmp_path / "out" / "整改台账.xlsx", read_only=True)
    assert "汇总" in wb.sheetnames and len(wb.sheetnames) >= 20
    t = json.loads((tmp_path / "out" / "transfer" / "summary.json").read_text(encoding="utf-8"))
    assert t["n_blocks"] > 0 and t["n_below_min"] > 0 and t["target_mu"] == 5000
    assert (tmp_path / "out" / "transfer" / "blocks.gpkg").exists()
    again = run(cfg)
    assert again.farmland.summary["ledger"]["n_new"] == 0
    assert sorted(read_tasks(tmp_path / "out" / "ledger.gpkg")["issue_id"]) == ids


@needs_sample
def test_run_cli_prints_village_table_and_exits_0(tmp_path, monkeypatch):
    """Findings are a run's normal product: exit 0 once written; --fail-on-findings gives 1 (and -q
    after the subcommand silences it); the ledger line counts what the ledger holds."""
    from landcheck.ledger import read_tasks

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["run", "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("运行 示例镇（内置示例数据）")
    assert "永久基本农田" in r.output and "分村问题" in r.output
    assert (tmp_path / "o" / "farmland" / "findings.gpkg").exists()
    n = len(read_tasks(tmp_path / "o" / "ledger.gpkg"))
    ledger_lines = [x for x in r.output.splitlines() if x.startswith("整改台账:")]
    assert len(ledger_lines) == 1 and ledger_lines[0].endswith(f"共 {n} 项")
    r = CliRunner().invoke(cli, ["run", "-o", str(tmp_path / "o"), "--fail-on-findings", "-q"])
    assert r.exit_code == 1, r.output
    assert "分村问题" not in r.output


@needs_sample
def test_run_with_own_config_and_field_overrides(tmp_path):
    """An officer's own layout: renamed fields mapped in landcheck.toml, paths relative to it."""
    import geopandas as gpd

    data = tmp_path / "data"
    data.mkdir()
    sv = gpd.read_file(SAMPLE / "survey" / "DLTB.shp", encoding="GBK", engine="pyogrio").set_crs(4527)
    sv = sv.rename(columns={"DLBM": "CODE_X", "ZLDWMC": "CUN"}).iloc[:3000]
    sv.to_file(data / "dltb.gpkg", layer="my_patches", engine="pyogrio")
    sv.rename(columns={"CODE_X": "DLBM"}).assign(SJNF="2025").to_file(data / "dltb2025.gpkg", engine="pyogrio")
    shutil.copy(SAMPLE / "farmland.gpkg", data / "pbf.gpkg")
    cfg = tmp_path / "landcheck.toml"
    cfg.write_text(
        '[township]\nname = "乙镇"\ncode = "371426999"\n'
        '[layers.survey]\npath = "data/dltb.gpkg"\nlayer = "my_patches"\n'
        '[layers.survey.fields]\nDLBM = "CODE_X"\nZLDWMC = "CUN"\n'
        '[layers.farmland]\npath = "data/pbf.gpkg"\n'
        '[layers.baseline]\npath = "data/dltb2025.gpkg"\n'
        '[output]\ndir = "results"\n', encoding="utf-8")
    conf = load_run_config(cfg)
    assert conf.prefix == "371426999"
    r = CliRunner().invoke(cli, ["run", str(cfg)])  # a part of the survey against the whole farmland …
    assert r.exit_code == 2 and "--allow-partial" in r.output, r.output  # … is refused as implausible
    r = CliRunner().invoke(cli, ["run", str(cfg), "--allow-partial"])  # unless meant
    assert r.exit_code in (0, 1), r.output
    s = json.loads((tmp_path / "results" / "farmland" / "summary.json").read_text(encoding="utf-8"))
    assert s["read_report"]["survey"]["field_map"]["DLBM"] == "CODE_X"
    f = gpd.read_file(tmp_path / "results" / "farmland" / "findings.gpkg", layer="findings")
    assert set(f["township"]) <= {"乙镇"}
    assert f["village"].str.endswith(("村", "社区")).all()
    # the baseline named in landcheck.toml: last year the same land use, so every finding is 往年新增
    assert "baseline" in s["read_report"] and set(f["origin"]) == {"new"}
    assert all(e.endswith(f"2025年为 {c}（往年新增）") for e, c in zip(f["origin_evidence"], f["dlbm"]))


@needs_sample
def test_farmland_and_transfer_write_a_map_on_request(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli = CliRunner().invoke
    r = run_cli(cli, ["farmland", "--survey", str(SAMPLE / "survey" / "DLTB.shp"), "--farmland", str(SAMPLE / "farmland.gpkg"),
                      "--facility-records", str(SAMPLE / "facility_records.gpkg"), "--map"])
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "out" / "farmland" / "summary.json").read_text(encoding="utf-8"))
    d = page_payloads((tmp_path / "maps" / "farmland.html").read_text(encoding="utf-8"))
    assert len(d["findings"]["props"]["id"]) == s["n_findings"] and "farmland" in d and "survey" in d
    r = run_cli(cli, ["transfer", str(SAMPLE / "transfer.gpkg"), "--by", "流入方", "--ledger", "out/ledger.gpkg",
                      "--map", "maps/流转.html"])
    assert r.exit_code == 1, r.output
    t = json.loads((tmp_path / "out" / "transfer" / "summary.json").read_text(encoding="utf-8"))
    d = page_payloads((tmp_path / "maps" / "流转.html").read_text(encoding="utf-8"))
    assert len(d["blocks"]["group"]) == t["n_blocks"] and sum(d["blocks"]["group"]) == t["n_below_min"]
    # from a ledger, the map shows the transfer tasks with their issue ids
    ids = d["findings"]["props"]["id"]
    ids = [ids["v"][i] for i in ids["i"]] if isinstance(ids, dict) else ids
    assert len(ids) == t["n_findings"] and all(str(i).startswith("LC-") for i in ids)
    r = run_cli(cli, ["transfer", str(SAMPLE / "transfer.gpkg"), "--map", "x.png"])
    assert r.exit_code == 2 and ".html" in r.output


def test_refuse_unknown_codes_only_for_survey_layers_and_only_with_error():
    from landcheck.errors import LandcheckError
    from landcheck.pipeline.outputs import refuse_unknown_codes

    entry = {"kind": "code", "value": "9999", "rows": 3, "area_m2": 10.0, "action": "kept_code", "category": "other"}
    reports = {"survey": {"path": "a/DLTB.shp", "unknown_table": [entry]}, "farmland": {"path": "b.gpkg", "unknown_table": [entry]}}
    refuse_unknown_codes(reports, "warn")  # warn: the CLI lists them, nothing raised
    refuse_unknown_codes({"farmland": reports["farmland"]}, "error")  # the farmland layer's codes classify nothing
    with pytest.raises(LandcheckError, match=r"a/DLTB.shp: 1 land-use codes/names map to no class \(9999 ×3\)") as exc:
        refuse_unknown_codes(reports, "error")
    assert "\n" not in exc.value.message and "b.gpkg" not in exc.value.message


@needs_sample
def test_farmland_job_hands_the_whole_layers_only_to_a_ledger_or_a_map(tmp_path, monkeypatch):
    """Without a ledger and a map the survey and farmland frames are released before writing (memory)."""
    from landcheck.config import LayerSpec
    from landcheck.pipeline import farmland as job
    from landcheck.pipeline.options import JobOptions

    handed = []
    monkeypatch.setattr(job, "write_outputs", lambda result, options: handed.append(result) or {})
    specs = (LayerSpec(SAMPLE / "survey" / "DLTB.shp"), LayerSpec(SAMPLE / "farmland.gpkg"))
    job.farmland_job(*specs, JobOptions(tmp_path / "a"))
    job.farmland_job(*specs, JobOptions(tmp_path / "b", ledger_path=tmp_path / "ledger.gpkg", map_path=tmp_path / "m.html"))
    bare, full = handed
    assert bare.scope is None and bare.map_layers == {} and len(bare.findings)
    assert len(full.scope) > len(full.map_layers["farmland"]) > 0 and full.map_layers["survey"] is full.scope
