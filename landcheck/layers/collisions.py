"""Delivered fields named like the fields landcheck adds (`feature_id`, `feature_no`, a check's output
columns): renamed `<name>_src` with a note in the `ReadReport`, compared without case (GeoPackage field
names are case-insensitive: PARCEL_ID and parcel_id cannot both be written).

The renamed field keeps its file name in `ReadReport.field_map` (`PARCEL_ID_src` → `PARCEL_ID`), so that
an option naming it (e.g. transfer --by) still finds it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .report import ReadReport

#: The columns the reader adds to every layer.
READER_FIELDS = ("feature_id", "feature_no")


def collision_renames(columns: Iterable, reserved: Iterable[str]) -> dict[str, str]:
    """{column: new name} for each of `columns` whose name equals one of `reserved` but for case; the
    new name is `<name>_src` (`_src2` … when that is taken too)."""
    columns = [str(c) for c in columns]
    res = {r.casefold() for r in reserved}
    taken = {c.casefold() for c in columns} | res
    out: dict[str, str] = {}
    for c in columns:
        if c.casefold() not in res:
            continue
        new, k = f"{c}_src", 2
        while new.casefold() in taken:
            new, k = f"{c}_src{k}", k + 1
        taken.add(new.casefold())
        out[c] = new
    return out


def record_collisions(report: ReadReport, renames: dict[str, str]) -> None:
    """Note each rename in `report` (a warning, and the file's name in `field_map`)."""
    for old, new in renames.items():
        original = report.field_map.pop(old, old)
        report.field_map[new] = original
        report.warn(f"field '{original}' renamed '{new}': landcheck writes a field of that name")


def rename_collisions(df: pd.DataFrame, reserved: Iterable[str], report: ReadReport) -> pd.DataFrame:
    """`df` with its fields that collide with `reserved` renamed (see `collision_renames`), noted in `report`."""
    geom = getattr(df, "_geometry_column_name", None)
    renames = collision_renames([c for c in df.columns if c != geom], reserved)
    if not renames:
        return df
    record_collisions(report, renames)
    return df.rename(columns=renames)
