"""Contiguous blocks (连片地块) of transferred parcels: which parcels of one group touch or lie within
the gap of each other, block numbers by their smallest parcel id (the same whatever the grouping), each block's area counted once where
blocks of two groups overlap, and the blocks and overlaps frames.

Geometry and areas only: no rules, no findings.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ... import units
from .parcels import natural_key

#: Gaps are compared at the coordinates' millimetre precision: parcels drawn exactly `gap_m` apart merge
#: whatever the floating point of zone-prefixed eastings (~3.9e7 m) makes of the distance.
GAP_EPS_M = 1e-3


def contiguous_blocks(geoms: np.ndarray, group_codes: np.ndarray, gap_m: float) -> np.ndarray:
    """Component label of each polygon: polygons of the same group code that touch or lie at most
    `gap_m` metres apart (projected CRS in metres) are connected, directly or through others.

    One STRtree query of the bounding boxes grown by the gap gives candidate pairs; only pairs of one
    group get the exact distance test (`dwithin`); scipy's connected components do the rest."""
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    reach = gap_m + GAP_EPS_M
    tree = shapely.STRtree(geoms)
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    i, j = tree.query(shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach))
    keep = (i < j) & (group_codes[i] == group_codes[j])
    i, j = i[keep], j[keep]
    close = shapely.dwithin(geoms[i], geoms[j], reach)
    i, j = i[close], j[close]
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def number_blocks(comp: np.ndarray, group: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(block of each parcel, block ids B0001…, rank of each parcel by id) from the components `comp`:
    blocks follow their smallest parcel id (natural order), whatever the grouping (`group` breaks ties
    only between blocks whose smallest ids are equal, i.e. duplicated ids)."""
    n = len(comp)
    n_comp = int(comp.max()) + 1 if n else 0
    pkeys = [natural_key(s) for s in ids]
    by_id = sorted(range(n), key=lambda p: pkeys[p])
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.asarray(by_id, dtype=np.int64)] = np.arange(n)
    first = {}
    for p in by_id:
        first.setdefault(int(comp[p]), p)
    gkeys = {g: natural_key(g) for g in dict.fromkeys(group[p] for p in first.values())}  # distinct groups
    comp_order = sorted(range(n_comp), key=lambda c: (pkeys[first[c]], gkeys[group[first[c]]]))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[np.asarray(comp_order, dtype=np.int64)] = np.arange(n_comp)
    block = rank[comp] if n else np.empty(0, dtype=np.int64)
    width = max(4, len(str(n_comp)))
    block_ids = np.array([f"B{k + 1:0{width}d}" for k in range(n_comp)], dtype=object)
    return block, block_ids, id_rank


def block_parcel_ids(block, ids, id_rank, n_blocks) -> list[str]:
    """Each block's parcel ids, comma-joined in natural order (as `blocks_frame` writes them)."""
    out: list[list[str]] = [[] for _ in range(n_blocks)]
    for p in np.argsort(id_rank, kind="stable"):
        out[int(block[p])].append(str(ids[p]))
    return [",".join(x) for x in out]


def block_subjects(block, operator, id_rank, n_blocks) -> np.ndarray:
    """The operators (流入方) of each block's parcels, 、-joined in parcel-id order, blanks left out."""
    out = np.full(n_blocks, "", dtype=object)
    seen: dict[int, dict] = {}
    for p in np.argsort(id_rank, kind="stable"):
        if operator[p]:
            seen.setdefault(int(block[p]), {})[operator[p]] = None
    for b, ops in seen.items():
        out[b] = "、".join(ops)
    return out


def counted_once(block_geom, block_m2, below, bi, bj, crs) -> np.ndarray:
    """The area of each block that counts in the totals: its whole area, less what it shares with a
    block that comes first (at or above the minimum before below it, larger first, then block order)."""
    counted = np.asarray(block_m2, dtype="float64").copy()
    cross = bi != bj
    if not cross.any():
        return counted
    prio = np.lexsort((np.arange(len(block_m2)), -np.asarray(block_m2), below))
    rank = np.empty(len(prio), dtype=np.int64)
    rank[prio] = np.arange(len(prio))
    a, b = bi[cross], bj[cross]
    first = np.where(rank[a] < rank[b], a, b)
    later = np.where(rank[a] < rank[b], b, a)
    pairs = np.unique(np.column_stack([later, first]), axis=0)
    todo, idx = np.unique(pairs[:, 0], return_inverse=True)
    earlier = shapely.union_all(shapely.geometrycollections(block_geom[pairs[:, 1]], indices=idx)[:, None], axis=1)
    rest = shapely.difference(block_geom[todo], earlier)
    counted[todo] = units.ellipsoidal_area(rest, crs)
    return counted


def village_split(block, village, parcel_m2, per_block_m2) -> pd.DataFrame:
    """The one rule for a block over several villages: `per_block_m2` (its area, or the part counted)
    shared among its villages by its parcels' areas. Rows block, village, m2 (in first-seen order)."""
    nb = len(per_block_m2)
    in_block = np.bincount(block, weights=parcel_m2, minlength=nb) if len(block) else np.zeros(nb)
    share = np.divide(parcel_m2, in_block[block], out=np.zeros(len(block)), where=in_block[block] > 0)
    pv = pd.DataFrame({"block": block, "village": village, "m2": share * np.asarray(per_block_m2, dtype="float64")[block]})
    return pv.groupby(["block", "village"], sort=False, as_index=False)["m2"].sum()


def village_areas(split: pd.DataFrame, n_blocks: int) -> list[dict]:
    """{village: m2} of each block from `village_split` rows, villages by their largest share first."""
    out: list[dict] = [{} for _ in range(n_blocks)]
    for r in split.sort_values(["block", "m2", "village"], ascending=[True, False, True], kind="stable").itertuples():
        out[int(r.block)][str(r.village)] = float(r.m2)
    return out


def main_village(block, village, parcel_m2, n_blocks, unknown: str) -> np.ndarray:
    """The village holding the largest part of each block's parcels' area (ties: first by name);
    `unknown` for a block without parcels."""
    out = np.full(n_blocks, unknown, dtype=object)
    if len(block) == 0:
        return out
    s = pd.DataFrame({"block": block, "village": village, "m2": parcel_m2}).groupby(["block", "village"])["m2"].sum()
    s = s.reset_index().sort_values(["block", "m2", "village"], ascending=[True, False, True], kind="stable")
    top = s.drop_duplicates("block")
    out[top["block"].to_numpy()] = top["village"].to_numpy()
    return out


def blocks_frame(block, block_ids, id_rank, ids, group, village, parcel_m2, block_geom, block_m2, below, counted_m2,
                 unknown_village: str, crs) -> gpd.GeoDataFrame:
    """The blocks as returned (see `TransferResult.blocks`), in `crs`."""
    n, n_comp = len(block), len(block_ids)
    order_in_block = np.lexsort((id_rank, block))
    cut = np.flatnonzero(np.diff(block[order_in_block])) + 1
    ids_text = [",".join(x) for x in np.split(ids[order_in_block], cut)] if n else []
    vil_text = [",".join(dict.fromkeys(x)) for x in np.split(village[order_in_block], cut)] if n else []
    n_in = np.bincount(block, minlength=n_comp) if n else np.zeros(0, dtype=np.int64)
    block_group = np.empty(n_comp, dtype=object)
    if n:
        block_group[block] = group
    return gpd.GeoDataFrame(
        {"block_id": block_ids, "group": block_group, "n_parcels": n_in.astype(np.int64),
         "parcel_ids": np.array(ids_text, dtype=object), "villages": np.array(vil_text, dtype=object),
         "area_m2": block_m2, "area_mu": units.area_mu_array(block_m2),
         "below_min": below.astype(bool), "counted_m2": counted_m2,
         "main_village": main_village(block, village, parcel_m2, n_comp, unknown_village),
         "village_m2": np.array(village_areas(village_split(block, village, parcel_m2, counted_m2), n_comp) + [None],
                                dtype=object)[:n_comp]},
        geometry=gpd.GeoSeries(block_geom, crs=crs))


def overlaps_frame(ids, group, oi, oj, og, o_m2, crs) -> gpd.GeoDataFrame:
    """The overlaps of parcels as returned (see `TransferResult.overlaps`), in `crs`."""
    return gpd.GeoDataFrame(
        {"parcel_a": ids[oi], "parcel_b": ids[oj], "group_a": group[oi], "group_b": group[oj],
         "area_m2": o_m2, "area_mu": units.area_mu_array(o_m2)},
        geometry=gpd.GeoSeries(og, crs=crs))
