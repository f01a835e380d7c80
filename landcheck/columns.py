"""The text of a column, one way for every module: stripped strings, '' for missing, and numbers
that are codes written as numbers (12.0 → '12').

Pure functions on pandas objects; no land-use knowledge and no geometry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _one(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def text_values(values) -> np.ndarray:
    """Values (Series, Index, array or list) as stripped text: '' for missing, whole floats without
    '.0' (a code saved as a number: 12.0 → '12'). Returns an object array."""
    s = values if isinstance(values, pd.Series) else pd.Series(
        values.to_numpy(dtype=object) if isinstance(values, pd.Index) else np.asarray(values, dtype=object),
        dtype=object)
    dt = s.dtype
    if pd.api.types.is_float_dtype(dt):
        v = s.to_numpy(dtype="float64")
        out = np.full(len(v), "", dtype=object)
        ok = np.isfinite(v)
        whole = ok & (np.mod(v, 1) == 0)
        out[whole] = v[whole].astype(np.int64).astype(str)
        out[ok & ~whole] = v[ok & ~whole].astype(str)
        return out
    if pd.api.types.is_integer_dtype(dt) or pd.api.types.is_bool_dtype(dt):
        return s.astype("string").fillna("").to_numpy(dtype=object)
    if isinstance(dt, pd.StringDtype) or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.astype("string").str.strip().fillna("").to_numpy(dtype=object)
    return np.array([_one(v) for v in s], dtype=object)


def text_column(df: pd.DataFrame, *names: str, case_insensitive: bool = False) -> np.ndarray:
    """The first column of `df` among `names` as `text_values`; blanks when none is present.
    `case_insensitive`: also match 'dlbm' for 'DLBM'."""
    columns = {str(c).upper(): c for c in df.columns} if case_insensitive else {c: c for c in df.columns}
    for n in names:
        c = columns.get(n.upper() if case_insensitive else n)
        if c is not None:
            return text_values(df[c])
    return np.full(len(df), "", dtype=object)
