"""The transfer parcels as the check reads and returns them: ids (地块编号 DKBM, else the feature id)
and their natural order, geometry left out or repaired, the operator and contract-area fields, and
the parcels frame with the block each lies in.

Pure: frames in, frames out; no blocks are formed here.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import units
from ...columns import text_values
from ...geometry import repair_polygons
from ..fields import with_feature_ids

#: Fields that usually name the operator (流入方): suggested for `by` when none is given.
OPERATOR_FIELDS = ("流入方", "流入方名称", "受让方", "经营主体", "承包经营主体", "流转经营主体", "LRF", "JYZT")
#: Fields that usually hold the contract area (mu), summed for comparison with the measured area.
CONTRACT_AREA_FIELDS = ("流转面积", "合同面积", "流转面积亩", "LZMJ", "HTMJ")


def natural_key(text: str) -> tuple:
    """Sort key that orders the numbers inside ids by value: #2 before #10, LZ-9 before LZ-10."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(p) if k % 2 else p for k, p in enumerate(parts)) + (text,)


def field_names(df: pd.DataFrame) -> list[str]:
    """The attribute fields of a layer as delivered (not its geometry or the reader's ids)."""
    return [str(c) for c in df.columns if c not in (df.geometry.name, "feature_id", "feature_no")]


def suggest_group_field(columns) -> str | None:
    """The column that most likely names the operator (流入方 …), for a hint when `by` is not given."""
    names = {str(c).upper(): c for c in columns}
    for f in OPERATOR_FIELDS:
        if f.upper() in names:
            return str(names[f.upper()])
    return None


def parcel_ids(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Each parcel's id: its 地块编号 (DKBM, or an alias mapped to it by the reader) where filled, else the
    feature id (BSM, else `#n`)."""
    ids = text_values(with_feature_ids(parcels)["feature_id"])
    if "DKBM" in parcels.columns:
        own = text_values(parcels["DKBM"])
        ids = np.where(own != "", own, ids)
    return ids


def usable_parcels(parcels: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """The parcels with `feature_id`, invalid geometry repaired and those without geometry left out
    (each said in `notes`), numbered 0..n-1."""
    parcels = with_feature_ids(parcels).reset_index(drop=True)
    in_crs = parcels.crs
    geoms_in = parcels.geometry.to_numpy().copy()
    missing = shapely.is_missing(geoms_in) | shapely.is_empty(geoms_in)
    if missing.any():
        notes.append(f"{int(missing.sum())} parcels without geometry were left out")
    invalid = ~missing & ~shapely.is_valid(geoms_in)
    if invalid.any():
        geoms_in[invalid] = repair_polygons(geoms_in[invalid])
        notes.append(f"{int(invalid.sum())} parcels with invalid geometry were repaired (make_valid)")
        missing = shapely.is_missing(geoms_in) | shapely.is_empty(geoms_in)
    return gpd.GeoDataFrame(parcels.drop(columns=parcels.geometry.name),
                            geometry=gpd.GeoSeries(geoms_in, crs=in_crs)).loc[~missing].reset_index(drop=True)


def parcels_frame(parcels: gpd.GeoDataFrame, ids, block_ids, block, group, village, parcel_m2, below, oi, oj
                  ) -> gpd.GeoDataFrame:
    """The parcels as returned: parcel_id, block_id, group, village, area_m2, area_mu, below_min (of its
    block) and overlaps_with (ids of the parcels it overlaps: pairs `oi`, `oj`), then the delivered fields."""
    n = len(parcels)
    overlaps_with = [[] for _ in range(n)]
    for a, b in zip(oi, oj):
        overlaps_with[a].append(ids[b])
        overlaps_with[b].append(ids[a])
    out = parcels.drop(columns=[c for c in ("feature_no",) if c in parcels.columns]).copy()
    extra = {"parcel_id": ids, "block_id": block_ids[block] if n else np.empty(0, dtype=object), "group": group,
             "village": village, "area_m2": parcel_m2, "area_mu": units.area_mu_array(parcel_m2),
             "below_min": below[block] if n else np.zeros(0, dtype=bool),
             "overlaps_with": np.array(["、".join(x) for x in overlaps_with], dtype=object)}
    out = out.drop(columns=[c for c in extra if c in out.columns])
    geom_name = out.geometry.name
    rest = [c for c in out.columns if c != geom_name]
    return gpd.GeoDataFrame({**extra, **{c: out[c].to_numpy() for c in rest}},
                            geometry=out.geometry.to_numpy(), crs=parcels.crs)
