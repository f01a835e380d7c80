"""Land-transfer check (土地流转): transferred parcels grouped into contiguous blocks, every block under
the township's minimum flagged, progress against the target, and the farmland rules on transferred
land. Pure: GeoDataFrames in, blocks + parcels + findings + summary out (no printing, no files).

A block (连片地块) is what one operator works as one piece: parcels of one group (the `by` field, e.g. the
operator 流入方; without it all parcels form one group) that touch or lie at most `gap_m` metres apart
(a farm road or ditch between them). Parcels of different groups never merge. Contiguity is a graph:
one bounding-box STRtree query, a `dwithin` test on the same-group candidate pairs, and scipy's
connected components; no dissolve of everything. A block's geometry is the union of its parcels (the
gap is not added) and its area is ellipsoidal on CGCS2000, compared with the minimum unrounded.

Land is counted once: where parcels overlap (the same land in two contracts, reported as data
problems with the overlap area) the total is the area of the union. In the totals a piece of land that
lies in two blocks (of two groups) counts toward one of them: a block at or above the minimum before
one below it, then the larger block first. So `total = compliant + below_min = Σ by_village`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .. import landuse, overlay, units
from ..columns import text_values
from ..config import Rules, load_rules, vocabulary
from ..errors import LandcheckError
from ..findings import empty_findings, make_findings
from ..geometry import repair_polygons
from .farmland import deoverlap, farmland_ids, patch_rules, with_feature_ids

CHECK = "transfer"

#: Problem types (spelled by the vocabulary; the configured minimum replaces the 100 of the first).
BELOW_MIN = "流转地块不足100亩"
NON_GRAIN = "流转地块非粮化"
NON_FARM = "流转地块非农化"
DATA_PROBLEM = "数据质量"

#: Finding categories of this check (kept apart from the farmland check's, so that a transferred orchard
#: inside farmland is not counted twice in lists made by category).
CATEGORY_BELOW_MIN = "transfer_below_min"
CATEGORY_NON_GRAIN = "transfer_non_grain"
CATEGORY_NON_FARM = "transfer_non_farm"
CATEGORY_OVERLAP = "transfer_overlap"

#: Measure of a block under the minimum (a township target, not a legal violation: severity warning) and
#: of an overlap of two contracts: both are for the officer to verify.
VERIFY_MEASURE = "核实举证"

#: Fields that usually name the operator (流入方): suggested for `by` when none is given.
OPERATOR_FIELDS = ("流入方", "流入方名称", "受让方", "经营主体", "承包经营主体", "流转经营主体", "LRF", "JYZT")
#: Fields that usually hold the contract area (mu), summed for comparison with the measured area.
CONTRACT_AREA_FIELDS = ("流转面积", "合同面积", "流转面积亩", "LZMJ", "HTMJ")

UNKNOWN_VILLAGE = "（未知）"

#: Gaps are compared at the coordinates' millimetre precision: parcels drawn exactly `gap_m` apart merge
#: whatever the floating point of zone-prefixed eastings (~3.9e7 m) makes of the distance.
_GAP_EPS_M = 1e-3


@dataclass
class TransferResult:
    """What the transfer check found. Geometries are in the parcels' CRS.

    blocks:   block_id, group, n_parcels, parcel_ids, villages, area_m2 (unrounded), area_mu, below_min,
              counted_m2 (the part counted in the totals: less than area_m2 only where the block overlaps
              another group's block), main_village (holding most of its area), geometry (union of the
              parcels). Block ids B0001… follow the group, then the block's smallest parcel id.
    parcels:  the input rows (repaired geometry) with parcel_id, block_id, group, village, area_m2, area_mu,
              below_min (of its block) and overlaps_with (ids of parcels it overlaps, 、-separated).
    findings: the finding schema: blocks under the minimum, parcel overlaps, non-grain / non-farm use of
              transferred permanent basic farmland.
    overlaps: parcel_a, parcel_b, group_a, group_b, area_m2, area_mu, geometry (overlaps of at least the
              overlap tolerance).
    summary:  totals in mu (rounded once from unrounded sums), counts, by_village, by_group.
    """

    blocks: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    summary: dict
    overlaps: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- helpers
def natural_key(text: str) -> tuple:
    """Sort key that orders the numbers inside ids by value: #2 before #10, LZ-9 before LZ-10."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(p) if k % 2 else p for k, p in enumerate(parts)) + (text,)


