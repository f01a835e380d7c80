"""`JobOptions`: what every job takes besides its inputs (output folder, township, rules, ledger,
prefix, map, threads, engine, progress, how layers are read). Data only: no reading, no writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..progress import SILENT, Progress
from ..roles import Reader, read_role
from ..text import clean_text
from ..engine import Engine, EngineOptions
from .engines import engine_for


@dataclass
class JobOptions:
    """The options shared by the farmland, transfer and survey jobs.

    output_dir: where findings, summary.json … go; rules_path: TOML overriding the packaged rules;
    ledger_path: the ledger to merge the findings into (None: no ledger); prefix: issue-id prefix of
    new tasks (None: the township, else the findings' township code, else LC); map_path: an
    inspection map to write (None: no map), its assets inlined unless map_online_assets; read: how an input is read (a run shares its frames);
    unknown_codes: `warn` (land-use codes and names of a survey layer that map to no class are
    listed, the check goes on) or `error` (such a layer is bad input: nothing is written);
    allow_partial: see the field."""

    output_dir: Path
    township: str = ""
    rules_path: Path | None = None
    ledger_path: Path | None = None
    prefix: str | None = None
    map_path: Path | None = None
    map_online_assets: bool = False
    threads: int | None = None
    engine: EngineOptions = field(default_factory=EngineOptions)
    progress: Progress = SILENT
    read: Reader = read_role
    unknown_codes: str = "warn"
    #: the inputs are meant to cover a part (--allow-partial): coverage refusals become warnings, and
    #: tasks the run did not find may be marked 待复核（已消失） even after a warning
    allow_partial: bool = False
    #: check what is left of a layer that lost more than `max_dropped_share` of its features in reading
    allow_drops: bool = False

    def __post_init__(self) -> None:
        # names typed by the user reach every output (ledger ids, titles): no control characters
        self.township = clean_text(self.township)
        self.prefix = clean_text(self.prefix)

    def make_engine(self) -> Engine:
        """The engine these options ask for."""
        return engine_for(self.engine, self.read)
