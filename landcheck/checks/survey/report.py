"""What the survey check gives back: `SurveyResult`, its summary (summary.json), its report
(report.json), the exit status a run derives from it and the problems as written to files.

Formats numbers only: what the numbers are is decided by the check.
"""

from __future__ import annotations

import hashlib
import json

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import units
from ...layers import ReadReport
from .schema import CHECK, FAIL_ON, SEVERITIES, SurveyTolerances
from .topology import GapTotals, OverlapTotals


@dataclass
class SurveyResult:
    """What the quality check found.

    problems: GeoDataFrame with `PROBLEM_COLUMNS` + geometry, in the layer's CRS, sorted by code (in
              `CODES` order), then by feature order; area_m2 unrounded.
    counts:   code → number of problems (only codes that occur, in `CODES` order).
    summary:  ready for summary.json (see `check_survey`).
    schema:   the schema checked (auto resolved).
    report:   ready for report.json: {"layer", "schema", "counts", "problems", "summary"}.
    """

    problems: gpd.GeoDataFrame
    counts: dict
    summary: dict
    schema: str
    report: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """One SHA-1 of everything the result holds (problem geometries as WKB): two engines or two
        versions agree when their fingerprints do."""
        h = hashlib.sha1()
        for c in self.problems.columns:
            if c == self.problems.geometry.name:
                h.update(b"".join(b"N" if g is None else shapely.to_wkb(g) for g in self.problems.geometry.values))
            else:
                h.update(repr(self.problems[c].tolist()).encode())
        h.update(json.dumps([self.counts, self.summary, self.report], sort_keys=True, ensure_ascii=False,
                            default=str).encode())
        return h.hexdigest()


def survey_summary(problems, counts, schema: str, n_features: int, crs, report: ReadReport | None,
                   area: np.ndarray, tbmj: np.ndarray | None, ov: OverlapTotals, gaps: GapTotals | None,
                   tol: SurveyTolerances) -> dict:
    """summary.json of a check: `n_features` features in `crs` (the layer's own), `area` their
    ellipsoidal areas and `tbmj` their TBMJ (None when the schema has none), in layer order."""
    sev = problems["severity"].to_numpy(dtype=object)
    by_sev = {s: {} for s in SEVERITIES}
    for (c, s), k in problems.groupby(["code", "severity"]).size().items():
        by_sev.setdefault(s, {})[c] = int(k)
    feat = {f for fid in problems.loc[problems["severity"] == "error", "feature_id"] for f in str(fid).split("/")
            if f not in ("", "…")}
    info = {
        "path": report.path if report is not None else None,
        "layer": report.layer if report is not None else None,
        "crs": report.crs if report is not None else (crs.to_string() if crs else None),
        "schema": schema,
        "n_features": int(n_features),
    }
    return {
        "check": CHECK,
        "schema": schema,
        "layer": info,
        "crs": info["crs"],
        "n_read": int(report.n_read) if report is not None else int(n_features),
        "n_features": int(n_features),
        "n_problems": len(problems),
        "n_errors": int((sev == "error").sum()),
        "n_warnings": int((sev == "warning").sum()),
        "counts": dict(counts),
        "counts_by_severity": by_sev,
        "features_with_errors": len(feat),
        "area_mu": units.area_mu(float(np.sum(area))),
        "area_m2": units.round_half_up(float(np.sum(area)), 2),
        "tbmj_mu": units.area_mu(float(np.nansum(tbmj))) if tbmj is not None else None,
        "n_overlaps": ov.n,
        "overlap_mu": units.area_mu(ov.m2),
        "overlap_m2": units.round_half_up(ov.m2, 2),
        "overlaps_below_tolerance": ov.n_below,
        "overlap_below_tolerance_m2": units.round_half_up(ov.m2_below, 2),
        "n_gaps": gaps.n if gaps is not None else None,
        "gap_mu": units.area_mu(gaps.m2) if gaps is not None else None,
        "gap_m2": units.round_half_up(gaps.m2, 2) if gaps is not None else None,
        "gaps_below_tolerance": gaps.n_below if gaps is not None else None,
        "gap_below_tolerance_m2": units.round_half_up(gaps.m2_below, 2) if gaps is not None else None,
        "holes": {"n": gaps.n_holes, "mu": units.area_mu(gaps.m2_holes)} if gaps is not None else None,
        "tolerances": tol.to_dict(),
    }


def build_report(problems: pd.DataFrame, summary: dict, report: ReadReport | None = None) -> dict:
    """The report.json content: {"layer": {path, layer, crs, schema, n_features}, "schema", "counts",
    "problems": [{code, severity, feature_id, field, value, message, area_m2, lon, lat}], "summary"}.
    Areas rounded half-up to 2 decimals; missing numbers are null."""
    def num(v, nd):
        return None if v is None or not np.isfinite(v) else units.round_half_up(float(v), nd)

    rows = [
        {"code": c, "severity": s, "feature_id": f, "field": fl, "value": v, "message": m,
         "area_m2": num(a, 2), "lon": num(x, 6), "lat": num(y, 6)}
        for c, s, f, fl, v, m, a, x, y in zip(
            problems["code"], problems["severity"], problems["feature_id"], problems["field"], problems["value"],
            problems["message"], problems["area_m2"].to_numpy(dtype="float64"),
            problems["lon"].to_numpy(dtype="float64"), problems["lat"].to_numpy(dtype="float64"))
    ]
    return {
        "layer": summary.get("layer", {}),
        "schema": summary.get("schema"),
        "counts": dict(summary.get("counts", {})),
        "problems": rows,
        "summary": summary,
    }


def exit_status(problems: pd.DataFrame, fail_on: str = "error") -> int:
    """1 when a problem at or above `fail_on` exists (error: errors only; warning: errors or
    warnings; never: always 0), else 0."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}")
    if fail_on == "never" or len(problems) == 0:
        return 0
    levels = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    return int(problems["severity"].isin(levels).any())


def problems_for_output(problems: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Problems as written to files: area_m2 rounded half-up to 2 decimals."""
    out = problems.copy()
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    return out
