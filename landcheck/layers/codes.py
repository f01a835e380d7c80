"""The land-use codes of a read layer: DLBM normalised by `landuse.normalise_codes` (from DLMC names
where there is no code) on the whole layer, and how they were read recorded in the `ReadReport`;
for chunked reading, the same decisions from the distinct (code, name) pairs, applied chunk by chunk.
Codes and names that map to no class are listed with their rows and area (`ReadReport.unknown_table`).

Reads codes, never judges them: what a code means for a check is the checks' business.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import landuse
from ..units import ellipsoidal_area
from .report import ReadReport


def _column(df: pd.DataFrame, name: str):
    return df[name] if name in df.columns else [None] * len(df)


def _null_to_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


def _code_key(code, name) -> tuple:
    name = _null_to_none(name)
    return landuse.clean_code(code), (None if name is None else str(name).strip())


def has_codes(columns) -> bool:
    """Whether a layer with these columns has land-use codes or names to read."""
    return "DLBM" in columns or "DLMC" in columns


def record_code_reading(report: ReadReport, reading) -> None:
    """Record how the land-use codes were read (landuse.normalise_codes) and warn about unknown ones."""
    report.code_reading = reading.note
    report.unknown_codes = reading.unknown
    if reading.unknown:
        shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown.items())[:10])
        report.warn(f"unknown land-use codes kept as they are: {shown}")
    report.unknown_names = reading.unknown_names
    if reading.unknown_names:
        shown = ", ".join(f"{c} ×{n}" for c, n in sorted(reading.unknown_names.items())[:10])
        report.warn(f"land-use names without a code that match no known class (DLBM left empty): {shown}")


def unknown_rows(codes: pd.Series, names: pd.Series | None) -> dict[tuple[str, str], np.ndarray]:
    """The rows of each normalised code outside the code table (("code", code) → rows) and of each name
    of a row without a code that gave none (("name", name) → rows), as `_unknown_key` keys them; worked
    out on the distinct values."""
    out: dict[tuple[str, str], np.ndarray] = {}
    ci, cu = pd.factorize(pd.Series(codes.to_numpy(dtype=object), dtype=object))
    for k, c in enumerate(cu):
        if landuse.lookup(c) is None:
            out[("code", str(c))] = np.flatnonzero(ci == k)
    if names is not None and (ci < 0).any():
        no_code = np.flatnonzero(ci < 0)
        text = pd.Series(names.to_numpy(dtype=object)[no_code], dtype=object).map(
            lambda n: None if _null_to_none(n) is None else (str(n).strip() or None))
        ni, nu = pd.factorize(text)
        for k, n in enumerate(nu):
            out[("name", n)] = no_code[ni == k]
    return out


def _unknown_key(code, name) -> tuple[str, str] | None:
    """("code", code) for a normalised code outside the code table, ("name", name) for a row without a
    code whose name gave none, else None."""
    code, name = _null_to_none(code), _null_to_none(name)
    if code is not None:
        return None if landuse.lookup(code) is not None else ("code", str(code))
    if name is not None and str(name).strip():
        return ("name", str(name).strip())
    return None


def unknown_table(keys, rows, areas_m2) -> list[dict]:
    """The codes and names that map to no class: one entry per (kind, value) with its rows, area (m²,
    NaN when not measured) and what the checks do with it (`action`: the code is kept, or DLBM is left
    empty; either way the class is unknown, read as `other`). Largest area first."""
    acc: dict[tuple, list] = {}
    for key, n, a in zip(keys, rows, areas_m2):
        if key is not None:
            e = acc.setdefault(key, [0, 0.0])
            e[0] += int(n)
            e[1] += float(a)
    out = [{"kind": k, "value": v, "rows": n, "area_m2": a, "action": "kept_code" if k == "code" else "no_code",
            "category": "other"} for (k, v), (n, a) in acc.items()]
    return sorted(out, key=lambda e: (-(e["area_m2"] if np.isfinite(e["area_m2"]) else 0.0), -e["rows"], e["value"]))


def normalise_layer_codes(df: pd.DataFrame, report: ReadReport) -> None:
    """Normalise the whole layer's DLBM in place (when it has DLBM or DLMC) and record the reading,
    with the unknown codes and names and their area (`df` must have its CRS)."""
    if not has_codes(df.columns):
        return
    names = df["DLMC"] if "DLMC" in df.columns else None
    reading = landuse.normalise_codes(_column(df, "DLBM"), names)
    df["DLBM"] = reading.codes.values
    record_code_reading(report, reading)
    rows = unknown_rows(df["DLBM"], df["DLMC"] if "DLMC" in df.columns else None)
    geoms = df.geometry.values
    m2 = [float(ellipsoidal_area(geoms[r], df.crs).sum()) if df.crs is not None else np.nan for r in rows.values()]
    report.unknown_table = unknown_table(list(rows), [len(r) for r in rows.values()], m2)


@lru_cache(maxsize=65536)
def _may_be_unknown(code, name) -> bool:
    """Whether a (code, name) pair as read may end up in no class (over-estimates: its geometry is
    kept until the layer's reading is decided)."""
    code = landuse.clean_code(_null_to_none(code))
    if code is None:
        return landuse.code_for_name(_null_to_none(name)) is None
    return all(landuse.lookup(c) is None for c in (code, "0" + code, code.zfill(3)))  # may be padded or 二调


def count_code_pairs(df: pd.DataFrame, pairs: dict[tuple, int], kept: dict[tuple, list] | None = None,
                     geoms=None) -> None:
    """Add the (code, name) pairs of `df`'s rows as read to `pairs` (pair → rows, in order of first
    appearance); with `kept`, also the geometries (`geoms`, in row order) of pairs that may map to no
    class, to measure them once the layer's CRS is settled."""
    codes = df["DLBM"].tolist() if "DLBM" in df.columns else [None] * len(df)
    names = df["DLMC"].tolist() if "DLMC" in df.columns else [None] * len(df)
    for i, key in enumerate(zip(map(_null_to_none, codes), map(_null_to_none, names))):
        pairs[key] = pairs.get(key, 0) + 1
        if kept is not None and _may_be_unknown(*key):
            kept.setdefault(key, []).append(geoms[i])


def plan_codes(pairs: dict, code_fix: dict | None, name_fix: dict | None, has_names: bool, report: ReadReport,
               kept: dict | None = None, crs=None) -> dict:
    """Normalise the land-use codes as `read_layer` does on the whole layer, from the distinct
    (code, name) pairs and their row counts (in order of first appearance, so that the report's
    counters keep `read_layer`'s order); returns (clean code, name) → normalised code. `code_fix` and
    `name_fix` are the mojibake repairs of the DLBM and DLMC fields; `kept` the geometries of the pairs
    that may map to no class (`count_code_pairs`), in `crs`, for the report's table of unknown codes
    and names (their area NaN without them)."""
    keyed: dict[tuple, int] = {}
    keyed_m2: dict[tuple, float] = {}
    for (c, n), k in pairs.items():
        m2 = float(ellipsoidal_area(kept[(c, n)], crs).sum()) if kept and (c, n) in kept and crs is not None else np.nan
        if code_fix and isinstance(c, str):
            c = code_fix.get(c, c)
        if name_fix and isinstance(n, str):
            n = name_fix.get(n, n)
        key = _code_key(c, n)
        keyed[key] = keyed.get(key, 0) + k
        keyed_m2[key] = keyed_m2.get(key, 0.0) + m2
    keys = list(keyed)
    counts = np.array([keyed[k] for k in keys], dtype=np.int64)
    codes = np.empty(len(keys), dtype=object)
    names = np.empty(len(keys), dtype=object)
    codes[:] = [k[0] for k in keys]
    names[:] = [k[1] for k in keys]
    reading = landuse.normalise_codes(np.repeat(codes, counts).tolist(),
                                      np.repeat(names, counts).tolist() if has_names else None)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.empty(0, np.int64)
    out = reading.codes.to_numpy(dtype=object)
    record_code_reading(report, reading)
    code_map = {k: out[i] for k, i in zip(keys, first)}
    unknown = [_unknown_key(code_map[k], k[1] if has_names else None) for k in keys]
    report.unknown_table = unknown_table(unknown, counts, [keyed_m2[k] for k in keys])
    return code_map


def codes_dtype(code_map: dict):
    """The dtype pandas gives the whole layer's normalised DLBM column (an object array of its codes
    assigned to a new column)."""
    values = list({v: None for v in code_map.values()})
    probe = pd.DataFrame(index=range(len(values)))
    probe["x"] = np.array(values, dtype=object) if values else np.empty(0, dtype=object)
    return probe["x"].dtype


def apply_code_map(df: pd.DataFrame, code_map: dict, dtype) -> None:
    """Normalise a chunk's DLBM in place with the whole layer's decisions (`plan_codes`)."""
    raw_codes, names = _column(df, "DLBM"), _column(df, "DLMC")
    df["DLBM"] = np.array([code_map[_code_key(c, n)] for c, n in zip(raw_codes, names)], dtype=object)
    if dtype is not None and df["DLBM"].dtype != dtype:
        df["DLBM"] = df["DLBM"].astype(dtype)
