"""The ledger file: a GeoPackage with the layers ``tasks`` (one row per problem, with its geometry),
``history`` (every change of a task's field: time, issue_id, field, old, new, origin) and ``meta``
(key/value: the ledger's id, format version and the issue-number counters).

Loading, and saving atomically under the lock: the ledger is copied to a temporary file in the same
folder, the copy changed and renamed over the original, so that a failure at any point leaves the
previous ledger intact and layers other programs added (QGIS styles) are kept. Decides nothing about
tasks: merging and edits live in `merge` and `edits`.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import LandcheckError
from ..export import atomic_path
from ..text import clean_frame
from .lock import ledger_lock
from .schema import FORMAT_VERSION, HISTORY, HISTORY_COLUMNS, META, TASKS, empty_tasks, history_text, normalise_tasks, now, stored_text

#: Layer of the transfer check's block registry (checks.transfer.registry), written with the tasks.
BLOCKS = "transfer_blocks"


@dataclass
class Ledger:
    """A loaded ledger. `history` holds what is in the file; `new_history` what this session adds."""

    tasks: gpd.GeoDataFrame
    history: pd.DataFrame
    meta: dict[str, str]
    new_history: list[dict] = field(default_factory=list)
    #: False: nothing to save (the transaction then leaves the file alone)
    touched: bool = True
    #: the transfer check's block registry (layer `transfer_blocks`); None: the ledger has none
    blocks: gpd.GeoDataFrame | None = None
    #: further layers to write (replace) with the next save, by name (e.g. `photos`: landcheck.evidence)
    layers: dict = field(default_factory=dict)

    @property
    def crs(self):
        return self.tasks.crs

    def log(self, issue_id: str, field_name: str, old, new, origin: str, when: str | None = None) -> None:
        self.new_history.append({"time": when or now(), "issue_id": issue_id, "field": field_name,
                                 "old": history_text(old), "new": history_text(new), "origin": origin})

    def all_history(self) -> pd.DataFrame:
        if not self.new_history:
            return self.history
        return pd.concat([self.history, pd.DataFrame(self.new_history, columns=list(HISTORY_COLUMNS))], ignore_index=True)


def new_ledger(crs=None) -> Ledger:
    meta = {"format": FORMAT_VERSION, "ledger_id": uuid.uuid4().hex, "created": now()}
    return Ledger(tasks=empty_tasks(crs), history=pd.DataFrame({c: pd.Series([], dtype="str") for c in HISTORY_COLUMNS}), meta=meta)


#: Meta keys that tie a ledger to one township: a run of another township or id prefix may not merge into it.
IDENTITY_KEYS = ("township", "id_prefix")


def check_identity(recorded: dict, meta: dict | None, path: str | Path) -> None:
    """LandcheckError (one line naming both and the fix) when `meta` names another township or id
    prefix than the ledger's meta `recorded`; keys blank on either side are not compared."""
    given = {str(k): str(v) for k, v in (meta or {}).items() if v is not None and str(v) != ""}
    clash = [k for k in IDENTITY_KEYS if k in given and recorded.get(k, "") not in ("", given[k])]
    if clash:
        theirs = ", ".join(f"{k} {recorded[k]}" for k in clash)
        ours = ", ".join(f"{k} {given[k]}" for k in clash)
        raise LandcheckError(f"{path}: this ledger belongs to {theirs}, the run is {ours}; findings of another "
                             f"township are not merged into it. Give the run another output folder (-o, or "
                             f"[output] dir in landcheck.toml).")


def update_meta(ledger: Ledger, meta: dict | None, path: str | Path) -> None:
    """Add `meta` to the ledger's meta (blank values skipped), after `check_identity`; a ledger
    recording no township or prefix (older ones) adopts these."""
    check_identity(ledger.meta, meta, path)
    given = {str(k): str(v) for k, v in (meta or {}).items() if v is not None and str(v) != ""}
    if any(ledger.meta.get(k) != v for k, v in given.items()):
        ledger.meta.update(given)
        ledger.touched = True


def read_meta(path: str | Path) -> dict[str, str]:
    """The meta of the ledger at `path` ({} when there is no file or no meta layer)."""
    path = Path(path)
    try:
        meta_df = pyogrio.read_dataframe(path, layer=META, read_geometry=False)
    except Exception:  # absent, or not a ledger: the merge says so
        return {}
    return {str(k): stored_text(v) for k, v in zip(meta_df.get("key", []), meta_df.get("value", []))}


