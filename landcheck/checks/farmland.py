"""Farmland check: every piece of permanent basic farmland whose present use (latest DLTB) is not
grain farming or allowed farm infrastructure. Pure: GeoDataFrames in, findings + summary out.

Categories are exclusive (each square metre of farmland is in exactly one) and the books balance:
pbf = cultivated + non_grain_crop + abandoned + non_grain + non_farm + facility + infrastructure
      + other + sliver + uncovered.
Every area is ellipsoidal on CGCS2000 (m² in memory, mu rounded half-up once in the summary).
`uncovered` is measured geometrically; plain cultivated land (01xx, LS/XG/blank, KCXS 0) needs only a
total, so it is the one figure derived by subtraction and no intersection is computed for it.
`farmland_partial` (one task) and `farmland_reduce` are the steps both engines run. No printing, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .. import landuse, overlay, units
from ..columns import text_column
from ..config import CATEGORIES, NOT_FINDINGS, Rule, Rules, vocabulary
from ..findings import empty_findings, make_findings
from ..overlay import concat, deoverlap
from ..progress import Progress
from . import plausibility
from .judge import Judgement, judge_findings
from .origin import origin_summary
from .printed import farmland_printed
from .facilities import allowed_union, classify_records, record_counts
from .fields import code_names, farmland_ids, grade_values, kcxs, township_text, village_text, with_feature_ids

CHECK = "farmland"


@dataclass
class FarmlandResult:
    findings: gpd.GeoDataFrame
    summary: dict
    farmland_overlaps: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def patch_rules(survey: gpd.GeoDataFrame, rules: Rules) -> list[Rule]:
    """The rule of every survey patch: by its code's class, refined by group and code; cultivated
    land by its planting attribute ZZSXDM. Unique (code, ZZSXDM) pairs are looked up once."""
    codes = text_column(survey, "DLBM")
    zz = text_column(survey, "ZZSXDM")
    cache: dict[tuple[str, str], Rule] = {}
    out = []
    for c, z in zip(codes, zz):
        key = (c, z)
        rule = cache.get(key)
        if rule is None:
            rule = cache[key] = rules.for_patch(c, z)
        out.append(rule)
    return out


def check_farmland(
    survey: gpd.GeoDataFrame,
    farmland: gpd.GeoDataFrame,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
    township: str = "",
    threads: int | None = None,
    progress: Progress | None = None,
    baseline: gpd.GeoDataFrame | None = None,
    baseline_year: str = "",
    names_only: bool = False,
) -> FarmlandResult:
    """Overlay the survey patches (`DLBM`, optional ZZSXDM/KCXS/ZLDWMC/CZCSXM, `feature_id`) with the
    farmland polygons (optional DLBM: the class at delineation) and classify every piece; then judge
    each finding (checks/judge.py: facility records by type and date, 新增/存量 with the optional
    `baseline` survey of `baseline_year`). Inputs may be in different CRSs; the work is done in the
    survey's CRS (or its Gauss–Krüger zone when the survey is in lon/lat).
    `progress` (a `landcheck.progress.Progress`) hears how far the overlay is (chunks of pairs)."""
    if survey.crs is None or farmland.crs is None:
        raise ValueError("survey and farmland need a CRS")
    survey, farmland = with_feature_ids(survey), with_feature_ids(farmland)
    work_crs = units.metric_crs(survey.crs, tuple(survey.total_bounds))
    sv = survey.to_crs(work_crs) if survey.crs != work_crs else survey
    fm = farmland.to_crs(work_crs) if farmland.crs != work_crs else farmland

    # one task that owns every farmland polygon: the dask engine (landcheck.scale) runs the same two steps
    # on spatial parts and gets the same result
    sv = sv.assign(**{ORDER: np.arange(len(sv), dtype=np.int64)})
    fm = fm.assign(**{ORDER: np.arange(len(fm), dtype=np.int64)})
    judgement = judgement_for(rules, facility_records, baseline, baseline_year, names_only, threads)
    part = farmland_partial(sv, fm, np.ones(len(fm), dtype=bool), rules, allowed_union(judgement.records, work_crs),
                            township, work_crs, survey.crs, threads=threads, progress=progress)
    return farmland_reduce([part], work_crs, survey.crs, judgement, n_farmland=len(fm))


def judgement_for(rules: Rules, facility_records: gpd.GeoDataFrame | None, baseline: gpd.GeoDataFrame | None = None,
                  baseline_year: str = "", names_only: bool = False, threads: int | None = None) -> Judgement:
    """What `farmland_reduce` judges the findings with: the records classified by type and date
    (`facilities.classify_records`), the baseline and its year."""
    given = facility_records is not None
    records, notes = classify_records(facility_records, rules) if given and len(facility_records) else (None, [])
    return Judgement(rules=rules, baseline=baseline, baseline_year=baseline_year, records=records, records_given=given,
                     names_only=names_only, threads=threads, record_notes=list(notes))


# ------------------------------------------------------------------------------ map and reduce
#: Column of a feature's position in its layer (the order every sum and sort follows).
ORDER = "_lc_order"


@dataclass
class FarmlandPartial:
    """What one task contributes, keyed by global feature positions (`_lc_order`).

    Farmland polygons owned: f_order, pbf_m2 (after overlap removal), uncovered_m2, raw_m2 (as
    delivered, for by_village), f_village (ZLDWMC as `_summary` groups it, or None).
    Overlaps (i < j, j owned): ov_i, ov_j, ov_fid_i, ov_fid_j, ov_geom (work CRS).
    Pieces of non-plain patches with owned polygons: p_ia, p_ib, p_cat, p_tk (田坎 share), p_fac
    (facility area inside a filed record), p_is_fac, p_main, p_cand (finding candidate), p_sliver.
    findings: this task's finding rows (survey CRS) with their f_ia, f_ib."""

    f_order: np.ndarray
    pbf_m2: np.ndarray
    uncovered_m2: np.ndarray
    raw_m2: np.ndarray
    f_village: np.ndarray | None
    ov_i: np.ndarray
    ov_j: np.ndarray
    ov_fid_i: np.ndarray
    ov_fid_j: np.ndarray
    ov_geom: np.ndarray
    p_ia: np.ndarray
    p_ib: np.ndarray
    p_cat: np.ndarray
    p_tk: np.ndarray
    p_fac: np.ndarray
    p_is_fac: np.ndarray
    p_main: np.ndarray
    p_cand: np.ndarray
    p_sliver: np.ndarray
    findings: gpd.GeoDataFrame
    f_ia: np.ndarray
    f_ib: np.ndarray
    n_patches_read: int = 0
    n_farmland_read: int = 0
    #: 耕地 patches on slopes (GDPDJB ≥ 2) without a 田坎 deduction: their positions and areas (m²)
    gross_order: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    gross_m2: np.ndarray = field(default_factory=lambda: np.empty(0, "float64"))
    #: survey values out of range (`plausibility.value_flags`) and the owned polygons the survey reaches
    flags: dict = field(default_factory=dict)
    in_extent: np.ndarray = field(default_factory=lambda: np.empty(0, bool))


