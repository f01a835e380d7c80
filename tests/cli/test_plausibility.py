"""Never a false all-clear (issue 15 items 1–2): inputs that cannot be what they claim are refused
before anything is written — the sample township's farmland shifted 50 km, KCXS in percent or inf,
TBMJ negative, Web-Mercator metres labelled EPSG:4527 — and a run with doubts marks no task
待复核（已消失）. Each test starts from the real failure mode."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from landcheck import sample
from landcheck.cli import cli
from landcheck.ledger import load_ledger


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    """The sample township (1 500 patches) written as a township delivers it."""
    folder = tmp_path_factory.mktemp("plaus")
    return sample.write_township(sample.make_township(n_patches=1500), folder / "layers"), folder


def farmland_run(paths, out: Path, farmland=None, survey=None, *extra):
    return invoke("farmland", "--survey", survey or paths["survey"], "--farmland", farmland or paths["farmland"],
                  "-o", out, "--map", out / "m.html", *extra)


def moved(path: Path, folder: Path, dx: float = 0.0, dy: float = 0.0, **changes) -> Path:
    """A copy of a layer moved by (dx, dy) metres, with columns changed (name → function of the frame)."""
    df = gpd.read_file(path)
    if df.crs is None:  # the sample's DLTB.shp has no .prj: its zone-prefixed eastings are EPSG:4527
        df = df.set_crs(4527)
    if dx or dy:
        df = df.set_geometry(shapely.transform(df.geometry.values, lambda c: c + np.array([dx, dy])))
    for col, fn in changes.items():
        df[col] = fn(df)
    out = folder / f"{path.stem}_{abs(hash((dx, dy, tuple(changes)))) % 10**6}.gpkg"
    df.to_file(out, engine="pyogrio")
    return out


def test_farmland_of_another_place_is_refused_and_the_ledger_is_untouched(township, tmp_path):
    paths, _ = township
    led = tmp_path / "ledger.gpkg"
    r = farmland_run(paths, tmp_path / "a", None, None, "--ledger", led)
    assert r.exit_code == 1, r.output
    before = load_ledger(led).tasks[["issue_id", "status"]].copy()
    shifted = moved(paths["farmland"], tmp_path, dx=50_000)
    r = farmland_run(paths, tmp_path / "b", shifted, None, "--ledger", led)
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and shifted.name in error[0] and "--allow-partial" in error[0]
    assert "问题 0 处" not in r.output and not (tmp_path / "b").exists()
    after = load_ledger(led).tasks[["issue_id", "status"]]
    assert after.equals(before)  # nothing marked 待复核（已消失）


def thinned(path: Path, folder: Path, keep: float) -> Path:
    """A survey export that lost patches: a random `keep` share of them (the township's extent stays)."""
    df = gpd.read_file(path)
    rng = np.random.default_rng(3)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"thinned_{int(keep * 100)}.gpkg"
    df[rng.random(len(df)) < keep].to_file(out, engine="pyogrio")
    return out


def test_a_survey_with_most_patches_missing_is_refused_unless_allowed(township, tmp_path):
    paths, _ = township
    led = tmp_path / "ledger.gpkg"
    assert farmland_run(paths, tmp_path / "a", None, None, "--ledger", led).exit_code == 1
    sparse = thinned(paths["survey"], tmp_path, 0.3)  # the farmland is mostly off its patches, inside its extent
    r = farmland_run(paths, tmp_path / "b", None, sparse, "--ledger", led)
    assert r.exit_code == 2 and "% of the farmland" in r.output, r.output
    r = farmland_run(paths, tmp_path / "c", None, sparse, "--ledger", led, "--allow-partial")
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))
    assert s["plausibility"]["warnings"] and s["inputs"]["coverage"]["share"] < 0.5
    # --allow-partial: the scope is intended; tasks off the patches it has are out of its scope, not doubted
    assert s["ledger"]["n_not_rechecked"] == 0 and s["ledger"]["n_out_of_scope"] > 0


