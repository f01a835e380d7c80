"""The survey check as a map step and a reduce step, run by both engines: `check_survey` maps its one
part (every feature) and reduces it; the dask engine (`landcheck.scale.survey`) maps each spatial
part on a worker and reduces them on the client. Every number is the same either way.

map (`survey_partial`, per part): geometry and per-feature field problems, areas and boxes, the
    hashes of the ids that must be unique, and the overlaps whose later feature the part owns;
reduce (`survey_reduce`): the layer-level decisions (TBMJ's unit, missing fields, the reader's
    problems), the overlaps in layer order, and, through a `RowSource` that fetches rows from where
    the parts are, the repeated ids, the coverage's union and the patches around each gap.

Knows nothing of dask, files or partitions: an engine supplies the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ... import landuse, overlay, units
from ...layers import ReadReport
from .areas import tbmj_unit, tbmj_unit_problem
from .attributes import feature_checks
from .fields import delivered_fields, duplicate_ids, id_columns, id_keys, missing_fields
from .geometry import (
    fixed_geometries,
    frame_geometry_problems,
    reader_problems,
    usable_polygons,
)
from .problems import CODES, ProblemCollector
from .report import SurveyResult, build_report, survey_summary
from .schema import (
    DUPLICATE_IDS,
    FIELD_TABLES,
    SurveyTolerances,
    field_column,
    field_numbers,
    require_known_schema,
    resolve_schema,
)
from .topology import (
    UNION_CHUNK,
    GapTotals,
    coverage_chunks,
    coverage_holes,
    gap_holes,
    gap_problems,
    overlap_problems,
)

#: The arrays of a row dict (`PartRows.take`): global position, id, feature number, repaired geometry, area.
ROW_KEYS = ("g_order", "ids", "order", "geoms", "area")


@dataclass(frozen=True)
class SurveyContext:
    """What every map and reduce step knows of the whole layer.

    schema (resolved), columns (the layer's, without its geometry), tol, crs (the layer's own: problems
    are returned in it), work_crs (the metric CRS the check works in), n_features, repaired_ids (ids of
    the features the reader repaired)."""

    schema: str
    columns: tuple
    tol: SurveyTolerances
    crs: CRS
    work_crs: CRS
    n_features: int
    repaired_ids: frozenset = frozenset()

    @property
    def reprojected(self) -> bool:
        return self.crs != self.work_crs


def survey_context(columns, schema: str, tolerances: SurveyTolerances | None, report: ReadReport | None, crs,
                   work_crs, n_features: int) -> SurveyContext:
    """The context of a check: the schema resolved (LandcheckError for an unknown one, or `dltb` without
    a land-use field), the tolerances (default: `SurveyTolerances.from_rules(config.load_rules())`)."""
    require_known_schema(schema)
    if tolerances is None:
        from ...config import load_rules

        tolerances = SurveyTolerances.from_rules(load_rules())
    columns = list(columns)
    schema = resolve_schema(schema, columns, f"{report.path}: " if report is not None else "")
    repaired = frozenset(str(e["feature_id"]) for e in report.repaired) if report is not None else frozenset()
    return SurveyContext(schema, tuple(columns), tolerances, crs, work_crs, int(n_features), repaired)


class PartRows:
    """Rows of one part as the check sees them: `work` (canonical columns, in the work CRS, no engine
    columns; DLBM from DLMC names when a frame built in code has no code), `g_order` (positions in the
    layer), ids, feature numbers (`order`, 1-based as `#n`), stored geometries, `reasons` (validity in
    the layer's own CRS when the geometries were reprojected) and, once repaired, `fixed`."""

    def __init__(self, work: gpd.GeoDataFrame, g_order: np.ndarray, reasons: np.ndarray | None = None):
        n = len(work)
        if "DLBM" not in work.columns and "DLMC" in work.columns:
            work = work.assign(DLBM=landuse.normalise_codes([None] * n, work["DLMC"]).codes.to_numpy())
        self.work, self.n = work, n
        self.g_order = np.asarray(g_order, dtype=np.int64)
        self.reasons = reasons
        self.geoms = np.asarray(work.geometry.to_numpy(), dtype=object)
        self.ids = work["feature_id"].astype(str).to_numpy(dtype=object)
        self.order = self.g_order + 1
        if "feature_no" in work.columns:
            self.order = pd.to_numeric(work["feature_no"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        self.fixed: np.ndarray | None = None

    def repair(self) -> PartRows:
        """Set `fixed`: usable geometries made valid where they are not (in the work CRS)."""
        usable = usable_polygons(self.geoms)
        invalid = np.zeros(self.n, bool)
        invalid[usable] = ~shapely.is_valid(self.geoms[usable])
        self.fixed = fixed_geometries(self.geoms, usable, invalid)
        return self

    def subset(self, k: np.ndarray) -> PartRows:
        """Rows k (positions in this part) as a part of their own."""
        reasons = None if self.reasons is None else self.reasons[k]
        return PartRows(self.work.iloc[k].reset_index(drop=True), self.g_order[k], reasons)

    def take(self, k: np.ndarray, area: np.ndarray | None = None) -> dict:
        """Rows k as plain arrays (`ROW_KEYS`; area when given)."""
        out = {"g_order": self.g_order[k], "ids": self.ids[k], "order": self.order[k], "geoms": self.fixed[k]}
        if area is not None:
            out["area"] = area[k]
        return out


def concat_rows(parts: list[dict | None], keys=ROW_KEYS) -> dict:
    """Row dicts of several parts: concatenated, one row per feature, in layer order."""
    parts = [p for p in parts if p is not None and len(p["g_order"])]
    if not parts:
        return {k: np.empty(0, dtype=np.int64 if k in ("g_order", "order") else ("float64" if k == "area" else object))
                for k in keys}
    out = {k: np.concatenate([np.asarray(p[k], dtype=object if k in ("ids", "geoms") else None) for p in parts])
           for k in keys if k in parts[0]}
    _, first = np.unique(out["g_order"], return_index=True)
    return {k: v[first] for k, v in out.items()}


# ------------------------------------------------------------------------------------------- map
@dataclass
class SurveyPartial:
    """What the map step gives back for one part, keyed by global feature positions (`g_order`).

    f_order, area, bounds (of the repaired geometry, NaN without), has_geom: every feature of the part;
    tbmj: TBMJ as a number (for the summary's sum); unit_stats: `area_checks`' statistics;
    id_hashes: field → (hash of the id text, position) of the filled ids; rows: the per-feature
    problems (`ProblemCollector.parts`, located); repaired: the first feature of each repaired id in
    the part; ov_i < ov_j: overlapping pairs whose later feature is in the part, ov_piece their
    overlaps, members: the rows of both sides."""

    part: int
    f_order: np.ndarray
    area: np.ndarray
    bounds: np.ndarray
    has_geom: np.ndarray
    tbmj: np.ndarray | None
    unit_stats: tuple | None
    id_hashes: dict
    rows: list
    repaired: dict | None
    ov_i: np.ndarray
    ov_j: np.ndarray
    ov_piece: np.ndarray
    members: dict | None


def survey_partial(rows: PartRows, ctx: SurveyContext, neighbours: PartRows | None = None, *, part: int = 0,
                   threads: int | None = 1) -> SurveyPartial:
    """The map step on the features of one part (`rows`). `neighbours`: features of other parts that
    may overlap one of them (any superset of the earlier features overlapping one; None when the part
    holds the whole layer). Each overlapping pair belongs to the part of its later feature."""
    R = rows
    P = ProblemCollector()
    usable, invalid = frame_geometry_problems(P, R.geoms, R.ids, R.order, ctx.crs, ctx.work_crs,
                                              reasons=R.reasons if ctx.reprojected else None)
    if ctx.reprojected:  # reprojecting may make a near-degenerate ring invalid: repaired silently
        invalid = invalid.copy()
        invalid[usable] = ~shapely.is_valid(R.geoms[usable])
    fixed = fixed_geometries(R.geoms, usable, invalid)
    R.fixed = fixed
    area = units.ellipsoidal_area(fixed, ctx.work_crs)
    stats = feature_checks(P, ctx.schema, R.work, list(ctx.columns), R.ids, R.order, fixed, area, ctx.tol)
    P.locate()
    tbmj = None
    if ctx.schema in ("dltb", "farmland"):
        col = field_column(list(R.work.columns), "TBMJ")
        if col:
            tbmj = field_numbers(R.work[col], R.n)
    hashes = {}
    for name, vals in id_keys(R.work, ctx.schema).items():
        filled = vals != ""
        hashes[name] = (pd.util.hash_array(vals[filled].astype(object)), R.g_order[filled])
    repaired = None
    if ctx.repaired_ids and R.n:
        hit = np.flatnonzero(np.isin(R.ids, list(ctx.repaired_ids)))
        _, first = np.unique(R.ids[hit], return_index=True)
        repaired = R.take(np.sort(hit[first]), area)
    has = ~shapely.is_missing(fixed)
    bounds = np.full((R.n, 4), np.nan)
    if has.any():
        bounds[has] = shapely.bounds(fixed[has])
    ov_i, ov_j, piece, members = _owned_overlaps(R, has, neighbours, threads)
    return SurveyPartial(part=part, f_order=R.g_order, area=area, bounds=bounds, has_geom=has, tbmj=tbmj,
                         unit_stats=stats, id_hashes=hashes, rows=P.parts, repaired=repaired, ov_i=ov_i, ov_j=ov_j,
                         ov_piece=np.asarray(piece, dtype=object), members=members)


def _owned_overlaps(R: PartRows, has: np.ndarray, neighbours: PartRows | None, threads):
    """(ov_i, ov_j, pieces, members) of the pairs whose later feature is in R: `overlay.self_overlaps`
    on R's features and the neighbours whose boxes meet one of R's, in layer order (a pair's piece
    comes from the same two geometries in the same order, element by element, in any part)."""
    N = None
    if neighbours is not None and neighbours.n and has.any():  # stored boxes hold the repaired ones
        ng = neighbours.geoms
        nb_ok = np.flatnonzero(~shapely.is_missing(ng))
        hit = shapely.STRtree(R.geoms[has]).query(ng[nb_ok])[0] if len(nb_ok) else np.empty(0, np.int64)
        N = neighbours.subset(np.sort(nb_ok[np.unique(hit)])).repair()
    keep = ~shapely.is_missing(N.fixed) if N is not None and N.n else np.zeros(0, bool)
    n_order = N.g_order[keep] if N is not None else np.empty(0, np.int64)
    n_fixed = N.fixed[keep] if N is not None else np.empty(0, object)
    g_ord = np.concatenate([R.g_order, n_order])
    geo = np.concatenate([R.fixed, n_fixed]) if len(g_ord) else np.empty(0, object)
    owned = np.concatenate([np.ones(R.n, bool), np.zeros(len(n_order), bool)])
    src_pos = np.concatenate([np.arange(R.n), np.flatnonzero(keep)])
    srt = np.argsort(g_ord, kind="stable")
    g_ord, geo, owned, src_pos = g_ord[srt], geo[srt], owned[srt], src_pos[srt]
    ok = np.flatnonzero(~shapely.is_missing(geo)) if len(geo) else np.empty(0, np.int64)
    if len(ok) < 2 or not owned.any():
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object), None
    i, j, piece = overlay.self_overlaps(geo[ok], threads=threads)
    i, j = ok[i], ok[j]
    mine = owned[j]
    i, j, piece = i[mine], j[mine], piece[mine]
    used = np.unique(np.concatenate([i, j]))
    own_k = src_pos[used[owned[used]]]
    nb_k = src_pos[used[~owned[used]]]
    members = concat_rows([R.take(own_k), N.take(nb_k) if N is not None else None], keys=ROW_KEYS[:4])
    return g_ord[i], g_ord[j], piece, members


# ---------------------------------------------------------------------------------------- reduce
class RowSource(Protocol):
    """What the reduce step asks of the engine, which knows where the rows are."""

    def coverage_and_rows(self, members: np.ndarray, chunks: np.ndarray, n_chunks: int, bounds: np.ndarray,
                          wanted: np.ndarray, columns: tuple) -> tuple[np.ndarray, dict, pd.DataFrame | None]:
        """(union of each coverage chunk, `concat_rows` of the features `wanted` with their area, those
        features' `columns`). members: positions of the usable features, chunks: the chunk of each (a
        chunk is united from its members in layer order, `overlay.group_union` with coverage=True);
        bounds: every feature's box, in layer order."""

    def around(self, holes: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        """(hole index, position) of each pair of a hole and a repaired patch that intersect, and
        `concat_rows` (g_order, ids, order) of those patches."""


def survey_reduce(partials: list[SurveyPartial], ctx: SurveyContext, report: ReadReport | None,
                  source: RowSource) -> SurveyResult:
    """The reduce step: every part's `SurveyPartial` (any order) into the `SurveyResult` of the layer."""
    N = ctx.n_features
    columns = list(ctx.columns)
    f_order = np.concatenate([s.f_order for s in partials])
    fo = np.argsort(f_order, kind="stable")
    if len(f_order) != N or not (f_order[fo] == np.arange(N)).all():
        raise RuntimeError("the parts are not a partition of the layer (a feature in none or in two)")
    area = np.concatenate([s.area for s in partials])[fo]
    has_geom = np.concatenate([s.has_geom for s in partials])[fo]
    bounds = np.concatenate([s.bounds for s in partials])[fo]

    P_reader, P_fields, P_unit, P_dup, P_ov, P_gap = (ProblemCollector() for _ in range(6))
    if report is not None:  # the repaired features' first occurrences carry their geometry and area
        first = concat_rows([s.repaired for s in partials])
        reader_problems(P_reader, report, ctx.crs, ctx.work_crs, first["ids"], first["order"], first["geoms"],
                        first["area"])
    if ctx.schema in FIELD_TABLES:
        missing_fields(P_fields, FIELD_TABLES[ctx.schema], delivered_fields(columns, report))
    # TBMJ in 亩 / 公顷: decided on the whole layer
    rows = [r for s in partials for r in s.rows]
    stats = [s.unit_stats for s in partials if s.unit_stats is not None]
    if stats:
        unit, ratio = tbmj_unit(sum(x[0] for x in stats), sum(x[1] for x in stats),
                                np.concatenate([x[2] for x in stats]))
        if unit:
            rows = [r for r in rows if r["code"][0] != "area_mismatch"]
            tbmj_unit_problem(P_unit, field_column(columns, "TBMJ"), unit, ratio)
    # overlaps: every pair once, in the order of `overlay.self_overlaps` on the whole layer
    ov_i = np.concatenate([s.ov_i for s in partials])
    ov_j = np.concatenate([s.ov_j for s in partials])
    piece = np.concatenate([s.ov_piece for s in partials])
    oo = np.lexsort((ov_j, ov_i))
    ov_i, ov_j, piece = ov_i[oo], ov_j[oo], piece[oo]
    if len(np.unique(ov_i * (N + 1) + ov_j)) != len(ov_i):
        raise RuntimeError("an overlapping pair was found twice")
    mem = concat_rows([s.members for s in partials], keys=ROW_KEYS[:4])
    ov = overlap_problems(P_ov, np.searchsorted(mem["g_order"], ov_i), np.searchsorted(mem["g_order"], ov_j),
                          piece, mem["geoms"], mem["ids"], mem["order"], ctx.work_crs, ctx.tol, N)
    # repeated ids: the candidates are the features whose id hash occurs twice
    cand = [np.empty(0, np.int64)]
    for name in {k for s in partials for k in s.id_hashes}:
        h = np.concatenate([s.id_hashes[name][0] for s in partials if name in s.id_hashes])
        o = np.concatenate([s.id_hashes[name][1] for s in partials if name in s.id_hashes])
        _, inv, cnt = np.unique(h, return_inverse=True, return_counts=True)
        cand.append(o[cnt[inv.ravel()] > 1])
    wanted = np.unique(np.concatenate(cand))
    tbmj = None
    if ctx.schema in ("dltb", "farmland") and field_column(columns, "TBMJ") and all(s.tbmj is not None for s in partials):
        tbmj = np.concatenate([s.tbmj for s in partials])[fo]

    # coverage: chunk unions (a small layer is united here from its rows, in one go)
    do_gaps = ctx.schema in ("dltb", "geometry")
    ok = np.flatnonzero(has_geom)
    chunked = do_gaps and len(ok) > 2 * UNION_CHUNK
    if do_gaps and 2 <= len(ok) <= 2 * UNION_CHUNK:
        wanted = np.union1d(wanted, ok)
    members = ok if chunked else ok[:0]
    chunks, n_chunks = coverage_chunks(bounds[members]) if chunked else (members, 0)
    unions, det, det_columns = source.coverage_and_rows(members, chunks, n_chunks, bounds, wanted,
                                                        id_columns(columns, ctx.schema))
    if ctx.schema in DUPLICATE_IDS and len(det["g_order"]):
        duplicate_ids(P_dup, det_columns, det["ids"], det["order"], det["geoms"], det["area"], ctx.schema)
    gaps = None
    if do_gaps:
        gaps = GapTotals()
        if len(ok) >= 2:
            if chunked:
                union = shapely.union_all(unions[~shapely.is_missing(unions)])
            else:
                union = shapely.union_all(det["geoms"][np.isin(det["g_order"], ok)])
            gaps, holes, a, width = gap_holes(coverage_holes(union), ctx.work_crs, ctx.tol)
            if len(holes):
                gi, go, near = source.around(holes)
                gap_problems(P_gap, holes, a, width, gi, np.searchsorted(near["g_order"], go), near["ids"],
                             near["order"])

    P = ProblemCollector()
    P.parts = rows + P_reader.parts + P_fields.parts + P_unit.parts + P_dup.parts + P_ov.parts + P_gap.parts
    problems = P.frame(ctx.work_crs, ctx.crs)
    counts = {c: int(k) for c, k in problems["code"].value_counts().items()}
    counts = {c: counts[c] for c in CODES if c in counts}
    summary = survey_summary(problems, counts, ctx.schema, N, ctx.crs, report, area, tbmj, ov, gaps, ctx.tol)
    return SurveyResult(problems=problems, counts=counts, summary=summary, schema=ctx.schema,
                        report=build_report(problems, summary, report))
