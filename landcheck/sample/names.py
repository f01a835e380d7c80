"""The names-only variant of a township (`names_variant`): the same ground delivered the 二调 way — a survey
whose land use is told by DLMC names alone (二调 names of erdiao_names.csv: 村庄, 建制镇, 有林地, 坑塘水面 …; no DLBM
and none of the 三调-only attributes) and a farmland layer whose own DLBM (the class at delineation) shows
polygons drawn over village land (0702 or 203) and polygons without a class.

Builds new frames from a finished `Township` with its own rng; changes nothing of the township it reads."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse
from .constants import EPSG, ERDIAO_OF, NO_CLASS_SHARE, ON_CONSTRUCTION_PER_VILLAGE, SANDIAO_ONLY
from .expected import ERDIAO_SETTLEMENT, expected_findings
from .township import Township

#: Classes at delineation of the polygons drawn over village land (三调 homestead, 二调 村庄, none), and their names.
ON_CONSTRUCTION_CLASSES = {"0702": "农村宅基地", "203": "村庄", "": None}


def erdiao_codes(survey: pd.DataFrame) -> np.ndarray:
    """The 二调 code of every patch of a 三调 survey: `ERDIAO_OF`, else (construction land, streets) 建制镇 202
    where CZCSXM is 202 and 村庄 203 elsewhere. A code the table does not know stops the generator."""
    codes = survey["DLBM"].astype(str).to_numpy()
    czcsxm = survey["CZCSXM"].fillna("").astype(str).to_numpy()
    out = np.empty(len(codes), dtype=object)
    for k, (c, cz) in enumerate(zip(codes, czcsxm)):
        entry = landuse.lookup(c)
        if c in ERDIAO_OF:
            out[k] = ERDIAO_OF[c]
        elif entry is not None and (entry.group == "construction" or c == "1004"):
            out[k] = "202" if cz.startswith("202") else "203"
        else:
            raise ValueError(f"the names-only variant has no 二调 class for land-use code {c}: add it to ERDIAO_OF")
    return out


def names_survey(survey: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The survey with 二调 names in DLMC, without DLBM and the 三调-only attributes (`SANDIAO_ONLY`)."""
    table = landuse.erdiao_table()
    out = survey.drop(columns=["DLBM", *[c for c in SANDIAO_ONLY if c in survey.columns]])
    out["DLMC"] = [table[c][0] for c in erdiao_codes(survey)]
    return out


def _village_land(rng: np.random.Generator, t: Township, k: int) -> np.ndarray:
    """k survey rows of village land (二调 村庄) outside the farmland, drawn from those nearest to it."""
    s = t.survey
    g = s.geometry.to_numpy()
    fm = t.farmland.geometry.to_numpy()
    cand = np.flatnonzero((erdiao_codes(s) == "203") & s["ZLDWMC"].str.endswith("村").to_numpy())
    tree = shapely.STRtree(fm)
    ci, fi = tree.query(g[cand], predicate="intersects")
    inside = np.bincount(ci, weights=shapely.area(shapely.intersection(g[cand][ci], fm[fi])), minlength=len(cand)) > 0.01
    cand = cand[~inside]  # a home planted in a field is in the farmland already
    _, dist = tree.query_nearest(g[cand], return_distance=True, all_matches=False)
    near = cand[np.argsort(dist, kind="stable")[:3 * k]]
    return np.sort(rng.choice(near, size=min(k, len(near)), replace=False))


def _no_class(rng: np.random.Generator, t: Township) -> np.ndarray:
    """Which farmland polygons carry no class: a share at random, and at least two with a finding on
    non-settlement land (待核实) and one with a finding on settlement land (存量 by its 二调 name)."""
    blank = rng.random(len(t.farmland)) < NO_CLASS_SHARE
    ef = expected_findings(t)
    ef = ef[~ef["DLBM"].str.startswith("01")]  # planting attributes do not come with 二调 names
    erdiao = dict(zip(t.survey["BSM"], erdiao_codes(t.survey)))
    settled = ef["BSM"].map(erdiao).isin(ERDIAO_SETTLEMENT).to_numpy()
    bsm = t.farmland["BSM"].to_numpy()
    for rows, least in ((ef[~settled], 2), (ef[settled], 1)):
        have = np.isin(bsm, rows["farmland_BSM"].to_numpy())
        short = least - int((blank & have).sum())
        free = np.flatnonzero(have & ~blank)
        if short > 0 and len(free):
            blank[rng.choice(free, size=min(short, len(free)), replace=False)] = True
    return blank


def names_farmland(rng: np.random.Generator, t: Township) -> gpd.GeoDataFrame:
    """The farmland layer of the variant: the township's polygons (some without a class) and polygons
    drawn over village land next to the farmland, classed 0702, 203 or nothing."""
    n_villages = int((~t.villages["is_seat"]).sum())
    k = max(3, int(round(ON_CONSTRUCTION_PER_VILLAGE * n_villages)))
    rows = _village_land(rng, t, k)
    blank = _no_class(rng, t)
    fm = t.farmland.copy()
    fm["DLBM"] = fm["DLBM"].astype(object)
    fm["DLMC"] = fm["DLMC"].astype(object)
    fm.loc[blank, ["DLBM", "DLMC"]] = None
    s = t.survey.iloc[rows]
    classes = np.array(list(ON_CONSTRUCTION_CLASSES), dtype=object)[rng.permutation(len(rows)) % 3]
    code12 = s["ZLDWDM"].str[:12].to_numpy()
    seq = pd.Series(code12).groupby(code12).cumcount().to_numpy() + 1
    last = fm["YJJBNTTBBH"].str[12:].astype(int).groupby(fm["ZLDWDM"].str[:12].to_numpy()).max()
    mj = s["TBMJ"].to_numpy()
    new = gpd.GeoDataFrame({
        "BSM": [f"{c[:9]}3{len(fm) + i:08d}" for i, c in enumerate(code12, start=1)],
        "YJJBNTTBBH": [f"{c}{int(last.get(c, 0)) + q:04d}" for c, q in zip(code12, seq)],
        "DLBM": [c or None for c in classes], "DLMC": [ON_CONSTRUCTION_CLASSES[c] for c in classes],
        "ZLDWDM": s["ZLDWDM"].to_numpy(), "ZLDWMC": s["ZLDWMC"].to_numpy(),
        "YJJBNTTBMJ": mj, "KCXS": 0.0, "KCMJ": 0.0, "YJJBNTMJ": mj,
    }, geometry=gpd.GeoSeries(s.geometry.to_numpy(), crs=EPSG))
    return pd.concat([fm, new], ignore_index=True)


def names_variant(t: Township) -> Township:
    """The township delivered with names only (module docstring); transfer parcels and facility records as
    they are. Deterministic in the township's seed (its own rng: the township's draws are untouched)."""
    if t.variant != "main":
        raise ValueError("names_variant needs a township with 三调 codes (variant 'main')")
    rng = np.random.default_rng([t.seed, 2])
    return replace(t, survey=names_survey(t.survey), farmland=names_farmland(rng, t), variant="names")
