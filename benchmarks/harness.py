"""What every benchmark shares: each measured engine in its own process, its peak memory, one JSON result line.

A benchmark runs itself again as `NAME.py --child MODE …` for each engine (`run_child`); the child
measures (`measure`, `PeakSampler`) and answers with one JSON line (`answer`). The benchmark ends with
`result_line`. Importing this module puts the checkout that holds benchmarks/ first on the import path
(also for child processes, the `landcheck` command and dask workers), so a worktree measures its own code.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                          if p and p != str(ROOT)])


# ------------------------------------------------------------------------------------------ memory
def rss_mb() -> float:
    """Current resident memory of this process (MB), from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler:
    """Samples RSS every `interval` s in a thread: `base` at start, `peak` (GEOS memory included, which
    tracemalloc would miss); `rise` = peak − base."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval

    def __enter__(self) -> PeakSampler:
        self.base = self.peak = rss_mb()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_mb())

    def restart(self) -> None:
        """Measure afresh from now on (a new base and peak), the thread running on."""
        self.peak = self.base = rss_mb()

    @property
    def rise(self) -> float:
        return self.peak - self.base


def measure(fn) -> tuple[object, dict]:
    """fn()'s result and {seconds (wall), cpu_s (all threads), peak_mb (peak RSS above the start),
    inputs_mb (RSS at the start: what the process held before)}."""
    with PeakSampler() as mem:
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
    return out, {"seconds": seconds, "cpu_s": cpu, "peak_mb": mem.rise, "inputs_mb": mem.base}


def worker_sampler_start(dask_worker=None) -> None:
    """`client.run(worker_sampler_start)`: every dask worker samples its own RSS every 10 ms."""
    dask_worker._landcheck_rss = PeakSampler(0.01).__enter__()


def worker_sampler_stop(dask_worker=None) -> dict:
    """`client.run(worker_sampler_stop)`: {worker: {base, peak}} in MB."""
    mem = dask_worker._landcheck_rss
    mem.__exit__(None, None, None)
    return {"base": mem.base, "peak": mem.peak}


# ------------------------------------------------------------------------------------ child processes
def parse(ap: argparse.ArgumentParser, child, argv=None) -> argparse.Namespace:
    """The options, with the hidden `--child MODE ARGS…` by which a benchmark runs one engine in a child
    process: given that, `child(MODE, ARGS…)` (strings) runs, answers and the process exits."""
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        answer(child(*args.child))
        raise SystemExit(0)
    return args


def run_child(script: str | Path, *args) -> dict:
    """Run `script --child ARGS…` in a fresh process (so that its peak memory is its own); its last
    stdout line is JSON (`answer`)."""
    argv = [str(a) for a in args]
    proc = subprocess.run([sys.executable, str(script), "--child", *argv], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{Path(script).name} --child {' '.join(argv)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def answer(result: dict) -> None:
    """A child's answer: one JSON line on stdout, the last."""
    print(json.dumps(result))


# ------------------------------------------------------------------------------------------- results
def ratio(b: float, a: float, floor: float = 1e-9) -> float:
    return b / max(a, floor)


def print_table(engines: dict[str, dict], ratios: dict[str, tuple[str, str]], rows: dict[str, list] = None,
                label_width: int = 28) -> None:
    """Wall time, peak RSS above the inputs and RSS with the inputs of each engine (its child's answer),
    the ratios named in `ratios` ({"b/a": ("plain", "landcheck")}), then further `rows` of values."""
    w = {k: max(len(k) + 2, 12) for k in engines}
    print(f"\n{'':{label_width}}" + "".join(f"{k:>{w[k]}}" for k in engines) + "".join(f"{r:>7}" for r in ratios))
    for label, key, fmt, floor in (("wall time (s)", "seconds", ".2f", 1e-9),
                                   ("peak RSS above inputs (MB)", "peak_mb", ".0f", 1.0),
                                   ("RSS with inputs (MB)", "inputs_mb", ".0f", None)):
        cells = "".join(f"{e[key]:>{w[k]}{fmt}}" for k, e in engines.items())
        if floor is not None:
            cells += "".join(f"{ratio(engines[b][key], engines[a][key], floor):>7.2f}" for b, a in ratios.values())
        print(f"{label:{label_width}}{cells}")
    for label, values in (rows or {}).items():
        print(f"{label:{label_width}}" + "".join(f"{v:>{w[k]}}" for k, v in zip(engines, values)))


def result_line(name: str, sizes: dict, engines: dict[str, dict], ratios: dict[str, float], agree: bool | None,
                **extra) -> dict:
    """Print the one JSON line that ends every benchmark: name, sizes, seconds and peak MB per engine,
    ratios, whether the totals agree (null where the benchmark compares none), date, machine cores."""
    rec = {"benchmark": name, "sizes": sizes,
           "engines": {k: {"seconds": round(v["seconds"], 3),
                           "peak_mb": None if v.get("peak_mb") is None else round(v["peak_mb"], 1)}
                       for k, v in engines.items()},
           "ratio": {k: round(v, 3) for k, v in ratios.items()},
           "totals_agree": None if agree is None else ("yes" if agree else "no"),
           "date": datetime.date.today().isoformat(), "cores": os.cpu_count(), **extra}
    print(json.dumps(rec, ensure_ascii=False))
    return rec


# --------------------------------------------------------------------------------------------- inputs
def tile(frame, copies: int, step: tuple[float, float], columns: int, ids=(), copy_column: str | None = None):
    """`copies` of a GeoDataFrame in rows of `columns`, `step` metres apart (x, y); in copy t the values
    of the columns `ids` become f"{t}{value}" (unique per copy) and `copy_column` (if given) holds t."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    tiles = []
    for t in range(copies):
        shift = np.array([(t % columns) * step[0], (t // columns) * step[1]])
        g = frame.set_geometry(shapely.transform(frame.geometry.values, lambda c: c + shift))
        for c in ids:
            if c in g.columns:
                g[c] = [None if v is None or v != v else f"{t}{v}" for v in g[c]]
        if copy_column:
            g[copy_column] = t
        tiles.append(g)
    return gpd.GeoDataFrame(pd.concat(tiles, ignore_index=True), geometry=frame.geometry.name, crs=frame.crs)


def append_readme_row(readme: Path, marker: str, rec: dict, first: list[str], last: list[str], runs: int) -> None:
    """Add a row before `marker` in a README table: the `first` cells, both engines' time and peak memory,
    the ratio plain / landcheck (median of `runs`), then the `last` cells. Nothing when the marker is absent."""
    p, lc = rec["engines"]["plain"], rec["engines"]["landcheck"]
    cells = [*first, f"{p['seconds']:.2f} s, {p['peak_mb']:.0f} MB", f"{lc['seconds']:.2f} s, {lc['peak_mb']:.0f} MB",
             f"**{rec['ratio']['plain/landcheck']:.2f}** (median of {runs})", *last]
    text = readme.read_text(encoding="utf-8")
    if marker in text:
        row = "| " + " | ".join(str(c) for c in cells) + " |\n"  # cells may be numbers (the load)
        readme.write_text(text.replace(marker, row + marker), encoding="utf-8")
