"""Farmland check: every piece of permanent basic farmland whose present use (latest DLTB) is not
grain farming or allowed farm infrastructure. Pure: GeoDataFrames in, findings + summary out.

Categories are exclusive (each square metre of farmland is in exactly one) and the books balance:
pbf = cultivated + non_grain_crop + abandoned + non_grain + non_farm + facility + infrastructure
      + other + sliver + uncovered.
Every area is ellipsoidal on CGCS2000 (m² in memory, mu rounded half-up once in the summary).
`uncovered` is measured geometrically; plain cultivated land (01xx, LS/XG/blank, KCXS 0) needs only a
total, so it is the one figure derived by subtraction and no intersection is computed for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse, overlay, units
from ..config import CATEGORIES, NOT_FINDINGS, Rule, Rules
from ..findings import empty_findings, make_findings
from ..layers import feature_ids

CHECK = "farmland"


@dataclass
class FarmlandResult:
    findings: gpd.GeoDataFrame
    summary: dict
    farmland_overlaps: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def with_feature_ids(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`df` with a `feature_id` column (BSM or `#n`, as the reader gives) when it has none."""
    if "feature_id" in df.columns:
        return df
    return df.assign(feature_id=feature_ids(df, np.arange(len(df))).to_numpy())


def farmland_ids(farmland: gpd.GeoDataFrame) -> np.ndarray:
    """YJJBNTTBBH (or JBNTTBBH, mapped to it by the reader) where present, else the feature id."""
    ids = farmland["feature_id"].astype(str).to_numpy(dtype=object)
    if "YJJBNTTBBH" in farmland.columns:
        own = farmland["YJJBNTTBBH"].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else str(v).strip())
        ids = np.where(own.notna().to_numpy(), own.to_numpy(dtype=object), ids)
    return ids


def _text_column(df: pd.DataFrame, *names: str) -> np.ndarray:
    for n in names:
        if n in df.columns:
            return df[n].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()).to_numpy(dtype=object)
    return np.full(len(df), "", dtype=object)


def patch_rules(survey: gpd.GeoDataFrame, rules: Rules) -> list[Rule]:
    """The rule of every survey patch: by its code's class, refined by group and code; cultivated
    land by its planting attribute ZZSXDM. Unique (code, ZZSXDM) pairs are looked up once."""
    codes = _text_column(survey, "DLBM")
    zz = _text_column(survey, "ZZSXDM")
    cache: dict[tuple[str, str], Rule] = {}
    out = []
    for c, z in zip(codes, zz):
        key = (c, z)
        rule = cache.get(key)
        if rule is None:
            entry = landuse.lookup(c)
            if entry is not None and entry.in_pbf == "ok":
                rule = rules.for_planting(z)
            else:
                rule = rules.for_class(entry.in_pbf if entry else None, entry.group if entry else "", c)
                rule = Rule(rule.category, rule.severity, rule.problem_type, rules.refine_measure(rule.suggested_measure, z))
            cache[key] = rule
        out.append(rule)
    return out


def deoverlap(geoms: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, float]], np.ndarray]:
    """Make farmland polygons non-overlapping (a later polygon loses what an earlier one has), so
    that each square metre is counted once. Returns the geometries, the overlapping pairs (i, j,
    planar overlap area) and the overlap geometries."""
    oi, oj, og = overlay.self_overlaps(geoms)
    if len(oi) == 0:
        return geoms, [], np.array([], dtype=object)
    out = geoms.copy()
    for j in np.unique(oj):
        earlier = oi[oj == j]
        out[j] = shapely.difference(out[j], shapely.union_all(geoms[earlier]))
    pairs = [(int(i), int(j), float(a)) for i, j, a in zip(oi, oj, shapely.area(og))]
    return out, pairs, og