def load_ledger(path: str | Path) -> Ledger:
    """Read a ledger (tasks, history, meta). Raises LandcheckError when it is missing or not a ledger."""
    path = Path(path)
    if not path.exists():
        raise LandcheckError(f"{path}: ledger not found. A run with --ledger {path} creates it.")
    try:
        layers = {str(n) for n, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise LandcheckError(f"{path}: cannot be read as a GeoPackage ({exc}).") from None
    missing = {TASKS, HISTORY, META} - layers
    if missing:
        raise LandcheckError(f"{path}: not a landcheck ledger (layers {', '.join(sorted(missing))} missing).")
    try:
        tasks = pyogrio.read_dataframe(path, layer=TASKS, use_arrow=True, fid_as_index=False)
        history = pyogrio.read_dataframe(path, layer=HISTORY, use_arrow=True, read_geometry=False)
        meta_df = pyogrio.read_dataframe(path, layer=META, use_arrow=True, read_geometry=False)
        crs = pyogrio.read_info(path, layer=TASKS)["crs"]
    except Exception as exc:
        raise LandcheckError(f"{path}: the ledger cannot be read ({type(exc).__name__}: {exc}).") from None
    if not isinstance(tasks, gpd.GeoDataFrame):  # pragma: no cover
        tasks = gpd.GeoDataFrame(tasks, geometry=gpd.GeoSeries([None] * len(tasks)), crs=crs)
    if tasks.crs is None and crs:
        tasks = tasks.set_crs(crs)
    history = pd.DataFrame({c: history[c].fillna("").astype("str") if c in history.columns else pd.Series([""] * len(history), dtype="str")
                            for c in HISTORY_COLUMNS})
    meta = {str(k): stored_text(v) for k, v in zip(meta_df.get("key", []), meta_df.get("value", []))}
    blocks = None
    if BLOCKS in layers:
        try:
            blocks = pyogrio.read_dataframe(path, layer=BLOCKS, use_arrow=True, fid_as_index=False)
        except Exception as exc:
            raise LandcheckError(f"{path}: the ledger's block registry cannot be read ({type(exc).__name__}: {exc}).") from None
    return Ledger(tasks=normalise_tasks(tasks), history=history, meta=meta, blocks=blocks)


def read_tasks(path: str | Path) -> gpd.GeoDataFrame:
    """The ledger's tasks (for maps and reports)."""
    return load_ledger(path).tasks


def write_tasks(tasks: gpd.GeoDataFrame, target: Path) -> None:
    """Write (replace) the layer `tasks` of the GeoPackage `target`: polygons as MultiPolygons, text without
    control characters."""
    tasks = clean_frame(tasks)[0]  # a last guard: no control character in any output
    polygonal = set(tasks.geometry.dropna().geom_type) <= {"Polygon", "MultiPolygon"}
    pyogrio.write_dataframe(tasks, target, layer=TASKS, driver="GPKG", geometry_type="MultiPolygon" if polygonal else "Unknown",
                            promote_to_multi=polygonal)


def _write_layers(ledger: Ledger, target: Path, append_history: bool) -> None:
    """Write tasks (replacing that layer), the new history rows (appended), meta and the block registry
    (when the ledger has one) into `target`; text without control characters in every layer (alike, so
    that an issue id stays the same in tasks and history)."""
    write_tasks(ledger.tasks, target)
    rows = clean_frame(pd.DataFrame(ledger.new_history, columns=list(HISTORY_COLUMNS)).astype("str"))[0] \
        if ledger.new_history else None
    if not append_history:
        pyogrio.write_dataframe(rows if rows is not None else clean_frame(ledger.history.astype("str"))[0], target,
                                layer=HISTORY, driver="GPKG")
    elif rows is not None:
        pyogrio.write_dataframe(rows, target, layer=HISTORY, driver="GPKG", append=True)
    meta = pd.DataFrame({"key": list(ledger.meta), "value": [str(v) for v in ledger.meta.values()]}, dtype="str")
    pyogrio.write_dataframe(clean_frame(meta)[0], target, layer=META, driver="GPKG")
    if ledger.blocks is not None:
        pyogrio.write_dataframe(clean_frame(ledger.blocks)[0], target, layer=BLOCKS, driver="GPKG", geometry_type="Unknown")
    for name, frame in ledger.layers.items():
        pyogrio.write_dataframe(clean_frame(frame)[0], target, layer=name, driver="GPKG")


def save_ledger(ledger: Ledger, path: str | Path) -> Path:
    """Replace the ledger file atomically: copy it beside itself, change the copy, rename it over.
    Call inside `ledger_lock` (the merge and import functions do)."""
    path = Path(path)
    exists = path.exists()
    try:
        with atomic_path(path) as tmp:
            if exists:
                shutil.copy2(path, tmp)
            _write_layers(ledger, tmp, append_history=exists)
    except PermissionError as exc:
        raise LandcheckError(f"{path}: cannot replace the ledger ({exc}). Is it open in QGIS or another program? Close it and retry.") from None
    ledger.history = ledger.all_history()
    ledger.new_history = []
    return path


@contextlib.contextmanager
def ledger_transaction(path: str | Path, create: bool = False, purpose: str = "write") -> Iterator[Ledger]:
    """Lock, load (or start a new ledger when `create` and absent), yield, save atomically. An
    exception inside leaves the file untouched."""
    path = Path(path)
    with ledger_lock(path, purpose):
        ledger = new_ledger() if (create and not path.exists()) else load_ledger(path)
        yield ledger
        if ledger.touched or ledger.new_history:
            save_ledger(ledger, path)
