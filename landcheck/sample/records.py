"""The township's own records: 流转地块 (land-transfer parcels of the operators, contract areas and
dates) and 设施农用地备案 (filed facility records over some 1202 patches).

Built from the finished survey layer and patch frame; changes neither."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from .constants import BLOCK_H, BLOCK_W, EPSG, FACILITY_KINDS, FIELD, OPERATOR_MIX
from .draw import operators, person, pick
from .geom import explode, halfplanes, rot, union_groups
from .plan import Plan


def transfer_frame(rng: np.random.Generator, survey: gpd.GeoDataFrame, P: pd.DataFrame, plan: Plan) -> gpd.GeoDataFrame:
    """流转地块: each operator takes a compact set of cultivated field patches (greedy growth from one to
    three centres in neighbouring blocks); parcels are one or two adjacent patches. The contract area
    (流转面积, mu) differs a little from the measured one, like real contracts."""
    g = survey.geometry.to_numpy()
    area_mu = units.m2_to_mu(survey["TBMJ"].to_numpy())
    dlbm = survey["DLBM"].to_numpy().astype(str)
    kind = P["kind"].to_numpy()
    cult = np.char.startswith(dlbm, "01") & np.isin(kind, (FIELD,))
    rep = shapely.get_coordinates(shapely.point_on_surface(g))
    total_mu = float(units.m2_to_mu(plan.outline.area))
    n_ops = int(np.clip(round(15 * total_mu / 108_000), 3, 2000))
    target_total = total_mu * rng.uniform(0.030, 0.038)
    mix = [OPERATOR_MIX[k % len(OPERATOR_MIX)] for k in range(n_ops)]
    kinds = np.array([m[1] for m in mix])
    size = np.select([kinds == "big", kinds == "medium"], [rng.uniform(350, 700, n_ops), rng.uniform(120, 300, n_ops)],
                     rng.uniform(35, 95, n_ops))
    size *= target_total / size.sum()
    names = operators(rng, [m[0] for m in mix])
    taken = np.zeros(len(g), dtype=bool)
    # two operators start on a pond or orchard planted inside the farmland (a transferred parcel there)
    special = np.flatnonzero(np.isin(P["violation"].to_numpy(), ("fishpond", "orchard")))
    special = special[np.argsort(rng.random(len(special)))][:2]
    block = P["block"].to_numpy()
    owner = np.full(len(g), -1)
    for k in range(n_ops):
        if k < len(special):
            start = rep[special[k]]
            owner[special[k]] = k
            taken[special[k]] = True
            got = area_mu[special[k]]
        else:
            free = np.flatnonzero(cult & ~taken)
            if len(free) == 0:
                break
            start = rep[free[rng.integers(len(free))]]
            got = 0.0
        n_centres = 1 if kinds[k] == "small" else (2 if kinds[k] == "medium" else 3)
        centres = [start]
        for _ in range(n_centres - 1):
            step = rng.choice([-1, 1]) * np.array([BLOCK_W, 0]) if rng.random() < 0.5 else rng.choice([-1, 1]) * np.array([0, BLOCK_H])
            centres.append(centres[-1] + rot(plan.theta) @ step * rng.uniform(0.8, 1.0))
        for c in centres:
            want = size[k] / n_centres - got
            got = 0.0
            free = np.flatnonzero(cult & ~taken)
            d = np.hypot(rep[free, 0] - c[0], rep[free, 1] - c[1])
            near = free[np.argsort(d)]
            cum = np.cumsum(area_mu[near])
            m = int(np.searchsorted(cum, want)) + 1 if want > 0 else 0
            picked = near[:m]
            owner[picked] = k
            taken[picked] = True
    rows = np.flatnonzero(owner >= 0)
    # parcels: pair up adjacent patches of the same operator in the same block and lattice row
    gx, gy = P["gx"].to_numpy(), P["gy"].to_numpy()
    order = rows[np.lexsort((gx[rows], gy[rows], block[rows], owner[rows]))]
    parcel = np.arange(len(order))
    pair = (owner[order][1:] == owner[order][:-1]) & (block[order][1:] == block[order][:-1]) & \
           (gy[order][1:] == gy[order][:-1]) & (np.abs(gx[order][1:] - gx[order][:-1]) == 1) & (rng.random(len(order) - 1) < 0.45)
    for k in np.flatnonzero(pair):
        if parcel[k] == k and parcel[k + 1] == k + 1 and (k == 0 or parcel[k] != parcel[k - 1]):
            parcel[k + 1] = parcel[k]
    ids, geoms = union_groups(g[order], parcel, coverage=True)
    parts, pidx = explode(geoms)
    first = pd.Series(order).groupby(parcel).first().loc[ids].to_numpy()[pidx]
    op = owner[first]
    measured = units.m2_to_mu(units.ellipsoidal_area(parts, EPSG))
    contract = units.round_half_up_array(measured * (1 + rng.normal(0, 0.02, len(parts))))
    village = survey["ZLDWMC"].to_numpy()[first]
    vcode = survey["ZLDWDM"].to_numpy()[first]
    start_year = rng.integers(2016, 2025, n_ops)[op]
    start_month = rng.choice([1, 3, 10], n_ops)[op]
    years = rng.choice([5, 8, 10, 15], n_ops)[op]
    starts = [dt.date(int(y), int(m), 1) for y, m in zip(start_year, start_month)]
    ends = [dt.date(s.year + int(yy), s.month, 1) - dt.timedelta(days=1) for s, yy in zip(starts, years)]
    rep_p = shapely.get_coordinates(shapely.point_on_surface(parts))
    o = np.lexsort((rep_p[:, 0], -rep_p[:, 1], vcode))
    seq = pd.Series(np.arange(len(parts))).groupby(vcode[o]).cumcount().to_numpy() + 1
    bh = np.empty(len(parts), dtype=object)
    bh[o] = [f"LZ{c[6:12]}-{s:04d}" for c, s in zip(vcode[o], seq)]
    df = pd.DataFrame({
        "地块编号": bh, "流入方": np.array(names, dtype=object)[op], "流出方": person(rng, len(parts)), "村名": village,
        "流转面积": contract, "流转方式": pick(rng, len(parts), [("出租", 0.8), ("转包", 0.12), ("入股", 0.08)]),
        "合同起始": [s.isoformat() for s in starts], "合同终止": [e.isoformat() for e in ends],
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=EPSG))
    return out.iloc[np.lexsort((out["地块编号"].to_numpy(), out["流入方"].to_numpy()))].reset_index(drop=True)


def facility_frame(rng: np.random.Generator, survey: gpd.GeoDataFrame, P: pd.DataFrame) -> gpd.GeoDataFrame:
    """设施农用地备案: records over about half of the 1202 patches (inside the farmland at least one
    filed and one not); a few records cover only part of their patch (the facility grew beyond it)."""
    fac = np.flatnonzero(survey["DLBM"].to_numpy() == "1202")
    if len(fac) == 0:
        return gpd.GeoDataFrame({"备案编号": [], "项目名称": [], "备案日期": []}, geometry=gpd.GeoSeries([], crs=EPSG))
    planted = np.flatnonzero(P["violation"].to_numpy()[fac] == "facility")
    filed = rng.random(len(fac)) < 0.5
    partial = rng.random(len(fac)) < 0.15
    # inside the farmland: one filed in full, one not filed, one filed for only part of it
    for k, (f, p) in zip(planted[:3], ((True, False), (False, False), (True, True))):
        filed[k], partial[k] = f, p
    rows = fac[filed]
    partial = partial[filed]
    g = survey.geometry.to_numpy()[rows]
    rec = shapely.buffer(g, 0.3, join_style="mitre")
    if partial.any():
        c = shapely.get_coordinates(shapely.centroid(g[partial]))
        ang = rng.uniform(0, np.pi, partial.sum())
        d = np.column_stack([np.cos(ang), np.sin(ang)])
        planes = halfplanes(c - d, c + d, c + np.column_stack([-d[:, 1], d[:, 0]]), np.full(partial.sum(), -8.0), reach=2000.0)
        rec[partial] = shapely.buffer(shapely.intersection(g[partial], planes), 0.3, join_style="mitre")
    kinds = [FACILITY_KINDS[k] for k in rng.integers(0, len(FACILITY_KINDS), len(rows))]
    village = survey["ZLDWMC"].to_numpy()[rows]
    year = rng.integers(2020, 2026, len(rows))
    order = np.argsort(year * 1000 + rng.integers(0, 999, len(rows)), kind="stable")
    num = np.empty(len(rows), dtype=object)
    counter: dict[int, int] = {}
    for k in order:
        counter[year[k]] = counter.get(year[k], 0) + 1
        num[k] = f"商设农备〔{year[k]}〕{counter[year[k]]:03d}号"
    dates = [dt.date(int(y), int(m), int(d)).isoformat() for y, m, d in
             zip(year, rng.integers(1, 13, len(rows)), rng.integers(1, 29, len(rows)))]
    df = pd.DataFrame({
        "备案编号": num, "项目名称": [f"{v}{k[0]}项目" for v, k in zip(village, kinds)], "设施类型": [k[1] for k in kinds],
        "经营主体": person(rng, len(rows)), "村名": village, "备案日期": dates,
        "备案面积": units.round_half_up_array(units.m2_to_mu(units.ellipsoidal_area(rec, EPSG))),
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(rec, crs=EPSG))
    return out.iloc[order].reset_index(drop=True)
