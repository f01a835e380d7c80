"""What each kind of survey layer must hold: its fields, the codes its fields may take, the
tolerances of the check, and how a layer's kind is told from its columns.

Facts only: no problem is raised here (the check modules read these tables).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ...errors import LandcheckError
from ...layers import FIELD_ALIASES

CHECK = "survey"

SCHEMAS = ("auto", "dltb", "farmland", "change", "geometry")
SEVERITIES = ("error", "warning")
FAIL_ON = ("error", "warning", "never")

#: 地类图斑 fields (三调 database standard): severity when the field is absent. Errors: without them
#: the layer's ids, classes or official areas are not what a 三调 database holds.
DLTB_FIELDS = {
    "BSM": "error", "DLBM": "error", "TBMJ": "error",
    "YSDM": "warning", "TBBH": "warning", "DLMC": "warning", "QSXZ": "warning", "QSDWDM": "warning",
    "QSDWMC": "warning", "ZLDWDM": "warning", "ZLDWMC": "warning", "KCDLBM": "warning", "KCXS": "warning",
    "KCMJ": "warning", "TBDLMJ": "warning", "GDLX": "warning", "GDPDJB": "warning", "ZZSXDM": "warning",
    "CZCSXM": "warning", "SJNF": "warning",
}
#: 永久基本农田 fields (three generations of the standard, so only the id is an error).
FARMLAND_FIELDS = {
    "YJJBNTTBBH": "error", "BSM": "warning", "DLBM": "warning", "ZLDWDM": "warning", "TBMJ": "warning",
    "YJJBNTMJ": "warning",
}
#: Change-patch fields (卫片 / 无人机 monitoring).
CHANGE_FIELDS = {"JCBH": "error", "TBLX": "error", "QSX": "warning", "HSX": "warning"}
#: The fields each schema requires (missing_field).
FIELD_TABLES = {"dltb": DLTB_FIELDS, "farmland": FARMLAND_FIELDS, "change": CHANGE_FIELDS}
#: The ids each schema requires unique (duplicate_id): (id fields, (TBBH, unit) or None).
DUPLICATE_IDS = {"dltb": (("BSM",), ("TBBH", "ZLDWDM")), "farmland": (("BSM", "YJJBNTTBBH"), None),
                 "change": (("BSM", "JCBH"), None)}

FIELD_NAMES_ZH = {
    "BSM": "标识码", "YSDM": "要素代码", "TBBH": "图斑编号", "DLBM": "地类编码", "DLMC": "地类名称", "QSXZ": "权属性质",
    "QSDWDM": "权属单位代码", "QSDWMC": "权属单位名称", "ZLDWDM": "坐落单位代码", "ZLDWMC": "坐落单位名称",
    "TBMJ": "图斑面积", "KCDLBM": "扣除地类编码", "KCXS": "扣除地类系数", "KCMJ": "扣除地类面积", "TBDLMJ": "图斑地类面积",
    "GDLX": "耕地类型", "GDPDJB": "耕地坡度级别", "ZZSXDM": "种植属性代码", "CZCSXM": "城镇村属性码", "SJNF": "数据年份",
    "XZDWKD": "线状地物宽度", "YJJBNTTBBH": "永久基本农田图斑编号", "YJJBNTMJ": "永久基本农田面积",
    "JCBH": "监测编号", "TBLX": "图斑类型", "QSX": "前时相", "HSX": "后时相",
}

#: ZZSXDM 种植属性 of cultivated land (01xx).
PLANTING_CODES = ("LS", "FLS", "LYFL", "XG", "LLJZ", "WG")
#: ZZSXDM 恢复属性 of restorable non-cultivated agricultural land.
RECOVERY_CODES = ("JKHF", "GCHF")
#: 城镇村属性码 values.
CZCSXM_CODES = ("201", "201A", "202", "202A", "203", "203A", "204", "205")
GDLX_CODES = ("TT", "PD")
#: TBXHDM 图斑细化代码 → the classes it refines (code prefixes); 耕地 refinements need ZZSXDM in
#: TBXH_PLANTING.
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
#: Change-patch types TBLX (Zhejiang 2026 example): other values are a warning only.
TBLX_CODES = ("01", "1", "02", "2", "03", "3", "04", "4", "20", "YH", "DT", "TD", "DL1", "DL2", "DL3", "TL", "ND",
              "SJ", "CK", "YT", "LD", "GF", "SM", "KT", "SK", "HL", "GQ", "WL", "TP", "QT", "GEF", "ZQC", "JC", "LT",
              "LY", "WH", "TH")


@dataclass(frozen=True)
class SurveyTolerances:
    """Tolerances of the quality check. Areas in m² (ellipsoidal), widths in metres.

    overlap_tolerance_m2   an overlap of two patches is a problem above this area (rules key
                           `overlap_tolerance_m2`);
    gap_width_m            a hole inside the coverage thinner than this (2 × area / perimeter, about its
                           width) is a gap (features under 2 m wide belong to their neighbours);
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


