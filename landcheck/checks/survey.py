"""Quality check of a delivered survey layer (`landcheck survey`): every problem of the layer as it
was delivered, each with a stable code, a severity, the feature it concerns, a one-line message for a
person and a geometry that locates it. Pure: a GeoDataFrame and its `ReadReport` in, a problems frame,
counts, a summary and a report dict out (no printing, no files).

Schemas (what the layer is, `detect_schema` for `auto`):

* `dltb`     地类图斑 (三调 / 年度变更调查): every check below;
* `farmland` 永久基本农田 (YJJBNTTB / YJJBNTBHTB / JBNTBHTB): its own fields (YJJBNTTBBH, areas, codes
             when present) + geometry + overlaps (no gaps: farmland is not a wall-to-wall coverage);
* `change`   卫片 / 无人机 change patches (JCBH, TBLX, QSX, HSX): its own fields + geometry + overlaps;
* `geometry` any polygon layer: geometry, CRS, overlaps and gaps only.

Codes (see `CODES`): missing_field, no_crs, crs_mismatch, invalid_geometry, empty_geometry,
non_polygon, unknown_code, code_name_mismatch, duplicate_id, overlap, gap, area_mismatch,
tbdlmj_mismatch, invalid_attribute, road_too_wide.

What the reader repaired or dropped (`ReadReport.repaired` / `.dropped`) is reported here as
invalid_geometry / empty_geometry / non_polygon: a delivery with an invalid ring is a defective
delivery even though landcheck can work with it. Geometries passed in without a reader (a frame
built in code) are judged as they are (invalid rings found with `shapely.is_valid_reason`).

Pair and group problems: an overlap is one problem per pair of patches, `feature_id` = "a/b" (the two
ids in file order); a gap lists the patches around it ("a/b/c", at most 6 ids then "/…"); a repeated
BSM is one problem per repeated value (its geometry all the features that carry it).

Geometry work is vectorised shapely 2 in a metric CRS (`units.metric_crs`): the overlap self-join is
`overlay.self_overlaps` (one STRtree query, relate_pattern on the candidate pairs, vectorised
intersection, on threads); gaps are the interior rings of the union of all patches, the union built
from Hilbert-ordered chunks on threads. Every area is ellipsoidal (`units.ellipsoidal_area`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .. import landuse, overlay, units
from ..columns import text_column, text_values
from ..errors import LandcheckError
from ..geometry import repair_polygons
from ..layers import FIELD_ALIASES, ReadReport
from .farmland import with_feature_ids

CHECK = "survey"

SCHEMAS = ("auto", "dltb", "farmland", "change", "geometry")
SEVERITIES = ("error", "warning")
FAIL_ON = ("error", "warning", "never")

#: Columns of the problems frame (plus `geometry`). `feature_id`: the layer's id (BSM or `#n`) of the
#: feature concerned, "a/b" for an overlap, the surrounding patches for a gap, "" for the whole layer.
#: `field`/`value`: the attribute concerned and its delivered value ("" when none). `area_m2`:
#: ellipsoidal area of the problem's geometry (the overlap piece, the gap, the feature), NaN without
#: geometry. `lon`/`lat`: a point locating the problem in EPSG:4490 (the self-intersection of an
#: invalid ring), NaN for layer-level problems.
PROBLEM_COLUMNS = ["code", "severity", "feature_id", "field", "value", "message", "area_m2", "lon", "lat"]

#: Every code, in report order, with what it means.
CODES = {
    "missing_field": "a field the schema requires is absent",
    "no_crs": "no CRS declared (it was inferred from the coordinates)",
    "crs_mismatch": "the declared CRS contradicts the coordinates",
    "invalid_geometry": "invalid ring (self-intersection …): repaired on reading, or dropped when nothing was left",
    "empty_geometry": "feature without geometry (null or empty): dropped",
    "non_polygon": "point or line feature in a polygon layer: dropped",
    "unknown_code": "DLBM not in the 三调 code table (or blank, or not a leaf class)",
    "code_name_mismatch": "DLBM and DLMC name different classes",
    "duplicate_id": "an id that must be unique occurs more than once",
    "overlap": "two patches overlap by more than the tolerance",
    "gap": "a narrow or small hole between patches inside the coverage",
    "area_mismatch": "TBMJ differs from the ellipsoidal area",
    "tbdlmj_mismatch": "KCMJ ≠ TBMJ × KCXS or TBDLMJ (YJJBNTMJ) ≠ TBMJ − KCMJ",
    "invalid_attribute": "an attribute value not allowed (for the class)",
    "road_too_wide": "农村道路 1006 wider than the maximum width",
}

# --------------------------------------------------------------------------------------- field rules
#: 地类图斑 fields (domain.md §2.1): severity when the field is absent. Errors: without them the
#: layer's ids, classes or official areas are not what a 三调 database holds.
DLTB_FIELDS = {
    "BSM": "error", "DLBM": "error", "TBMJ": "error",
    "YSDM": "warning", "TBBH": "warning", "DLMC": "warning", "QSXZ": "warning", "QSDWDM": "warning",
    "QSDWMC": "warning", "ZLDWDM": "warning", "ZLDWMC": "warning", "KCDLBM": "warning", "KCXS": "warning",
    "KCMJ": "warning", "TBDLMJ": "warning", "GDLX": "warning", "GDPDJB": "warning", "ZZSXDM": "warning",
    "CZCSXM": "warning", "SJNF": "warning",
}
#: 永久基本农田 fields (domain.md §2.3; three generations, so only the id is an error).
FARMLAND_FIELDS = {
    "YJJBNTTBBH": "error", "BSM": "warning", "DLBM": "warning", "ZLDWDM": "warning", "TBMJ": "warning",
    "YJJBNTMJ": "warning",
}
#: Change-patch fields (domain.md §5.2).
CHANGE_FIELDS = {"JCBH": "error", "TBLX": "error", "QSX": "warning", "HSX": "warning"}

FIELD_NAMES_ZH = {
    "BSM": "标识码", "YSDM": "要素代码", "TBBH": "图斑编号", "DLBM": "地类编码", "DLMC": "地类名称", "QSXZ": "权属性质",
    "QSDWDM": "权属单位代码", "QSDWMC": "权属单位名称", "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称",
    "TBMJ": "图斑面积", "KCDLBM": "扣除地类编码", "KCXS": "扣除地类系数", "KCMJ": "扣除地类面积", "TBDLMJ": "图斑地类面积",
    "GDLX": "耕地类型", "GDPDJB": "耕地坡度级别", "ZZSXDM": "种植属性代码", "CZCSXM": "城镇村属性码", "SJNF": "数据年份",
    "XZDWKD": "线状地物宽度", "YJJBNTTBBH": "永久基本农田图斑编号", "YJJBNTMJ": "永久基本农田面积",
    "JCBH": "监测编号", "TBLX": "图斑类型", "QSX": "前时相", "HSX": "后时相",
}

#: ZZSXDM 种植属性 of cultivated land (01xx), domain.md §2.2.
PLANTING_CODES = ("LS", "FLS", "LYFL", "XG", "LLJZ", "WG")
#: ZZSXDM 恢复属性 of restorable non-cultivated agricultural land.
RECOVERY_CODES = ("JKHF", "GCHF")
#: 城镇村属性码 values (domain.md §1.1).
CZCSXM_CODES = ("201", "201A", "202", "202A", "203", "203A", "204", "205")
GDLX_CODES = ("TT", "PD")
#: TBXHDM 图斑细化代码 → the classes it refines (domain.md §2.2, code prefixes); 耕地 refinements need
#: ZZSXDM in TBXH_PLANTING.
TBXH_CLASSES = {
    **{x: ("01",) for x in ("HDGD", "HQGD", "LQGD", "MQGD", "SHGD", "SMGD")},
    "LQYD": ("02",), "GCCD": ("0404",),
    **{x: ("0601",) for x in ("HDGY", "GTGY", "MTGY", "SNGY", "BLGY", "DLGY")},
    "FQ": ("0602", "1001", "1003"),
}
TBXH_PLANTING = ("LS", "FLS", "LYFL")
GDPDJB_CODES = ("1", "2", "3", "4", "5")
#: 田坎 as the deducted class (KCDLBM) when KCXS > 0.
TIANKAN = "1203"
#: Change-patch types TBLX (Zhejiang 2026 example, domain.md §5.2): other values are a warning only.
TBLX_CODES = ("01", "1", "02", "2", "03", "3", "04", "4", "20", "YH", "DT", "TD", "DL1", "DL2", "DL3", "TL", "ND",
              "SJ", "CK", "YT", "LD", "GF", "SM", "KT", "SK", "HL", "GQ", "WL", "TP", "QT", "GEF", "ZQC", "JC", "LT",
              "LY", "WH", "TH")

#: Ids joined into one feature_id of a gap, at most.
_GAP_IDS = 6
#: Patches per chunk of the union that finds gaps.
_UNION_CHUNK = 1000
_LOCATION = re.compile(r"\[\s*([-+0-9.eE]+)[ ,]+([-+0-9.eE]+)")


# --------------------------------------------------------------------------------------- tolerances
@dataclass(frozen=True)
class SurveyTolerances:
    """Tolerances of the quality check. Areas in m² (ellipsoidal), widths in metres.

    overlap_tolerance_m2   an overlap of two patches is a problem above this area (rules key
                           `overlap_tolerance_m2`);
    gap_width_m            a hole inside the coverage thinner than this (2 × area / perimeter, about its
                           width) is a gap (features under 2 m wide belong to their neighbours, §1.2);
    gap_area_m2            … and so is any hole smaller than this (the smallest patch 三调 maps is
                           200 m² of construction land); larger, wider holes are not problems (an
                           enclave of another unit) and are only counted in the summary;
    gap_min_area_m2        gaps of at most this area are noise of the coordinates (like overlaps under
                           the overlap tolerance): counted in the summary, not problems;
    area_tolerance_m2/pct  TBMJ must agree with the ellipsoidal area within both (0.1 m² and 0.01 %);
    derived_tolerance_m2   KCMJ = round(TBMJ × KCXS, 2) and TBDLMJ = TBMJ − KCMJ within this;
    max_road_width_m       农村道路 1006 wider than this is 公路用地 1003 / 城镇村道路用地 1004;
    max_kcxs               KCXS (田坎系数) must lie in [0, max_kcxs].
    """

    overlap_tolerance_m2: float = 1.0
    gap_width_m: float = 2.0
    gap_area_m2: float = 200.0
    gap_min_area_m2: float = 1.0
    area_tolerance_m2: float = 0.1
    area_tolerance_pct: float = 0.01
    derived_tolerance_m2: float = 0.01
    max_road_width_m: float = 8.0
    max_kcxs: float = 0.5

    #: rules.toml [thresholds] key of each tolerance (read when present).
    RULES_KEYS = {
        "overlap_tolerance_m2": "overlap_tolerance_m2",
        "gap_width_m": "survey_gap_width_m",
        "gap_area_m2": "survey_gap_area_m2",
        "gap_min_area_m2": "survey_gap_min_area_m2",
        "area_tolerance_m2": "tbmj_tolerance_m2",
        "area_tolerance_pct": "tbmj_tolerance_pct",
        "derived_tolerance_m2": "derived_area_tolerance_m2",
        "max_road_width_m": "rural_road_max_width_m",
        "max_kcxs": "kcxs_max",
    }

    @classmethod
    def from_rules(cls, rules) -> SurveyTolerances:
        """The tolerances from a `config.Rules` ([thresholds] keys in `RULES_KEYS`), defaults elsewhere."""
        thresholds = (getattr(rules, "data", None) or {}).get("thresholds", {})
        values = {}
        for name, key in cls.RULES_KEYS.items():
            if key in thresholds:
                values[name] = float(thresholds[key])
        return cls(**values)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ------------------------------------------------------------------------------------------ results
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


# ---------------------------------------------------------------------------------- schema detection
def _present(columns, canon: str) -> str | None:
    """The column standing for canonical field `canon` (canonical name first, then aliases), or None."""
    by_upper = {str(c).upper(): c for c in columns}
    for name in (canon, *FIELD_ALIASES.get(canon, ())):
        if name.upper() in by_upper:
            return by_upper[name.upper()]
    return None


def detect_schema(columns) -> str:
    """The schema of a layer from its column names (after the reader's alias mapping): `farmland` with
    a farmland patch number (YJJBNTTBBH / JBNTTBBH), `change` with a monitoring number or change type
    (JCBH / TBLX), `dltb` with a land-use code or name (DLBM / DLMC); otherwise LandcheckError."""
    cols = [str(c) for c in columns]
    if _present(cols, "YJJBNTTBBH"):
        return "farmland"
    if _present(cols, "JCBH") or _present(cols, "TBLX"):
        return "change"
    if _present(cols, "DLBM") or _present(cols, "DLMC"):
        return "dltb"
    shown = ", ".join(c for c in cols if c not in ("geometry", "feature_id", "feature_no")) or "(none)"
    raise LandcheckError(
        "cannot tell what kind of layer this is: it has no land-use field (DLBM / DLMC, 地类编码 / 地类名称), "
        "no farmland patch number (YJJBNTTBBH / JBNTTBBH) and no change-patch field (JCBH / TBLX). "
        f"Fields: {shown}. Choose with --schema auto|dltb|farmland|change|geometry "
        "(geometry checks geometry and topology of any polygon layer)."
    )


# ----------------------------------------------------------------------------------------- helpers
def _number(s: pd.Series | None, n: int) -> np.ndarray:
    """A column as float64 (NaN for blank or not a number)."""
    if s is None:
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _fmt(x: float, nd: int = 2) -> str:
    return f"{units.round_half_up(float(x), nd):.{nd}f}"


class _Problems:
    """Collects problems of each check as column arrays; one frame at the end."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, code: str, severity, feature_id, message, *, field_name="", value="", geometry=None,
            area=None, order=None, xy=None) -> None:
        n = len(message)
        if n == 0:
            return
        rep = lambda v, dt=object: np.asarray(v, dtype=dt) if np.ndim(v) else np.full(n, v, dtype=dt)  # noqa: E731
        self.parts.append({
            "code": np.full(n, code, dtype=object),
            "severity": rep(severity),
            "feature_id": rep(feature_id),
            "field": rep(field_name),
            "value": rep(value),
            "message": np.asarray(message, dtype=object),
            "area_m2": rep(np.nan if area is None else area, "float64"),
            "geometry": rep(None) if geometry is None else np.asarray(geometry, dtype=object),
            "order": rep(-1 if order is None else order, "int64"),
            "x": np.full(n, np.nan) if xy is None else np.asarray(xy, dtype="float64")[:, 0],
            "y": np.full(n, np.nan) if xy is None else np.asarray(xy, dtype="float64")[:, 1],
        })

    def frame(self, work_crs, out_crs) -> gpd.GeoDataFrame:
        cols = ["code", "severity", "feature_id", "field", "value", "message", "area_m2", "geometry", "order", "x", "y"]
        if self.parts:
            data = {c: np.concatenate([p[c] for p in self.parts]) for c in cols}
        else:
            data = {c: np.empty(0, dtype="float64" if c in ("area_m2", "x", "y") else
                                ("int64" if c == "order" else object)) for c in cols}
        rank = {c: k for k, c in enumerate(CODES)}
        key = np.array([rank[c] for c in data["code"]], dtype=np.int64)
        idx = np.lexsort((data["order"], key))
        data = {c: v[idx] for c, v in data.items()}
        geoms = data["geometry"]
        # a point locating each problem: the given one (invalid ring), else a point inside its geometry
        x, y = data["x"].copy(), data["y"].copy()
        has_g = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, bool)
        need = has_g & ~np.isfinite(x)
        if need.any():
            pts = shapely.point_on_surface(geoms[need])
            x[need], y[need] = shapely.get_x(pts), shapely.get_y(pts)
        lon, lat = units.to_lonlat(x, y, work_crs)
        df = pd.DataFrame({c: data[c] for c in PROBLEM_COLUMNS if c not in ("lon", "lat")})
        df["lon"] = np.round(lon, 6)
        df["lat"] = np.round(lat, 6)
        for c in ("code", "severity", "feature_id", "field", "value", "message"):
            df[c] = df[c].astype(object)
        gdf = gpd.GeoDataFrame(df[PROBLEM_COLUMNS], geometry=gpd.GeoSeries(geoms, crs=work_crs))
        if out_crs is not None and gdf.crs != out_crs:
            gdf = gdf.to_crs(out_crs)
        return gdf.reset_index(drop=True)


