"""卫片 / 无人机 change patches (`check_change_patches`): each patch's area inside permanent basic
farmland and inside cultivated land of the baseline survey, its suspected category from its 图斑类型
TBLX (rules [change_patches]), and the patches to verify as findings (check `change_patch`).

Pure: GeoDataFrames in, a `ChangeResult` out; no printing, no files.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ... import overlay, units
from ...columns import text_column, text_values
from ...config import PatchRules, Rules, change_patch_rules, vocabulary
from ...findings import empty_findings, make_findings
from ...layers import FIELD_ALIASES
from ...progress import SILENT, Progress
from ..fields import code_names, township_text, village_text, with_feature_ids
from .frames import PATCH_CHECK, PATCH_COLUMNS, ChangeResult, lonlat, with_extra
from .inside import in_crs, inside, inside_farmland, piece_areas
from .summary import patch_summary

#: Fields of change-patch layers: the reader's aliases (layers.FIELD_ALIASES, for frames not read by
#: it), then fallbacks (a patch numbered in 图斑编号 reads as TBBH).
PATCH_FIELDS = {
    "JCBH": (*FIELD_ALIASES["JCBH"], "TBBH", "图斑编号"),
    "MONITOR": FIELD_ALIASES["JCBH"],
    "XSBH": FIELD_ALIASES["XSBH"],
    "TBLX": FIELD_ALIASES["TBLX"],
    "QSX": FIELD_ALIASES["QSX"],
    "HSX": FIELD_ALIASES["HSX"],
    "BATCH": (*FIELD_ALIASES["JCPC"], "批次", "PC"),
    "DLBM": ("DLBM",),
    "ZLDWMC": ("ZLDWMC",),
}


def date_text(df: pd.DataFrame, *names: str) -> np.ndarray:
    """A date field as text: dates as YYYYMMDD, anything else as delivered."""
    by_upper = {str(c).upper(): c for c in df.columns}
    for n in names:
        c = by_upper.get(n.upper())
        if c is None:
            continue
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return np.array(["" if pd.isna(v) else f"{pd.Timestamp(v):%Y%m%d}" for v in s], dtype=object)
        return np.array([f"{v:%Y%m%d}" if hasattr(v, "strftime") else t for v, t in zip(s, text_values(s))],
                        dtype=object)
    return np.full(len(df), "", dtype=object)


def check_change_patches(
    patches: gpd.GeoDataFrame,
    baseline: gpd.GeoDataFrame | None,
    farmland: gpd.GeoDataFrame | None,
    rules: Rules,
    township: str = "",
    threads: int | None = None,
    progress: Progress | None = None,
    batch: str = "",
) -> ChangeResult:
    """卫片 / 无人机 change patches (JCBH, TBLX, QSX, HSX or their Chinese names; `feature_id`) against
    the baseline survey (cultivated land = DLBM 01xx) and permanent basic farmland. Every patch is a
    row of `changes` (`PATCH_COLUMNS`); a patch is a finding (check `change_patch`, problem type and
    severity from rules [change_patches], category = the suspected category of its TBLX) when its TBLX
    is one to verify (`finding`, default true) and it lies on cultivated land or farmland (beyond
    slivers); with neither layer given, every such patch is a finding. Patches on neither are counted
    in the summary (`n_outside`, `outside_mu`). `progress` (a `landcheck.progress.Progress`) hears how
    far the overlays are. Findings carry `monitor_id` (JCBH / 监测编号), `clue_id` (XSBH / 线索编号) —
    each blank when the layer has none — and `batch`: the layer's 监测批次 field, else `batch`."""
    if patches.crs is None:
        raise ValueError("the change patches need a CRS")
    if baseline is not None and baseline.crs is None:
        raise ValueError("the baseline survey needs a CRS")
    progress = progress or SILENT
    pr = change_patch_rules(rules)
    vocab = vocabulary()
    patches = with_feature_ids(patches)
    crs = units.metric_crs(patches.crs, tuple(patches.total_bounds))
    pv = in_crs(patches, crs)
    g = pv.geometry.to_numpy()
    area = units.ellipsoidal_area(g, crs)
    n = len(pv)
    fids = pv["feature_id"].to_numpy(dtype=object).astype(str)
    jcbh = text_column(pv, *PATCH_FIELDS["JCBH"], case_insensitive=True)
    monitor = text_column(pv, *PATCH_FIELDS["MONITOR"], case_insensitive=True)
    clue = text_column(pv, *PATCH_FIELDS["XSBH"], case_insensitive=True)
    patch_id = np.where(jcbh != "", jcbh, np.where(clue != "", clue, fids))
    tblx_raw = text_column(pv, *PATCH_FIELDS["TBLX"], case_insensitive=True)
    tblx, tblx_name, category, tblx_finding, known = pr.classify(tblx_raw) if n else (np.empty(0, object),) * 3 + (np.empty(0, bool),) * 2
    qsx, hsx = date_text(pv, *PATCH_FIELDS["QSX"]), date_text(pv, *PATCH_FIELDS["HSX"])
    own_batch = text_column(pv, *PATCH_FIELDS["BATCH"], case_insensitive=True)
    batch = np.where(own_batch != "", own_batch, (batch or "").strip()).astype(object)
    own_code = text_column(pv, *PATCH_FIELDS["DLBM"], case_insensitive=True)  # the reader normalises DLBM wherever a layer has one

    fin, has_farmland, n_overlaps = inside_farmland(g, area, farmland, crs, rules, threads,
                                                    progress.counter(vocab.label("changes_patch_in_farmland")))

    # baseline: cultivated part, and the code and village under most of the patch
    dom_code = own_code.copy()
    dom_name = code_names(own_code, text_column(pv, "DLMC", case_insensitive=True))
    village = text_column(pv, *PATCH_FIELDS["ZLDWMC"], case_insensitive=True)
    town = township_text(pv, township, np.arange(n), case_insensitive=True)
    if baseline is not None:
        bv = in_crs(with_feature_ids(baseline), crs)
        bg = bv.geometry.to_numpy()
        b_code = text_column(bv, "DLBM", case_insensitive=True)
        bp = overlay.intersect_pairs(g, bg, threads=threads,
                                     progress=progress.counter(vocab.label("changes_patch_on_survey")))
        pa = piece_areas(bp, area, crs)
        cult = np.array([c.startswith("01") for c in b_code], dtype=bool)
        cin = inside(g, area, bp, pa, cult[bp.ib], bv["feature_id"].to_numpy(dtype=object), rules)
        in_cult = cin.m2
        if len(bp):
            order = np.lexsort((-pa, bp.ia))
            first = order[np.r_[True, bp.ia[order][1:] != bp.ia[order][:-1]]]
            rows = bp.ia[first]
            b_names = code_names(b_code, text_column(bv, "DLMC", case_insensitive=True))
            dom_code[rows] = b_code[bp.ib[first]]
            dom_name[rows] = b_names[bp.ib[first]]
            bvill = village_text(bv, case_insensitive=True)[bp.ib[first]]
            village[rows] = np.where(village[rows] == "", bvill, village[rows])
            if not township:
                btown = township_text(bv, "", bp.ib[first], case_insensitive=True)
                town[rows] = np.where(town[rows] == "", btown, town[rows])
    else:
        in_cult = np.full(n, np.nan)

    have_layers = has_farmland or baseline is not None
    touches = (np.nan_to_num(fin.m2) > 0) | (np.nan_to_num(in_cult) > 0)
    is_finding = tblx_finding & (touches if have_layers else np.ones(n, dtype=bool))
    labels = np.array([vocab.category_label(c) for c in category], dtype=object)
    lon, lat = lonlat(g, crs)
    frame = gpd.GeoDataFrame({
        "patch_id": patch_id, "feature_id": fids, "tblx": tblx, "tblx_name": tblx_name, "category": category,
        "category_label": labels, "qsx": qsx, "hsx": hsx, "area_m2": area, "area_mu": units.area_mu_array(area),
        "in_farmland_m2": fin.m2, "in_farmland_mu": units.area_mu_array(fin.m2), "in_cultivated_m2": in_cult,
        "in_cultivated_mu": units.area_mu_array(in_cult), "dlbm": dom_code, "dlmc": dom_name, "farmland_id": fin.ids,
        "village": village, "township": town, "is_finding": is_finding, "lon": lon, "lat": lat,
    }, geometry=gpd.GeoSeries(g, crs=crs))[PATCH_COLUMNS + ["geometry"]]

    findings = _patch_findings(frame, pr, {"batch": batch, "monitor_id": monitor, "clue_id": clue}, tblx_raw, crs)
    summary = patch_summary(frame, findings, tblx_raw, known, jcbh, has_farmland, baseline is not None,
                             have_layers, n_overlaps, pr.unknown_category)
    if patches.crs != crs:
        frame, findings = frame.to_crs(patches.crs), findings.to_crs(patches.crs)
    return ChangeResult(changes=frame, findings=findings, summary=summary, notes=list(summary["warnings"]))