def farmland_partial(
    sv: gpd.GeoDataFrame,
    fm: gpd.GeoDataFrame,
    owned: np.ndarray,
    rules: Rules,
    rec_union: Any,
    township: str,
    work_crs: Any,
    out_crs: Any,
    threads: int | None = 1,
    progress: Progress | None = None,
) -> FarmlandPartial:
    """The steps of `check_farmland` for the farmland polygons `fm[owned]`.

    sv, fm: patches and farmland in `work_crs`, each with `feature_id` and `_lc_order`, sorted by
    `_lc_order`; `fm` holds, besides the owned polygons, every polygon that may overlap one (their
    overlap removal needs the earlier ones), and `sv` every patch that may overlap an owned polygon.
    rec_union: the union of the filed facility records that allow a facility on farmland, in `work_crs`
    (None: none).
    """
    s_geom = sv.geometry.to_numpy()
    f_raw = fm.geometry.to_numpy()
    s_order = sv[ORDER].to_numpy(dtype=np.int64)
    fm_order = fm[ORDER].to_numpy(dtype=np.int64)
    own = np.flatnonzero(np.asarray(owned, dtype=bool))
    ctx_ids = farmland_ids(fm)

    f_ctx, overlaps, overlap_geoms = deoverlap(f_raw)
    ov = [(k, i, j) for k, (i, j, _) in enumerate(overlaps) if owned[j]]
    ov_k = np.array([k for k, _, _ in ov], dtype=np.int64)
    ov_i = np.array([i for _, i, _ in ov], dtype=np.int64)
    ov_j = np.array([j for _, _, j in ov], dtype=np.int64)

    fo = fm.iloc[own].reset_index(drop=True)
    f_geom = f_ctx[own]
    f_ids = ctx_ids[own]
    pbf_m2 = units.ellipsoidal_area(f_geom, work_crs)
    raw_m2 = units.ellipsoidal_area(f_raw[own], work_crs)
    unknown = vocabulary().label("unknown_village")
    f_village = fo["ZLDWMC"].fillna(unknown).astype(str).to_numpy(dtype=object) if "ZLDWMC" in fo.columns else None

    p_rules = patch_rules(sv, rules)
    category = np.array([r.category for r in p_rules], dtype=object)
    deduction = kcxs(sv)
    gross = gross_of_tiankan(sv, deduction)
    plain = (category == "cultivated") & (deduction == 0)

    all_pairs = overlay.intersect_pairs(s_geom, f_geom, threads=threads, only=~plain, b_disjoint=True,
                                        progress=progress and progress.counter(vocabulary().label("farmland_overlay")))
    unc = overlay.uncovered(f_geom, s_geom, pieces=all_pairs, threads=threads,
                            progress=progress and progress.counter(vocabulary().label("farmland_uncovered")))
    uncovered_m2 = units.ellipsoidal_area(unc, work_crs)
    sel = ~plain[all_pairs.ia]
    pi = all_pairs.ia[sel]
    pf = all_pairs.ib[sel]
    pg = np.asarray(all_pairs.geometry, dtype=object)[sel]
    whole = np.asarray(all_pairs.whole, dtype=bool)[sel]
    area = np.empty(len(pi), dtype="float64")
    if len(pi):
        area[whole] = units.ellipsoidal_area(s_geom[pi[whole]], work_crs)
        area[~whole] = units.ellipsoidal_area(pg[~whole], work_crs)

    tk = area * deduction[pi]
    main = area - tk
    piece_cat = category[pi]
    finding_geom = pg.copy()
    is_fac = piece_cat == "facility"
    fac_share = np.zeros(len(pi), dtype="float64")
    if is_fac.any() and rec_union is not None:
        fac_idx = np.flatnonzero(is_fac)
        filed = shapely.intersection(pg[fac_idx], rec_union)
        unfiled = shapely.difference(pg[fac_idx], rec_union)
        filed_m2 = units.ellipsoidal_area(filed, work_crs) * (1 - deduction[pi[fac_idx]])
        unfiled_m2 = units.ellipsoidal_area(unfiled, work_crs) * (1 - deduction[pi[fac_idx]])
        share = np.divide(filed_m2, filed_m2 + unfiled_m2, out=np.zeros_like(filed_m2), where=(filed_m2 + unfiled_m2) > 0)
        fac_share[fac_idx] = main[fac_idx] * share
        main[fac_idx] = main[fac_idx] * (1 - share)
        finding_geom[fac_idx] = unfiled

    is_finding = np.array([c not in NOT_FINDINGS for c in piece_cat], dtype=bool)
    cand_mask = is_finding & (main > 0)
    cand = np.flatnonzero(cand_mask)
    sliver = overlay.is_sliver(finding_geom[cand], main[cand], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) if len(cand) else np.zeros(0, bool)
    sliver_mask = np.zeros(len(pi), dtype=bool)
    sliver_mask[cand[sliver]] = True
    keep = cand[~sliver]

    findings = _findings(sv, fo, keep, pi, pf, f_ids, finding_geom, main, p_rules, township, work_crs)
    if len(keep):  # the rows' order as `_findings` sorts them
        order = np.lexsort((f_ids[pf[keep]].astype(str), sv["feature_id"].to_numpy(dtype=object)[pi[keep]].astype(str)))
        f_ia, f_ib = s_order[pi[keep][order]], fm_order[own][pf[keep][order]]
    else:
        f_ia = f_ib = np.empty(0, dtype=np.int64)
    out_crs = CRS.from_user_input(out_crs)
    findings = findings.to_crs(out_crs) if out_crs != CRS.from_user_input(work_crs) else findings

    return FarmlandPartial(
        f_order=fm_order[own], pbf_m2=pbf_m2, uncovered_m2=uncovered_m2, raw_m2=raw_m2, f_village=f_village,
        ov_i=fm_order[ov_i], ov_j=fm_order[ov_j], ov_fid_i=ctx_ids[ov_i] if len(ov) else np.empty(0, object),
        ov_fid_j=ctx_ids[ov_j] if len(ov) else np.empty(0, object),
        ov_geom=np.asarray(overlap_geoms, dtype=object)[ov_k] if len(ov) else np.empty(0, object),
        p_ia=s_order[pi], p_ib=fm_order[own][pf], p_cat=piece_cat, p_tk=tk, p_fac=fac_share, p_is_fac=is_fac,
        p_main=main, p_cand=cand_mask, p_sliver=sliver_mask, findings=findings, f_ia=f_ia, f_ib=f_ib,
        n_patches_read=len(sv), n_farmland_read=len(fm), gross_order=s_order[gross],
        gross_m2=units.ellipsoidal_area(s_geom[gross], work_crs),
        flags=plausibility.value_flags(sv, s_order), in_extent=plausibility.in_extent(f_geom, s_geom),
    )


