"""The dask engine on the command line (issue 15 item 8): no dask logs unless -v, and Ctrl-C (SIGINT to
the terminal's process group, workers included) ends with one line "Interrupted." and exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landcheck.config import bundled_layers_dir

SAMPLE = bundled_layers_dir()
REPO = Path(__file__).resolve().parents[2]


def farmland_dask(tmp_path: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "landcheck.cli", *extra, "farmland", "--survey", str(SAMPLE / "survey" / "DLTB.shp"),
            "--farmland", str(SAMPLE / "farmland.gpkg"), "--engine", "dask", "--workers", "2",
            "--work-dir", str(tmp_path / "parts"), "-o", str(tmp_path / "out")]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def test_dask_run_is_quiet_unless_verbose(tmp_path):
    pytest.importorskip("distributed")
    p = farmland_dask(tmp_path)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 1, err.decode()
    assert err.decode().strip() == "" and "wrote" in out.decode()
    p = farmland_dask(tmp_path, "-v")
    _, err = p.communicate(timeout=300)
    assert "worker" in err.decode().lower()  # -v shows dask's own lines


def group(pgid: int) -> list[int]:
    """The processes of a process group (Linux /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            pass
    return out


def takes_sigint(pid: int) -> bool:
    """Whether the process handles SIGINT (not ignored: /proc/PID/status SigIgn, bit 1)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    ignored = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)
    return not ignored & (1 << (signal.SIGINT - 1))


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_ctrl_c_during_a_dask_run_ends_with_one_line(tmp_path, delay):
    pytest.importorskip("distributed")
    p = farmland_dask(tmp_path)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None and not (len(group(p.pid)) >= 3 and takes_sigint(p.pid)):
        time.sleep(0.05)  # until the workers run and the client listens to Ctrl-C again (the cluster has started)
    time.sleep(delay)
    assert p.poll() is None, "the run ended before it could be interrupted"
    os.killpg(p.pid, signal.SIGINT)  # as Ctrl-C in a terminal: every process of the group
    try:
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130 and err.decode().strip().endswith("Interrupted."), err.decode()
    assert "Traceback" not in err.decode() and "Error" not in err.decode(), err.decode()
    assert not (tmp_path / "out" / "summary.json").exists()