def _patch_findings(frame, pr: PatchRules, ids: dict, tblx_raw, crs) -> gpd.GeoDataFrame:
    """The findings of the patches marked `is_finding`, with the ledger's extra columns (问题描述 …);
    `ids`: batch, monitor_id and clue_id of every patch."""
    i = np.flatnonzero(frame["is_finding"].to_numpy(dtype=bool))
    if not len(i):
        return with_extra(empty_findings(crs), {})
    f = frame.iloc[i]
    k = len(i)
    mu, fmu, cmu = f["area_mu"].to_numpy(), f["in_farmland_mu"].to_numpy(), f["in_cultivated_mu"].to_numpy()
    code, name = f["dlbm"].to_numpy(dtype=object), f["dlmc"].to_numpy(dtype=object)
    orig = np.array([f"{nm}({cd})" if nm and cd else (nm or cd) for nm, cd in zip(name, code)], dtype=object)
    words = vocabulary()
    desc = []
    for t, tn, raw, a, fm_, cm_, q, h in zip(f["tblx"], f["tblx_name"], tblx_raw[i], mu, fmu, cmu, f["qsx"], f["hsx"]):
        what = f"{tn}({t})" if tn else (raw or words.label("changes_patch_no_tblx"))
        parts = [words.label("changes_patch_description", what=what, mu=a)]
        inner = [words.label("changes_patch_cultivated", mu=c) for c in (cm_,) if np.isfinite(c)] \
            + [words.label("changes_patch_farmland", mu=x) for x in (fm_,) if np.isfinite(x)]
        if inner:
            parts.append(words.label("changes_patch_of_which", parts="、".join(inner)))
        if q or h:
            parts.append(words.label("changes_patch_dates", before=q or "—", after=h or "—"))
        desc.append("，".join(parts))
    data = {
        "check": [PATCH_CHECK] * k, "problem_type": [pr.problem_type] * k, "category": f["category"].to_numpy(dtype=object),
        "severity": [pr.severity] * k, "suggested_measure": [pr.suggested_measure] * k,
        "patch_id": f["patch_id"].to_numpy(dtype=object), "farmland_id": f["farmland_id"].to_numpy(dtype=object),
        "dlbm": code, "dlmc": name, "village": f["village"].to_numpy(dtype=object),
        "township": f["township"].to_numpy(dtype=object), "area_m2": f["area_m2"].to_numpy(dtype="float64"),
        "lon": f["lon"].to_numpy(), "lat": f["lat"].to_numpy(),
    }
    out = make_findings(data, f.geometry.to_numpy(), crs)
    return with_extra(out, {"orig_dlbm": orig, "cultivated_m2": f["in_cultivated_m2"].to_numpy(dtype="float64"),
                             "pbf_m2": f["in_farmland_m2"].to_numpy(dtype="float64"),
                             "description": np.array(desc, dtype=object),
                             **{k: np.asarray(v, dtype=object)[i] for k, v in ids.items()}})