def field_column(columns, canon: str) -> str | None:
    """The column standing for canonical field `canon` (canonical name first, then aliases), or None."""
    by_upper = {str(c).upper(): c for c in columns}
    for name in (canon, *FIELD_ALIASES.get(canon, ())):
        if name.upper() in by_upper:
            return by_upper[name.upper()]
    return None


def field_numbers(s: pd.Series | None, n: int) -> np.ndarray:
    """A column as float64 (NaN for blank or not a number; n NaN without the column)."""
    if s is None:
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def require_known_schema(schema: str) -> None:
    """LandcheckError unless `schema` is one of `SCHEMAS`."""
    if schema not in SCHEMAS:
        raise LandcheckError(f"unknown schema '{schema}': choose --schema auto|dltb|farmland|change|geometry.")


def detect_schema(columns) -> str:
    """The schema of a layer from its column names (after the reader's alias mapping): `farmland` with
    a farmland patch number (YJJBNTTBBH / JBNTTBBH), `change` with a monitoring or clue number or a change
    type (JCBH / XSBH / TBLX), `dltb` with a land-use code or name (DLBM / DLMC); otherwise LandcheckError."""
    cols = [str(c) for c in columns]
    if field_column(cols, "YJJBNTTBBH"):
        return "farmland"
    if field_column(cols, "JCBH") or field_column(cols, "XSBH") or field_column(cols, "TBLX"):
        return "change"
    if field_column(cols, "DLBM") or field_column(cols, "DLMC"):
        return "dltb"
    shown = ", ".join(c for c in cols if c not in ("geometry", "feature_id", "feature_no")) or "(none)"
    raise LandcheckError(
        "cannot tell what kind of layer this is: it has no land-use field (DLBM / DLMC, 地类编码 / 地类名称), "
        "no farmland patch number (YJJBNTTBBH / JBNTTBBH) and no change-patch field (JCBH / TBLX). "
        f"Fields: {shown}. Choose with --schema auto|dltb|farmland|change|geometry "
        "(geometry checks geometry and topology of any polygon layer)."
    )


def resolve_schema(schema: str, columns, where: str = "") -> str:
    """The schema to check (`auto` detected from the columns); LandcheckError when `dltb` is asked of
    a layer without a land-use field (`where`: the layer's path and ': ', for the message)."""
    if schema == "auto":
        schema = detect_schema(columns)
    if schema == "dltb" and not (field_column(columns, "DLBM") or field_column(columns, "DLMC")):
        raise LandcheckError(
            f"{where}the layer has no land-use field (DLBM / DLMC, 地类编码 / 地类名称 …), so it cannot be checked "
            f"as a 地类图斑 layer (--schema dltb). Map your field in landcheck.toml ([layers.survey.fields] "
            f"DLBM = \"…\"), or check its geometry only with --schema geometry."
        )
    return schema