def _fields(df: pd.DataFrame) -> list[str]:
    return [str(c) for c in df.columns if c not in (df.geometry.name, "feature_id", "feature_no")]


def suggest_group_field(columns) -> str | None:
    """The column that most likely names the operator (流入方 …), for a hint when `by` is not given."""
    names = {str(c).upper(): c for c in columns}
    for f in OPERATOR_FIELDS:
        if f.upper() in names:
            return str(names[f.upper()])
    return None


def parcel_ids(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Each parcel's id: its 地块编号 (DKBM, or an alias mapped to it by the reader) where filled, else the
    feature id (BSM, else `#n`)."""
    ids = text_values(with_feature_ids(parcels)["feature_id"])
    if "DKBM" in parcels.columns:
        own = text_values(parcels["DKBM"])
        ids = np.where(own != "", own, ids)
    return ids


def contiguous_blocks(geoms: np.ndarray, group_codes: np.ndarray, gap_m: float) -> np.ndarray:
    """Component label of each polygon: polygons of the same group code that touch or lie at most
    `gap_m` metres apart (projected CRS in metres) are connected, directly or through others.

    One STRtree query of the bounding boxes grown by the gap gives candidate pairs; only pairs of one
    group get the exact distance test (`dwithin`); scipy's connected components do the rest."""
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    reach = gap_m + _GAP_EPS_M
    tree = shapely.STRtree(geoms)
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    i, j = tree.query(shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach))
    keep = (i < j) & (group_codes[i] == group_codes[j])
    i, j = i[keep], j[keep]
    close = shapely.dwithin(geoms[i], geoms[j], reach)
    i, j = i[close], j[close]
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