def empty_problems(crs=None) -> gpd.GeoDataFrame:
    """A problems frame with the schema and no rows."""
    return _Problems().frame(crs or "EPSG:4490", crs)


# --------------------------------------------------------------------------------------- the check
#: The fields each schema requires (missing_field).
FIELD_TABLES = {"dltb": DLTB_FIELDS, "farmland": FARMLAND_FIELDS, "change": CHANGE_FIELDS}
#: The ids each schema requires unique (duplicate_id): (id fields, (TBBH, unit) or None).
DUPLICATE_IDS = {"dltb": (("BSM",), ("TBBH", "ZLDWDM")), "farmland": (("BSM", "YJJBNTTBBH"), None),
                 "change": (("BSM", "JCBH"), None)}


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
    schema:     auto | dltb | farmland | change | geometry (see the module doc).
    tolerances: default `SurveyTolerances.from_rules(config.load_rules())`.
    threads:    worker threads of the overlap and union steps (default: all usable cores).

    The summary holds: check, schema, layer, crs, n_read (delivered features), n_features (checked),
    n_problems, n_errors, n_warnings, counts (code → n), counts_by_severity, features_with_errors,
    area_mu (the layer's ellipsoidal area), tbmj_mu (sum of TBMJ, when present), overlap_mu / n_overlaps,
    overlaps_below_tolerance, gap_mu / n_gaps, holes (coverage holes that are not gaps: n, mu),
    tolerances.
    """
    if schema not in SCHEMAS:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema auto|dltb|farmland|change|geometry.")
    if layer.crs is None:
        raise ValueError("the layer needs a CRS (read_layer always sets one)")
    if tolerances is None:
        from ..config import load_rules

        tolerances = SurveyTolerances.from_rules(load_rules())
    layer = with_feature_ids(layer)
    columns = [c for c in layer.columns if c != layer.geometry.name]
    if schema == "auto":
        schema = detect_schema(columns)
    where = f"{report.path}: " if report is not None else ""
    if schema == "dltb" and not (_present(columns, "DLBM") or _present(columns, "DLMC")):
        raise LandcheckError(
            f"{where}the layer has no land-use field (DLBM / DLMC, 地类编码 / 地类名称 …), so it cannot be checked "
            f"as a 地类图斑 layer (--schema dltb). Map your field in landcheck.toml ([layers.survey.fields] "
            f"DLBM = \"…\"), or check its geometry only with --schema geometry."
        )

    out_crs = layer.crs
    work_crs = units.metric_crs(layer.crs, tuple(layer.total_bounds))
    work = layer.to_crs(work_crs) if layer.crs != work_crs else layer
    n = len(work)
    ids = work["feature_id"].astype(str).to_numpy(dtype=object)
    order = np.arange(1, n + 1, dtype=np.int64)  # 1-based feature number, as `#n`
    if "feature_no" in work.columns:
        order = pd.to_numeric(work["feature_no"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    P = _Problems()
    if "DLBM" not in work.columns and "DLMC" in work.columns:  # a frame not from the reader: codes from names
        work = work.assign(DLBM=landuse.normalise_codes([None] * n, work["DLMC"]).codes.to_numpy())

    # -- geometry as it is in the frame, in its own CRS (a layer from the reader holds only valid
    #    polygons); reprojecting may make a near-degenerate ring invalid again: repaired silently
    geoms = np.asarray(work.geometry.to_numpy(), dtype=object)
    own = np.asarray(layer.geometry.to_numpy(), dtype=object)
    usable, invalid = _frame_geometry_problems(P, own, geoms, ids, order, layer.crs, work_crs)
    if work is not layer:
        invalid = invalid.copy()
        invalid[usable] = ~shapely.is_valid(geoms[usable])
    fixed = _repair(geoms, usable, invalid)
    area = units.ellipsoidal_area(fixed, work_crs)

    # -- what the reader saw: CRS, repairs and drops
    _reader_problems(P, report, layer.crs, work_crs, ids, order, fixed, area)

    # -- fields
    present = _delivered_fields(columns, report)
    if schema in FIELD_TABLES:
        _missing_fields(P, FIELD_TABLES[schema], present)
    _feature_checks(P, schema, work, columns, ids, order, fixed, area, tolerances)
    if schema in DUPLICATE_IDS:
        _duplicate_ids(P, work, ids, order, fixed, area, *DUPLICATE_IDS[schema])

    # -- topology
    ov = _overlaps(P, fixed, ids, order, work_crs, tolerances, threads)
    gaps = _gaps(P, fixed, ids, order, work_crs, tolerances, threads) if schema in ("dltb", "geometry") else None

    problems = P.frame(work_crs, out_crs)
    counts = {c: int(k) for c, k in problems["code"].value_counts().items()}
    counts = {c: counts[c] for c in CODES if c in counts}
    summary = _summary(problems, counts, schema, layer, report, area, work, ov, gaps, tolerances)
    rep = build_report(problems, summary, report)
    return SurveyResult(problems=problems, counts=counts, summary=summary, schema=schema, report=rep)


def _feature_checks(P, schema, work, columns, ids, order, geoms, area, tol: SurveyTolerances,
                    decide_unit: bool = True):
    """The field checks of `schema` whose every problem concerns one feature (codes, areas,
    attributes, change-patch fields): any subset of the features gives the same problems for its
    features (so the dask engine runs this per partition), except the one layer-level decision that
    TBMJ is in 亩 or 公顷 (see `_area_checks`; `decide_unit=False` leaves it to the caller). Returns
    `_area_checks`' statistics for that decision (None without TBMJ checks)."""
    stats = None
    if schema == "dltb":
        _code_checks(P, work, ids, order, geoms, area)
        stats = _area_checks(P, work, ids, order, geoms, area, tol, pbf_field=None, decide_unit=decide_unit)
        _attribute_checks(P, work, ids, order, geoms, area, tol)
    elif schema == "farmland":
        if _present(columns, "DLBM") or _present(columns, "DLMC"):
            _code_checks(P, work, ids, order, geoms, area)
        stats = _area_checks(P, work, ids, order, geoms, area, tol, pbf_field=_present(columns, "YJJBNTMJ"),
                             decide_unit=decide_unit)
    elif schema == "change":
        if _present(columns, "DLBM"):
            _code_checks(P, work, ids, order, geoms, area)
        _change_checks(P, work, ids, order, geoms, area)
    return stats


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


# ------------------------------------------------------------------------------- reader's findings
def _reader_problems(P: _Problems, report: ReadReport | None, layer_crs, work_crs, ids, order, geoms, area) -> None:
    """no_crs, crs_mismatch and the reader's repairs and drops. A repaired feature's problem carries its
    repaired geometry; its location (the self-intersection) is the one GEOS named, in the layer's CRS."""
    if report is None:
        return
    if report.crs_source == "inferred":
        P.add("no_crs", "warning", "", [f"未声明坐标系（缺 .prj 或坐标系信息），已按坐标推断为 {report.crs}"
                                       f"（{report.crs_name or ''}）；请在交付数据中补充坐标系"], value=report.crs or "")
    if report.crs_warning:
        sev = "warning" if report.crs_source == "option" else "error"
        P.add("crs_mismatch", sev, "", [f"声明的坐标系与坐标不符：{report.crs_warning}"], value=report.likely_crs or "")
    entries = list(_reader_geometry_entries(report))
    if not entries:
        return
    pos = {}
    for k, fid in enumerate(ids):
        pos.setdefault(fid, k)
    xy = _to_work(np.array([e[4] for e in entries], dtype="float64"), layer_crs, work_crs)
    for (code, sev, fid, msg, _), loc in zip(entries, xy):
        k = pos.get(fid) if code == "invalid_geometry" and "已修复" in msg else None
        P.add(code, sev, [fid], [msg], geometry=np.array([geoms[k] if k is not None else None], dtype=object),
              area=np.array([area[k] if k is not None else np.nan]),
              order=np.array([order[k] if k is not None else _feature_no(fid)]), xy=loc[None, :])


def _feature_no(fid: str) -> int:
    m = re.fullmatch(r"#(\d+)", str(fid))
    return int(m.group(1)) if m else -1


def _location(reason: str) -> tuple[float, float]:
    m = _LOCATION.search(reason or "")
    if not m:
        return (np.nan, np.nan)
    try:
        return (float(m.group(1)), float(m.group(2)))
    except ValueError:
        return (np.nan, np.nan)


def _reader_geometry_entries(report: ReadReport):
    """(code, severity, feature_id, message, (x, y) in the layer's CRS) of every repair and drop."""
    for e in report.repaired:
        reason = str(e.get("reason", ""))
        before, after = e.get("area_before_m2"), e.get("area_after_m2")
        areas = f"（面积 {_fmt(before)} → {_fmt(after)} m²）" if before is not None and after is not None else ""
        yield ("invalid_geometry", "error", str(e["feature_id"]),
               f"几何无效：{reason}；读取时已修复{areas}", _location(reason))
    for e in report.dropped:
        reason = str(e.get("reason", ""))
        fid = str(e["feature_id"])
        if reason.startswith("no geometry") or reason == "empty geometry":
            what = "无几何（null）" if reason.startswith("no geometry") else "空几何"
            yield ("empty_geometry", "error", fid, f"{what}：要素没有图形，已剔除", (np.nan, np.nan))
        elif reason.endswith("not a polygon"):
            yield ("non_polygon", "error", fid, f"不是面要素（{reason.split(',')[0]}），已剔除", (np.nan, np.nan))
        else:
            inner = reason
            m = re.match(r"invalid geometry \((.*)\) with no area left after repair$", reason)
            if m:
                inner = m.group(1)
            yield ("invalid_geometry", "error", fid, f"几何无效：{inner}；修复后没有面积，已剔除", _location(inner))


def _frame_geometry_problems(P: _Problems, geoms: np.ndarray, work_geoms: np.ndarray, ids, order, crs,
                             work_crs, reasons: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Problems of geometries as they are in the frame, judged in its own CRS `crs` (none for a layer
    from the reader): null or empty, not polygonal, invalid (problem geometry from `work_geoms`, the
    same features in the work CRS). Returns (usable: polygonal and not empty, invalid).

    reasons: `shapely.is_valid_reason` of each feature in `crs`, "" where valid, when the geometries
    in `crs` are not at hand (`geoms` may then be `work_geoms`: null, empty and type do not change
    with the CRS)."""
    n = len(geoms)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    missing = shapely.is_missing(geoms)
    empty = np.zeros(n, bool)
    empty[~missing] = shapely.is_empty(geoms[~missing])
    gone = missing | empty
    if gone.any():
        k = np.flatnonzero(gone)
        P.add("empty_geometry", "error", ids[k], ["无几何（null）或空几何"] * len(k), order=order[k])
    tid = np.full(n, -1)
    tid[~gone] = shapely.get_type_id(geoms[~gone])
    nonpoly = ~gone & ~np.isin(tid, (3, 6, 7))
    if nonpoly.any():
        k = np.flatnonzero(nonpoly)
        names = {0: "点", 1: "线", 2: "环", 4: "多点", 5: "多线"}
        P.add("non_polygon", "error", ids[k], [f"不是面要素（{names.get(int(t), t)}）" for t in tid[k]], order=order[k])
    usable = ~gone & ~nonpoly
    invalid = np.zeros(n, bool)
    if reasons is None:
        invalid[usable] = ~shapely.is_valid(geoms[usable])
    else:
        invalid[usable] = np.asarray(reasons, dtype=object)[usable] != ""
    if invalid.any():
        k = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[k]) if reasons is None else np.asarray(reasons, dtype=object)[k]
        xy = _to_work(np.array([_location(r) for r in reasons], dtype="float64").reshape(-1, 2), crs, work_crs)
        P.add("invalid_geometry", "error", ids[k], [f"几何无效：{r}" for r in reasons], geometry=work_geoms[k],
              order=order[k], xy=xy)
    return usable, invalid


def _to_work(xy: np.ndarray, crs, work_crs) -> np.ndarray:
    """(x, y) rows from `crs` to `work_crs` (NaN rows stay NaN)."""
    xy = np.array(xy, dtype="float64").reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    if ok.any() and crs is not None and crs != work_crs:
        t = Transformer.from_crs(crs, work_crs, always_xy=True)
        xy[ok, 0], xy[ok, 1] = t.transform(xy[ok, 0], xy[ok, 1])
    return xy


def _repair(geoms: np.ndarray, usable: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Valid polygonal geometries for the topology steps: invalid ones made valid, collections reduced to
    their polygons, None where nothing usable is left."""
    out = geoms.copy()
    out[~usable] = None
    todo = np.flatnonzero(invalid | (usable & (shapely.get_type_id(geoms) == 7)))
    if len(todo):
        out[todo] = repair_polygons(out[todo])
    return out


# ------------------------------------------------------------------------------------------- fields
def _delivered_fields(columns, report: ReadReport | None) -> set[str]:
    """Canonical fields the file delivered. The reader derives DLBM from DLMC names when the file has
    no code, so DLBM counts only when the reader mapped it from a field of the file."""
    present = set()
    for canon in set(DLTB_FIELDS) | set(FARMLAND_FIELDS) | set(CHANGE_FIELDS):
        if _present(columns, canon) is None:
            continue
        if canon == "DLBM" and report is not None and "DLBM" not in report.field_map:
            continue
        present.add(canon)
    return present


def _missing_fields(P: _Problems, table: dict, present: set[str]) -> None:
    for name, sev in table.items():
        if name in present:
            continue
        zh = FIELD_NAMES_ZH.get(name, "")
        note = ""
        if name == "DLBM":
            note = "；编码已按地类名称 DLMC 推得" if "DLMC" in present else ""
        if name == "BSM":
            note = "；问题按要素序号 #n 标识"
        P.add("missing_field", sev, "", [f"缺少字段 {name}（{zh}）{note}"], field_name=name)


def _code_checks(P, work, ids, order, geoms, area) -> None:
    """unknown_code and code_name_mismatch (DLBM as normalised by the reader)."""
    codes = text_column(work, "DLBM")
    names = text_column(work, "DLMC")
    table = landuse.code_table()
    uniq = pd.unique(codes)
    known = {c: c in table for c in uniq}
    is_known = np.array([known[c] for c in codes], dtype=bool)
    blank = codes == ""
    k = np.flatnonzero(blank)
    if len(k):
        msgs = ["地类编码为空" + (f"，地类名称“{nm}”不是已知地类" if nm else "") for nm in names[k]]
        P.add("unknown_code", "error", ids[k], msgs, field_name="DLBM", value="", geometry=geoms[k],
              area=area[k], order=order[k])
    k = np.flatnonzero(~blank & ~is_known)
    if len(k):
        P.add("unknown_code", "error", ids[k], [f"地类编码 {c} 不在三调工作分类代码表中" for c in codes[k]],
              field_name="DLBM", value=codes[k], geometry=geoms[k], area=area[k], order=order[k])
    # a grouping (01, 20 …; 三调 uses 09 itself as a leaf) or a 城镇村属性码 (201–205) given as the class
    def not_leaf(c):
        e = table.get(c)
        return e is not None and ((len(c) == 2 and c != "09") or e.parent == "20")
    nl = {c: not_leaf(c) for c in uniq}
    k = np.flatnonzero(np.array([nl[c] for c in codes], dtype=bool))
    if len(k):
        msgs = [f"地类编码 {c}（{table[c].name_zh}）" + ("是城镇村属性码（二调地类），三调中应填地类编码并在 CZCSXM 标注"
                                                   if table[c].parent == "20" else "是一级类，不是可填的地类")
                for c in codes[k]]
        P.add("unknown_code", "warning", ids[k], msgs, field_name="DLBM", value=codes[k], geometry=geoms[k],
              area=area[k], order=order[k])
    # DLBM vs DLMC
    if "DLMC" not in work.columns:
        return
    pairs = pd.DataFrame({"c": codes, "m": names}).drop_duplicates()
    bad_pairs = set()
    for c, m in zip(pairs["c"], pairs["m"]):
        if c == "" or m == "" or c not in table:
            continue
        if not _name_fits(c, m):
            bad_pairs.add((c, m))
    if not bad_pairs:
        return
    k = np.flatnonzero(np.array([(c, m) in bad_pairs for c, m in zip(codes, names)], dtype=bool))
    msgs = [f"地类编码 {c}（{table[c].name_zh}）与地类名称“{m}”不符" for c, m in zip(codes[k], names[k])]
    P.add("code_name_mismatch", "error", ids[k], msgs, field_name="DLMC", value=names[k], geometry=geoms[k],
          area=area[k], order=order[k])


def _name_fits(code: str, name: str) -> bool:
    """True when `name` names the class `code`: its own name, a name (incl. 二调-era) that maps to it,
    or for a suffixed code (0201K, 1104A) the name of its parent class."""
    entry = landuse.lookup(code)
    if entry is None:
        return True
    if name == entry.name_zh or landuse.code_for_name(name) == code:
        return True
    if re.fullmatch(r".+[KA]", code):
        parent = code[:-1]
        if name == landuse.name_of(parent) or landuse.code_for_name(name) == parent:
            return True
    return False


def _duplicate_ids(P, work, ids, order, geoms, area, id_fields, within) -> None:
    """duplicate_id: each id field repeated (one problem per repeated value); TBBH repeated within one
    ZLDWDM (a warning: 图斑编号 is numbered per 村级调查区)."""
    for name in id_fields:
        col = _present([c for c in work.columns], name)
        if col is None:
            continue
        vals = text_values(work[col])
        filled = vals != ""
        s = pd.Series(vals[filled])
        dup = s[s.duplicated(keep=False)]
        if dup.empty:
            continue
        pos = np.flatnonzero(filled)[dup.index.to_numpy()]
        _group_problems(P, vals[pos], pos, ids, order, geoms, area,
                        sev="error" if name in ("BSM", "JCBH") else "warning", field_name=name,
                        label=f"{name}（{FIELD_NAMES_ZH.get(name, '')}）", fid_is_value=(name == "BSM"))
    if within and all(_present(list(work.columns), f) for f in within):
        tb = text_values(work[_present(list(work.columns), within[0])])
        unit = text_values(work[_present(list(work.columns), within[1])])
        filled = tb != ""
        key = pd.Series(unit[filled] + "\x00" + tb[filled])
        dup = key[key.duplicated(keep=False)]
        if not dup.empty:
            pos = np.flatnonzero(filled)[dup.index.to_numpy()]
            _group_problems(P, key.to_numpy(dtype=object)[dup.index.to_numpy()], pos, ids, order, geoms, area,
                            sev="warning", field_name=within[0],
                            label=f"{within[0]}（{FIELD_NAMES_ZH.get(within[0], '')}）在同一 {within[1]} 内",
                            fid_is_value=False, shown=tb)


def _group_problems(P, keys, pos, ids, order, geoms, area, *, sev, field_name, label, fid_is_value, shown=None):
    """One problem per repeated key: geometry = all its features, feature_id = the value (BSM) or the
    features' ids joined by '/'."""
    df = pd.DataFrame({"key": keys, "pos": pos}).sort_values(["key", "pos"], kind="stable")
    groups = df.groupby("key", sort=False)["pos"].apply(list)
    fids, msgs, vals, gs, ars, ords = [], [], [], [], [], []
    for key, members in groups.items():
        members = sorted(members, key=lambda p: order[p])
        value = str(shown[members[0]]) if shown is not None else str(key)
        where = "、".join(ids[p] if not fid_is_value else f"第 {order[p]} 个要素" for p in members[:8])
        more = "…" if len(members) > 8 else ""
        fids.append(value if fid_is_value else "/".join(ids[p] for p in members))
        msgs.append(f"{label} {value} 重复 {len(members)} 次（{where}{more}）")
        vals.append(value)
        parts = [geoms[p] for p in members if geoms[p] is not None]
        gs.append(shapely.union_all(parts) if 1 < len(parts) <= 16 else
                  (parts[0] if len(parts) == 1 else (shapely.multipolygons(shapely.get_parts(parts)) if parts else None)))
        ars.append(float(np.sum(area[members])))
        ords.append(int(order[members[0]]))
    P.add("duplicate_id", sev, fids, msgs, field_name=field_name, value=vals, geometry=np.array(gs, dtype=object),
          area=np.array(ars), order=np.array(ords))


def _area_checks(P, work, ids, order, geoms, area, tol: SurveyTolerances, pbf_field: str | None,
                 decide_unit: bool = True) -> tuple[int, int, np.ndarray] | None:
    """area_mismatch (TBMJ vs ellipsoidal area) and tbdlmj_mismatch (KCMJ, TBDLMJ / YJJBNTMJ).

    Whether TBMJ is in 亩 or 公顷 is decided on the whole layer (`_tbmj_unit`); with
    `decide_unit=False` every mismatching feature is a problem and the caller decides from the
    returned (mismatches, candidates, TBMJ / area of the candidates), summed over its parts."""
    n = len(work)
    cols = list(work.columns)
    col = _present(cols, "TBMJ")
    if col is None:
        return None
    raw = work[col]
    tbmj = _number(raw, n)
    measured = area
    ok_geom = ~shapely.is_missing(geoms)
    bad_value = ~np.isfinite(tbmj) & ok_geom
    if bad_value.any():
        k = np.flatnonzero(bad_value)
        P.add("invalid_attribute", "error", ids[k], [f"图斑面积 {col} 为空或不是数值（“{v}”）" for v in text_values(raw)[k]],
              field_name="TBMJ", value=text_values(raw)[k], geometry=geoms[k], area=area[k], order=order[k])
    diff = tbmj - measured
    limit = np.maximum(tol.area_tolerance_m2, measured * tol.area_tolerance_pct / 100.0)
    mismatch = np.isfinite(diff) & ok_geom & (np.abs(diff) > limit)
    # TBMJ in 亩 or 公顷 instead of m²: one layer-level problem instead of one per patch
    cand = np.isfinite(tbmj) & ok_geom & (measured > 0)
    stats = (int(mismatch.sum()), int(cand.sum()), tbmj[cand] / measured[cand])
    unit, ratio = _tbmj_unit(*stats) if decide_unit else (None, None)
    if unit:
        _tbmj_unit_problem(P, col, unit, ratio)
    elif mismatch.any():
        k = np.flatnonzero(mismatch)
        msgs = [f"图斑面积 TBMJ {_fmt(t)} m² 与椭球面积 {_fmt(m)} m² 相差 {_fmt(d)} m²（{_fmt(abs(d) / m * 100 if m else 0, 3)} %）"
                for t, m, d in zip(tbmj[k], measured[k], diff[k])]
        P.add("area_mismatch", "warning", ids[k], msgs, field_name="TBMJ", value=[_fmt(t) for t in tbmj[k]],
              geometry=geoms[k], area=area[k], order=order[k])
    # derived areas
    eps = tol.derived_tolerance_m2 + 1e-6
    kcxs_col, kcmj_col = _present(cols, "KCXS"), _present(cols, "KCMJ")
    kcxs = _number(work[kcxs_col], n) if kcxs_col else np.full(n, np.nan)
    kcmj = _number(work[kcmj_col], n) if kcmj_col else np.full(n, np.nan)
    if kcxs_col and kcmj_col:
        expect = np.round(tbmj * kcxs, 2)
        bad = np.isfinite(expect) & np.isfinite(kcmj) & (np.abs(kcmj - expect) > eps)
        k = np.flatnonzero(bad)
        P.add("tbdlmj_mismatch", "error", ids[k],
              [f"扣除地类面积 KCMJ {_fmt(a)} ≠ TBMJ × KCXS = {_fmt(t)} × {x:g} = {_fmt(e)}"
               for a, t, x, e in zip(kcmj[k], tbmj[k], kcxs[k], expect[k])],
              field_name="KCMJ", value=[_fmt(a) for a in kcmj[k]], geometry=geoms[k], area=area[k], order=order[k])
    if not kcmj_col and kcxs_col:
        kcmj = np.round(tbmj * np.nan_to_num(kcxs), 2)
    if not kcmj_col and not kcxs_col:
        kcmj = np.zeros(n)
    for name in (["TBDLMJ"] if pbf_field is None else []) + ([pbf_field] if pbf_field else []):
        c = _present(cols, name) if name == "TBDLMJ" else name
        if c is None:
            continue
        v = _number(work[c], n)
        expect = tbmj - np.nan_to_num(kcmj)
        bad = np.isfinite(v) & np.isfinite(expect) & (np.abs(v - expect) > eps)
        k = np.flatnonzero(bad)
        label = "图斑地类面积 TBDLMJ" if name == "TBDLMJ" else f"永久基本农田面积 {c}"
        P.add("tbdlmj_mismatch", "error", ids[k],
              [f"{label} {_fmt(a)} ≠ TBMJ − KCMJ = {_fmt(t)} − {_fmt(km)} = {_fmt(e)}"
               for a, t, km, e in zip(v[k], tbmj[k], np.nan_to_num(kcmj[k]), expect[k])],
              field_name="TBDLMJ" if name == "TBDLMJ" else "YJJBNTMJ", value=[_fmt(a) for a in v[k]],
              geometry=geoms[k], area=area[k], order=order[k])
    return stats


def _tbmj_unit(n_mismatch: int, n_cand: int, ratios: np.ndarray) -> tuple[str | None, float | None]:
    """(亩 or 公顷, the median TBMJ / area) when most features mismatch because TBMJ is in that unit,
    else (None, None). n_mismatch, n_cand and `ratios` (of the candidates, any order) come from
    `_area_checks` over the whole layer."""
    unit = ratio = None
    if n_mismatch > 0.5 * max(n_cand, 1) and n_cand >= 3:
        ratio = float(np.median(ratios))
        for label, factor in (("亩", 15.0 / 10000.0), ("公顷", 1.0 / 10000.0)):
            if abs(ratio / factor - 1) < 0.02:
                unit = label
    return unit, ratio


def _tbmj_unit_problem(P, col: str, unit: str, ratio: float) -> None:
    """The one layer-level area_mismatch of a TBMJ in 亩 or 公顷 (no per-feature comparison)."""
    P.add("area_mismatch", "error", "", [f"图斑面积 {col} 似乎以{unit}而不是平方米为单位（中位比值 {ratio:.6f}），"
                                          f"未逐图斑比较"], field_name="TBMJ", value=unit)


def _clean_codes(values: np.ndarray) -> np.ndarray:
    """`landuse.clean_code` of each value ('' for none), computed once per distinct value."""
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([landuse.clean_code(u) or "" for u in uniq], dtype=object)[inv.ravel()]


def _restorable(code: str) -> bool:
    """Non-cultivated agricultural land that may carry 恢复属性 JKHF/GCHF (domain.md §2.2)."""
    base = code[:-1] if code.endswith(("K", "A")) else code
    return base[:2] in ("02", "03") or base in ("0401", "0403", "0404") or base.startswith("1104")


def _construction(code: str) -> bool:
    e = landuse.lookup(code)
    return e is not None and e.in_pbf == "non_farm"


def _attribute_checks(P, work, ids, order, geoms, area, tol: SurveyTolerances) -> None:
    """invalid_attribute (ZZSXDM, KCXS/KCDLBM, CZCSXM, GDLX, GDPDJB, TBXHDM) and road_too_wide (1006)."""
    n = len(work)
    cols = list(work.columns)
    codes = text_column(work, "DLBM")
    cult = np.array([c.startswith("01") for c in codes], dtype=bool) if n else np.zeros(0, bool)
    uniq = pd.unique(codes)
    rest_map = {c: _restorable(c) for c in uniq}
    cons_map = {c: _construction(c) for c in uniq}
    restorable = np.array([rest_map[c] for c in codes], dtype=bool)
    # 可调整地类 (0201K …, converted from cultivated land, plough layer intact) may keep 耕地 attributes
    adjustable = np.array([c.endswith("K") for c in codes], dtype=bool) if n else np.zeros(0, bool)
    tiankan_ok = cult | adjustable
    construction = np.array([cons_map[c] for c in codes], dtype=bool)

    def add(mask, sev, name, values, msg_fn):
        k = np.flatnonzero(mask)
        if len(k):
            P.add("invalid_attribute", sev, ids[k], [msg_fn(codes[i], values[i]) for i in k], field_name=name,
                  value=values[k], geometry=geoms[k], area=area[k], order=order[k])

    col = _present(cols, "ZZSXDM")
    if col is not None:
        z = np.array([v.upper() for v in text_values(work[col])], dtype=object)
        blank = z == ""
        add(cult & ~blank & ~np.isin(z, PLANTING_CODES), "error", "ZZSXDM", z,
            lambda c, v: f"耕地 {c} 的种植属性代码 ZZSXDM “{v}” 不是 {'/'.join(PLANTING_CODES)} 之一")
        add(cult & blank, "warning", "ZZSXDM", z, lambda c, v: f"耕地 {c} 未填种植属性代码 ZZSXDM")
        add(restorable & ~blank & ~np.isin(z, RECOVERY_CODES), "error", "ZZSXDM", z,
            lambda c, v: f"地类 {c} 的 ZZSXDM 只能为恢复属性 JKHF/GCHF 或空，不能是 “{v}”")
        add(~cult & ~restorable & ~blank, "error", "ZZSXDM", z,
            lambda c, v: f"地类 {c or '（空）'} 不应填种植属性代码 ZZSXDM（“{v}”）：只用于耕地及可恢复的园地/林地/草地/坑塘")
    col = _present(cols, "KCXS")
    if col is not None:
        text = text_values(work[col])
        x = _number(work[col], n)
        notnum = (text != "") & ~np.isfinite(x)
        add(notnum, "error", "KCXS", text, lambda c, v: f"扣除地类系数 KCXS “{v}” 不是数值")
        out = np.isfinite(x) & ((x < 0) | (x > tol.max_kcxs))
        add(out, "error", "KCXS", text, lambda c, v: f"扣除地类系数 KCXS {v} 超出允许范围 0–{tol.max_kcxs:g}")
        pos = np.isfinite(x) & (x > 0) & ~out
        add(pos & ~tiankan_ok, "error", "KCXS", text,
            lambda c, v: f"地类 {c or '（空）'} 不是耕地，不应扣除田坎（KCXS {v}）")
        kc = _present(cols, "KCDLBM")
        if kc is not None:
            kd = text_values(work[kc])
            kd = _clean_codes(kd)
            add(pos & tiankan_ok & (kd != TIANKAN), "error", "KCDLBM", kd,
                lambda c, v: f"扣除田坎（KCXS > 0）时扣除地类编码 KCDLBM 应为 1203 田坎，而不是 “{v or '空'}”")
    col = _present(cols, "CZCSXM")
    if col is not None:
        v = _clean_codes(text_values(work[col]))
        blank = v == ""
        add(~blank & ~np.isin(v, CZCSXM_CODES), "error", "CZCSXM", v,
            lambda c, t: f"城镇村属性码 CZCSXM “{t}” 不是 {'/'.join(CZCSXM_CODES)} 之一")
        industrial = np.array([t.endswith("A") for t in v], dtype=bool) if n else np.zeros(0, bool)
        add(~blank & np.isin(v, CZCSXM_CODES) & industrial & ~construction, "error", "CZCSXM", v,
            lambda c, t: f"{t}（独立工业用地）只用于建设用地，地类 {c or '（空）'} 不是")
        settlement = np.array([c[:2] in ("05", "06", "07", "08") or c in ("09", "1004", "1005", "1201") for c in codes],
                              dtype=bool)
        add(blank & settlement, "warning", "CZCSXM", v, lambda c, t: f"建设用地 {c} 未填城镇村属性码 CZCSXM（城镇村范围内必填）")
    col = _present(cols, "GDLX")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        add((v != "") & ~np.isin(v, GDLX_CODES), "error", "GDLX", v,
            lambda c, t: f"耕地类型 GDLX “{t}” 不是 TT（梯田）/PD（坡地）或空")
        add((v != "") & ~tiankan_ok & np.isin(v, GDLX_CODES), "error", "GDLX", v,
            lambda c, t: f"地类 {c or '（空）'} 不是耕地，不应填耕地类型 GDLX（“{t}”）")
    col = _present(cols, "GDPDJB")
    if col is not None:
        v = text_values(work[col])
        add((v != "") & ~np.isin(v, GDPDJB_CODES), "error", "GDPDJB", v,
            lambda c, t: f"耕地坡度级别 GDPDJB “{t}” 不是 1–5")
    col = _present(cols, "TBXHDM")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        given = v != ""
        known = np.isin(v, list(TBXH_CLASSES))
        add(given & ~known, "error", "TBXHDM", v,
            lambda c, t: f"图斑细化代码 TBXHDM “{t}” 不是 {'/'.join(TBXH_CLASSES)} 之一")
        fits = np.array([any(c.startswith(p) for p in TBXH_CLASSES.get(x, ())) for c, x in zip(codes, v)], dtype=bool)
        add(given & known & ~fits, "error", "TBXHDM", v,
            lambda c, t: f"图斑细化代码 {t} 只用于地类 {'/'.join(TBXH_CLASSES[t])}，不用于 {c or '（空）'}")
        zcol = _present(cols, "ZZSXDM")
        if zcol is not None:
            z = np.array([s.upper() for s in text_values(work[zcol])], dtype=object)
            add(given & fits & cult & ~np.isin(z, TBXH_PLANTING), "error", "TBXHDM", v,
                lambda c, t: f"细化耕地 {t} 的种植属性代码 ZZSXDM 应为 {'/'.join(TBXH_PLANTING)} 之一")
    col = _present(cols, "XZDWKD")
    if col is not None:
        w = _number(work[col], n)
        wide = (codes == "1006") & np.isfinite(w) & (w > tol.max_road_width_m)
        k = np.flatnonzero(wide)
        if len(k):
            P.add("road_too_wide", "error", ids[k],
                  [f"农村道路 1006 宽 {x:g} m，超过 {tol.max_road_width_m:g} m：按定义应为公路用地 1003 或城镇村道路用地 1004"
                   for x in w[k]], field_name="XZDWKD", value=[f"{x:g}" for x in w[k]], geometry=geoms[k],
                  area=area[k], order=order[k])


def _change_checks(P, work, ids, order, geoms, area) -> None:
    """Change patches: TBLX in the known list (warning: provinces differ), QSX/HSX dates, QSX ≤ HSX."""
    cols = list(work.columns)
    col = _present(cols, "TBLX")
    if col is not None:
        v = np.array([t.upper() for t in text_values(work[col])], dtype=object)
        k = np.flatnonzero(v == "")
        if len(k):
            P.add("invalid_attribute", "error", ids[k], ["图斑类型 TBLX 为空"] * len(k), field_name="TBLX", value="",
                  geometry=geoms[k], area=area[k], order=order[k])
        k = np.flatnonzero((v != "") & ~np.isin(v, TBLX_CODES))
        if len(k):
            P.add("invalid_attribute", "warning", ids[k], [f"图斑类型 TBLX “{t}” 不在常见类型中" for t in v[k]],
                  field_name="TBLX", value=v[k], geometry=geoms[k], area=area[k], order=order[k])
    dates = {}
    for name in ("QSX", "HSX"):
        col = _present(cols, name)
        if col is None:
            continue
        raw = work[col]
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            d = pd.to_datetime(raw, errors="coerce")
            text = text_values(raw.astype("string"))
        else:
            text = text_values(raw)
            clean = pd.Series([re.sub(r"[^0-9]", "", t) for t in text], dtype=object)
            d = pd.to_datetime(clean.where(clean.str.len() == 8), format="%Y%m%d", errors="coerce")
        dates[name] = d.to_numpy()
        bad = (text != "") & pd.isna(d).to_numpy()
        k = np.flatnonzero(bad)
        if len(k):
            P.add("invalid_attribute", "error", ids[k],
                  [f"{FIELD_NAMES_ZH[name]} {name} “{t}” 不是日期（YYYYMMDD）" for t in text[k]], field_name=name,
                  value=text[k], geometry=geoms[k], area=area[k], order=order[k])
    if len(dates) == 2:
        q, h = dates["QSX"], dates["HSX"]
        bad = ~pd.isna(q) & ~pd.isna(h) & (q > h)
        k = np.flatnonzero(bad)
        if len(k):
            P.add("invalid_attribute", "error", ids[k],
                  [f"前时相 {pd.Timestamp(a):%Y%m%d} 晚于后时相 {pd.Timestamp(b):%Y%m%d}" for a, b in zip(q[k], h[k])],
                  field_name="QSX", value=[f"{pd.Timestamp(a):%Y%m%d}" for a in q[k]], geometry=geoms[k],
                  area=area[k], order=order[k])


# ----------------------------------------------------------------------------------------- topology
@dataclass
class _Overlaps:
    n: int = 0
    m2: float = 0.0
    n_below: int = 0
    m2_below: float = 0.0


def _overlaps(P, geoms, ids, order, crs, tol: SurveyTolerances, threads) -> _Overlaps:
    """One problem per pair of patches overlapping by more than the tolerance (ellipsoidal)."""
    ok = ~shapely.is_missing(geoms)
    idx = np.flatnonzero(ok)
    res = _Overlaps()
    if len(idx) < 2:
        return res
    i, j, piece = overlay.self_overlaps(geoms[idx], threads=threads)
    return _overlap_problems(P, idx[i], idx[j], piece, geoms, ids, order, crs, tol, len(geoms))


def _overlap_problems(P, i, j, piece, geoms, ids, order, crs, tol: SurveyTolerances, n_features: int) -> _Overlaps:
    """The overlap problems and totals of the pairs (i, j) of `overlay.self_overlaps` (positions in
    geoms/ids/order, i before j in the layer, sorted by (i, j); `piece` their overlap); n_features:
    the number of features of the layer (it spaces the pairs' sort key)."""
    res = _Overlaps()
    if len(i) == 0:
        return res
    a = units.ellipsoidal_area(piece, crs)
    big = a > tol.overlap_tolerance_m2
    res.n_below, res.m2_below = int((~big).sum()), float(a[~big].sum())
    i, j, piece, a = i[big], j[big], piece[big], a[big]
    res.n, res.m2 = int(len(i)), float(a.sum())
    if len(i) == 0:
        return res
    # file order inside the pair
    swap = order[i] > order[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    ai = units.ellipsoidal_area(geoms[i], crs)
    aj = units.ellipsoidal_area(geoms[j], crs)
    lo, hi = np.minimum(ai, aj), np.maximum(ai, aj)
    inside = a >= 0.999 * lo
    same = inside & (a >= 0.999 * hi)

    def note(p, q, w, d, x_in_y):
        if d:
            return "（两个图斑几乎相同，可能是重复图斑）"
        if w:
            return f"（图斑 {ids[p] if x_in_y else ids[q]} 完全落在 {ids[q] if x_in_y else ids[p]} 之内）"
        return ""

    msgs = [f"图斑 {ids[p]} 与 {ids[q]} 重叠 {_fmt(x)} m²" + note(p, q, w, d, u <= v)
            for p, q, x, w, d, u, v in zip(i, j, a, inside, same, ai, aj)]
    fids = [f"{ids[p]}/{ids[q]}" for p, q in zip(i, j)]
    P.add("overlap", "error", fids, msgs, geometry=piece, area=a, order=order[i] * (n_features + 1) + order[j])
    return res


@dataclass
class _Gaps:
    n: int = 0
    m2: float = 0.0
    n_below: int = 0
    m2_below: float = 0.0
    n_holes: int = 0
    m2_holes: float = 0.0


def coverage_union(geoms: np.ndarray, threads: int | None = None) -> object:
    """Union of polygons (None skipped): Hilbert-ordered chunks of ~1000 united on threads, then the
    chunks' unions united (about 2× faster than one `union_all` on a township, and threadable)."""
    g = geoms[~shapely.is_missing(geoms)]
    if len(g) == 0:
        return shapely.Polygon()
    if len(g) <= 2 * _UNION_CHUNK:
        return shapely.union_all(g)
    h = gpd.GeoSeries(g).hilbert_distance().to_numpy()
    rank = np.empty(len(g), dtype=np.int64)
    rank[np.argsort(h, kind="stable")] = np.arange(len(g))
    grp = rank // _UNION_CHUNK
    parts = overlay.union_by(g, grp, int(grp.max()) + 1, threads=threads)
    return shapely.union_all(parts[~shapely.is_missing(parts)])


def coverage_holes(union) -> np.ndarray:
    """The holes of a (Multi)Polygon as polygons, each without the islands inside it (parts of the
    union lying in the hole)."""
    parts = shapely.get_parts(union)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return np.empty(0, dtype=object)
    nint = shapely.get_num_interior_rings(parts)
    has = np.flatnonzero(nint > 0)
    if len(has) == 0:
        return np.empty(0, dtype=object)
    rings, which = shapely.get_rings(parts[has], return_index=True)
    first = np.r_[True, which[1:] != which[:-1]]
    holes = shapely.polygons(rings[~first])
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    hi, si = shapely.STRtree(shells).query(holes, predicate="contains")
    if len(hi):
        inside = overlay.group_union(shells[si], hi, len(holes))
        sub = ~shapely.is_missing(inside)
        holes = holes.copy()
        holes[sub] = shapely.difference(holes[sub], inside[sub])
    return holes


def _gaps(P, geoms, ids, order, crs, tol: SurveyTolerances, threads) -> _Gaps:
    """Gaps: holes of the union of all patches thinner than gap_width_m or smaller than gap_area_m2, and
    larger than gap_min_area_m2 (warning). Other holes are counted in the summary only."""
    res = _Gaps()
    ok = ~shapely.is_missing(geoms)
    if ok.sum() < 2:
        return res
    holes = coverage_holes(coverage_union(geoms, threads))
    res, holes, a, width = _gap_holes(holes, crs, tol)
    if len(holes) == 0:
        return res
    idx = np.flatnonzero(ok)
    gi, pi = shapely.STRtree(geoms[idx]).query(holes, predicate="intersects")
    _gap_rows(P, holes, a, width, gi, idx[pi], ids, order)
    return res


def _gap_holes(holes: np.ndarray, crs, tol: SurveyTolerances) -> tuple[_Gaps, np.ndarray, np.ndarray, np.ndarray]:
    """The totals of the coverage holes (`coverage_holes`) and the gaps among them: (totals, gap
    polygons, their ellipsoidal areas, their widths)."""
    res = _Gaps()
    holes = holes[~shapely.is_missing(holes) & ~shapely.is_empty(holes)] if len(holes) else holes
    if len(holes) == 0:
        return res, holes, np.empty(0), np.empty(0)
    a = units.ellipsoidal_area(holes, crs)
    width = overlay.thinness(holes)
    gap = (width < tol.gap_width_m) | (a < tol.gap_area_m2)
    res.n_holes, res.m2_holes = int((~gap).sum()), float(a[~gap].sum())
    noise = gap & (a <= tol.gap_min_area_m2)
    res.n_below, res.m2_below = int(noise.sum()), float(a[noise].sum())
    gap &= ~noise
    holes, a, width = holes[gap], a[gap], width[gap]
    res.n, res.m2 = int(len(holes)), float(a.sum())
    return res, holes, a, width


def _gap_rows(P, holes, a, width, gi, pi, ids, order) -> None:
    """One gap problem per hole, naming the patches around it: (gi, pi) the pairs (hole, patch
    position in ids/order) of the patches that intersect a hole, in any order."""
    by_gap: dict[int, list[int]] = {}
    for g_, p_ in zip(gi, pi):
        by_gap.setdefault(int(g_), []).append(int(p_))
    fids, first = [], []
    for k in range(len(holes)):
        members = sorted(by_gap.get(k, []), key=lambda p: order[p])
        shown = [ids[p] for p in members[:_GAP_IDS]]
        fids.append("/".join(shown) + ("/…" if len(members) > _GAP_IDS else ""))
        first.append(order[members[0]] if members else -1)
    msgs = [f"图斑之间有缝隙 {_fmt(x)} m²（宽约 {_fmt(w, 3)} m）" + (f"，周边图斑 {f}" if f else "")
            for x, w, f in zip(a, width, fids)]
    pts = shapely.point_on_surface(holes)
    P.add("gap", "warning", fids, msgs, geometry=holes, area=a, order=np.array(first, dtype=np.int64),
          xy=np.column_stack([shapely.get_x(pts), shapely.get_y(pts)]))


# ------------------------------------------------------------------------------------------ summary
def _summary(problems, counts, schema, layer, report, area, work, ov: _Overlaps, gaps: _Gaps | None,
             tol: SurveyTolerances) -> dict:
    sev = problems["severity"].to_numpy(dtype=object)
    by_sev = {s: {} for s in SEVERITIES}
    for (c, s), k in problems.groupby(["code", "severity"]).size().items():
        by_sev.setdefault(s, {})[c] = int(k)
    feat = {f for fid in problems.loc[problems["severity"] == "error", "feature_id"] for f in str(fid).split("/")
            if f not in ("", "…")}
    tbmj_col = _present(list(work.columns), "TBMJ") if schema in ("dltb", "farmland") else None
    tbmj = _number(work[tbmj_col], len(work)) if tbmj_col else None
    info = {
        "path": report.path if report is not None else None,
        "layer": report.layer if report is not None else None,
        "crs": report.crs if report is not None else (layer.crs.to_string() if layer.crs else None),
        "schema": schema,
        "n_features": int(len(layer)),
    }
    return {
        "check": CHECK,
        "schema": schema,
        "layer": info,
        "crs": info["crs"],
        "n_read": int(report.n_read) if report is not None else int(len(layer)),
        "n_features": int(len(layer)),
        "n_problems": int(len(problems)),
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
