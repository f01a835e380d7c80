"""The ledger's tasks as plain files: CSV (English keys, utf-8-sig, formula-safe) and a standalone
GeoPackage. The Excel workbook is `landcheck.spreadsheet`'s.

Reads the ledger; never changes it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..export import atomic_path, write_csv
from .store import load_ledger, write_tasks


def export_csv(ledger_path: str | Path, out_path: str | Path) -> Path:
    """The tasks as CSV (English keys, utf-8-sig, formula-safe, no geometry — lon/lat locate them)."""
    T = load_ledger(ledger_path).tasks
    df = pd.DataFrame(T.drop(columns=T.geometry.name))
    return write_csv(df, out_path)


def export_gpkg(ledger_path: str | Path, out_path: str | Path) -> Path:
    """The tasks as a standalone GeoPackage (layer `tasks`), e.g. to send to the county."""
    T = load_ledger(ledger_path).tasks
    with atomic_path(out_path) as tmp:
        write_tasks(T, tmp)
    return Path(out_path)