# ------------------------------------------------------------------------------------------ the check
def check_transfer(
    parcels: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    min_mu: float | None = None,
    gap_m: float | None = None,
    target_mu: float = 5000.0,
    farmland: gpd.GeoDataFrame | None = None,
    survey: gpd.GeoDataFrame | None = None,
    rules: Rules | None = None,
    township: str = "",
    threads: int | None = None,
) -> TransferResult:
    """Blocks, findings and progress of the transferred land.

    parcels: 流转地块 polygons (as `layers.read_layer` gives them: `feature_id`, `DKBM` for 地块编号 …,
      `ZLDWMC` for the village); any CRS (the work is done in its Gauss–Krüger zone when lon/lat).
    by: the column whose value makes a group (e.g. 流入方); None: all parcels form one group.
    min_mu, gap_m: minimum block (mu) and the widest gap (m) inside a block; None takes the rules'
      thresholds `min_block_mu` (100) and `gap_m` (8).
    target_mu: the township's transfer target (mu); all transferred land counts toward it.
    farmland, survey: permanent basic farmland and 地类图斑 (with DLBM): both or neither. With them,
      transferred land inside the farmland whose survey class is non-grain or non-farm is a finding
      (流转地块非粮化 / 流转地块非农化), measured like the farmland check (× (1 − KCXS), slivers dropped).
    rules: thresholds and classes (default: the packaged rules).
    Raises LandcheckError for input a person must fix (no CRS, unknown `by` field, one of farmland/survey).
    """
    rules = rules or load_rules()
    min_mu = float(rules.threshold("min_block_mu") if min_mu is None else min_mu)
    gap_m = float(rules.threshold("gap_m") if gap_m is None else gap_m)
    target_mu = float(target_mu)
    if not min_mu > 0:
        raise LandcheckError(f"the minimum block must be more than 0 mu (got {min_mu:g}).")
    if not gap_m >= 0:
        raise LandcheckError(f"the gap tolerance must be 0 m or more (got {gap_m:g}).")
    if not target_mu > 0:
        raise LandcheckError(f"the transfer target must be more than 0 mu (got {target_mu:g}).")
    if (farmland is None) != (survey is None):
        raise LandcheckError("the rules on transferred land need both the farmland (--farmland) and the survey "
                             "(--survey) layers; give both or neither.")
    if parcels.crs is None:
        raise LandcheckError("the transfer parcels have no CRS; give it (e.g. --crs EPSG:4527).")
    if by is not None and by not in parcels.columns:
        raise LandcheckError(f"the transfer layer has no field '{by}' to group by. Fields: {', '.join(_fields(parcels))}.")
    problem_below = vocabulary().with_number(BELOW_MIN, min_mu)
    notes: list[str] = []
    hint = suggest_group_field(parcels.columns) if by is None else None
    if hint:
        notes.append(f"no group field (by): all parcels form one group, so neighbouring parcels of different "
                     f"operators join one block; blocks per operator: --by {hint}")
    try:
        tolerance_m2 = float(rules.threshold("overlap_tolerance_m2"))
    except (KeyError, TypeError, ValueError):
        tolerance_m2 = 1.0

    parcels = with_feature_ids(parcels).reset_index(drop=True)
    in_crs = parcels.crs
    geoms_in = parcels.geometry.to_numpy().copy()
    missing = shapely.is_missing(geoms_in) | shapely.is_empty(geoms_in)
    if missing.any():
        notes.append(f"{int(missing.sum())} parcels without geometry were left out")
    invalid = ~missing & ~shapely.is_valid(geoms_in)
    if invalid.any():
        geoms_in[invalid] = repair_polygons(geoms_in[invalid])
        notes.append(f"{int(invalid.sum())} parcels with invalid geometry were repaired (make_valid)")
        missing = shapely.is_missing(geoms_in) | shapely.is_empty(geoms_in)
    parcels = gpd.GeoDataFrame(parcels.drop(columns=parcels.geometry.name),
                               geometry=gpd.GeoSeries(geoms_in, crs=in_crs)).loc[~missing].reset_index(drop=True)
    n = len(parcels)

    ids = parcel_ids(parcels)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        notes.append(f"{len(set(ids[dup]))} parcel ids occur more than once (e.g. {ids[dup][0]})")
    group = text_values(parcels[by]) if by is not None else np.full(n, "", dtype=object)
    if by is not None and (group == "").any():
        notes.append(f"{int((group == '').sum())} parcels have no {by}: they form blocks among themselves")
    village = text_values(parcels["ZLDWMC"]) if "ZLDWMC" in parcels.columns else np.full(n, "", dtype=object)
    village = np.where(village == "", UNKNOWN_VILLAGE, village)

    work_crs = units.metric_crs(in_crs, tuple(parcels.total_bounds)) if n else in_crs
    work = parcels.to_crs(work_crs) if in_crs != work_crs else parcels
    geoms = work.geometry.to_numpy()

    # --- blocks
    codes, _ = pd.factorize(pd.Series(group, dtype=object))
    comp = contiguous_blocks(geoms, np.asarray(codes), gap_m)
    n_comp = int(comp.max()) + 1 if n else 0
    pkeys = [natural_key(s) for s in ids]
    by_id = sorted(range(n), key=lambda p: pkeys[p])
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.asarray(by_id, dtype=np.int64)] = np.arange(n)
    first = {}
    for p in by_id:
        first.setdefault(int(comp[p]), p)
    comp_order = sorted(range(n_comp), key=lambda c: (natural_key(group[first[c]]), pkeys[first[c]]))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[np.asarray(comp_order, dtype=np.int64)] = np.arange(n_comp)
    block = rank[comp] if n else np.empty(0, dtype=np.int64)
    width = max(4, len(str(n_comp)))
    block_ids = np.array([f"B{k + 1:0{width}d}" for k in range(n_comp)], dtype=object)

    parcel_m2 = units.ellipsoidal_area(geoms, work_crs)
    block_geom = overlay.union_by(geoms, block, n_comp, threads)
    block_m2 = units.ellipsoidal_area(block_geom, work_crs)
    below = block_m2 < float(units.mu_to_m2(min_mu))

    # --- overlaps (every one for the accounting; those above the tolerance reported)
    oi, oj, og = overlay.self_overlaps(geoms, threads=threads)
    o_m2 = units.ellipsoidal_area(og, work_crs)
    counted_m2 = _counted_once(block_geom, block_m2, below, block[oi], block[oj], work_crs)

    # --- tables
    order_in_block = np.lexsort((id_rank, block))
    cut = np.flatnonzero(np.diff(block[order_in_block])) + 1
    ids_text = [",".join(x) for x in np.split(ids[order_in_block], cut)] if n else []
    vil_text = [",".join(dict.fromkeys(x)) for x in np.split(village[order_in_block], cut)] if n else []
    n_in = np.bincount(block, minlength=n_comp) if n else np.zeros(0, dtype=np.int64)
    block_group = np.empty(n_comp, dtype=object)
    if n:
        block_group[block] = group
    blocks = gpd.GeoDataFrame(
        {"block_id": block_ids, "group": block_group, "n_parcels": n_in.astype(np.int64),
         "parcel_ids": np.array(ids_text, dtype=object), "villages": np.array(vil_text, dtype=object),
         "area_m2": block_m2, "area_mu": _round2(units.m2_to_mu(block_m2)) if n_comp else np.zeros(0),
         "below_min": below.astype(bool), "counted_m2": counted_m2,
         "main_village": _main_village(block, village, parcel_m2, n_comp)},
        geometry=gpd.GeoSeries(block_geom, crs=work_crs))

    big = o_m2 >= tolerance_m2
    overlaps = gpd.GeoDataFrame(
        {"parcel_a": ids[oi[big]], "parcel_b": ids[oj[big]], "group_a": group[oi[big]], "group_b": group[oj[big]],
         "area_m2": o_m2[big], "area_mu": _round2(units.m2_to_mu(o_m2[big])) if big.any() else np.zeros(0)},
        geometry=gpd.GeoSeries(og[big], crs=work_crs))
    overlaps_with = [[] for _ in range(n)]
    for a, b in zip(oi[big], oj[big]):
        overlaps_with[a].append(ids[b])
        overlaps_with[b].append(ids[a])

    out_parcels = parcels.drop(columns=[c for c in ("feature_no",) if c in parcels.columns]).copy()
    extra = {"parcel_id": ids, "block_id": block_ids[block] if n else np.empty(0, dtype=object), "group": group,
             "village": village, "area_m2": parcel_m2,
             "area_mu": _round2(units.m2_to_mu(parcel_m2)) if n else np.zeros(0),
             "below_min": below[block] if n else np.zeros(0, dtype=bool),
             "overlaps_with": np.array(["、".join(x) for x in overlaps_with], dtype=object)}
    out_parcels = out_parcels.drop(columns=[c for c in extra if c in out_parcels.columns])
    geom_name = out_parcels.geometry.name
    rest = [c for c in out_parcels.columns if c != geom_name]
    out_parcels = gpd.GeoDataFrame({**extra, **{c: out_parcels[c].to_numpy() for c in rest}},
                                   geometry=out_parcels.geometry.to_numpy(), crs=in_crs)

    # --- rules on transferred farmland
    use_findings, use_stats = (None, None)
    if farmland is not None and survey is not None:
        use_findings, use_stats = _farmland_use(geoms, ids, village, farmland, survey, rules, work_crs, threads)

    findings = _findings(blocks, problem_below, overlaps, village[oi[big]], use_findings, township, work_crs)

    summary = _summary(blocks, parcel_m2, village, block, group, by, min_mu, gap_m, target_mu, overlaps,
                       use_stats, findings, parcels, notes)
    summary["problem_type_below_min"] = problem_below
    summary["overlap_tolerance_m2"] = tolerance_m2

    if work_crs != in_crs:
        blocks = blocks.to_crs(in_crs)
        overlaps = overlaps.to_crs(in_crs)
        findings = findings.to_crs(in_crs)
    return TransferResult(blocks=blocks, parcels=out_parcels, findings=findings, summary=summary,
                          overlaps=overlaps, notes=notes)


