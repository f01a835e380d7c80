"""`landcheck run` with [supplement] in landcheck.toml (issue 17 item 5): off by default; on, a ledger without
officer-set 调出补划 is a warning, and once an officer sets it the run writes out/supplement/ and the map."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from landcheck.config import load_run_config
from landcheck.ledger import apply_people_edits, ledger_transaction, read_tasks
from landcheck.pipeline import run
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
