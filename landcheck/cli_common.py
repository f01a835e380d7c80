"""What every landcheck command shares: the console, progress display and input options."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from .config import LayerSpec
from .progress import Progress as LandcheckProgress

log = logging.getLogger("landcheck")


def console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False)


class Steps(LandcheckProgress):
    """What a long job reports: `steps(text)` starts a named step (the bar pulses), `steps.advance(label,
    done, total)` moves the bar through a step's measured work (chunks of the overlay)."""

    def __init__(self, prog: Progress, task):
        self._prog, self._task, self._text = prog, task, ""

    def __call__(self, text: str) -> None:
        # a new task per step: the bar pulses until the step measures its work (rich keeps a total once set)
        self._text = text
        self._prog.remove_task(self._task)
        self._task = self._prog.add_task(text, total=None)
        log.info(text)

    def advance(self, label: str, done: int, total: int) -> None:
        self._prog.update(self._task, description=f"{self._text} · {label}", total=max(total, 1), completed=done)


@contextmanager
def progress_steps(enabled: bool):
    """A rich progress bar with the step's name and elapsed time; silent when stderr is not a terminal."""
    con = console(err=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=con, disable=not (enabled and con.is_terminal), transient=True) as prog:
        yield Steps(prog, prog.add_task("landcheck", total=None))


def input_options(fn):
    """--layer/--crs/--encoding for a single-input command."""
    fn = click.option("--encoding", default=None, help="Text encoding of the layer (e.g. GBK, UTF-8); detected when omitted.")(fn)
    fn = click.option("--crs", default=None, help="CRS when the file has none and it cannot be inferred (e.g. EPSG:4527).")(fn)
    fn = click.option("--layer", default=None, help="Layer name (or index) in a multi-layer source.")(fn)
    return fn


def named_input(name: str, required: bool, help: str):
    """--NAME PATH with its companions --NAME-layer, --NAME-crs, --NAME-encoding."""

    def deco(fn):
        fn = click.option(f"--{name}-encoding", default=None, help=f"Text encoding of the {name} layer.")(fn)
        fn = click.option(f"--{name}-crs", default=None, help=f"CRS of the {name} layer when it cannot be inferred.")(fn)
        fn = click.option(f"--{name}-layer", default=None, help=f"Layer name in the {name} source.")(fn)
        fn = click.option(f"--{name}", type=click.Path(path_type=Path), required=required, help=help)(fn)
        return fn

    return deco


def layer_spec(path: Path | None, layer, crs, encoding) -> LayerSpec | None:
    return None if path is None else LayerSpec(path=path, layer=layer, crs=crs, encoding=encoding)


def map_option(name: str):
    """--map [FILE.html]: also write an inspection map (default maps/NAME.html, DESIGN: maps go to maps/)."""

    def check(ctx, param, value):
        if value is not None and value.suffix.lower() not in (".html", ".htm"):
            raise click.BadParameter(f"{value}: a map is one HTML file; end the name with .html.")
        return value

    return click.option("--map", "map_path", is_flag=False, flag_value=str(Path("maps") / f"{name}.html"), default=None,
                        type=click.Path(path_type=Path), callback=check, metavar="[FILE.html]",
                        help=f"Also write an inspection map 现场核查图 (default maps/{name}.html).")


def engine_options(fn):
    """--engine/--scheduler/--work-dir/--workers: where a check runs (see `pipeline.Engine`)."""
    fn = click.option("--workers", "n_workers", type=click.IntRange(min=1), default=None,
                      help="Worker processes of the local dask cluster (default: all cores).")(fn)
    fn = click.option("--work-dir", type=click.Path(path_type=Path), default=None,
                      help="Folder for the dask engine's GeoParquet parts; with --scheduler it must be shared with "
                           "the workers at the same path (default: a temporary folder, removed afterwards).")(fn)
    fn = click.option("--scheduler", default=None, metavar="ADDRESS",
                      help="dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (implies --engine dask).")(fn)
    fn = click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                      help="local: this process, threads; dask: spatial partitions on a dask cluster (same results; "
                           "memory bounded by the partition; needs pip install 'landcheck[dask]').")(fn)
    return fn


def engine_of(engine: str, scheduler: str | None, work_dir: Path | None, n_workers: int | None):
    from .pipeline import Engine

    return Engine(name="dask" if scheduler else engine, scheduler=scheduler, work_dir=work_dir, n_workers=n_workers)
