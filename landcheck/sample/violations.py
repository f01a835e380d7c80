"""Farmland groups (which cultivated patches each 永久基本农田 polygon is drawn from) and the violations
planted inside the farmland: orchards, nurseries, fish ponds, homes, a factory, facilities, bare land,
non-grain, abandoned, rotated or fallow cultivated land, and (`plant_ponds`, last) plain 1104 ponds.

Changes the patch frame (splitting patches where a home or shed takes part of a field); builds no layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .constants import FIELD, FRINGE, FRINGE_FACTOR, VIOLATIONS
from .geom import explode
from .plan import Plan


def farmland_groups(rng: np.random.Generator, P: pd.DataFrame, plan: Plan) -> np.ndarray:
    """Group id (or -1) of every patch: adjacent cultivated field patches of a block, 1–6 at a time
    (lattice super-cells), cover most cultivated land outside the seats' development areas."""
    n = len(P)
    cult = P["DLBM"].str.startswith("01").to_numpy()
    kind = P["kind"].to_numpy()
    block = P["block"].to_numpy()
    theme = P["theme"].to_numpy()
    nb = block.max() + 1
    excluded_block = rng.random(nb) < 0.06                      # 一般耕地 blocks
    seats = plan.units[plan.units["is_seat"]]
    rep = shapely.get_coordinates(shapely.point_on_surface(P["geometry"].to_numpy()))
    d_seat = np.min(np.hypot(rep[:, None, 0] - seats["x"].to_numpy()[None, :], rep[:, None, 1] - seats["y"].to_numpy()[None, :]), axis=1)
    dev_zone = d_seat < seats["radius"].max() * FRINGE_FACTOR + 250
    eligible = cult & ((kind == FIELD) | ((kind == FRINGE) & (rng.random(n) < 0.6)))
    eligible &= ~excluded_block[block] & ~dev_zone & (theme != "vegetable")
    eligible &= (theme == "plain") | (rng.random(n) < 0.8)
    gsx = rng.integers(2, 4, nb)
    gsy = rng.integers(1, 3, nb)
    gx, gy = P["gx"].to_numpy(), P["gy"].to_numpy()
    key = block * 1_000_000 + (gx // gsx[block]) * 1000 + gy // gsy[block]
    group = np.full(n, -1, dtype=np.int64)
    _, inv = np.unique(key[eligible], return_inverse=True)
    group[eligible] = inv
    return group


def _pick_per_unit(rng, pool_unit: np.ndarray, n_units: int, rate: float, least: int) -> np.ndarray:
    """How many to plant in each unit: Poisson(rate), topped up to `least` in total."""
    counts = rng.poisson(rate, n_units)
    have = np.bincount(pool_unit, minlength=n_units) > 0
    counts[~have] = 0
    while counts.sum() < least and have.any():
        counts[rng.choice(np.flatnonzero(have))] += 1
    return counts


def _choose(rng, pool: np.ndarray, unit: np.ndarray, counts: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Choose counts[u] patches of `pool` in each unit u (optionally weighted)."""
    chosen = []
    for u in np.flatnonzero(counts):
        cand = pool[unit[pool] == u]
        k = min(counts[u], len(cand))
        if k == 0:
            continue
        p = None
        if weight is not None:
            w = weight[cand]
            p = w / w.sum()
        chosen.append(rng.choice(cand, size=k, replace=False, p=p))
    return np.concatenate(chosen) if chosen else np.array([], dtype=int)


def _corner_boxes(geoms: np.ndarray, towards: np.ndarray, size: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotated squares of side `size` m centred on the vertex of each geometry nearest to `towards`."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    d = np.hypot(coords[:, 0] - towards[idx, 0], coords[:, 1] - towards[idx, 1])
    order = np.lexsort((d, idx))
    first = order[np.r_[True, idx[order][1:] != idx[order][:-1]]]
    c = coords[first]
    h = size / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    ct, st = np.cos(theta), np.sin(theta)
    local = corners[None, :, :] * h[:, None, None]
    x = local[..., 0] * ct[:, None] - local[..., 1] * st[:, None] + c[:, 0, None]
    y = local[..., 0] * st[:, None] + local[..., 1] * ct[:, None] + c[:, 1, None]
    return shapely.polygons(np.stack([x, y], axis=-1))


def _split_off(P: pd.DataFrame, rows: np.ndarray, boxes: np.ndarray, new_code: np.ndarray, min_piece: float = 150.0):
    """Split each patch in `rows` into the part inside its box (taking `new_code`) and the rest.
    When a piece would be too small the whole patch takes the new code. Returns the new frame and the
    row numbers carrying the new code."""
    g = P["geometry"].to_numpy()
    inside = shapely.intersection(g[rows], boxes)
    rest = shapely.difference(g[rows], boxes)
    ok = (shapely.area(inside) >= min_piece) & (shapely.area(rest) >= min_piece) & (shapely.get_type_id(inside) == 3)
    whole = rows[~ok]
    P = P.copy()
    P.loc[whole, "DLBM"] = new_code[~ok]
    split = rows[ok]
    P.loc[split, "geometry"] = inside[ok]
    P.loc[split, "DLBM"] = new_code[ok]
    rest_rows = P.loc[split].copy()
    rest_rows["geometry"] = rest[ok]
    rest_rows["DLBM"] = P.loc[split, "base"].to_numpy()
    out = pd.concat([P, rest_rows], ignore_index=True)
    parts, idx = explode(out["geometry"].to_numpy())
    changed = np.zeros(len(out), dtype=bool)
    changed[np.concatenate([whole, split])] = True
    out = out.iloc[idx].assign(geometry=parts).reset_index(drop=True)
    return out, np.flatnonzero(changed[idx])


def plant_violations(rng: np.random.Generator, P: pd.DataFrame, plan: Plan) -> tuple[pd.DataFrame, dict]:
    """Change the present use of some farmland patches, a few per village: orchards, nurseries, fish
    ponds, homes, a factory, facilities, bare land, and cultivated land grown with non-grain crops,
    abandoned, rotated or fallow. Returns the frame (patches split where a home or shed took only
    part of a field) and the counts planted by kind."""
    P = P.copy()
    P["base"] = P["DLBM"]
    P["violation"] = ""
    n_units = len(plan.units)
    unit = P["unit"].to_numpy()
    in_fm = (P["group"].to_numpy() >= 0) & P["DLBM"].str.startswith("01").to_numpy()
    P.loc[in_fm, "ZZSXDM"] = "LS"  # permanent basic farmland grows grain, except where planted below
    area = shapely.area(P["geometry"].to_numpy())
    small = area < np.quantile(area[in_fm], 0.45) if in_fm.any() else area < 0
    pool = np.flatnonzero(in_fm & small)
    taken = np.zeros(len(P), dtype=bool)
    planted: dict[str, int] = {}

    def take(kind_name: str, candidates: np.ndarray, weight=None) -> np.ndarray:
        rate, least = VIOLATIONS[kind_name]
        cand = candidates[~taken[candidates]]
        counts = _pick_per_unit(rng, unit[cand], n_units, rate, least)
        rows = _choose(rng, cand, unit, counts, weight)
        taken[rows] = True
        planted[kind_name] = int(len(rows))
        return rows

    centres = plan.units[["x", "y"]].to_numpy()
    rep = shapely.get_coordinates(shapely.point_on_surface(P["geometry"].to_numpy()))
    d_home = np.hypot(rep[:, 0] - centres[unit, 0], rep[:, 1] - centres[unit, 1])
    near_home = 1.0 / (1.0 + (d_home / 300.0) ** 2)

    whole = {"orchard": ("0201", None), "nursery": ("0307", None), "fishpond": ("1104A", None)}
    for name, (code, _) in whole.items():
        rows = take(name, pool, near_home if name != "fishpond" else None)
        P.loc[rows, "DLBM"] = code
        P.loc[rows, "violation"] = name
        P.loc[rows, "ZZSXDM"] = "JKHF" if code != "1104A" else "GCHF"
        # no longer cultivated land: no 田坎 deduction, no 耕地类型 / 坡度级别 (domain.md §2.1)
        P.loc[rows, "KCXS"] = 0.0
        P.loc[rows, "GDLX"] = ""
        P.loc[rows, "GDPDJB"] = ""
        P.loc[rows, "TBXHDM"] = ""
    for name in ("FLS", "WG", "LYFL", "LLJZ", "XG"):
        rows = take(name, np.flatnonzero(in_fm))
        P.loc[rows, "ZZSXDM"] = name
        P.loc[rows, "violation"] = name if name != "XG" else ""

    # part-of-field changes: a new home, a shed, a workshop, bare (推土) ground
    parts = {"home": ("0702", (22, 38)), "facility": ("1202", (35, 60)), "factory": ("0601", (60, 90)), "bare": ("1206", (25, 45))}
    chosen, codes, sizes, names = [], [], [], []
    for name, (code, (lo, hi)) in parts.items():
        rows = take(name, np.flatnonzero(in_fm), near_home if name == "home" else None)
        chosen.append(rows)
        codes += [code] * len(rows)
        names += [name] * len(rows)
        sizes.append(rng.uniform(lo, hi, len(rows)))
    rows = np.concatenate(chosen)
    if len(rows):
        g = P["geometry"].to_numpy()[rows]
        theta = plan.theta + rng.normal(0, 0.02, len(rows))
        boxes = _corner_boxes(g, centres[unit[rows]], np.concatenate(sizes), theta)
        P.loc[rows, "violation"] = names
        P, changed = _split_off(P, rows, boxes, np.array(codes, dtype=object))
        P.loc[changed, "ZZSXDM"] = ""
        P.loc[changed, "KCXS"] = 0.0
        P.loc[changed, "GDPDJB"] = ""
        P.loc[changed, "GDLX"] = ""
        P.loc[changed, "TBXHDM"] = ""
        P.loc[P["violation"].isin(list(parts)) & ~P.index.isin(changed), "violation"] = ""
    return P, planted


def plant_ponds(rng: np.random.Generator, P: pd.DataFrame, plan: Plan, planted: dict) -> None:
    """Turn a few small grain fields of the farmland into plain 1104 坑塘水面 (irrigation ponds, 山坪塘: no fish,
    domain.md §9.3), preferably in the settlements' fringe (outside the open fields the operators farm, so
    the transfer parcels stay as they were). Whole fields without 田坎, so no geometry changes and the farmland
    polygons keep their class (`base`) and KCXS. Changes `P` and `planted` in place; call it with its own rng
    after `plant_violations` (the township's other draws stay as they were)."""
    kind = P["kind"].to_numpy()
    key = P["block"].astype(str) + "/" + P["gx"].astype(str) + "/" + P["gy"].astype(str)
    whole_field = ~key.duplicated(keep=False).to_numpy() | (P["gx"].to_numpy() < 0)  # not a field split by a home
    grain = ((P["group"].to_numpy() >= 0) & P["DLBM"].str.startswith("01").to_numpy() & (P["ZZSXDM"] == "LS").to_numpy()
             & (P["violation"] == "").to_numpy() & whole_field & (P["KCXS"].to_numpy() == 0))  # 田坎: farmland's KCXS
    rate, least = VIOLATIONS["pond"]
    cand = np.flatnonzero(grain & (kind == FRINGE))
    if len(cand) < least:
        cand = np.flatnonzero(grain)
    area = shapely.area(P["geometry"].to_numpy())
    if len(cand):
        cand = cand[area[cand] <= np.median(area[cand])]
    unit = P["unit"].to_numpy()
    rows = _choose(rng, cand, unit, _pick_per_unit(rng, unit[cand], len(plan.units), rate, least))
    rest = np.setdiff1d(cand, rows)
    if len(rows) < least and len(rest):  # a unit had fewer candidates than it was given
        rows = np.concatenate([rows, rng.choice(rest, size=min(least - len(rows), len(rest)), replace=False)])
    P.loc[rows, "DLBM"] = "1104"
    P.loc[rows, "violation"] = "pond"
    P.loc[rows, ["ZZSXDM", "GDLX", "GDPDJB", "TBXHDM"]] = ""
    P.loc[rows, "KCXS"] = 0.0
    planted["pond"] = int(len(rows))