def test_a_warned_run_lists_tasks_as_not_rechecked_instead_of_gone(township, tmp_path):
    """Every patch rectified to grain (no finding left): a run without doubts marks the tasks
    待复核（已消失）; the same on a survey export missing a fifth of its patches (a warning) marks none."""
    paths, _ = township
    grain = {"DLBM": lambda df: "0101", "DLMC": lambda df: "水田", "ZZSXDM": lambda df: "LS"}
    for name, keep, gone in (("whole", 1.0, True), ("sparse", 0.8, False)):
        led = tmp_path / name / "ledger.gpkg"
        assert farmland_run(paths, tmp_path / name / "a", None, None, "--ledger", led).exit_code == 1
        survey = moved(thinned(paths["survey"], tmp_path / name, keep), tmp_path / name, **grain)
        r = farmland_run(paths, tmp_path / name / "b", None, survey, "--ledger", led)
        assert r.exit_code == 0, r.output
        s = json.loads((tmp_path / name / "b" / "summary.json").read_text(encoding="utf-8"))
        if gone:
            assert s["plausibility"]["warnings"] == [] and s["ledger"]["n_disappeared"] > 0
        else:
            assert s["plausibility"]["warnings"] and 0.5 <= s["inputs"]["coverage"]["share"] < 0.95
            assert s["ledger"]["n_disappeared"] == 0 and s["ledger"]["n_not_rechecked"] > 0 and "未复核" in r.output
            assert not (load_ledger(led).tasks["status"] == "待复核（已消失）").any()


@pytest.mark.parametrize("values, words", [
    (lambda df: df["KCXS"].astype(float) * 100, "looks like percent"),
    (lambda df: np.where(df["KCXS"].astype(float) > 0, np.inf, df["KCXS"].astype(float)), "outside 0–1"),
])
def test_kcxs_that_cannot_be_a_share_is_refused(township, tmp_path, values, words):
    paths, _ = township
    bad = moved(paths["survey"], tmp_path, KCXS=values)
    r = farmland_run(paths, tmp_path / "o", None, bad)
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and "KCXS" in error[0] and words in error[0] and bad.name in error[0]
    assert not (tmp_path / "o").exists()


def test_negative_tbmj_is_refused(township, tmp_path):
    paths, _ = township
    bad = moved(paths["survey"], tmp_path, TBMJ=lambda df: -df["TBMJ"].astype(float))
    r = farmland_run(paths, tmp_path / "o", None, bad)
    assert r.exit_code == 2 and "TBMJ" in r.output, r.output


def test_web_mercator_metres_labelled_as_gauss_krueger_are_refused(township, tmp_path):
    paths, _ = township
    sv = gpd.read_file(paths["survey"]).set_crs(4527).to_crs(3857).set_crs(4527, allow_override=True)  # no .prj: 4527
    path = tmp_path / "mercator.gpkg"
    sv.to_file(path, engine="pyogrio")
    r = farmland_run(paths, tmp_path / "o", None, path)
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and "outside China" in error[0] and "mercator.gpkg" in error[0]
    assert "问题 0 处" not in r.output


def test_the_sample_as_delivered_passes_without_doubts(township, tmp_path):
    paths, _ = township
    r = farmland_run(paths, tmp_path / "o")
    assert r.exit_code == 1, r.output
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert s["plausibility"]["warnings"] == [] and s["inputs"]["coverage"]["share"] > 0.95 and s["inputs"]["values"] == {}


def test_survey_does_not_pass_kcxs_inf(township, tmp_path):
    paths, _ = township
    bad = moved(paths["survey"], tmp_path, KCXS=lambda df: np.where(df["KCXS"].astype(float) > 0, np.inf, 0.0))
    r = invoke("survey", bad, "-o", tmp_path / "o")
    assert r.exit_code == 1, r.output
    assert "KCXS “inf”" in r.output