def check_farmland(
    survey: gpd.GeoDataFrame,
    farmland: gpd.GeoDataFrame,
    rules: Rules,
    facility_records: gpd.GeoDataFrame | None = None,
    township: str = "",
    threads: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> FarmlandResult:
    """Overlay the survey patches (`DLBM`, optional ZZSXDM/KCXS/ZLDWMC, `feature_id`) with the
    farmland polygons and classify every piece. Inputs may be in different CRSs; the work is done
    in the survey's CRS (or its Gauss–Krüger zone when the survey is in lon/lat).
    `progress(label, done, total)` hears how far the overlay is (chunks of pairs)."""
    if survey.crs is None or farmland.crs is None:
        raise ValueError("survey and farmland need a CRS")
    survey, farmland = with_feature_ids(survey), with_feature_ids(farmland)
    work_crs = units.metric_crs(survey.crs, tuple(survey.total_bounds))
    sv = survey.to_crs(work_crs) if survey.crs != work_crs else survey
    fm = farmland.to_crs(work_crs) if farmland.crs != work_crs else farmland
    s_geom = sv.geometry.to_numpy()
    f_geom_raw = fm.geometry.to_numpy()
    f_ids = farmland_ids(fm)

    f_geom, overlaps, overlap_geoms = deoverlap(f_geom_raw)
    pbf_m2 = float(units.ellipsoidal_area(f_geom, work_crs).sum())

    p_rules = patch_rules(sv, rules)
    category = np.array([r.category for r in p_rules], dtype=object)
    kcxs = pd.to_numeric(sv["KCXS"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy() if "KCXS" in sv.columns else np.zeros(len(sv))
    plain = (category == "cultivated") & (kcxs == 0)

    # every pair is classified (touch / whole / partial) once; partial pairs of plain cultivated
    # patches are not intersected (their total is derived), but their pairs serve `uncovered`
    all_pairs = overlay.intersect_pairs(s_geom, f_geom, threads=threads, only=~plain,
                                        progress=progress and partial(progress, "套合图斑"))
    unc = overlay.uncovered(f_geom, s_geom, pieces=all_pairs, threads=threads,
                            progress=progress and partial(progress, "计算调查未覆盖部分"))
    uncovered_m2 = float(units.ellipsoidal_area(unc, work_crs).sum())
    sel = ~plain[all_pairs.ia]
    pi = all_pairs.ia[sel]  # survey index of each piece
    pf = all_pairs.ib[sel]
    pg = np.asarray(all_pairs.geometry, dtype=object)[sel]
    whole = np.asarray(all_pairs.whole, dtype=bool)[sel]
    area = np.empty(len(pi), dtype="float64")
    if len(pi):
        area[whole] = units.ellipsoidal_area(s_geom[pi[whole]], work_crs)
        area[~whole] = units.ellipsoidal_area(pg[~whole], work_crs)

    totals = {c: 0.0 for c in CATEGORIES}
    tk = area * kcxs[pi]
    main = area - tk
    totals["infrastructure"] += float(tk.sum())
    piece_cat = category[pi]

    # 设施农用地 1202: the part inside a filed record is infrastructure, the rest a finding to verify
    finding_geom = pg.copy()
    is_fac = piece_cat == "facility"
    if is_fac.any() and facility_records is not None and len(facility_records):
        rec = facility_records.to_crs(work_crs).geometry.to_numpy()
        rec_union = shapely.union_all(rec)
        fac_idx = np.flatnonzero(is_fac)
        filed = shapely.intersection(pg[fac_idx], rec_union)
        unfiled = shapely.difference(pg[fac_idx], rec_union)
        filed_m2 = units.ellipsoidal_area(filed, work_crs) * (1 - kcxs[pi[fac_idx]])
        unfiled_m2 = units.ellipsoidal_area(unfiled, work_crs) * (1 - kcxs[pi[fac_idx]])
        # keep the accounting exact: split the piece's main area in the measured proportion
        share = np.divide(filed_m2, filed_m2 + unfiled_m2, out=np.zeros_like(filed_m2), where=(filed_m2 + unfiled_m2) > 0)
        totals["infrastructure"] += float((main[fac_idx] * share).sum())
        main[fac_idx] = main[fac_idx] * (1 - share)
        finding_geom[fac_idx] = unfiled

    # cultivated patches with KCXS > 0 were intersected for their 田坎 share; their cultivated share
    # is part of the derived cultivated total below
    totals["infrastructure"] += float(main[piece_cat == "infrastructure"].sum())
    is_finding = np.array([c not in NOT_FINDINGS for c in piece_cat], dtype=bool)
    cand = np.flatnonzero(is_finding & (main > 0))
    sliver = overlay.is_sliver(finding_geom[cand], main[cand], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) if len(cand) else np.zeros(0, bool)
    sliver_m2 = float(main[cand[sliver]].sum())
    keep = cand[~sliver]
    for c in CATEGORIES:
        if c in NOT_FINDINGS:
            continue
        totals[c] += float(main[keep][piece_cat[keep] == c].sum())

    derived = pbf_m2 - uncovered_m2 - sliver_m2 - sum(v for k, v in totals.items() if k != "cultivated")
    totals["cultivated"] = derived
    notes = []
    if derived < -0.01:
        notes.append("the categories exceed the farmland area: survey patches overlap each other inside the "
                     "farmland (check the layer with `landcheck survey`)")

    findings = _findings(sv, fm, keep, pi, pf, f_ids, finding_geom, main, p_rules, township, work_crs)
    findings = findings.to_crs(survey.crs) if survey.crs != work_crs else findings
    summary = _summary(pbf_m2, totals, sliver_m2, uncovered_m2, findings, fm, overlaps, work_crs)
    overlap_frame = _overlap_frame(overlaps, overlap_geoms, f_ids, work_crs)
    summary["farmland_overlap_mu"] = _mu(float(overlap_frame["area_m2"].sum())) if overlap_frame is not None else 0.0
    summary["derived_by_subtraction"] = ["cultivated_mu"]
    summary["warnings"] = notes
    return FarmlandResult(findings=findings, summary=summary, farmland_overlaps=overlap_frame, notes=notes)


def _findings(sv, fm, keep, pi, pf, f_ids, geoms, main, p_rules, township, crs) -> gpd.GeoDataFrame:
    if len(keep) == 0:
        return empty_findings(crs)
    order = np.lexsort((f_ids[pf[keep]].astype(str), sv["feature_id"].to_numpy(dtype=object)[pi[keep]].astype(str)))
    keep = keep[order]
    si = pi[keep]
    codes = _text_column(sv, "DLBM")[si]
    names = np.array([landuse.name_of(c) or "" for c in codes], dtype=object)
    own_names = _text_column(sv, "DLMC")[si]
    names = np.where(names == "", own_names, names)
    village = _text_column(sv, "ZLDWMC")[si]
    qs = _text_column(sv, "QSDWMC")[si]
    village = np.where(village == "", qs, village)
    f_village = _text_column(fm, "ZLDWMC")[pf[keep]]
    village = np.where(village == "", f_village, village)
    if township:
        town = np.full(len(keep), township, dtype=object)
    else:
        town = np.array([c[:9] for c in _text_column(sv, "ZLDWDM")[si]], dtype=object)
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
    return make_findings(data, geoms[keep], crs)


def _mu(m2: float) -> float:
    return units.round_half_up(float(units.m2_to_mu(m2)), 2)


def _summary(pbf_m2, totals, sliver_m2, uncovered_m2, findings, fm, overlaps, crs) -> dict:
    cat_mu = {f"{c}_mu": _mu(totals[c]) for c in CATEGORIES}
    cultivated_total = totals["cultivated"] + totals["non_grain_crop"] + totals["abandoned"]
    balance_m2 = sum(totals.values()) + sliver_m2 + uncovered_m2
    by_village: dict[str, dict] = {}
    if len(findings):
        g = findings.groupby(["village", "category"])["area_m2"].agg(["sum", "count"])
        for (v, c), row in g.iterrows():
            entry = by_village.setdefault(v or "（未知）", {"n_findings": 0, "findings_mu": 0.0, "categories": {}})
            entry["categories"][c] = {"mu": _mu(row["sum"]), "count": int(row["count"])}
            entry["n_findings"] += int(row["count"])
            entry["findings_m2"] = entry.get("findings_m2", 0.0) + float(row["sum"])
        for entry in by_village.values():
            entry["findings_mu"] = _mu(entry.pop("findings_m2"))
    if "ZLDWMC" in fm.columns:
        area = units.ellipsoidal_area(fm.geometry.to_numpy(), crs)
        for v, a in pd.Series(area).groupby(fm["ZLDWMC"].fillna("（未知）").astype(str).to_numpy()).sum().items():
            by_village.setdefault(v, {"n_findings": 0, "findings_mu": 0.0, "categories": {}})["pbf_mu"] = _mu(a)
    return {
        "check": CHECK,
        "pbf_mu": _mu(pbf_m2),
        **cat_mu,
        "cultivated_total_mu": _mu(cultivated_total),
        "sliver_mu": _mu(sliver_m2),
        "uncovered_mu": _mu(uncovered_m2),
        "areas_m2": {**{c: units.round_half_up(v, 2) for c, v in totals.items()},
                     "sliver": units.round_half_up(sliver_m2, 2), "uncovered": units.round_half_up(uncovered_m2, 2),
                     "pbf": units.round_half_up(pbf_m2, 2)},
        "balance": {"pbf_m2": round(pbf_m2, 2), "sum_m2": round(balance_m2, 2),
                    "difference_pct": round(abs(balance_m2 - pbf_m2) / pbf_m2 * 100, 6) if pbf_m2 else 0.0},
        "n_findings": int(len(findings)),
        "findings_mu": _mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
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