def gross_of_tiankan(sv: gpd.GeoDataFrame, deduction: np.ndarray) -> np.ndarray:
    """Positions of 耕地 (01xx) patches whose slope grade GDPDJB is 2 or more but whose KCXS is missing
    or 0: their 耕地 is reported gross of 田坎 (domain.md §4: TBDLMJ = TBMJ − KCMJ)."""
    grade = grade_values(sv, "GDPDJB")
    cultivated = np.char.startswith(text_column(sv, "DLBM").astype(str), "01")
    return np.flatnonzero(cultivated & (grade >= 2) & (deduction == 0))


def farmland_reduce(
    partials: list[FarmlandPartial],
    work_crs: Any,
    out_crs: Any,
    judgement: Judgement,
    n_farmland: int | None = None,
) -> FarmlandResult:
    """Put the tasks' arrays back in global order and finish exactly as `check_farmland` does: totals,
    the findings judged (`judge.judge_findings`), the summary."""
    work_crs = CRS.from_user_input(work_crs)
    out_crs = CRS.from_user_input(out_crs)
    cat = lambda name, dtype: concat([np.asarray(getattr(p, name)) for p in partials], dtype)  # noqa: E731

    f_order = cat("f_order", np.int64)
    fo = np.argsort(f_order, kind="stable")
    if len(np.unique(f_order)) != len(f_order) or (n_farmland is not None and len(f_order) != n_farmland):
        raise RuntimeError("farmland ownership is not a partition of the layer (a polygon owned twice or by none)")
    pbf_m2 = float(cat("pbf_m2", "float64")[fo].sum())
    uncovered_m2 = float(cat("uncovered_m2", "float64")[fo].sum())

    o = np.lexsort((cat("p_ib", np.int64), cat("p_ia", np.int64)))
    p_cat = cat("p_cat", object)[o]
    tk = cat("p_tk", "float64")[o]
    fac = cat("p_fac", "float64")[o]
    is_fac = cat("p_is_fac", bool)[o]
    main = cat("p_main", "float64")[o]
    cand = cat("p_cand", bool)[o]
    sliver = cat("p_sliver", bool)[o]

    totals = {c: 0.0 for c in CATEGORIES}
    totals["infrastructure"] += float(tk.sum())
    totals["infrastructure"] += float(fac[is_fac].sum())
    totals["infrastructure"] += float(main[p_cat == "infrastructure"].sum())
    sliver_m2 = float(main[cand & sliver].sum())
    keep = cand & ~sliver
    for c in CATEGORIES:
        if c in NOT_FINDINGS:
            continue
        totals[c] += float(main[keep][p_cat[keep] == c].sum())

    derived = pbf_m2 - uncovered_m2 - sliver_m2 - sum(v for k, v in totals.items() if k != "cultivated")
    totals["cultivated"] = derived
    notes = []
    if derived < -0.01:
        notes.append("the categories exceed the farmland area: survey patches overlap each other inside the "
                     "farmland (check the layer with `landcheck survey`)")

    findings = judge_findings(_merge_findings(partials, work_crs, out_crs), judgement, work_crs)
    ov_i, ov_j = cat("ov_i", np.int64), cat("ov_j", np.int64)
    oo = np.lexsort((ov_j, ov_i))
    ov_fid = np.empty(2 * len(oo), dtype=object)
    ov_fid[0::2] = cat("ov_fid_i", object)[oo]
    ov_fid[1::2] = cat("ov_fid_j", object)[oo]
    overlaps = [(2 * k, 2 * k + 1, 0.0) for k in range(len(oo))]
    overlap_geoms = cat("ov_geom", object)[oo]

    summary = _summary(pbf_m2, totals, sliver_m2, uncovered_m2, findings, pd.DataFrame(), overlaps, work_crs)
    tiankan_m2 = float(tk.sum())
    summary["pbf_net_mu"] = units.area_mu(pbf_m2 - tiankan_m2)  # net of 田坎 (domain.md §9.8); pbf_mu is gross
    summary["pbf_net_m2"] = units.round_half_up(pbf_m2 - tiankan_m2, 2)  # not in areas_m2: those add up to pbf
    villages = [p.f_village for p in partials]
    if any(v is not None for v in villages):
        raw_m2 = cat("raw_m2", "float64")[fo]
        names = np.concatenate([v for v in villages if v is not None]).astype(object)[fo]
        by_village = summary["by_village"]
        for v, a in pd.Series(raw_m2).groupby(names).sum().items():
            by_village.setdefault(v, {"n_findings": 0, "findings_mu": 0.0, "categories": {}})["pbf_mu"] = units.area_mu(a)
        summary["by_village"] = dict(sorted(by_village.items()))
    overlap_frame = _overlap_frame(overlaps, overlap_geoms, ov_fid, work_crs)
    summary["farmland_overlap_mu"] = units.area_mu(float(overlap_frame["area_m2"].sum())) if overlap_frame is not None else 0.0
    summary["derived_by_subtraction"] = ["cultivated_mu"]
    summary["by_origin"] = origin_summary(findings)
    if judgement.records_given:
        summary["facility_records"] = {"by_kind": record_counts(judgement.records), "notes": judgement.record_notes}
        notes.extend(judgement.record_notes)
    g_order, g_at = np.unique(cat("gross_order", np.int64), return_index=True)
    if len(g_order):
        gross_mu = units.area_mu(float(cat("gross_m2", "float64")[g_at].sum()))
        summary["tiankan_not_deducted"] = {"n_patches": int(len(g_order)), "mu": gross_mu}
        notes.append(vocabulary().label("farmland_tiankan_gross", n=len(g_order), mu=gross_mu))
    summary["warnings"] = notes
    summary["inputs"] = {"values": plausibility.merge_flags([p.flags for p in partials]),  # judged by the job
                         "coverage": plausibility.coverage_share(cat("pbf_m2", "float64")[fo], cat("uncovered_m2", "float64")[fo],
                                                                 cat("in_extent", bool)[fo])}
    summary["printed"] = farmland_printed(pbf_m2, pbf_m2 - tiankan_m2, totals, sliver_m2, uncovered_m2, findings)
    return FarmlandResult(findings=findings, summary=summary, farmland_overlaps=overlap_frame, notes=notes)


