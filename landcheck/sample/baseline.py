"""Baseline land use: DLBM, ZZSXDM, GDPDJB/GDLX, KCXS and TBXHDM of every patch as it was when the
farmland was delineated, by block theme and patch kind; every settlement gets its services.

Writes columns of the patch frame in place; plants no violations (see `violations`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .blocks import Blocks
from .constants import FIELD, FRINGE, HIGHWAY, KCXS_TABLE, RIVER, SEAT, STRIP, VILLAGE
from .draw import pick
from .plan import Plan


def baseline_landuse(rng: np.random.Generator, P: pd.DataFrame, blocks: Blocks, plan: Plan) -> None:
    """Assign DLBM (and ZZSXDM / CZCSXM / GDPDJB …) to every patch as it was when the farmland was
    delineated; violations are planted later. Works on whole arrays, by block theme and kind."""
    n = len(P)
    kind = P["kind"].to_numpy()
    block = P["block"].to_numpy()
    theme = blocks.theme[block]
    dlbm = np.full(n, "", dtype=object)

    # cropland: each block has a dominant cultivated class
    river_near = np.zeros(len(blocks.kind), dtype=bool)
    if len(plan.river_lines):
        rl = shapely.MultiLineString(list(plan.river_lines))
        river_near = shapely.distance(rl, shapely.points(blocks.seeds)) < 900
    dom = np.where(rng.random(len(blocks.kind)) < 0.55, "0103", "0102").astype(object)
    dom[river_near & (rng.random(len(blocks.kind)) < 0.35)] = "0101"
    crop = dom[block].copy()
    mix = rng.random(n)
    crop[mix < 0.12] = np.where(dom[block][mix < 0.12] == "0103", "0102", "0103")

    fieldlike = np.isin(kind, (FIELD,))
    themed = {
        "plain": [("crop", 0.965), ("0404", 0.008), ("0307", 0.006), ("1202", 0.008), ("1206", 0.003), ("0301", 0.01)],
        "orchard": [("0201", 0.55), ("crop", 0.45)],
        "nursery": [("0307", 0.45), ("crop", 0.55)],
        "forest": [("0301", 0.6), ("0307", 0.1), ("crop", 0.3)],
        "facility": [("1202", 0.25), ("crop", 0.75)],
        "pond": [("1104A", 0.6), ("1104", 0.1), ("crop", 0.3)],
        "vegetable": [("crop", 1.0)],
        "industry": [("0601", 0.35), ("0508", 0.15), ("crop", 0.5)],
    }
    for name, table in themed.items():
        sel = fieldlike & (theme == name)
        dlbm[sel] = pick(rng, int(sel.sum()), table)
    fr = kind == FRINGE
    dlbm[fr] = pick(rng, int(fr.sum()), [("crop", 0.70), ("0201", 0.04), ("0301", 0.07), ("0307", 0.03), ("1104", 0.03),
                                         ("1202", 0.04), ("0702", 0.03), ("1201", 0.01), ("0404", 0.03), ("09", 0.01),
                                         ("1104A", 0.01)])
    vi = kind == VILLAGE
    dlbm[vi] = pick(rng, int(vi.sum()), [("0702", 0.82), ("05H1", 0.03), ("08H2", 0.02), ("0809", 0.02), ("08H1", 0.01),
                                         ("1201", 0.05), ("1104", 0.02), ("0601", 0.02), ("0301", 0.01)])
    se = kind == SEAT
    dlbm[se] = pick(rng, int(se.sum()), [("0701", 0.36), ("0702", 0.16), ("05H1", 0.14), ("08H1", 0.04), ("08H2", 0.07),
                                         ("0809", 0.03), ("0601", 0.10), ("0508", 0.03), ("1201", 0.04), ("0810", 0.02),
                                         ("1004", 0.01)])
    st = kind == STRIP
    dlbm[st] = P["code"].to_numpy()[st]
    dlbm[kind == HIGHWAY] = "1003"
    dlbm[kind == RIVER] = "1101"
    is_crop = dlbm == "crop"
    dlbm[is_crop] = crop[is_crop]
    dlbm[st & (dlbm == "")] = "1006"  # only a merged corner left on its own, should it ever happen
    _guarantee_settlement_services(rng, P, dlbm, plan)
    P["DLBM"] = dlbm
    P["theme"] = theme

    # planting attribute, slope class, 田坎系数
    cult = np.char.startswith(dlbm.astype(str), "01")
    zz = np.full(n, "", dtype=object)
    zz[cult] = "LS"
    outside_choice = pick(rng, n, [("LS", 0.86), ("FLS", 0.09), ("LYFL", 0.02), ("XG", 0.01), ("LLJZ", 0.01), ("WG", 0.01)])
    zz[cult] = outside_choice[cult]
    zz[cult & (theme == "vegetable")] = np.where(rng.random(int((cult & (theme == "vegetable")).sum())) < 0.8, "FLS", "LS")
    P["ZZSXDM"] = zz
    slope_block = river_near & (rng.random(len(blocks.kind)) < 0.5)
    gdpdjb = np.where(cult, "1", "").astype(object)
    gdlx = np.full(n, "", dtype=object)
    sb = cult & slope_block[block]
    level = np.where(rng.random(n) < 0.8, "2", "3")
    gdpdjb[sb] = level[sb]
    gdlx[sb] = np.where(rng.random(n) < 0.75, "PD", "TT")[sb]
    P["GDPDJB"] = gdpdjb
    P["GDLX"] = gdlx
    P["KCXS"] = [KCXS_TABLE.get((p, x), 0.0) for p, x in zip(gdpdjb, gdlx)]
    P["KCXS"] = P["KCXS"].astype(float)
    hd = cult & river_near[block] & (rng.random(n) < 0.04)
    P["TBXHDM"] = np.where(hd, "HDGD", "").astype(object)


def _guarantee_settlement_services(rng, P, dlbm, plan) -> None:
    """Every village has a school or clinic (08H2), a utility site (0809) and a village office (08H1);
    the seat has a government compound (08H1). Changes `dlbm` in place: for each unit lacking a code,
    a random homestead (or urban residential) patch of its settlement takes it."""
    kind = P["kind"].to_numpy()
    unit = P["unit"].to_numpy()
    n_units = len(plan.units)
    homes = (np.isin(kind, (VILLAGE, SEAT)) & (dlbm == "0702")) | ((kind == SEAT) & (dlbm == "0701"))
    for code in ("08H2", "0809", "08H1"):
        has = np.bincount(unit[dlbm == code], minlength=n_units) > 0
        cand = np.flatnonzero(homes & ~has[unit])
        if len(cand) == 0:
            continue
        cand = cand[np.argsort(rng.random(len(cand)))]  # shuffle, then the first of each unit
        _, first = np.unique(unit[cand], return_index=True)
        dlbm[cand[first]] = code
        homes[cand[first]] = False
