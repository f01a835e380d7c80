"""`landcheck run` with [supplement] in landcheck.toml (issue 17 item 5): off by default; on, a ledger without
officer-set 调出补划 is a warning, and once an officer sets it the run writes out/supplement/ and the map."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from landcheck.config import load_run_config
from landcheck.ledger import apply_people_edits, ledger_transaction, read_tasks
from landcheck.pipeline.main_job import run
from tests.cli.test_supplement import box, township  # noqa: F401  (the fixture)

TOML = """
[township]
name = "示例"
code = "371426104"
[layers.survey]
path = "dltb.gpkg"
[layers.farmland]
path = "farmland.gpkg"
[output]
dir = "out"
maps = "maps"
"""


def test_off_by_default(township):  # noqa: F811
    (township / "landcheck.toml").write_text(TOML, encoding="utf-8")
    config = load_run_config(township / "landcheck.toml")
    assert config.supplement is None
    r = run(config)
    assert not any(k.startswith("supplement_") for k in r.outputs) and not (township / "out" / "supplement").exists()


def test_with_supplement_table(township):  # noqa: F811
    t = township
    (t / "landcheck.toml").write_text(TOML + '\n[supplement]\nexclude = ["ukb.gpkg"]\n', encoding="utf-8")
    config = load_run_config(t / "landcheck.toml")
    assert config.supplement.excludes == [(t / "ukb.gpkg").resolve()]
    first = run(config)
    assert any("调出补划" in w for w in first.warnings) and "supplement_summary" not in first.outputs
    led = t / "out" / "ledger.gpkg"
    tasks = read_tasks(led)
    orchard = tasks[tasks["dlbm"] == "0201"]["issue_id"].iat[0]
    with ledger_transaction(led) as L:
        apply_people_edits(L, [(orchard, "measure", "调出补划")], "import 台账.xlsx")
    second = run(config)
    assert second.outputs["supplement_summary"] == t / "out" / "supplement" / "summary.json"
    assert second.outputs["supplement_map"] == t / "maps" / "supplement.html"
    s = json.loads((t / "out" / "supplement" / "summary.json").read_text())
    assert s["all_met"] and s["n_needs"] == 1 and s["by_village"]["东村"]["n_parcels"] == 1
    c = gpd.read_file(t / "out" / "supplement" / "candidates.gpkg", layer="candidates")
    assert c.loc[c["proposed"], "patch_id"].tolist() == ["B1"] and "B3" not in set(c["patch_id"])


def test_bad_supplement_table(township):  # noqa: F811
    (township / "landcheck.toml").write_text(TOML + '\n[supplement]\nexclude = "ukb.gpkg"\n', encoding="utf-8")
    with pytest.raises(Exception, match="supplement"):
        load_run_config(township / "landcheck.toml")


# --- the bundled sample township (issue 17 item 5): its run proposes 补划 for landcheck's 调出补划 suggestions ---

from click.testing import CliRunner  # noqa: E402

from landcheck.cli import cli  # noqa: E402
from landcheck.config import bundled_layers_dir, sample_config  # noqa: E402

SAMPLE = bundled_layers_dir()
needs_sample = pytest.mark.skipif(not (SAMPLE / "town_boundary.gpkg").exists(), reason="sample township absent")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "o"
    r = CliRunner().invoke(cli, ["run", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return r.output, out


@needs_sample
def test_sample_config_takes_suggestions_and_avoids_the_town_boundary():
    sc = sample_config().supplement
    assert sc.include_suggested and sc.need_mu is None and sc.excludes == [SAMPLE / "town_boundary.gpkg"]


@needs_sample
def test_sample_run_writes_and_prints_the_supplement(sample_run):
    from openpyxl import load_workbook

    output, out = sample_run
    for name in ("candidates.gpkg", "补划地块清单.xlsx", "summary.json"):
        assert (out / "supplement" / name).exists(), name
    assert (out / "maps" / "supplement.html").exists()
    s = json.loads((out / "supplement" / "summary.json").read_text(encoding="utf-8"))
    # the need is landcheck's own suggestion (the old orchards, 存量 非粮化), and the run says so
    assert s["n_needs"] >= 3 and len(s["suggested_only"]) == s["n_needs"]
    assert "并非人工确认" in output and "补划地块清单" in output
    total = [x for x in output.splitlines() if "合计" in x and f"{s['need_mu']:.2f}" in x]
    assert total and f"{s['proposed_mu']:.2f}" in total[-1]
    # the township has enough land: every village's need is met, the books add up as printed
    assert s["all_met"] and s["shortfall_mu"] == 0 and s["proposed_mu"] >= s["need_mu"] > 0
    assert round(sum(v["need_mu"] for v in s["by_village"].values()), 2) == s["need_mu"]
    assert round(sum(v["proposed_mu"] for v in s["by_village"].values()), 2) == s["proposed_mu"]
    assert s["dropped"]["excluded"] > 0  # the 城镇开发边界 took some land out
    wb = load_workbook(out / "supplement" / "补划地块清单.xlsx", read_only=True)
    rows = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    tot = next(r for r in rows if r[0] == "合计")
    assert tot[1] == s["need_mu"] and tot[2] == s["proposed_mu"] and tot[4] == s["n_proposed"]
    parcels = [r for r in wb[wb.sheetnames[1]].iter_rows(values_only=True)][1:]
    assert len(parcels) == s["n_proposed"]


@needs_sample
def test_sample_proposal_is_cultivated_outside_farmland_and_town_boundary(sample_run):
    from landcheck.layers import read_layer

    _, out = sample_run
    c = gpd.read_file(out / "supplement" / "candidates.gpkg", layer="candidates")
    p = c[c["proposed"]]
    assert len(p) and p["area_m2"].sum() > 0
    survey, _ = read_layer(SAMPLE / "survey" / "DLTB.shp")
    code = dict(zip(survey["BSM"].astype(str), survey["DLBM"].astype(str)))
    assert all(code[str(b)].startswith("01") for b in p["patch_id"])  # current 耕地
    geoms = p.geometry.to_crs(4527)
    for layer in ("farmland.gpkg", "town_boundary.gpkg"):
        other = gpd.read_file(SAMPLE / layer).to_crs(4527).union_all()
        assert geoms.intersection(other).area.max() < 0.01, layer
    # the need: the old-orchard tasks (存量 非粮化, suggested 调出补划), each proposed within its village
    from landcheck.ledger import read_tasks

    t = read_tasks(out / "ledger.gpkg")
    need = t[t["measure"] == "调出补划"]
    assert len(need) >= 3 and set(need["dlbm"]) == {"0201"} and set(need["new_or_stock"]) == {"存量"}
    assert set(p["for_village"]) == set(need["village"])
