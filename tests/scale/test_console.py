"""The dask engine on the console (issue 15 item 8): no INFO lines of distributed's scheduler unless -v,
and Ctrl-C ends with "Interrupted." and exit 130, never a traceback (a local cluster being started
when the interrupt came used to print one from distributed's exit hook)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from landcheck import sample

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-console")
    return sample.write_township(sample.make_township(n_patches=800), folder / "layers"), folder


def _command(paths, out):
    return [sys.executable, "-m", "landcheck.cli", "farmland", "--survey", str(paths["survey"]), "--farmland",
            str(paths["farmland"]), "-o", str(out), "--engine", "dask", "--workers", "1"]


def test_dask_runs_quietly_unless_verbose(township):
    paths, folder = township
    p = subprocess.run(_command(paths, folder / "q"), capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr
    assert "distributed" not in p.stderr and "Scheduler" not in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("after", [1.0, 2.0])
def test_ctrl_c_during_a_dask_run_ends_without_a_traceback(township, after):
    paths, folder = township
    p = subprocess.Popen(_command(paths, folder / f"i{after}"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert p.returncode in (130, 1), err  # 1: it finished before the interrupt came
    if p.returncode == 130:
        assert err.strip().splitlines()[-1] == "Interrupted."