def _counted_once(block_geom, block_m2, below, bi, bj, crs) -> np.ndarray:
    """The area of each block that counts in the totals: its whole area, less what it shares with a
    block that comes first (at or above the minimum before below it, larger first, then block order)."""
    counted = np.asarray(block_m2, dtype="float64").copy()
    cross = bi != bj
    if not cross.any():
        return counted
    prio = np.lexsort((np.arange(len(block_m2)), -np.asarray(block_m2), below))
    rank = np.empty(len(prio), dtype=np.int64)
    rank[prio] = np.arange(len(prio))
    a, b = bi[cross], bj[cross]
    first = np.where(rank[a] < rank[b], a, b)
    later = np.where(rank[a] < rank[b], b, a)
    pairs = np.unique(np.column_stack([later, first]), axis=0)
    todo, idx = np.unique(pairs[:, 0], return_inverse=True)
    earlier = shapely.union_all(shapely.geometrycollections(block_geom[pairs[:, 1]], indices=idx)[:, None], axis=1)
    rest = shapely.difference(block_geom[todo], earlier)
    counted[todo] = units.ellipsoidal_area(rest, crs)
    return counted


def _round2(values) -> np.ndarray:
    """Half-up rounding to 2 decimals like `units.round_half_up_array`, fast: only values that sit on
    a half (x.xx5) take the exact decimal path; the others round to the nearest either way."""
    v = np.asarray(values, dtype="float64")
    scaled = v * 100.0
    near_half = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6
    out = np.round(v, 2)
    if near_half.any():
        out[near_half] = units.round_half_up_array(v[near_half], 2)
    return out