def _merge_findings(partials: list[FarmlandPartial], work_crs, out_crs) -> gpd.GeoDataFrame:
    """The tasks' findings in `check_farmland`'s order: by patch id, farmland id, then position."""
    frames = [(p.findings, p.f_ia, p.f_ib) for p in partials if len(p.findings)]
    if not frames:
        empty = empty_findings(work_crs)
        return empty.to_crs(out_crs) if out_crs != work_crs else empty
    df = pd.concat([f for f, _, _ in frames], ignore_index=True)
    ia = np.concatenate([a for _, a, _ in frames])
    ib = np.concatenate([b for _, _, b in frames])
    order = np.lexsort((ib, ia, df["farmland_id"].to_numpy(dtype=object).astype(str),
                        df["patch_id"].to_numpy(dtype=object).astype(str)))
    return df.iloc[order].reset_index(drop=True)




def _findings(sv, fm, keep, pi, pf, f_ids, geoms, main, p_rules, township, crs) -> gpd.GeoDataFrame:
    if len(keep) == 0:
        return empty_findings(crs)
    order = np.lexsort((f_ids[pf[keep]].astype(str), sv["feature_id"].to_numpy(dtype=object)[pi[keep]].astype(str)))
    keep = keep[order]
    si = pi[keep]
    codes = text_column(sv, "DLBM")[si]
    names = code_names(codes, text_column(sv, "DLMC")[si])
    village = village_text(sv)[si]
    f_village = text_column(fm, "ZLDWMC")[pf[keep]]
    # the village's code from the feature its name came from: ZLDWDM (QSDWDM beside QSDWMC), the farmland's
    sv_code = np.where(text_column(sv, "ZLDWMC")[si] == "", text_column(sv, "QSDWDM")[si], text_column(sv, "ZLDWDM")[si])
    code = np.array([c[:12] for c in np.where(village == "", text_column(fm, "ZLDWDM")[pf[keep]], sv_code)], dtype=object)
    village = np.where(village == "", f_village, village)
    town = township_text(sv, township, si)
    rules = [p_rules[i] for i in si]
    data = {
        "check": [CHECK] * len(keep),
        "problem_type": [r.problem_type for r in rules],
        "category": [r.category for r in rules],
        "severity": [r.severity for r in rules],
        "suggested_measure": [r.suggested_measure for r in rules],
        "patch_id": sv["feature_id"].to_numpy(dtype=object)[si].astype(str),
        "farmland_id": f_ids[pf[keep]].astype(str),
        "dlbm": codes,
        "dlmc": names,
        "village": village,
        "township": town,
        "area_m2": main[keep],
    }
    out = make_findings(data, geoms[keep], crs)
    # what the judgment reads (checks/judge.py): the patch's planting attribute and 城镇村属性码, the
    # farmland polygon's land class at delineation
    out["zzsx"] = text_column(sv, "ZZSXDM")[si]
    out["czcsxm"] = text_column(sv, "CZCSXM")[si]
    out["farmland_dlbm"] = text_column(fm, "DLBM")[pf[keep]]
    out["village_code"] = code  # ZLDWDM[:12] of the feature the village was read from (findings.village_order)
    return out


