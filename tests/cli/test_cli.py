"""The command line as a user meets it: exit codes, one-line errors, JSON for scripts."""

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from landcheck.cli import cli
from tests.helpers import REAL



def _patches(tmp_path: Path, name="dltb.gpkg", **cols) -> Path:
    x, y = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.1, 37.3)
    geoms = [shapely.box(x, y, x + 300, y + 222.2222), shapely.box(x + 300, y, x + 400, y + 100)]
    data = {"DLBM": ["0103", "0201"], "DLMC": ["旱地", "果园"], "BSM": ["1", "2"], **cols}
    path = tmp_path / name
    gpd.GeoDataFrame(data, geometry=geoms, crs=4527).to_file(path, layer="DLTB", engine="pyogrio")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_version_and_help():
    r = invoke("--version")
    assert r.exit_code == 0 and "landcheck" in r.output
    r = invoke("--help")
    assert r.exit_code == 0 and "inspect" in r.output and "run" in r.output and "farmland" in r.output


def test_inspect_json_reports_codes_and_ellipsoidal_area(tmp_path):
    r = invoke("inspect", _patches(tmp_path), "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["layer"] == "DLTB" and d["n_features"] == 2 and d["crs"] == "EPSG:4527"
    codes = {c["code"]: c for c in d["codes"]}
    assert codes["0103"]["name"] == "旱地" and codes["0201"]["pbf_class"] == "non_grain"
    # 66 666.53 m² (ellipsoidal, not planar 66 666.67) + 10 000 m² → 114.99978 mu
    assert codes["0103"]["area_mu"] == 100.0
    assert abs(d["total_area_m2"] - (66666.53 + 9999.98)) < 0.1


def test_inspect_text_output_names_what_it_saw(tmp_path):
    r = invoke("inspect", _patches(tmp_path))
    assert r.exit_code == 0
    assert "EPSG:4527" in r.output and "旱地" in r.output and "果园" in r.output


@pytest.mark.parametrize("make,expect", [
    (lambda p: p / "missing.shp", "file not found"),
    (lambda p: (p / "broken.gpkg").write_bytes(b"not a geopackage") and p / "broken.gpkg", "cannot be opened"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, expect):
    r = invoke("inspect", make(tmp_path))
    assert r.exit_code == 2
    assert expect in r.output
    assert "Traceback" not in r.output
    assert len([line for line in r.output.splitlines() if line.strip()]) == 1


def test_inspect_point_layer_exit_2(tmp_path):
    p = tmp_path / "pts.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(117, 37)], crs=4490).to_file(p, engine="pyogrio")
    r = invoke("inspect", p)
    assert r.exit_code == 2 and "not polygons" in r.output


def test_init_writes_template_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "landcheck.toml"
    r = invoke("init", target)
    assert r.exit_code == 0 and target.exists()
    assert "[layers.survey]" in target.read_text(encoding="utf-8")
    target.write_text("# mine", encoding="utf-8")
    r = invoke("init", target)
    assert r.exit_code == 2 and "already exists" in r.output
    assert target.read_text(encoding="utf-8") == "# mine"


def test_run_with_a_config_without_layers_is_exit_2(tmp_path):
    cfg = tmp_path / "landcheck.toml"
    cfg.write_text("[township]\nname = '甲镇'\n", encoding="utf-8")
    r = invoke("run", cfg)
    assert r.exit_code == 2 and "no layers configured" in r.output


@pytest.mark.skipif(not (REAL / "fiboa-cli-fixtures" / "pt" / "Continente.gpkg").exists(), reason="real data absent")
def test_inspect_multilayer_describes_each_layer():
    r = invoke("inspect", REAL / "fiboa-cli-fixtures" / "pt" / "Continente.gpkg", "--format", "json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    by_name = {x["layer"]: x for x in d["layers"]}
    assert set(by_name) == {"Continente", "Culturas_Aveiro", "OcupacoesSolo_Aveiro"}
    assert "empty" in by_name["Continente"]["error"]
    assert by_name["Culturas_Aveiro"]["n_features"] == 100


def test_farmland_engine_dask_gives_the_local_result(tmp_path):
    """`--engine dask` (2 local workers, chunked reading, spatial parts) against the local engine on the
    bundled township: every total and every finding key the same."""
    pytest.importorskip("distributed")
    from landcheck.config import bundled_layers_dir

    layers = bundled_layers_dir()
    if not (layers / "survey" / "DLTB.shp").exists():
        pytest.skip("sample township absent")
    args = ["farmland", "--survey", str(layers / "survey" / "DLTB.shp"), "--farmland", str(layers / "farmland.gpkg"),
            "--facility-records", str(layers / "facility_records.gpkg")]
    runner = CliRunner()
    local = runner.invoke(cli, args + ["-o", str(tmp_path / "local")], obj={})
    dask = runner.invoke(cli, args + ["-o", str(tmp_path / "dask"), "--engine", "dask", "--workers", "2",
                                      "--work-dir", str(tmp_path / "parts")], obj={})
    assert local.exit_code == dask.exit_code == 1, dask.output
    a, b = (json.loads((tmp_path / d / "summary.json").read_text(encoding="utf-8")) for d in ("local", "dask"))
    assert b["engine"]["name"] == "dask" and a["engine"]["name"] == "local"
    for k in a:
        if k not in ("engine", "read_report"):
            assert a[k] == b[k], k
    fa, fb = (gpd.read_file(tmp_path / d / "findings.gpkg", layer="findings") for d in ("local", "dask"))
    assert sorted(fa["finding_key"]) == sorted(fb["finding_key"]) and len(fa) == a["n_findings"]
    codes = lambda f: dict(zip(f["finding_key"], f["village_code"]))  # noqa: E731
    assert codes(fa) == codes(fb) and (fa["village_code"].str.len() == 12).all()
    assert any((tmp_path / "parts").iterdir())  # the parts stay where the user asked


def test_an_internal_error_exits_3_and_says_where_the_traceback_is(tmp_path, monkeypatch):
    """A bug is not bad input: exit 3, one short message, the full traceback in a file to report."""
    import tempfile

    import landcheck.layers as layers

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    layer = _patches(tmp_path)
    crashes = tmp_path / "tmp"
    crashes.mkdir()
    monkeypatch.setattr(layers, "describe_layer", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(crashes))
    r = invoke("inspect", layer)
    assert r.exit_code == 3
    assert "internal error ZeroDivisionError: a bug" in r.output and "Please report it" in r.output
    assert "Traceback" not in r.output
    [report] = crashes.glob("landcheck-crash-*.txt")
    assert str(report) in r.output
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: a bug" in text and "describe_layer" not in r.output


def test_no_permission_is_the_environment_exit_2(tmp_path, monkeypatch):
    import errno

    import landcheck.layers as layers

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "out/summary.json")

    monkeypatch.setattr(layers, "describe_layer", denied)
    r = invoke("inspect", _patches(tmp_path))
    assert r.exit_code == 2
    assert r.output.strip() == "Error: out/summary.json: Permission denied; no permission: write elsewhere."


def test_farmland_with_a_baseline_says_new_or_existing(tmp_path):
    survey = _patches(tmp_path)
    baseline = _patches(tmp_path, "dltb2025.gpkg", SJNF=["2025", "2025"])
    gdf = gpd.read_file(baseline)
    gdf["DLBM"], gdf["DLMC"] = ["0103", "0103"], ["旱地", "旱地"]
    gdf.to_file(baseline, layer="DLTB", engine="pyogrio")
    farmland = tmp_path / "fm.gpkg"
    gpd.GeoDataFrame({"DLBM": ["0103"]}, geometry=[shapely.box(*gpd.read_file(survey).total_bounds)], crs=4527).to_file(
        farmland, layer="YJJBNTBHTB", engine="pyogrio")
    r = invoke("farmland", "--survey", survey, "--farmland", farmland, "--baseline", baseline, "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert "新增" in r.output and "存量" in r.output  # the category table's origin columns
    f = gpd.read_file(tmp_path / "out" / "findings.gpkg", layer="findings")
    assert f["origin"].tolist() == ["new"] and f["orig_dlbm"].tolist() == ["0103"]
    assert f["origin_evidence"].iloc[0] == "划定时地类 0103；2025年为 0103（本年新增）"
    assert "新增（划定时地类 0103；2025年为 0103（本年新增））" in f["description"].iloc[0]
    s = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert s["by_origin"] == {"non_grain": {"new": s["non_grain_mu"]}} and "baseline" in s["read_report"]


def _with_unknown(tmp_path: Path) -> Path:
    return _patches(tmp_path, "odd.gpkg", DLBM=["9999", None], DLMC=["?", "菜园地"])


@pytest.mark.parametrize("command", [["inspect"], ["survey", "-o", "OUT"]])
def test_unknown_codes_are_tabled_on_the_console(tmp_path, command):
    path = _with_unknown(tmp_path)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    r = invoke(args[0], path, *args[1:])
    assert r.exit_code in (0, 1), r.output
    assert "无法识别的地类（odd.gpkg）" in r.output
    assert "9999（编码）" in r.output and "菜园地（名称）" in r.output
    assert "保留原编码" in r.output and "地类编码留空" in r.output  # what was done (folded in a narrow console)
    assert "100.00" in r.output and "15.00" in r.output  # 66 666.53 m² and 9 999.98 m² in mu


@pytest.mark.parametrize("command", [["inspect"], ["survey", "-o", "OUT"]])
def test_unknown_codes_error_exits_2_with_one_line_naming_them(tmp_path, command):
    path = _with_unknown(tmp_path)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    r = CliRunner().invoke(cli, [args[0], str(path), *args[1:], "--unknown-codes", "error"])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "9999 ×1" in lines[0] and "菜园地 ×1" in lines[0] and "odd.gpkg" in lines[0]
    assert not (tmp_path / "out" / "summary.json").exists()  # nothing written


def test_known_codes_print_no_unknown_table_and_pass_with_error(tmp_path):
    r = invoke("inspect", _patches(tmp_path), "--unknown-codes", "error")
    assert r.exit_code == 0 and "无法识别的地类" not in r.output


def test_farmland_unknown_codes_warn_tables_them_and_error_stops(tmp_path):
    survey, farmland = _with_unknown(tmp_path), _patches(tmp_path, "pbf.gpkg")
    r = invoke("farmland", "--survey", survey, "--farmland", farmland, "-o", tmp_path / "warn")
    assert r.exit_code == 1 and "无法识别的地类（odd.gpkg）" in r.output and "9999（编码）" in r.output
    summary = json.loads((tmp_path / "warn" / "summary.json").read_text(encoding="utf-8"))
    assert {e["value"] for e in summary["read_report"]["survey"]["unknown_table"]} == {"9999", "菜园地"}
    r = CliRunner().invoke(cli, ["farmland", "--survey", str(survey), "--farmland", str(farmland), "-o",
                                 str(tmp_path / "error"), "--unknown-codes", "error"])
    assert r.exit_code == 2 and "9999 ×1" in r.output and not (tmp_path / "error" / "summary.json").exists()
