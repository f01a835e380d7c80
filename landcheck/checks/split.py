"""Findings split along a layer of labelled polygons (the baseline survey's patches, the filed facility
records): each finding's parts inside the polygons of each label and the part inside none.

The parts of one finding add up to it: each part gets its share of the finding's area (ellipsoidal), and a
part that is a sliver (a boundary drawn a little differently in the two layers) or smaller than the minimum
joins the finding's largest part instead of becoming a finding of its own. A finding that lies in one
label's polygons (or in none) keeps its very geometry, so its key does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from .. import overlay, units
from ..config import Rules
from ..findings import finding_keys, inside_points_lonlat

#: The label of the part of a finding inside no polygon.
NONE = -1


@dataclass(frozen=True)
class Split:
    """Parts of findings: `row` (position of the finding), `label` (position in the caller's labels, or
    NONE), `geometry` (in the findings' work CRS) and `share` of the finding's area (the shares of one
    row add up to 1), sorted by (row, label); `whole` is True for a finding that was not cut."""

    row: np.ndarray
    label: np.ndarray
    geometry: np.ndarray
    share: np.ndarray
    whole: np.ndarray


def split_along(geoms: Any, polygons: Any, labels: np.ndarray, crs: Any, *, sliver_width_m: float,
                min_area_m2: float, threads: int | None = None) -> Split:
    """Split every geometry of `geoms` along `polygons` (both in `crs`, projected, metres), whose label is
    `labels` (ints ≥ 0). A polygon that holds a geometry whole gives it its label (the earliest such
    polygon); elsewhere, where polygons overlap, the earlier polygon wins."""
    g = np.asarray(geoms, dtype=object)
    labels = np.asarray(labels, dtype=np.int64)
    pieces = overlay.intersect_pairs(g, np.asarray(polygons, dtype=object), threads=threads)
    held: dict[int, int] = {}
    for ia, ib in zip(pieces.ia[pieces.whole].tolist(), pieces.ib[pieces.whole].tolist()):
        held[ia] = min(held.get(ia, ib), ib)
    by_row: dict[int, list[tuple[int, Any]]] = {}
    partial = ~pieces.whole
    for ia, ib, pg in zip(pieces.ia[partial].tolist(), pieces.ib[partial].tolist(), pieces.geometry[partial]):
        if ia not in held and pg is not None and not shapely.is_empty(pg):
            by_row.setdefault(ia, []).append((ib, pg))
    rows, labs, geos, shares, whole = [], [], [], [], []

    def add(row: int, label: int, geom, share: float, uncut: bool) -> None:
        rows.append(row)
        labs.append(label)
        geos.append(geom)
        shares.append(share)
        whole.append(uncut)

    for row in range(len(g)):
        if row in held:
            add(row, int(labels[held[row]]), g[row], 1.0, True)
        elif row in by_row:
            parts = _parts_of(g[row], by_row[row], labels, crs, sliver_width_m, min_area_m2)
            if len(parts) == 1:
                add(row, parts[0][0], g[row], 1.0, True)
                continue
            total = sum(a for _, _, a in parts)
            for label, geom, a in sorted(parts, key=lambda t: t[0]):
                add(row, label, geom, a / total, False)
        else:
            add(row, NONE, g[row], 1.0, True)
    return Split(np.asarray(rows, dtype=np.int64), np.asarray(labs, dtype=np.int64), np.asarray(geos, dtype=object),
                 np.asarray(shares, dtype="float64"), np.asarray(whole, dtype=bool))


def _parts_of(geom, parts: list[tuple[int, Any]], labels: np.ndarray, crs, width_m: float, min_m2: float):
    """[(label, geometry, ellipsoidal m²)] of one finding: one part per label (earlier polygons win where
    they overlap) and the rest (NONE), slivers and tiny parts joined to the largest part."""
    parts.sort(key=lambda t: t[0])
    taken = None
    by_label: dict[int, list] = {}
    for ib, pg in parts:
        piece = pg if taken is None else shapely.difference(pg, taken)
        piece = overlay.polygonal(np.array([piece], dtype=object))[0]
        if piece is None or shapely.is_empty(piece):
            continue
        by_label.setdefault(int(labels[ib]), []).append(piece)
        taken = pg if taken is None else shapely.union(taken, pg)
    out = [(lab, shapely.union_all(ps)) for lab, ps in by_label.items()]
    rest = shapely.difference(geom, taken) if taken is not None else geom
    rest = overlay.polygonal(np.array([rest], dtype=object))[0]
    if rest is not None and not shapely.is_empty(rest):
        out.append((NONE, rest))
    area = units.ellipsoidal_area(np.array([o[1] for o in out], dtype=object), crs)
    small = overlay.is_sliver(np.array([o[1] for o in out], dtype=object), area, width_m=width_m, min_area_m2=min_m2)
    if small.all():
        k = int(np.argmax(area))
        return [(out[k][0], geom, float(area.sum()))]
    big = np.flatnonzero(~small)
    k = big[int(np.argmax(area[big]))]
    merged = [(lab, gm, a) for j, ((lab, gm), a) in enumerate(zip(out, area)) if not small[j]]
    if small.any():
        extra = [out[j][1] for j in np.flatnonzero(small)]
        pos = list(big).index(k)
        lab, gm, a = merged[pos]
        merged[pos] = (lab, shapely.union_all([gm, *extra]), a + float(area[small].sum()))
    if len(merged) == 1:
        return [(merged[0][0], geom, merged[0][2])]
    return merged


def split_findings(findings: gpd.GeoDataFrame, polygons: Any, work_crs: Any, rules: Rules,
                   threads: int | None = None) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """`findings` split along `polygons` (in `work_crs`; label = the polygon's position): one row per
    part, with its geometry (in the findings' CRS), its share of `area_m2`, its inside point and a new
    finding key; uncut findings keep theirs. Returns the rows and each row's label (NONE: no polygon)."""
    f_work = findings.to_crs(work_crs) if findings.crs != work_crs else findings
    polygons = np.asarray(polygons, dtype=object)
    sp = split_along(f_work.geometry.to_numpy(), polygons, np.arange(len(polygons)), work_crs,
                     sliver_width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2, threads=threads)
    out = findings.iloc[sp.row].reset_index(drop=True)
    cut = ~sp.whole
    if cut.any():
        geoms = gpd.GeoSeries(sp.geometry[cut], crs=work_crs)
        geoms = geoms.to_crs(findings.crs) if findings.crs != work_crs else geoms
        geom = out.geometry.to_numpy().copy()
        geom[cut] = geoms.to_numpy()
        out = out.set_geometry(gpd.GeoSeries(geom, crs=findings.crs))
        out.loc[cut, "area_m2"] = out.loc[cut, "area_m2"].to_numpy() * sp.share[cut]
        out.loc[cut, "area_mu"] = units.round_half_up_array(units.m2_to_mu(out.loc[cut, "area_m2"].to_numpy()), 2)
        lon, lat = inside_points_lonlat(geom[cut], findings.crs)
        out.loc[cut, "lon"], out.loc[cut, "lat"] = np.round(lon, 6), np.round(lat, 6)
        sub = out.loc[cut]
        out.loc[cut, "finding_key"] = finding_keys(sub["check"].iloc[0], sub["patch_id"], sub["farmland_id"],
                                                   sub["lon"], sub["lat"])
    return out, sp.label
