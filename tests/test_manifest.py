"""manifest.json: `landcheck run` interrupted at any step (SIGINT as KeyboardInterrupt, kill -9 as
os._exit) leaves folders that are either one whole run (summary.json describes the findings beside it)
or refused by the readers naming the file; the next run cleans up and completes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from landcheck.cli.group import cli
from landcheck.errors import LandcheckError
from landcheck.export import write_json
from landcheck.manifest import mismatch, verify, write_manifest

ROOT = Path(__file__).resolve().parents[1]
CHECK_FOLDERS = ("farmland", "transfer")


def whole_or_refused(out: Path) -> dict[str, str]:
    """For each check folder: 'whole' (manifest matches, summary = findings) or the refusal."""
    got = {}
    for name in CHECK_FOLDERS:
        folder = out / name
        if not folder.exists() or not any(not p.name.startswith(".lc-tmp-") for p in folder.iterdir()):
            got[name] = "absent"
            continue
        why = mismatch(folder)
        if why is None and (folder / "summary.json").exists():
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            n = pyogrio.read_info(folder / "findings.gpkg", layer="findings")["features"]
            assert summary["n_findings"] == n, f"{folder}: summary.json says {summary['n_findings']}, findings.gpkg has {n}"
            got[name] = "whole"
        else:
            assert why and ("manifest.json" in why), why
            with pytest.raises(LandcheckError, match="manifest.json"):
                verify(folder)
            got[name] = "refused"
    return got


def no_temporaries(*roots: Path) -> list[Path]:
    return [p for r in roots for p in r.rglob(".lc-tmp-*")] + [p for r in roots for p in r.rglob(".ledger.*.gpkg")]


STEPS = [("farmland/manifest.json", 1, "whole"),  # while marking it in progress: the previous run, whole
         ("ledger.gpkg", 1, "refused"),  # farmland merge: the ledger replaced, findings not yet
         ("farmland/findings.csv", 1, "refused"),  # new findings.gpkg beside the old summary.json
         ("farmland/manifest.json", 2, "refused"),  # summary.json written, its manifest not
         ("transfer/summary.json", 1, "whole"),
         ("maps/villages", 1, "whole")]  # village maps (the folder renamed into place)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One completed `landcheck run` (the sample) that each interruption test starts from (a copy)."""
    folder = tmp_path_factory.mktemp("first")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        assert CliRunner().invoke(cli, ["run", "-o", "o", "-q"]).exit_code == 0
    finally:
        os.chdir(cwd)
    assert whole_or_refused(folder / "o") == {"farmland": "whole", "transfer": "whole"}
    return folder / "o"


@pytest.mark.parametrize("target,k,farmland", STEPS)
def test_run_interrupted_at_each_step_leaves_whole_or_refused_folders(tmp_path, monkeypatch, first_run, target, k,
                                                                      farmland):
    """SIGINT (KeyboardInterrupt) when `target` is renamed into place the k-th time: exit 130; each
    check folder is one whole run or refused naming manifest.json; the next run completes."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(first_run, tmp_path / "o")
    (tmp_path / "o" / "farmland" / "photos").mkdir()
    (tmp_path / "o" / "farmland" / "photos" / "p.jpg").write_bytes(b"jpeg")
    real, count = os.replace, [0]

    def interrupted(a, b):
        if Path(b).as_posix().endswith(target):
            count[0] += 1
            if count[0] == k:
                raise KeyboardInterrupt
        return real(a, b)

    monkeypatch.setattr(os, "replace", interrupted)
    r = CliRunner().invoke(cli, ["run", "-o", "o", "-q"])
    monkeypatch.setattr(os, "replace", real)
    assert r.exit_code == 130, r.output
    assert count[0] >= k, "the interruption happened"  # (a rollback may rename into place again)
    state = whole_or_refused(tmp_path / "o")
    assert state["farmland"] == farmland
    r = CliRunner().invoke(cli, ["map", "o/farmland/findings.gpkg", "-o", "m.html", "-q"])
    assert (r.exit_code == 2 and "manifest.json" in r.output) == (state["farmland"] == "refused"), r.output
    assert CliRunner().invoke(cli, ["run", "-o", "o", "-q"]).exit_code == 0
    assert whole_or_refused(tmp_path / "o") == {"farmland": "whole", "transfer": "whole"}
    assert (tmp_path / "o" / "farmland" / "photos" / "p.jpg").read_bytes() == b"jpeg", "user files stay"
    assert not no_temporaries(tmp_path)


KILL = """
import os, sys
sys.path.insert(0, {root!r})
real, count = os.replace, [0]
def killed(a, b):
    count[0] += 1
    if count[0] == {n}:
        os._exit(137)  # kill -9: no cleanup at all, the temporary file stays
    return real(a, b)
os.replace = killed
from landcheck.cli.group import cli
cli(["run", "-o", "o", "-q"])
"""


@pytest.mark.parametrize("n", [1, 4])
def test_kill_9_mid_write_leaves_temporaries_that_the_next_run_cleans(tmp_path, n):
    r = subprocess.run([sys.executable, "-c", KILL.format(root=str(ROOT), n=n)], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 137, r.stderr
    assert no_temporaries(tmp_path), "the kill left a temporary copy behind"
    assert whole_or_refused(tmp_path / "o")["farmland"] in ("absent", "refused")
    r = subprocess.run([sys.executable, "-m", "landcheck.cli", "run", "-o", "o", "-q"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert not no_temporaries(tmp_path)
    assert whole_or_refused(tmp_path / "o") == {"farmland": "whole", "transfer": "whole"}


def test_manifest_names_the_changed_or_missing_file(tmp_path):
    a = write_json({"x": 1}, tmp_path / "summary.json")
    write_manifest(tmp_path, [a])
    verify(tmp_path)
    a.write_text('{"x": 2}', encoding="utf-8")
    with pytest.raises(LandcheckError, match="summary.json: differs"):
        verify(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(LandcheckError, match="manifest.json: missing"):
        verify(tmp_path)


def test_summary_json_is_strict_json_with_non_finite_values_nulled(tmp_path):
    p = write_json({"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}}, tmp_path / "s.json")
    text = p.read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert data["a"] is None and data["b"] == [1.0, None] and data["c"]["d"] is None
