"""This year's survey against the baseline survey (`compare_baseline`): every piece of ground whose
land-use code DLBM differs is a change, with its kind, its part inside permanent basic farmland, its
findings; ground only one survey covers is counted. What counts as a change: docs/changes.md.

Pure: GeoDataFrames in, a `ChangeResult` out; no printing, no files.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import overlay, units
from ...columns import text_column
from ...config import Rules, change_kinds, vocabulary
from ...progress import SILENT, Progress
from ..fields import code_names, kcxs, township_text, village_text, with_feature_ids
from ...config.change_rules import account_rules
from .account import cause_labels, causes_of
from .baseline_findings import change_findings
from .classes import kinds_of
from .frames import CHANGE_COLUMNS, ChangeResult, lonlat
from .inside import in_crs, inside_farmland, piece_areas, uncovered_parts
from .summary import change_summary


def compare_baseline(
    new: gpd.GeoDataFrame,
    old: gpd.GeoDataFrame,
    rules: Rules,
    farmland: gpd.GeoDataFrame | None = None,
    township: str = "",
    threads: int | None = None,
    progress: Progress | None = None,
) -> ChangeResult:
    """Compare the new survey patches with the baseline's (both with `DLBM`, optional DLMC, ZLDWMC,
    ZLDWDM, KCXS, ZZSXDM and `feature_id`, as `layers.read_layer(kind="survey", require_landuse=True)`
    gives them) and, with `farmland`, measure every change's part inside permanent basic farmland.
    Returns the changes (`CHANGE_COLUMNS`), the findings (check `change`), the coverage differences
    and the summary (see docs/changes.md). `progress` (a `landcheck.progress.Progress`) hears how far
    the overlays are."""
    if new.crs is None or old.crs is None:
        raise ValueError("the new and the old survey need a CRS")
    progress = progress or SILENT
    words = vocabulary()
    kinds = change_kinds(rules)
    new, old = with_feature_ids(new), with_feature_ids(old)
    crs = units.metric_crs(new.crs, tuple(new.total_bounds))
    nv, ov = in_crs(new, crs), in_crs(old, crs)
    ng, og = nv.geometry.to_numpy(), ov.geometry.to_numpy()
    n_code, o_code = text_column(nv, "DLBM", case_insensitive=True), text_column(ov, "DLBM", case_insensitive=True)
    n_area = units.ellipsoidal_area(ng, crs)
    o_area = units.ellipsoidal_area(og, crs)

    p = overlay.intersect_pairs(ng, og, threads=threads, progress=progress.counter(words.label("changes_overlay")))
    ia, ib = p.ia, p.ib
    pg = np.asarray(p.geometry, dtype=object)
    whole = np.asarray(p.whole, dtype=bool)
    area = piece_areas(p, n_area, crs)

    fc, tc = o_code[ib], n_code[ia]
    no_code = (fc == "") | (tc == "")
    changed = ~no_code & (fc != tc)
    ci = np.flatnonzero(changed)
    sliver = overlay.is_sliver(pg[ci], area[ci], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) \
        if len(ci) else np.zeros(0, dtype=bool)
    keep, sliv = ci[~sliver], ci[sliver]
    kind = kinds_of(fc[keep], tc[keep])
    cause = causes_of(fc[keep], tc[keep], account_rules(rules))

    # coverage: ground only in the new / only in the old survey (patches known covered are skipped:
    # a new patch inside one old patch; an old patch inside one new patch of the same area)
    new_covered = np.zeros(len(ng), dtype=bool)
    new_covered[ia[whole]] = True
    same = whole & np.isclose(shapely.area(ng[ia]), shapely.area(og[ib]), rtol=1e-9, atol=0.0) if len(ia) else whole
    old_covered = np.zeros(len(og), dtype=bool)
    old_covered[ib[same]] = True
    new_only = uncovered_parts(ng, og, ia, ib, new_covered, threads, progress.counter(words.label("changes_new_only")))
    old_only = uncovered_parts(og, ng, ib, ia, old_covered, threads, progress.counter(words.label("changes_old_only")))
    new_only_m2 = units.ellipsoidal_area(new_only, crs)
    old_only_m2 = units.ellipsoidal_area(old_only, crs)

    # the part of each change inside permanent basic farmland
    kg, ka = pg[keep], area[keep]
    ins, has_farmland, n_overlaps = inside_farmland(kg, ka, farmland, crs, rules, threads,
                                                    progress.counter(words.label("changes_in_farmland")))

    fid_new = nv["feature_id"].to_numpy(dtype=object).astype(str)
    fid_old = ov["feature_id"].to_numpy(dtype=object).astype(str)
    n_names = code_names(n_code, text_column(nv, "DLMC", case_insensitive=True))
    o_names = code_names(o_code, text_column(ov, "DLMC", case_insensitive=True))
    village = village_text(nv, case_insensitive=True)[ia[keep]]
    village = np.where(village == "", village_text(ov, case_insensitive=True)[ib[keep]], village)
    town = township_text(nv, township, ia[keep], case_insensitive=True)
    has_in = np.nan_to_num(ins.m2) > 0
    sev = np.array([kinds[k].severity if kinds[k].finding else "" for k in kind], dtype=object)
    if len(kind):
        nc_in = (kind == "new_construction") & has_in
        sev[nc_in] = kinds["new_on_farmland"].severity
    lon, lat = lonlat(kg, crs)
    changes = gpd.GeoDataFrame({
        "feature_id": fid_new[ia[keep]], "old_feature_id": fid_old[ib[keep]],
        "from_dlbm": fc[keep], "from_dlmc": o_names[ib[keep]], "to_dlbm": tc[keep], "to_dlmc": n_names[ia[keep]],
        "kind": kind, "change_type": np.array([kinds[k].problem_type for k in kind], dtype=object),
        "cause": cause_labels(cause, words), "severity": sev,
        "area_m2": ka, "area_mu": units.area_mu_array(ka), "in_farmland_m2": ins.m2, "in_farmland_mu": units.area_mu_array(ins.m2),
        "farmland_id": ins.ids, "village": village, "township": town, "lon": lon, "lat": lat,
    }, geometry=gpd.GeoSeries(kg, crs=crs))
    changes = changes[CHANGE_COLUMNS + ["geometry"]]

    findings = change_findings(changes, ins, kinds, rules, nv, ia[keep], crs)

    coverage = _coverage_frame(new_only, new_only_m2, old_only, old_only_m2, fid_new, fid_old, n_code, o_code,
                               n_names, o_names, rules, crs)
    parts = dict(
        new_m2=float(n_area.sum()), old_m2=float(o_area.sum()),
        unchanged_m2=float(area[~no_code & ~changed].sum()), changes_m2=float(ka.sum()),
        sliver_m2=float(area[sliv].sum()), no_code_m2=float(area[no_code].sum()),
        new_only_m2=float(new_only_m2.sum()), old_only_m2=float(old_only_m2.sum()),
    )
    counts = dict(n_new=len(nv), n_old=len(ov), n_slivers=len(sliv), n_no_code=int(no_code.sum()),
                  n_new_only=int((coverage["side"] == "new_only").sum()), n_old_only=int((coverage["side"] == "old_only").sum()),
                  farmland_overlaps=n_overlaps)
    tk_share = np.where(np.isin(kind, ("new_construction", "outflow")), kcxs(ov)[ib[keep]],
                        np.where(kind == "inflow", kcxs(nv)[ia[keep]], 0.0)) if len(kind) else np.zeros(0)
    summary = change_summary(changes, findings, kinds, parts, counts, tk_share, has_farmland, rules, cause)
    if new.crs != crs:
        changes, findings, coverage = changes.to_crs(new.crs), findings.to_crs(new.crs), coverage.to_crs(new.crs)
    return ChangeResult(changes=changes, findings=findings, summary=summary, coverage=coverage,
                        notes=list(summary["warnings"]))


def _coverage_frame(new_only, new_only_m2, old_only, old_only_m2, fid_new, fid_old, n_code, o_code, n_names, o_names,
                    rules, crs) -> gpd.GeoDataFrame:
    """The coverage frame: the non-sliver ground only in the new (`new_only`) or only in the old survey."""
    frames = []
    for side, g, m2, fid, code, name in (("new_only", new_only, new_only_m2, fid_new, n_code, n_names),
                                          ("old_only", old_only, old_only_m2, fid_old, o_code, o_names)):
        i = np.flatnonzero(m2 > 0)
        if len(i):
            i = i[~overlay.is_sliver(g[i], m2[i], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2)]
        frames.append(pd.DataFrame({"side": np.full(len(i), side, dtype=object), "feature_id": fid[i], "dlbm": code[i],
                                    "dlmc": name[i], "area_m2": m2[i], "area_mu": units.area_mu_array(m2[i]), "geometry": g[i]}))
    df = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(df["geometry"].to_numpy(dtype=object), crs=crs))
