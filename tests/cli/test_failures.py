"""Ordinary failures are bad input or environment (exit 2, one line that says what to do), never
"internal error … report it" (issue 15 item 6): a full disk (RLIMIT_FSIZE in a child process), a file
where the output folder should be, --threads 0, a folder given as the configuration, thresholds that
are not finite or absurd, TBMJ 1e300; summary.json is strict JSON."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from landcheck import sample
from landcheck.cli import cli


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fail")
    return sample.write_township(sample.make_township(n_patches=800), folder / "layers")


def one_error(output: str) -> str:
    errors = [x for x in output.splitlines() if x.startswith("Error:")]
    assert len(errors) == 1 and "internal error" not in output, output
    return errors[0]


def _small_files(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("limit", [20_000, 100_000])
def test_a_full_disk_is_said_as_such_and_leaves_no_ledger_or_temporary_file(township, tmp_path, limit):
    out = tmp_path / "o"
    p = subprocess.run([sys.executable, "-m", "landcheck.cli", "farmland", "--survey", str(township["survey"]),
                        "--farmland", str(township["farmland"]), "-o", str(out), "--ledger", str(tmp_path / "ledger.gpkg")],
                       preexec_fn=_small_files(limit), capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    error = one_error(p.stderr)
    assert "disk full" in error or "larger than this system allows" in error
    assert not (tmp_path / "ledger.gpkg").exists()
    assert not [f for f in tmp_path.rglob("*") if f.name.startswith(".")], "no temporary file left behind"


def test_a_file_where_the_output_folder_should_be(township, tmp_path):
    led = tmp_path / "ledger.gpkg"
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    r = invoke("farmland", "--survey", township["survey"], "--farmland", township["farmland"], "-o", tmp_path / "out",
               "--ledger", led)
    assert r.exit_code == 2
    assert "folder" in one_error(r.output)
    assert not led.exists(), "the ledger is not changed by a run that cannot write its outputs"


def test_threads_zero_is_a_usage_error(township, tmp_path):
    r = invoke("farmland", "--survey", township["survey"], "--farmland", township["farmland"], "-o", tmp_path / "o",
               "--threads", "0")
    assert r.exit_code == 2 and "--threads" in r.output and "internal error" not in r.output


def test_a_folder_as_the_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("run", ".")
    assert r.exit_code == 2
    assert "folder" in one_error(r.output)


@pytest.mark.parametrize("line, key", [("sliver_width_m = nan", "sliver_width_m"),
                                       ("min_area_m2 = -1.0", "min_area_m2"),
                                       ("sliver_width_m = 1e9", "sliver_width_m"),
                                       ('min_coverage_share = "half"', "min_coverage_share")])
def test_thresholds_must_be_finite_and_in_range(township, tmp_path, line, key):
    rules = tmp_path / "rules.toml"
    rules.write_text(f"[thresholds]\n{line}\n", encoding="utf-8")
    r = invoke("farmland", "--survey", township["survey"], "--farmland", township["farmland"], "-o", tmp_path / "o",
               "--rules", rules)
    assert r.exit_code == 2
    error = one_error(r.output)
    assert "rules.toml" in error and key in error
    assert not (tmp_path / "o").exists()


def test_tbmj_1e300_is_a_problem_for_survey_and_refused_by_farmland_in_short_messages(township, tmp_path):
    df = gpd.read_file(township["survey"]).set_crs(4527)
    df.loc[df.index[:2], "TBMJ"] = 1e300
    path = tmp_path / "big.gpkg"
    df.to_file(path, engine="pyogrio")
    r = invoke("survey", path, "-o", tmp_path / "s")
    assert r.exit_code in (0, 1) and "internal error" not in r.output
    assert max(len(x) for x in r.output.splitlines()) < 300
    r = invoke("farmland", "--survey", path, "--farmland", township["farmland"], "-o", tmp_path / "f")
    assert r.exit_code == 2
    error = one_error(r.output)
    assert "TBMJ" in error and len(error) < 400


def test_summary_json_is_strict(township, tmp_path):
    r = invoke("farmland", "--survey", township["survey"], "--farmland", township["farmland"], "-o", tmp_path / "o")
    assert r.exit_code == 1

    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    for f in Path(tmp_path / "o").glob("*.json"):
        json.loads(f.read_text(encoding="utf-8"), parse_constant=refuse)


def test_write_json_turns_nan_and_infinity_into_null(tmp_path):
    import numpy as np

    from landcheck.export import write_json

    path = write_json({"a": float("nan"), "b": [np.float64("inf"), 1.5], "c": {"d": -np.inf}}, tmp_path / "s.json")
    assert json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda n: pytest.fail(n)) == \
        {"a": None, "b": [None, 1.5], "c": {"d": None}}


def test_ctrl_c_wrapped_by_python_is_an_interruption_not_a_bug():
    """A Ctrl-C while a class is created (a dask import) reaches the group as RuntimeError('Error calling
    __set_name__ …') caused by KeyboardInterrupt: 'Interrupted.', exit 130, no crash file."""
    from landcheck.cli.group import interrupted

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as k:
            raise RuntimeError("Error calling __set_name__") from k
    except RuntimeError as e:
        wrapped = e
    assert interrupted(wrapped)
    assert not interrupted(RuntimeError("a bug"))
