"""The kind of a change of land-use code: new construction, 耕地流出, 耕地流入, within cultivated
land, or another change.

Decides from codes only: no geometry, no areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import landuse


def change_kind(from_code: str, to_code: str) -> str:
    """The kind of change from one (different) code to another (see docs/changes.md)."""
    f_cult, t_cult = from_code.startswith("01"), to_code.startswith("01")
    if f_cult and t_cult:
        return "within_cultivated"
    if f_cult:
        return "new_construction" if landuse.pbf_class(to_code) == "non_farm" else "outflow"
    if t_cult:
        return "inflow"
    return "other"


def kinds_of(from_codes: np.ndarray, to_codes: np.ndarray) -> np.ndarray:
    """`change_kind` of every pair of codes; each distinct pair decided once."""
    if not len(from_codes):
        return np.empty(0, dtype=object)
    pairs = pd.MultiIndex.from_arrays([from_codes.astype(str), to_codes.astype(str)])
    codes, uniq = pd.factorize(pairs)
    return np.array([change_kind(f, t) for f, t in uniq], dtype=object)[codes]
