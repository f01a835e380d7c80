"""Writing results: atomic file replacement, JSON, CSV and GeoPackage that are safe to open.

Writes what it is given; computes no finding and chooses no file name.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .errors import LandcheckError
from .text import clean_frame, clean_nested, clean_text, text_mask

#: Temporary files and folders start with this, then the writer's process id (stale ones: manifest.clean_stale).
TMP_PREFIX = ".lc-tmp-"

#: A text cell starting with one of these would become a formula in Excel/LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one rename, on
    failure it is removed and `target` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{target.stem}.", suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # writers (GDAL) want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("pyogrio", "sqlite3"):  # GDAL/SQLite cannot write: the disk, not a bug
            raise LandcheckError(f"{target}: cannot be written ({str(exc)[:160]}). Is the disk full or read-only, or the "
                                 f"file open in another program? Free space or write elsewhere, then run again.") from None
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def strict_nested(data):
    """A JSON-like structure as strict JSON can hold it (RFC 8259): NaN and ±Infinity become null,
    numpy scalars plain numbers."""
    if isinstance(data, dict):
        return {k: strict_nested(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict_nested(v) for v in data]
    if isinstance(data, (float, np.floating)):
        return float(data) if np.isfinite(data) else None
    return data


def write_json(data: dict, target: str | Path) -> Path:
    """Write strict JSON (UTF-8, Chinese kept readable, control characters removed, NaN/Infinity as null)
    atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(strict_nested(clean_nested(data)), ensure_ascii=False, indent=2, default=_json_default,
                                  allow_nan=False), encoding="utf-8")
    return Path(target)


def formula_safe(value):
    """Text that a spreadsheet would take as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
    leading single quote, so it stays text (OWASP's CSV-injection advice); control characters are
    removed (`text.clean_text`). Other values unchanged."""
    value = clean_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


#: FORMULA_PREFIXES as a regular expression (RE2) on a cell's start
FORMULA_START = "^[=+\\-@\t\r]"


def formula_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with every text cell made formula-safe (for CSV); only the cells that need it are
    touched (found vectorised, `text.text_mask`)."""
    out = clean_frame(df)[0]
    out = out.copy() if out is df else out
    for col in out.columns:
        s = out[col]
        mask = text_mask(s, FORMULA_START, lambda v: v.startswith(FORMULA_PREFIXES))
        if mask.any():
            out.loc[mask, col] = s[mask].map(formula_safe)
    return out


def write_csv(df: pd.DataFrame, target: str | Path) -> Path:
    """UTF-8 with BOM (Excel opens Chinese correctly), formula-safe, atomic."""
    with atomic_path(target) as tmp:
        formula_safe_frame(df).to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(target)


def write_gpkg(gdf, target: str | Path, layer: str) -> Path:
    """Write one layer as a new GeoPackage (text without control characters), replacing `target`
    atomically (pyogrio)."""
    with atomic_path(target) as tmp:
        clean_frame(gdf)[0].to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    return Path(target)


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's `malloc_trim`; elsewhere nothing). Between a
    job's steps: what reading and the overlay's threads freed stays in the process otherwise, beside what
    the next step allocates (a county's farmland check: 54 MB after reading, 195 MB before writing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # a C library without it (musl): nothing to hand back this way
        pass
