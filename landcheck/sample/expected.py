"""What a farmland check should find on a township (`expected_findings`: category and 新增/存量 origin of
every piece, independent of the checks — the code table and the sample's own constants only, never
landcheck.checks), the contiguous transfer blocks of each operator, and the counts and totals (`summary`)
of its README.

Reads a `Township`; builds and writes nothing."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse, units
from .constants import EPSG, FACILITY_TYPE_KIND, SETTLEMENT_CODES
from .township import Township

#: Category of cultivated land (class ok) by its planting attribute ZZSXDM (domain.md §3.6, §9.4); others are
#: grain (LS, XG, blank). Plain 1104 is its own category (§9.3).
CULTIVATED_BY_ZZSX = {"FLS": "non_grain_crop", "LYFL": "mixed_crop", "LLJZ": "mixed_crop", "WG": "abandoned"}
ORIGINS = ("new", "existing", "unknown")
#: Settlement classes of 二调 (城市 … 风景名胜及特殊用地) met as a patch's code.
ERDIAO_SETTLEMENT = ("201", "202", "203", "204", "205")


def survey_codes(survey: pd.DataFrame) -> np.ndarray:
    """The 三调 code of every patch: its DLBM, or for a names-only layer the code of its 二调 name
    (erdiao_names.csv: 村庄 → 203, 有林地 → 0301 …; '' for a name not in it)."""
    if "DLBM" in survey.columns:
        return survey["DLBM"].fillna("").astype(str).to_numpy(dtype=object)
    by_name = {name: code3 for name, code3 in landuse.erdiao_table().values()}
    return np.array([by_name.get(str(n).strip(), "") for n in survey["DLMC"]], dtype=object)


def categories(codes: np.ndarray, zzsx: np.ndarray) -> np.ndarray:
    """Category of every patch inside the farmland ('' for grain and allowed infrastructure)."""
    cls = np.array([landuse.pbf_class(c) or "other" for c in codes], dtype=object)
    crop = np.array([CULTIVATED_BY_ZZSX.get(z, "") for z in zzsx], dtype=object)
    out = np.where(cls == "ok", crop, cls)
    out[out == "infrastructure"] = ""
    out[codes == "1104"] = "pond"
    return out


def origins(farmland_class: np.ndarray, codes: np.ndarray, czcsxm: np.ndarray) -> np.ndarray:
    """新增/存量 of every piece (domain.md §9.1): the farmland polygon's class at delineation (01xx → new,
    other → existing); without one, a settlement extent (CZCSXM or a 二调 class 201–205) → existing; else unknown."""
    f = np.asarray(farmland_class, dtype=object)
    settled = np.isin(czcsxm, SETTLEMENT_CODES) | np.isin(codes, ERDIAO_SETTLEMENT)
    return np.select([np.char.startswith(f.astype(str), "01"), f != "", settled], ["new", "existing", "existing"], "unknown")


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].fillna("").astype(str).str.strip().to_numpy(dtype=object)


def record_kinds(records: pd.DataFrame) -> np.ndarray:
    """planting / livestock / aquaculture / unknown of every facility record, by its 设施类型."""
    return np.array([FACILITY_TYPE_KIND.get(v, "unknown") for v in _text(records, "设施类型")], dtype=object)


def _split_by_records(piece, records: np.ndarray, min_area_m2: float, sliver_width_m: float) -> list:
    """A facility piece's parts, one per record it lies in (the earlier record wins where two overlap)
    and one outside all; a piece inside one record stays whole; thin or tiny parts join the largest."""
    if any(shapely.covered_by(piece, r) for r in records):
        return [piece]
    parts, rest = [], piece
    for r in records:
        parts.append(shapely.intersection(rest, r))
        rest = shapely.difference(rest, r)
    parts = [p for p in parts + [rest] if not p.is_empty and p.area > 0]
    if len(parts) <= 1:
        return [piece]
    area = shapely.area(parts)
    small = (area < min_area_m2) | (2 * area / np.maximum(shapely.length(parts), 1e-12) < sliver_width_m)
    big = int(np.argmax(area))
    return [shapely.union_all([parts[big]] + [p for p, s in zip(parts, small) if s])] + \
        [p for k, (p, s) in enumerate(zip(parts, small)) if not s and k != big]


def expected_findings(t: Township, min_area_m2: float = 1.0, sliver_width_m: float = 0.2) -> pd.DataFrame:
    """An independent estimate of what a farmland check finds on `t`: every piece of a survey patch inside
    a farmland polygon that is not grain farming or allowed infrastructure — by the land-use class inside
    farmland (landuse.pbf_class; plain 1104 → pond) or, for cultivated land, by ZZSXDM (FLS → non_grain_crop,
    LYFL/LLJZ → mixed_crop, WG → abandoned). 1202 inside a record of a planting type is left out; inside
    another record it is a finding of its own. A names-only survey (no DLBM) is read by its 二调 names.
    Pieces thinner than `sliver_width_m` (2 × area / perimeter) or under `min_area_m2` are dropped.
    Columns: category, origin, DLBM, ZLDWMC, BSM, farmland_BSM, area_m2 (ellipsoidal × (1 − KCXS))."""
    s, fm_frame = t.survey, t.farmland
    codes = survey_codes(s)
    category = categories(codes, _text(s, "ZZSXDM"))
    rows = np.flatnonzero(category != "")
    g = s.geometry.to_numpy()
    fm = fm_frame.geometry.to_numpy()
    pi, pf = shapely.STRtree(fm).query(g[rows], predicate="intersects")
    si = rows[pi]
    piece = shapely.intersection(g[si], fm[pf])
    fac = category[si] == "facility"
    rec = t.facility_records
    kinds = record_kinds(rec) if len(rec) else np.array([], dtype=object)
    if fac.any() and (kinds == "planting").any():
        piece[fac] = shapely.difference(piece[fac], shapely.union_all(rec.geometry.to_numpy()[kinds == "planting"]))
    deduct = 1 - s["KCXS"].to_numpy(dtype=float)[si]
    area = units.ellipsoidal_area(piece, EPSG) * deduct
    thin = 2 * shapely.area(piece) / np.maximum(shapely.length(piece), 1e-12) < sliver_width_m
    keep = np.flatnonzero((area >= min_area_m2) & ~thin)
    out = pd.DataFrame({
        "category": category[si][keep], "DLBM": codes[si][keep], "ZLDWMC": s["ZLDWMC"].to_numpy()[si][keep],
        "BSM": s["BSM"].to_numpy()[si][keep], "farmland_BSM": fm_frame["BSM"].to_numpy()[pf][keep],
        "origin": origins(_text(fm_frame, "DLBM")[pf], codes[si], _text(s, "CZCSXM")[si])[keep],
        "area_m2": area[keep], "geometry": piece[keep], "deduct": deduct[keep],
    })
    others = rec.geometry.to_numpy()[kinds != "planting"] if len(rec) else np.array([], dtype=object)
    split = (out["category"] == "facility").to_numpy() & (len(others) > 0)
    if split.any():
        rows_out = []
        for _, r in out[split].iterrows():
            near = others[shapely.intersects(others, r["geometry"])]
            for part in _split_by_records(r["geometry"], near, min_area_m2, sliver_width_m):
                rows_out.append({**r, "geometry": part, "area_m2": float(units.ellipsoidal_area([part], EPSG)[0]) * r["deduct"]})
        out = pd.concat([out[~split], pd.DataFrame(rows_out, columns=out.columns)], ignore_index=True)
    return out.drop(columns=["geometry", "deduct"]).reset_index(drop=True)


def by_origin(ef: pd.DataFrame) -> dict:
    """Per category: count and mu of the findings by origin. The category's total is rounded once and its
    cells add up to it (the largest remainders get the last hundredths, domain.md §9.8)."""
    out: dict[str, dict] = {}
    for c, grp in ef.groupby("category"):
        cells = grp.groupby("origin")["area_m2"].agg(["size", "sum"])
        exact = units.m2_to_mu(cells["sum"].to_numpy(dtype=float)) * 100
        cents = np.floor(exact).astype(int)
        extra = int(round(units.area_mu(float(grp["area_m2"].sum())) * 100)) - int(cents.sum())
        cents[np.argsort(-(exact - cents), kind="stable")[:max(extra, 0)]] += 1
        out[c] = {o: {"count": int(n), "mu": round(k / 100, 2)} for o, n, k in zip(cells.index, cells["size"], cents)}
    return out


def summary(t: Township) -> dict:
    """Counts and totals (mu, rounded once) of a township, for its README."""
    s = t.survey
    codes = pd.Series(survey_codes(s))
    cult = codes.str.startswith("01").to_numpy()
    blocks = transfer_blocks(t.transfer)
    ef = expected_findings(t)
    by_cat = ef.groupby("category")["area_m2"].agg(["size", "sum"])
    kinds = record_kinds(t.facility_records)
    names = s["DLMC"] if "DLBM" not in s.columns else s["DLBM"]
    return {
        "seed": t.seed, "n_patches_requested": t.n_patches, "variant": t.variant,
        "patches": int(len(s)), "villages": int((~t.villages["is_seat"]).sum()), "seats": int(t.villages["is_seat"].sum()),
        "farmland_polygons": int(len(t.farmland)), "transfer_parcels": int(len(t.transfer)),
        "operators": int(t.transfer["流入方"].nunique()) if len(t.transfer) else 0,
        "facility_records": int(len(t.facility_records)),
        "facility_records_planting": int((kinds == "planting").sum()),
        "facility_patches": int((codes == "1202").sum()),
        "township_mu": units.area_mu(s["TBMJ"].sum()), "cultivated_mu": units.area_mu(s.loc[cult, "TBDLMJ"].sum()),
        "farmland_mu": units.area_mu(t.farmland["YJJBNTTBMJ"].sum()),
        "farmland_classes": {c or "": int(n) for c, n in pd.Series(_text(t.farmland, "DLBM")).value_counts().sort_index().items()},
        "transfer_contract_mu": units.round_half_up(float(t.transfer["流转面积"].sum()), 2),
        "transfer_blocks": len(blocks), "transfer_blocks_under_100_mu": int((blocks < 100).sum()),
        "transfer_blocks_100_mu_or_more": int((blocks >= 100).sum()),
        "landuse_codes": {c: int(n) for c, n in names.value_counts().sort_index().items()},
        "planted": dict(t.planted),
        "expected_findings": {c: {"count": int(r["size"]), "mu": units.area_mu(r["sum"])} for c, r in by_cat.iterrows()},
        "expected_by_origin": by_origin(ef),
        "expected_findings_total": {"count": int(len(ef)), "mu": units.area_mu(ef["area_m2"].sum())},
        "town_boundary": int(len(t.town_boundary)) if t.town_boundary is not None else 0,
        "town_boundary_mu": units.area_mu(float(t.town_boundary["MJ"].sum())) if t.town_boundary is not None else 0.0,
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
