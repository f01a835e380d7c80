"""`landcheck run`: which configuration it runs (./landcheck.toml before the sample), the township
guard of the ledger, -q/-v after the subcommand, help texts in both languages."""

from pathlib import Path

from click.testing import CliRunner

from landcheck.cli import cli
from landcheck.ledger import new_ledger, save_ledger


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _config(folder: Path, name: str = "乙镇", prefix: str = "YZ") -> Path:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "dltb.gpkg").write_bytes(b"")
    cfg = folder / "landcheck.toml"
    cfg.write_text(f'[township]\nname = "{name}"\nid_prefix = "{prefix}"\n'
                   '[layers.survey]\npath = "data/dltb.gpkg"\n[layers.farmland]\npath = "data/pbf.gpkg"\n',
                   encoding="utf-8")
    return cfg


def _ledger_of(path: Path, township: str, prefix: str) -> None:
    L = new_ledger()
    L.meta.update({"township": township, "id_prefix": prefix})
    path.parent.mkdir(parents=True, exist_ok=True)
    save_ledger(L, path)


def test_run_without_argument_uses_landcheck_toml_and_refuses_another_townships_ledger(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _config(tmp_path)
    _ledger_of(tmp_path / "out" / "ledger.gpkg", "示例镇", "SL")
    before = (tmp_path / "out" / "ledger.gpkg").read_bytes()
    r = invoke("run")
    assert r.exit_code == 2, r.output
    first = r.output.splitlines()[0]
    assert "乙镇" in first and "landcheck.toml" in first and "YZ" in first
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and "示例镇" in error[0] and "乙镇" in error[0] and "SL" in error[0] and "YZ" in error[0]
    assert "another output folder" in error[0]
    assert (tmp_path / "out" / "ledger.gpkg").read_bytes() == before
    assert not (tmp_path / "out" / "farmland").exists()


def test_quiet_after_the_subcommand(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _config(tmp_path)
    _ledger_of(tmp_path / "out" / "ledger.gpkg", "示例镇", "SL")
    r = invoke("run", "-q")
    assert r.exit_code == 2
    assert not any(x.startswith("运行") for x in r.output.splitlines())  # the first line is not printed with -q
    assert invoke("-q", "run").output == r.output
    r = invoke("run", "-v")
    assert r.exit_code == 2 and r.output.startswith("运行 乙镇")


def test_help_texts_give_the_chinese_term_beside_the_english():
    r = invoke("--help")
    assert r.exit_code == 0 and "一键核查" in r.output and "只显示错误" in r.output
    r = invoke("run", "--help")
    assert "--fail-on-findings" in r.output and "-q, --quiet" in r.output
    for command in ("farmland", "transfer", "survey", "inspect", "init", "ledger", "map"):
        first = invoke(command, "--help").output.split("\n\n")[1]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first), (command, first)
        assert any("a" <= ch.lower() <= "z" for ch in first), (command, first)


def test_the_sample_writes_apart_from_the_townships_folders():
    from landcheck.config.run import SAMPLE_OUTPUT, sample_config

    try:
        cfg = sample_config()
    except Exception:  # no bundled sample in this checkout
        return
    assert cfg.output_dir == SAMPLE_OUTPUT and cfg.maps_dir == SAMPLE_OUTPUT / "maps"
    assert cfg.output_dir != Path("out") and cfg.source is None


def test_run_online_assets_links_the_cdn_and_transfer_findings_name_the_task_they_refer_to(tmp_path, monkeypatch):
    """`run --online-assets` links Leaflet from the CDN (by default every map inlines it); a transfer finding
    on ground that already has a farmland task carries that task's id (关联问题编号) in its files."""
    import geopandas as gpd

    from landcheck.config import bundled_layers_dir
    from landcheck.ledger import load_ledger

    if not (bundled_layers_dir() / "survey" / "DLTB.shp").exists():
        import pytest
        pytest.skip("the bundled sample township is not in this checkout")
    monkeypatch.chdir(tmp_path)
    r = invoke("run", "-q", "-o", "a", "--online-assets")
    assert r.exit_code == 0, r.output
    page = Path("a/maps/villages/township.html").read_text(encoding="utf-8")  # maps move with -o
    assert '<script src="http' in page and not Path("sample-out").exists()
    transfer = gpd.read_file("a/transfer/findings.gpkg")
    linked = transfer[transfer["related_issue"] != ""]
    tasks = load_ledger("a/ledger.gpkg").tasks
    assert len(linked) >= 1 and set(linked["related_issue"]) <= set(tasks.loc[tasks["check"] == "farmland", "issue_id"])
    assert not (tasks["finding_key"].isin(linked["finding_key"])).any()  # no second task for the same ground
    r = invoke("run", "-q", "-o", "b")
    assert r.exit_code == 0, r.output
    assert '<script src="http' not in Path("b/maps/villages/township.html").read_text(encoding="utf-8")


def test_an_unknown_basemap_stops_the_run_before_any_check(tmp_path, monkeypatch):
    """A misspelt `[output] basemap` is said at once, before the checks write anything (it used to
    surface only at the maps, after the ledger had been merged)."""
    monkeypatch.chdir(tmp_path)
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + '[output]\nbasemap = "tianditu-imgs"\n', encoding="utf-8")
    r = invoke("run")
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and "tianditu-imgs" in error[0] and "tianditu-img" in error[0].split("one of", 1)[1]
    assert not (tmp_path / "out").exists()
