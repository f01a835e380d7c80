"""How long work tells how far it is: one `Progress` object that every job and check accepts.

`step(text)` starts a named step; `advance(label, done, total)` moves through a step's measured work
(chunks of the overlay, partitions of the dask engine). The base class draws nothing, so a check
called without one runs silent; the CLI passes a rich bar. `Advance` is the kernel-level callback
(`done, total`) that `Progress.counter` hands to the overlay and the dask runner.
"""

from __future__ import annotations

from typing import Callable

#: A low-level progress callback: (units done, units in all).
Advance = Callable[[int, int], None]


class Progress:
    """A progress sink that ignores everything; subclass to draw."""

    def step(self, text: str) -> None:
        """A new named step begins."""

    def advance(self, label: str, done: int, total: int) -> None:
        """`done` of `total` units of the current step's work `label` are finished."""

    def counter(self, label: str) -> Advance:
        """An `Advance` callback that reports as `advance(label, …)`."""
        return lambda done, total: self.advance(label, done, total)


#: The silent default.
SILENT = Progress()
