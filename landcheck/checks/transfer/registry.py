"""Stable block numbers (连片地块编号) across runs and groupings, and the block registry kept in the ledger
(layer `transfer_blocks`): a block keeps the number of the registered block it shares the most parcels
with, else of the one it overlaps by at least half of the smaller; a new block takes the next free
number. Registered blocks not seen again stay (current = False) so that their numbers are not reused.

Pure: frames in, numbers and the registry frame out.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import units
from .parcels import natural_key

#: Columns of the registry layer, in order (villages: JSON {village: mu}, the block's counted area
#: shared by its parcels' areas — the rule of the summary's by_village — in cents adding up to area_mu).
REGISTRY_COLUMNS = ("block_id", "parcel_ids", "subject", "villages", "n_parcels", "area_m2", "counted_m2", "area_mu",
                    "below_min", "current", "min_mu", "target_mu")
#: Least overlap (of the smaller shape) for a block to keep a registered number without a shared parcel.
OVERLAP_SHARE = 0.5


def block_number(block_id: str) -> int:
    m = re.fullmatch(r"B(\d+)", str(block_id))
    return int(m.group(1)) if m else 0


def _ids(text) -> set[str]:
    return {x for x in str(text or "").split(",") if x}


def stable_ids(parcel_ids, geoms, order_ids, previous: gpd.GeoDataFrame | None) -> np.ndarray:
    """The number of each block (`parcel_ids` comma-joined per block, `geoms` in the CRS of `previous`),
    matched to the `previous` registry; `order_ids` (B0001… by smallest parcel id) give new blocks
    their order. Without a registry: `order_ids` unchanged."""
    order_ids = np.asarray(order_ids, dtype=object)
    if previous is None or not len(previous):
        return order_ids
    n = len(order_ids)
    prev_ids = previous["block_id"].astype(str).to_numpy()
    mine = [_ids(t) for t in parcel_ids]
    owner: dict[str, list[int]] = {}
    for p, text in enumerate(previous["parcel_ids"]):
        for pid in _ids(text):
            owner.setdefault(pid, []).append(p)
    pairs: dict[tuple[int, int], int] = {}
    for b, ids in enumerate(mine):
        for pid in ids:
            for p in owner.get(pid, []):
                pairs[(b, p)] = pairs.get((b, p), 0) + 1
    out = np.full(n, None, dtype=object)
    used: set[int] = set()
    for (b, p), _ in sorted(pairs.items(), key=lambda kv: (-kv[1], natural_key(prev_ids[kv[0][1]]), kv[0][0])):
        if out[b] is None and p not in used:
            out[b], _x = prev_ids[p], used.add(p)
    rest_b = [b for b in range(n) if out[b] is None]
    rest_p = np.array([p for p in range(len(previous)) if p not in used], dtype=int)
    if rest_b and len(rest_p):
        pg = previous.geometry.to_numpy()[rest_p]
        cand = []
        for b in rest_b:
            inter = shapely.area(shapely.intersection(geoms[b], pg))
            smaller = np.minimum(shapely.area(geoms[b]), shapely.area(pg))
            r = np.divide(inter, smaller, out=np.zeros(len(pg)), where=smaller > 0)
            cand += [(-r[k], b, rest_p[k]) for k in np.flatnonzero(r >= OVERLAP_SHARE)]
        for _, b, p in sorted(cand):
            if out[b] is None and p not in used:
                out[b], _x = prev_ids[p], used.add(p)
    last = max([block_number(x) for x in prev_ids] + [0])
    for b in sorted((b for b in range(n) if out[b] is None), key=lambda b: natural_key(order_ids[b])):
        last += 1
        out[b] = f"B{last:04d}"
    return out


def village_mu(village_m2: dict, block_m2: float) -> dict[str, float]:
    """{village: mu} whose figures add up to the block's printed mu: the cents shared by the villages'
    areas (largest remainder, ties by order)."""
    return dict(zip(village_m2, units.split_printed(units.area_mu(block_m2), list(village_m2.values()))))


def registry_frame(blocks: gpd.GeoDataFrame, previous: gpd.GeoDataFrame | None, crs, min_mu: float = 100.0,
                   target_mu: float = 5000.0) -> gpd.GeoDataFrame:
    """The registry after this run: this run's blocks (current), then the registered blocks not seen
    again (current False), in block-number order; in `crs`. min_mu, target_mu: the run's minimum block
    and transfer target (for the ledger workbook's 流转地块台账)."""
    b = blocks.to_crs(crs) if blocks.crs is not None and crs is not None and blocks.crs != crs else blocks
    villages = [json.dumps(village_mu(d or {}, m2), ensure_ascii=False)
                for d, m2 in zip(b["village_m2"], b["counted_m2"].to_numpy(dtype="float64"))]
    now = gpd.GeoDataFrame({
        "block_id": b["block_id"].astype(str).to_numpy(), "parcel_ids": b["parcel_ids"].astype(str).to_numpy(),
        "subject": b["subject"].astype(str).to_numpy(), "villages": villages,
        "n_parcels": b["n_parcels"].astype("int64").to_numpy(),
        "area_m2": units.round_half_up_array(b["area_m2"].to_numpy(dtype="float64"), 2),
        "counted_m2": units.round_half_up_array(b["counted_m2"].to_numpy(dtype="float64"), 2),
        "area_mu": units.area_mu_array(b["counted_m2"].to_numpy(dtype="float64")),
        "below_min": b["below_min"].astype(bool).to_numpy(), "current": np.ones(len(b), dtype=bool),
        "min_mu": np.full(len(b), float(min_mu)), "target_mu": np.full(len(b), float(target_mu))},
        geometry=b.geometry.to_numpy(), crs=crs)
    if previous is not None and len(previous):
        old = previous.loc[~previous["block_id"].astype(str).isin(set(now["block_id"]))].copy()
        old["current"] = False
        old = old[[c for c in REGISTRY_COLUMNS if c in old.columns] + [old.geometry.name]]
        now = pd.concat([now, old.to_crs(crs) if old.crs != crs and old.crs is not None else old], ignore_index=True)
    now = now.iloc[sorted(range(len(now)), key=lambda i: natural_key(now["block_id"].iat[i]))].reset_index(drop=True)
    return gpd.GeoDataFrame(now, geometry=now.geometry.name, crs=crs)
