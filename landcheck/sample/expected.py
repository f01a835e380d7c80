"""What a farmland check should find on a township (`expected_findings`, independent of the checks),
the contiguous transfer blocks of each operator, and the counts and totals (`summary`) of its README.

Reads a `Township`; builds and writes nothing."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse, units
from .constants import EPSG
from .township import Township


def expected_findings(t: Township, min_area_m2: float = 1.0) -> pd.DataFrame:
    """An independent estimate of what a farmland check finds on `t`: every piece of a survey patch
    inside a farmland polygon that is not grain farming or allowed infrastructure — by the land-use
    class inside farmland (landuse.pbf_class) or, for cultivated land, by ZZSXDM (FLS/LYFL/LLJZ →
    non_grain_crop, WG → abandoned). Filed 1202 parts are left out. Columns: category, DLBM, ZLDWMC,
    area_m2 (ellipsoidal × (1 − KCXS)). Pieces under `min_area_m2` are dropped."""
    s = t.survey
    cls = np.array([landuse.pbf_class(c) or "other" for c in s["DLBM"]], dtype=object)
    zz = s["ZZSXDM"].fillna("").to_numpy().astype(str)
    category = np.where(cls == "ok", np.select([np.isin(zz, ("FLS", "LYFL", "LLJZ")), zz == "WG"],
                                                ["non_grain_crop", "abandoned"], ""), cls)
    category[category == "infrastructure"] = ""
    rows = np.flatnonzero(category != "")
    g = s.geometry.to_numpy()
    fm = t.farmland.geometry.to_numpy()
    pi, pf = shapely.STRtree(fm).query(g[rows], predicate="intersects")
    si = rows[pi]
    piece = shapely.intersection(g[si], fm[pf])
    fac = category[si] == "facility"
    if fac.any() and len(t.facility_records):
        filed = shapely.union_all(t.facility_records.geometry.to_numpy())
        piece[fac] = shapely.difference(piece[fac], filed)
    area = units.ellipsoidal_area(piece, EPSG) * (1 - s["KCXS"].to_numpy()[si])
    keep = area >= min_area_m2
    return pd.DataFrame({"category": category[si][keep], "DLBM": s["DLBM"].to_numpy()[si][keep],
                         "ZLDWMC": s["ZLDWMC"].to_numpy()[si][keep], "area_m2": area[keep]})


def summary(t: Township) -> dict:
    """Counts and totals (mu, rounded once) of a township, for its README."""
    s = t.survey
    cult = s["DLBM"].str.startswith("01")
    blocks = transfer_blocks(t.transfer)
    ef = expected_findings(t)
    by_cat = ef.groupby("category")["area_m2"].agg(["size", "sum"])
    return {
        "seed": t.seed, "n_patches_requested": t.n_patches,
        "patches": int(len(s)), "villages": int((~t.villages["is_seat"]).sum()), "seats": int(t.villages["is_seat"].sum()),
        "farmland_polygons": int(len(t.farmland)), "transfer_parcels": int(len(t.transfer)),
        "operators": int(t.transfer["流入方"].nunique()) if len(t.transfer) else 0,
        "facility_records": int(len(t.facility_records)),
        "facility_patches": int((s["DLBM"] == "1202").sum()),
        "township_mu": units.area_mu(s["TBMJ"].sum()), "cultivated_mu": units.area_mu(s.loc[cult, "TBDLMJ"].sum()),
        "farmland_mu": units.area_mu(t.farmland["YJJBNTTBMJ"].sum()),
        "transfer_contract_mu": units.round_half_up(float(t.transfer["流转面积"].sum()), 2),
        "transfer_blocks": len(blocks), "transfer_blocks_under_100_mu": int((blocks < 100).sum()),
        "transfer_blocks_100_mu_or_more": int((blocks >= 100).sum()),
        "landuse_codes": {c: int(n) for c, n in s["DLBM"].value_counts().sort_index().items()},
        "planted": dict(t.planted),
        "expected_findings": {c: {"count": int(r["size"]), "mu": units.area_mu(r["sum"])} for c, r in by_cat.iterrows()},
        "expected_findings_total": {"count": int(len(ef)), "mu": units.area_mu(ef["area_m2"].sum())},
    }


def transfer_blocks(transfer: gpd.GeoDataFrame, gap_m: float = 8.0) -> np.ndarray:
    """Measured area (mu) of each operator's contiguous blocks: parcels touching or separated by
    at most `gap_m` metres (a farm road)."""
    out = []
    for _, grp in transfer.groupby("流入方"):
        g = grp.geometry.to_numpy()
        blobs = shapely.get_parts(shapely.union_all(shapely.buffer(g, gap_m / 2, quad_segs=16)))
        _, which = shapely.STRtree(blobs).query(shapely.point_on_surface(g), predicate="within")
        area = units.m2_to_mu(units.ellipsoidal_area(g, EPSG))
        out.extend(pd.Series(area).groupby(which).sum().tolist())
    return np.array(out)
