"""What every command shows a person: the console, the progress bar (a `landcheck.progress.Progress`),
the words from the vocabulary, the list of files written and the warnings.

Formats only; never decides an exit status. rich is imported when something is printed, not when a
command is declared (`landcheck --help` starts without it).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import click

from ..progress import Progress

if TYPE_CHECKING:
    import rich.progress as rp
    from rich.console import Console

log = logging.getLogger("landcheck")


def console(err: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=err, highlight=False)



def verbosity(ctx: click.Context) -> int:
    """-1 with -q, else the number of -v (0 when the command runs outside the main group)."""
    return (ctx.find_root().obj or {}).get("verbose", 0)


class ProgressBar(Progress):
    """A rich bar with the step's name and elapsed time: `step(text)` starts a new task (the bar pulses
    until the step measures its work: rich keeps a total once set), `advance` moves it."""

    def __init__(self, bar: rp.Progress):
        self._bar, self._text = bar, ""
        self._task = bar.add_task("landcheck", total=None)

    def step(self, text: str) -> None:
        self._text = text
        self._bar.remove_task(self._task)
        self._task = self._bar.add_task(text, total=None)
        log.info(text)

    def advance(self, label: str, done: int, total: int) -> None:
        self._bar.update(self._task, description=f"{self._text} · {label}", total=max(total, 1), completed=done)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressBar]:
    """The progress bar of a long command; silent when disabled or when stderr is not a terminal."""
    import rich.progress as rp

    con = console(err=True)
    with rp.Progress(rp.SpinnerColumn(), rp.TextColumn("{task.description}"), rp.BarColumn(), rp.TaskProgressColumn(),
                     rp.TimeElapsedColumn(), console=con, disable=not (enabled and con.is_terminal),
                     transient=True) as bar:
        yield ProgressBar(bar)


def print_written(outputs: Iterable[Path]) -> None:
    """One `wrote PATH` line per file written, in the order written."""
    for p in outputs:
        console().print(f"wrote {p}")


def print_warnings(warnings: Iterable[str], err: bool = False) -> None:
    for w in warnings:
        console(err=err).print(f"[yellow]warning: {w}[/yellow]")
