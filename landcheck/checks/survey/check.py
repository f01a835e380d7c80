"""`check_survey`: the quality check of a layer held in memory, as the map step on one part that
owns every feature and the reduce step over it (`mapreduce`), with `LocalRows` as the row source.

Pure: a GeoDataFrame and its `ReadReport` in, a `SurveyResult` out (no printing, no files).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import overlay, units
from ...layers import ReadReport
from ..farmland import with_feature_ids
from .geometry import validity_reasons
from .mapreduce import (
    PartRows,
    concat_rows,
    survey_context,
    survey_partial,
    survey_reduce,
)
from .report import SurveyResult
from .schema import SurveyTolerances, require_known_schema


def check_survey(
    layer: gpd.GeoDataFrame,
    report: ReadReport | None = None,
    schema: str = "auto",
    tolerances: SurveyTolerances | None = None,
    threads: int | None = None,
) -> SurveyResult:
    """Quality-check a layer as delivered.

    layer:      as `layers.read_layer` gives it (canonical field names, `feature_id`, repaired
                polygons, a CRS); a frame built in code works too (ids from BSM or `#n`).
    report:     the reader's `ReadReport` (repairs, drops, CRS decisions become problems); None when
                the layer was not read from a file.
    schema:     auto | dltb | farmland | change | geometry (see the package doc).
    tolerances: default `SurveyTolerances.from_rules(config.load_rules())`.
    threads:    worker threads of the overlap and union steps (default: all usable cores).

    The summary holds: check, schema, layer, crs, n_read (delivered features), n_features (checked),
    n_problems, n_errors, n_warnings, counts (code → n), counts_by_severity, features_with_errors,
    area_mu (the layer's ellipsoidal area), tbmj_mu (sum of TBMJ, when present), overlap_mu / n_overlaps,
    overlaps_below_tolerance, gap_mu / n_gaps, holes (coverage holes that are not gaps: n, mu),
    tolerances.
    """
    require_known_schema(schema)
    if layer.crs is None:
        raise ValueError("the layer needs a CRS (read_layer always sets one)")
    layer = with_feature_ids(layer)
    columns = [c for c in layer.columns if c != layer.geometry.name]
    work_crs = units.metric_crs(layer.crs, tuple(layer.total_bounds))
    ctx = survey_context(columns, schema, tolerances, report, layer.crs, work_crs, len(layer))
    work = layer.to_crs(work_crs) if ctx.reprojected else layer
    # validity is judged in the layer's own CRS (a layer from the reader holds only valid polygons)
    reasons = validity_reasons(layer.geometry.to_numpy()) if ctx.reprojected else None
    rows = PartRows(work, np.arange(len(work), dtype=np.int64), reasons)
    part = survey_partial(rows, ctx, threads=threads)
    return survey_reduce([part], ctx, report, LocalRows(rows, part.area, threads))


class LocalRows:
    """The `RowSource` of a layer held in memory: `rows` (repaired by the map step) own every feature,
    so positions in the layer are positions in `rows`."""

    def __init__(self, rows: PartRows, area: np.ndarray, threads: int | None = None):
        self.rows, self.area, self.threads = rows, area, threads

    def coverage_and_rows(self, members, chunks, n_chunks, bounds, wanted, columns):
        R = self.rows
        unions = (overlay.union_by(R.fixed[members], chunks, n_chunks, threads=self.threads, coverage=True) if n_chunks
                  else np.empty(0, object))
        frame = pd.DataFrame(R.work.iloc[wanted][list(columns)]).reset_index(drop=True)
        return unions, concat_rows([R.take(wanted, self.area)]), frame

    def around(self, holes):
        R = self.rows
        ok = np.flatnonzero(~shapely.is_missing(R.fixed))
        gi, pi = shapely.STRtree(R.fixed[ok]).query(holes, predicate="intersects")
        return gi, ok[pi], concat_rows([R.take(ok[pi])], keys=("g_order", "ids", "order"))