def _farmland_use(p_geom, ids, village, farmland, survey, rules, crs, threads):
    """Pieces of transferred land inside permanent basic farmland whose survey class is non-grain or
    non-farm: (finding data, geometry) and totals."""
    if "DLBM" not in survey.columns:
        raise LandcheckError("the survey layer has no land-use field (DLBM / 地类编码 …); the rules on transferred land need it.")
    if farmland.crs is None or survey.crs is None:
        raise LandcheckError("the farmland and survey layers need a CRS.")
    survey, farmland = with_feature_ids(survey).reset_index(drop=True), with_feature_ids(farmland).reset_index(drop=True)
    sv = survey.to_crs(crs) if survey.crs != crs else survey
    fm = farmland.to_crs(crs) if farmland.crs != crs else farmland
    f_ids = farmland_ids(fm)
    f_geom, _, _ = deoverlap(fm.geometry.to_numpy())
    s_rules = patch_rules(sv, rules)
    cat = np.array([r.category for r in s_rules], dtype=object)
    cand = np.flatnonzero(np.isin(cat, ("non_grain", "non_farm")))
    stats = {"non_grain_m2": 0.0, "non_farm_m2": 0.0, "n_non_grain": 0, "n_non_farm": 0,
             "transferred_in_pbf_m2": 0.0}
    tf = overlay.intersect_pairs(p_geom, f_geom, threads=threads)
    if len(tf):
        stats["transferred_in_pbf_m2"] = float(units.ellipsoidal_area(tf.geometry, crs).sum())
    if len(cand) == 0 or len(tf) == 0:
        return None, stats
    s_geom = sv.geometry.to_numpy()[cand]
    sp = overlay.intersect_pairs(s_geom, tf.geometry, threads=threads)
    if len(sp) == 0:
        return None, stats
    kcxs = (pd.to_numeric(sv["KCXS"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy()
            if "KCXS" in sv.columns else np.zeros(len(sv)))
    patch = cand[sp.ia]
    parcel = tf.ia[sp.ib]
    fpos = tf.ib[sp.ib]
    geo = np.asarray(sp.geometry, dtype=object)
    area = units.ellipsoidal_area(geo, crs) * (1 - kcxs[patch])
    keep = ~overlay.is_sliver(geo, area, width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) & (area > 0)
    patch, parcel, fpos, geo, area = patch[keep], parcel[keep], fpos[keep], geo[keep], area[keep]
    if len(patch) == 0:
        return None, stats
    codes = text_values(sv["DLBM"])[patch]
    names = np.array([landuse.name_of(c) or "" for c in codes], dtype=object)
    if "DLMC" in sv.columns:
        names = np.where(names == "", text_values(sv["DLMC"])[patch], names)
    s_village = text_values(sv["ZLDWMC"])[patch] if "ZLDWMC" in sv.columns else np.full(len(patch), "", dtype=object)
    vil = np.where(village[parcel] != UNKNOWN_VILLAGE, village[parcel], s_village)
    pc = cat[patch]
    rule = [s_rules[i] for i in patch]
    data = {
        "problem_type": np.where(pc == "non_grain", NON_GRAIN, NON_FARM),
        "category": np.where(pc == "non_grain", CATEGORY_NON_GRAIN, CATEGORY_NON_FARM),
        "severity": [r.severity for r in rule],
        "suggested_measure": [r.suggested_measure for r in rule],
        "patch_id": ids[parcel], "farmland_id": f_ids[fpos].astype(str), "dlbm": codes, "dlmc": names,
        "village": vil, "area_m2": area,
    }
    ng = pc == "non_grain"
    stats.update(non_grain_m2=float(area[ng].sum()), non_farm_m2=float(area[~ng].sum()),
                 n_non_grain=int(ng.sum()), n_non_farm=int((~ng).sum()))
    return (data, geo), stats


def _findings(blocks, problem_below, overlaps, overlap_village, use, township, crs) -> gpd.GeoDataFrame:
    """One finding per block under the minimum, per parcel overlap (数据质量) and per piece of transferred
    farmland in non-farm / non-grain use; sorted by problem, then id."""
    cols = ("problem_type", "category", "severity", "suggested_measure", "patch_id", "farmland_id", "dlbm", "dlmc",
            "village", "area_m2")
    data: dict[str, list] = {c: [] for c in cols}
    geoms: list = []

    def add(values: dict, g) -> None:
        for c in cols:
            data[c].extend(list(values[c]))
        geoms.extend(list(g))

    low = blocks.loc[blocks["below_min"]]
    if len(low):
        k = len(low)
        add({"problem_type": [problem_below] * k, "category": [CATEGORY_BELOW_MIN] * k, "severity": ["warning"] * k,
             "suggested_measure": [VERIFY_MEASURE] * k, "patch_id": low["block_id"], "farmland_id": [""] * k,
             "dlbm": [""] * k, "dlmc": [""] * k, "village": low["main_village"], "area_m2": low["area_m2"]},
            low.geometry.to_numpy())
    if len(overlaps):
        k = len(overlaps)
        add({"problem_type": [DATA_PROBLEM] * k, "category": [CATEGORY_OVERLAP] * k, "severity": ["warning"] * k,
             "suggested_measure": [VERIFY_MEASURE] * k,
             "patch_id": [f"{a}、{b}" for a, b in zip(overlaps["parcel_a"], overlaps["parcel_b"])],
             "farmland_id": [""] * k, "dlbm": [""] * k, "dlmc": [""] * k, "village": overlap_village,
             "area_m2": overlaps["area_m2"]}, overlaps.geometry.to_numpy())
    if use is not None:
        values, g = use
        add(values, g)
    if not geoms:
        return empty_findings(crs)
    n = len(geoms)
    data_full = {**data, "check": [CHECK] * n, "township": [township] * n}
    out = make_findings(data_full, np.array(geoms, dtype=object), crs)
    kind = {problem_below: 0, NON_FARM: 1, NON_GRAIN: 2, DATA_PROBLEM: 3}
    ptype, pid = out["problem_type"].to_numpy(dtype=object), out["patch_id"].to_numpy(dtype=object)
    fid, key = out["farmland_id"].to_numpy(dtype=object), out["finding_key"].to_numpy(dtype=object)
    order = sorted(range(n), key=lambda r: (kind.get(ptype[r], 9), natural_key(pid[r]), fid[r], key[r]))
    return out.iloc[order].reset_index(drop=True)


def _main_village(block, village, parcel_m2, n_blocks) -> np.ndarray:
    """The village holding the largest part of each block's parcels' area (ties: first by name)."""
    out = np.full(n_blocks, UNKNOWN_VILLAGE, dtype=object)
    if len(block) == 0:
        return out
    s = pd.DataFrame({"block": block, "village": village, "m2": parcel_m2}).groupby(["block", "village"])["m2"].sum()
    s = s.reset_index().sort_values(["block", "m2", "village"], ascending=[True, False, True], kind="stable")
    top = s.drop_duplicates("block")
    out[top["block"].to_numpy()] = top["village"].to_numpy()
    return out


def _summary(blocks, parcel_m2, village, block, group, by, min_mu, gap_m, target_mu, overlaps, use_stats,
             findings, parcels, notes) -> dict:
    below = blocks["below_min"].to_numpy(dtype=bool)
    counted = blocks["counted_m2"].to_numpy(dtype="float64")
    total_m2 = float(counted.sum())
    below_m2 = float(counted[below].sum())
    compliant_m2 = float(counted[~below].sum())
    # a block spanning villages is shared among them by its parcels' areas
    nb = len(blocks)
    in_block = np.bincount(block, weights=parcel_m2, minlength=nb) if len(block) else np.zeros(nb)
    share = np.divide(parcel_m2, in_block[block], out=np.zeros(len(block)), where=in_block[block] > 0) * counted[block]
    pv = pd.DataFrame({"village": village, "block": block, "share": share, "below": share * below[block]})
    agg = pv.groupby("village", sort=False).agg(m2=("share", "sum"), below=("below", "sum"),
                                                n_blocks=("block", "nunique"), n_parcels=("share", "size"))
    by_village = {str(v): {"mu": units.area_mu(r.m2), "below_min_mu": units.area_mu(r.below), "compliant_mu": units.area_mu(r.m2 - r.below),
                           "n_blocks": int(r.n_blocks), "n_parcels": int(r.n_parcels)} for v, r in agg.iterrows()}
    by_village = dict(sorted(by_village.items(), key=lambda kv: natural_key(kv[0])))
    by_group = {}
    if by is not None:
        bg = pd.DataFrame({"group": blocks["group"].to_numpy(dtype=object), "m2": counted, "below": counted * below,
                           "is_below": below.astype(np.int64), "n_parcels": blocks["n_parcels"].to_numpy()})
        gg = bg.groupby("group", sort=False).agg(n_blocks=("m2", "size"), n_below_min=("is_below", "sum"), m2=("m2", "sum"),
                                                 below=("below", "sum"), n_parcels=("n_parcels", "sum"))
        by_group = {str(g): {"n_blocks": int(r.n_blocks), "n_below_min": int(r.n_below_min), "mu": units.area_mu(r.m2),
                             "below_min_mu": units.area_mu(r.below), "n_parcels": int(r.n_parcels)} for g, r in gg.iterrows()}
        by_group = dict(sorted(by_group.items(), key=lambda kv: natural_key(kv[0])))
    contract_field = next((c for c in CONTRACT_AREA_FIELDS if c in parcels.columns), None)
    summary = {
        "check": CHECK,
        "by": by,
        "min_mu": min_mu,
        "gap_m": gap_m,
        "n_parcels": int(len(parcel_m2)),
        "n_groups": int(len(set(group.tolist()))),
        "n_blocks": int(len(blocks)),
        "n_below_min": int(below.sum()),
        "n_compliant": int((~below).sum()),
        "total_mu": units.area_mu(total_m2),
        "below_min_mu": units.area_mu(below_m2),
        "compliant_mu": units.area_mu(compliant_m2),
        "target_mu": target_mu,
        "progress_pct": units.round_half_up(total_m2 / float(units.mu_to_m2(target_mu)) * 100.0, 2),
        "remaining_mu": units.area_mu(max(float(units.mu_to_m2(target_mu)) - total_m2, 0.0)),
        "parcel_sum_mu": units.area_mu(float(parcel_m2.sum())),
        "n_overlaps": int(len(overlaps)),
        "overlap_mu": units.area_mu(float(overlaps["area_m2"].sum())) if len(overlaps) else 0.0,
    }
    if contract_field is not None:
        summary["contract_field"] = contract_field
        summary["contract_mu"] = units.round_half_up(float(pd.to_numeric(parcels[contract_field], errors="coerce").fillna(0).sum()), 2)
    summary["farmland_rules"] = use_stats is not None
    if use_stats is not None:
        summary.update({
            "transferred_in_pbf_mu": units.area_mu(use_stats["transferred_in_pbf_m2"]),
            "n_non_grain": use_stats["n_non_grain"], "non_grain_mu": units.area_mu(use_stats["non_grain_m2"]),
            "n_non_farm": use_stats["n_non_farm"], "non_farm_mu": units.area_mu(use_stats["non_farm_m2"]),
        })
    summary["n_findings"] = int(len(findings))
    summary["areas_m2"] = {"total": units.round_half_up(total_m2, 2), "below_min": units.round_half_up(below_m2, 2),
                           "compliant": units.round_half_up(compliant_m2, 2),
                           "parcel_sum": units.round_half_up(float(parcel_m2.sum()), 2)}
    summary["by_village"] = by_village
    if by is not None:
        summary["by_group"] = by_group
    summary["warnings"] = list(notes)
    return summary