def _summary(pbf_m2, totals, sliver_m2, uncovered_m2, findings, fm, overlaps, crs) -> dict:
    cat_mu = {f"{c}_mu": units.area_mu(totals[c]) for c in CATEGORIES}
    cultivated_total = totals["cultivated"] + totals["non_grain_crop"] + totals["abandoned"]
    balance_m2 = sum(totals.values()) + sliver_m2 + uncovered_m2
    by_village: dict[str, dict] = {}
    if len(findings):
        g = findings.groupby(["village", "category"])["area_m2"].agg(["sum", "count"])
        for (v, c), row in g.iterrows():
            entry = by_village.setdefault(v or vocabulary().label("unknown_village"), {"n_findings": 0, "findings_mu": 0.0, "categories": {}})
            entry["categories"][c] = {"mu": units.area_mu(row["sum"]), "count": int(row["count"])}
            entry["n_findings"] += int(row["count"])
            entry["findings_m2"] = entry.get("findings_m2", 0.0) + float(row["sum"])
        for entry in by_village.values():
            entry["findings_mu"] = units.area_mu(entry.pop("findings_m2"))
    if "ZLDWMC" in fm.columns:
        area = units.ellipsoidal_area(fm.geometry.to_numpy(), crs)
        for v, a in pd.Series(area).groupby(fm["ZLDWMC"].fillna(vocabulary().label("unknown_village")).astype(str).to_numpy()).sum().items():
            by_village.setdefault(v, {"n_findings": 0, "findings_mu": 0.0, "categories": {}})["pbf_mu"] = units.area_mu(a)
    return {
        "check": CHECK,
        "pbf_mu": units.area_mu(pbf_m2),
        **cat_mu,
        "cultivated_total_mu": units.area_mu(cultivated_total),
        "sliver_mu": units.area_mu(sliver_m2),
        "uncovered_mu": units.area_mu(uncovered_m2),
        "areas_m2": {**{c: units.round_half_up(v, 2) for c, v in totals.items()},
                     "sliver": units.round_half_up(sliver_m2, 2), "uncovered": units.round_half_up(uncovered_m2, 2),
                     "pbf": units.round_half_up(pbf_m2, 2)},
        "balance": {"pbf_m2": round(pbf_m2, 2), "sum_m2": round(balance_m2, 2),
                    "difference_pct": round(abs(balance_m2 - pbf_m2) / pbf_m2 * 100, 6) if pbf_m2 else 0.0},
        "n_findings": int(len(findings)),
        "findings_mu": units.area_mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
        "n_by_category": {c: int((findings["category"] == c).sum()) for c in CATEGORIES if c not in NOT_FINDINGS},
        "farmland_overlaps": len(overlaps),
        "by_village": dict(sorted(by_village.items())),
    }


def _overlap_frame(overlaps, geoms, f_ids, crs) -> gpd.GeoDataFrame | None:
    if not overlaps:
        return None
    return gpd.GeoDataFrame(
        {"farmland_id_a": [f_ids[i] for i, _, _ in overlaps], "farmland_id_b": [f_ids[j] for _, j, _ in overlaps],
         "area_m2": units.ellipsoidal_area(geoms, crs)},
        geometry=gpd.GeoSeries(geoms, crs=crs),
    )
