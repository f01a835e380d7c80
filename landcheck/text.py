"""Text that every output format can hold: control characters removed.

C0 controls other than tab, newline and carriage return, DEL, the C1 controls, lone surrogates and
the non-characters U+FFFE/U+FFFF make XLSX invalid XML and garble CSV, GPKG, HTML and JSON for the
people who read them; `clean_text` removes them. Readers clean delivered text once (counting what
they cleaned), writers clean again as a last guard. Pure functions; no files.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

#: What no output may hold (tab, newline and carriage return are kept: XML, CSV and JSON allow them).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NO_SURROGATES = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]"


def clean_text(value):
    """`value` without control characters when it is text; any other value unchanged."""
    if isinstance(value, str) and CONTROL.search(value):
        return CONTROL.sub("", value)
    return value


def is_text_column(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def text_mask(s: pd.Series, pattern: str, test) -> pd.Series:
    """True where a value of `s` is text matching the regular expression `pattern` (RE2 syntax, no lone
    surrogates), vectorised with Arrow when every value is text or missing; else `test(value)` per text value."""
    if not is_text_column(s):
        return pd.Series(False, index=s.index)
    if isinstance(s.dtype, pd.StringDtype) or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            arr = pa.array(s, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError):  # a lone surrogate: not UTF-8
            arr = None
        if arr is not None:
            hit = pc.match_substring_regex(arr, pattern).fill_null(False)
            return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)
    return s.map(lambda v: isinstance(v, str) and bool(test(v))).astype(bool)


def control_mask(s: pd.Series) -> pd.Series:
    """True where a value of `s` is text holding a control character."""
    return text_mask(s, _CONTROL_NO_SURROGATES, CONTROL.search)


def clean_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """`df` with control characters removed from its text cells (a copy when any was), and the number
    of values cleaned per column (columns with none left out)."""
    counts: dict[str, int] = {}
    out = df
    for col in df.columns:
        s = df[col]
        if not is_text_column(s):
            continue
        mask = control_mask(s)
        n = int(mask.sum())
        if n:
            if out is df:
                out = df.copy()
            out.loc[mask, col] = s[mask].map(clean_text)
            counts[str(col)] = n
    return out, counts


def clean_nested(data):
    """A JSON-like structure (dicts, lists, text, numbers) with control characters removed from its text
    (keys too)."""
    if isinstance(data, dict):
        return {clean_text(k): clean_nested(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [clean_nested(v) for v in data]
    return clean_text(data)


def file_stem(name: str, limit: int = 80, empty: str = "_") -> str:
    """`name` as one file-name part on every system: letters (any script), digits, - and _ only (anything
    else, separators and dots included, becomes one '_'), at most `limit` characters; `empty` when nothing is left."""
    out = []
    for ch in unicodedata.normalize("NFC", str(name)):
        out.append(ch if (unicodedata.category(ch)[0] in "LN" or ch in "-_") else "_")
    return re.sub(r"_+", "_", "".join(out)).strip("_")[:limit] or empty
