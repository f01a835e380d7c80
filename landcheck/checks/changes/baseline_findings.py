"""The findings of the changes against the baseline (check `change`): a piece of a finding kind is a
finding; a new-construction piece splits into its part inside permanent basic farmland and the rest;
an outflow takes the category and measure of its new code's class.

Pure: frames in, a findings frame out.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ... import units
from ...columns import text_column
from ...config import vocabulary
from ...findings import empty_findings, finding_keys, make_findings
from .frames import CHECK, lonlat, with_extra
from .inside import Inside

#: Order of the findings of one piece: its part inside farmland first.
FINDING_ORDER = ("new_on_farmland", "new_construction", "outflow", "inflow", "within_cultivated", "other")


def change_findings(changes, ins: Inside, kinds, rules, nv, new_rows, crs) -> gpd.GeoDataFrame:
    """Findings of the changes: per piece of a finding kind; a new_construction piece is split into its
    part inside farmland (new_on_farmland) and the rest (new_construction)."""
    kind = changes["kind"].to_numpy(dtype=object)
    geoms = changes.geometry.to_numpy()
    area = changes["area_m2"].to_numpy(dtype="float64")
    in_m2 = np.nan_to_num(ins.m2)
    farm_known = np.isfinite(ins.m2)
    zz = text_column(nv, "ZZSXDM", case_insensitive=True)[new_rows]
    rows, part_kind, part_geom, part_m2, part_pbf, part_fid = [], [], [], [], [], []

    def add(idx, k, g, m2, pbf, fid):
        rows.append(idx)
        part_kind.append(np.full(len(idx), k, dtype=object))
        part_geom.append(g)
        part_m2.append(m2)
        part_pbf.append(pbf)
        part_fid.append(fid)

    nc = kind == "new_construction"
    if kinds["new_on_farmland"].finding:  # split: the part inside farmland, and the rest
        i = np.flatnonzero(nc & (in_m2 > 0))
        add(i, "new_on_farmland", ins.geom[i], in_m2[i], in_m2[i], ins.ids[i])
        if kinds["new_construction"].finding:
            i = np.flatnonzero(nc & (area - in_m2 > 0) & ~shapely.is_missing(ins.out_geom))
            add(i, "new_construction", ins.out_geom[i], area[i] - in_m2[i], np.where(farm_known[i], 0.0, np.nan),
                np.full(len(i), "", dtype=object))
    elif kinds["new_construction"].finding:  # one finding per piece, its farmland part in pbf_m2
        i = np.flatnonzero(nc)
        add(i, "new_construction", geoms[i], area[i], ins.m2[i], ins.ids[i])
    for k in ("outflow", "inflow", "within_cultivated", "other"):
        if kinds[k].finding:
            i = np.flatnonzero(kind == k)
            add(i, k, geoms[i], area[i], ins.m2[i], ins.ids[i])
    if not rows:
        return with_extra(empty_findings(crs), {})
    idx = np.concatenate(rows)
    fk = np.concatenate(part_kind)
    g = np.concatenate(part_geom)
    m2 = np.concatenate(part_m2).astype("float64")
    pbf = np.concatenate(part_pbf).astype("float64")
    fid = np.concatenate(part_fid).astype(str)
    if not len(idx):
        return with_extra(empty_findings(crs), {})
    order = np.lexsort((np.array([FINDING_ORDER.index(k) for k in fk]), idx))
    idx, fk, g, m2, pbf, fid = idx[order], fk[order], g[order], m2[order], pbf[order], fid[order]

    ptype = np.array([kinds[k].problem_type for k in fk], dtype=object)
    category = np.array([kinds[k].category for k in fk], dtype=object)
    severity = np.array([kinds[k].severity for k in fk], dtype=object)
    measure = np.array([kinds[k].suggested_measure for k in fk], dtype=object)
    to_code = changes["to_dlbm"].to_numpy(dtype=object)[idx]
    by_class = np.array([kinds[k].by_class for k in fk], dtype=bool)
    cache: dict = {}
    for j in np.flatnonzero(by_class):
        key = (to_code[j], zz[idx[j]])
        if key not in cache:
            cache[key] = rules.for_code_class(*key)
        cat, m = cache[key].category, cache[key].suggested_measure
        category[j] = cat or category[j] or "other"
        measure[j] = m or measure[j]
    c = changes.iloc[idx]
    from_code, from_name = c["from_dlbm"].to_numpy(dtype=object), c["from_dlmc"].to_numpy(dtype=object)
    to_name = c["to_dlmc"].to_numpy(dtype=object)
    patch = c["feature_id"].to_numpy(dtype=object)
    old_patch = c["old_feature_id"].to_numpy(dtype=object)
    lon, lat = lonlat(g, crs)
    keys = finding_keys(CHECK, patch, [f"{f}|{o}|{k}" for f, o, k in zip(fid, old_patch, fk)], lon, lat)
    mu = units.area_mu_array(m2)
    from_cult = np.array([str(x).startswith("01") for x in from_code], dtype=bool)
    to_cult = np.array([str(x).startswith("01") for x in to_code], dtype=bool)
    cult = np.where(from_cult | to_cult, m2, np.nan)
    orig = np.array([f"{n}({cd})" if n else cd for n, cd in zip(from_name, from_code)], dtype=object)
    words = vocabulary()
    desc = np.array([
        (words.label("in_farmland") if k == "new_on_farmland" else "")
        + words.label("changes_description", was=o, now=f"{tn}({tcd})" if tn else tcd, mu=x)
        for k, o, tn, tcd, x in zip(fk, orig, to_name, to_code, mu)], dtype=object)
    data = {
        "finding_key": keys, "check": [CHECK] * len(idx), "problem_type": ptype, "category": category,
        "severity": severity, "suggested_measure": measure, "patch_id": patch, "farmland_id": fid,
        "dlbm": to_code, "dlmc": to_name, "village": c["village"].to_numpy(dtype=object),
        "township": c["township"].to_numpy(dtype=object), "area_m2": m2, "lon": lon, "lat": lat,
    }
    out = make_findings(data, g, crs)
    return with_extra(out, {"orig_dlbm": orig, "cultivated_m2": cult, "pbf_m2": pbf, "description": desc,
                             "batch": np.full(len(idx), "", dtype=object)})
