"""The frames the change checks return: their columns, `ChangeResult`, the ledger's extra finding
columns, and the frames as written to files and to report.json.

Shapes only: no comparison is made here, nothing is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ...findings import FINDING_COLUMNS, for_output, inside_points_lonlat

CHECK = "change"
PATCH_CHECK = "change_patch"

#: Columns of the changes frame (plus geometry), one row per changed piece (non-sliver).
#: feature_id / old_feature_id: ids of the new and the old patch; from_* / to_*: code and name before
#: and after; change_type: the vocabulary's word for `kind`; cause: the cause of a change out of or into
#: 耕地 in the year's 耕地 account (vocabulary labels cause_*; "" for other changes); severity: of its finding ("" when the kind
#: is not a finding; `error` for new construction with a part inside farmland); area_m2: ellipsoidal,
#: unrounded; in_farmland_m2: its part inside permanent basic farmland (NaN without a farmland layer);
#: farmland_id: the farmland patches it lies in ("、"-joined, largest share first); lon/lat: a point
#: inside it (EPSG:4490).
CHANGE_COLUMNS = [
    "feature_id", "old_feature_id", "from_dlbm", "from_dlmc", "to_dlbm", "to_dlmc", "kind", "change_type", "cause",
    "severity", "area_m2", "area_mu", "in_farmland_m2", "in_farmland_mu", "farmland_id", "village", "township",
    "lon", "lat",
]

#: Columns of the change-patch frame (plus geometry), one row per patch in file order.
#: patch_id: JCBH (监测编号), else XSBH (线索编号), else the feature id; tblx: the normalised 图斑类型, tblx_name its
#: name; category / category_label: the suspected category (rules [change_patches.tblx]);
#: in_farmland_m2 / in_cultivated_m2: parts inside permanent basic farmland / cultivated land of the
#: baseline (NaN without that layer); dlbm/dlmc: the baseline's code under most of the patch (else the
#: patch's own DLBM); is_finding: whether the patch became a finding.
PATCH_COLUMNS = [
    "patch_id", "feature_id", "tblx", "tblx_name", "category", "category_label", "qsx", "hsx", "area_m2", "area_mu",
    "in_farmland_m2", "in_farmland_mu", "in_cultivated_m2", "in_cultivated_mu", "dlbm", "dlmc", "farmland_id",
    "village", "township", "is_finding", "lon", "lat",
]

#: Ledger columns the findings carry beside FINDING_COLUMNS (ledger.TOOL_FIELDS): 原地类, 其中耕地面积,
#: 其中永久基本农田面积, 问题描述, 监测批次, 监测编号 (JCBH), 线索编号 (XSBH; a suggestion in the ledger).
FINDING_EXTRA = ("orig_dlbm", "cultivated_m2", "pbf_m2", "description", "batch", "monitor_id", "clue_id")


@dataclass
class ChangeResult:
    """changes:  the changes frame (`CHANGE_COLUMNS`) or the change-patch frame (`PATCH_COLUMNS`), with
                 geometry in the CRS of the first input;
    findings: findings in the FINDING_COLUMNS schema (+ `FINDING_EXTRA`), same CRS;
    summary:  ready for summary.json;
    coverage: (compare_baseline) ground only in the new or only in the old survey, non-sliver parts:
              side (new_only / old_only), feature_id, dlbm, dlmc, area_m2, area_mu, geometry.
    notes:    warnings for a person (also in summary["warnings"])."""

    changes: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    summary: dict
    coverage: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def with_extra(findings: gpd.GeoDataFrame, extra: dict) -> gpd.GeoDataFrame:
    """Findings with the ledger's extra columns (`FINDING_EXTRA`) before the geometry."""
    out = findings.copy()
    n = len(out)
    for c in FINDING_EXTRA:
        default = np.full(n, np.nan) if c.endswith("_m2") else np.full(n, "", dtype=object)
        out[c] = extra.get(c, default)
    return out[list(FINDING_COLUMNS) + list(FINDING_EXTRA) + ["geometry"]]


def changes_for_output(changes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The changes (or change-patch) frame as written to files: m² rounded half-up to 2 decimals."""
    return for_output(changes)


def changes_for_report(changes: gpd.GeoDataFrame) -> list[dict]:
    """The changes (or change-patch) frame as a JSON-ready list of rows (no geometry, NaN → None,
    m² rounded to 2 decimals)."""
    if changes is None or not len(changes):
        return []
    df = pd.DataFrame(changes_for_output(changes).drop(columns=changes.geometry.name))
    rows = []
    for rec in df.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.bool_, bool)):
                clean[k] = bool(v)
            elif isinstance(v, (np.integer,)):
                clean[k] = int(v)
            elif isinstance(v, (float, np.floating)):
                clean[k] = None if not np.isfinite(v) else float(v)
            else:
                clean[k] = v
        rows.append(clean)
    return rows


def lonlat(geoms: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    """The lon/lat columns of a frame: a point inside each geometry in EPSG:4490, to 6 decimals."""
    if not len(geoms):
        return np.empty(0), np.empty(0)
    lon, lat = inside_points_lonlat(geoms, crs)
    return np.round(lon, 6), np.round(lat, 6)