def test_a_baseline_of_another_place_is_refused_unless_allowed(township, tmp_path):
    paths, _ = township
    base = moved(paths["survey"], tmp_path, dx=50_000)
    r = invoke("survey", paths["survey"], "--baseline", base, "-o", tmp_path / "o")
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and base.name in error[0] and "0.0 %" in error[0] and "通过" not in r.output
    assert not (tmp_path / "o").exists()
    r = invoke("survey", paths["survey"], "--baseline", base, "-o", tmp_path / "p", "--allow-partial")
    assert r.exit_code in (0, 1), r.output
    s = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert s["changes"]["plausibility"]["baseline_share"] == 0.0 and s["changes"]["plausibility"]["warnings"]


def test_a_truncated_survey_is_refused_naming_what_was_dropped(township, tmp_path):
    """A .shp cut short (a copy interrupted): reading drops most patches as null geometries; the check
    used to report a handful of findings and 99 % 调查未覆盖, exit 1."""
    import shutil

    paths, _ = township
    folder = tmp_path / "cut"
    folder.mkdir()
    for f in Path(paths["survey"]).parent.glob("DLTB.*"):
        shutil.copy(f, folder / f.name)
    shp = folder / "DLTB.shp"
    with open(shp, "r+b") as fh:
        fh.truncate(shp.stat().st_size // 20)
    r = farmland_run(paths, tmp_path / "o", None, shp)
    assert r.exit_code == 2, r.output
    error = [x for x in r.output.splitlines() if x.startswith("Error:")]
    assert len(error) == 1 and "DLTB.shp" in error[0] and "features dropped in reading" in error[0] and "--allow-drops" in error[0]
    assert not (tmp_path / "o").exists()
    r = farmland_run(paths, tmp_path / "p", None, shp, "--allow-drops", "--allow-partial")
    assert r.exit_code in (0, 1), r.output
    assert "读取 DLTB.shp：剔除" in r.output.replace("\n", "")  # said on the console, not only in summary.json
    s = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert s["losses"]["survey"]["n_dropped"] > 0.9 * s["losses"]["survey"]["n_read"]


def test_a_broken_farmland_geometry_is_said_and_keeps_the_ledger_from_marking_its_tasks_gone(township, tmp_path):
    """The farmland polygon with the most findings delivered without geometry (1 % of the layer): refused
    by default; with --allow-drops the check goes on, says the drop on the console, and its tasks — not
    found, since their polygon is gone — are not re-checked instead of 待复核（已消失）."""
    paths, _ = township
    led = tmp_path / "ledger.gpkg"
    assert farmland_run(paths, tmp_path / "a", None, None, "--ledger", led).exit_code == 1
    found = gpd.read_file(tmp_path / "a" / "findings.gpkg")
    fm = gpd.read_file(paths["farmland"])
    worst = found["farmland_id"].value_counts().index[0]
    fm.loc[fm["YJJBNTTBBH"].astype(str) == worst, "geometry"] = None
    broken = tmp_path / "broken.gpkg"
    fm.to_file(broken, engine="pyogrio")
    r = farmland_run(paths, tmp_path / "b", broken, None, "--ledger", led)
    assert r.exit_code == 2 and "broken.gpkg" in r.output, r.output
    r = farmland_run(paths, tmp_path / "c", broken, None, "--ledger", led, "--allow-drops")
    assert r.exit_code == 1, r.output
    assert "读取 broken.gpkg：剔除 1/" in r.output.replace("\n", "")
    s = json.loads((tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))
    assert s["ledger"]["n_disappeared"] == 0 and s["ledger"]["n_not_rechecked"] >= 1


def test_convex_hull_of_bounding_box_corners_equals_shapelys_also_when_degenerate():
    import numpy as np
    import shapely

    from landcheck.checks.plausibility import convex_hull

    pts = np.random.default_rng(3).uniform(0, 1000, (5000, 2))
    for p in (pts, np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), np.array([[5.0, 5.0]]), np.array([[0.0, 0.0]] * 4)):
        assert shapely.equals(convex_hull(p), shapely.convex_hull(shapely.multipoints(p)))
