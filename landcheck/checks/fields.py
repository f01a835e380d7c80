"""What the checks read from a layer's attribute fields: feature and farmland ids, the 扣除系数 KCXS,
land-use names, village and township.

Pure functions on (Geo)DataFrames; no geometry, no rules, no printing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import landuse
from ..columns import text_column, text_values
from ..layers import feature_ids


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


#: Fields that may hold a survey's year (数据年份 SJNF, 年度 …).
YEAR_FIELDS = ("SJNF", "NF", "ND", "年度", "年份")


def survey_year(df: pd.DataFrame) -> str:
    """The year a survey layer is of: the most common 4-digit year in its SJNF / 年度 field, else ''."""
    for name in YEAR_FIELDS:
        col = next((c for c in df.columns if str(c).upper() == name), None)
        if col is None:
            continue
        years = pd.Series(text_values(df[col])).str.extract(r"((?:19|20)\d\d)")[0].dropna()
        if len(years):
            return str(years.mode().iloc[0])
    return ""


def kcxs(df: pd.DataFrame) -> np.ndarray:
    """The 扣除系数 KCXS of every feature (the 田坎 share of a patch), clipped to 0..1; 0 when blank or
    when the layer has no KCXS."""
    if "KCXS" not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df["KCXS"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy(dtype="float64")


def grade_values(df: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric grade column (GDPDJB, GDDB) as floats, NaN where blank or absent."""
    return pd.to_numeric(pd.Series(text_column(df, name)), errors="coerce").to_numpy(dtype="float64")


def code_names(codes: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The code table's name of each land-use code, else the layer's own DLMC (`own`)."""
    uniq, inv = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    table = np.array([landuse.name_of(c) or "" for c in uniq], dtype=object)[inv]
    return np.where(table == "", own, table)


def village_text(df: pd.DataFrame, case_insensitive: bool = False) -> np.ndarray:
    """The village of every feature: 坐落单位名称 ZLDWMC, else 权属单位名称 QSDWMC ('' when neither)."""
    v = text_column(df, "ZLDWMC", case_insensitive=case_insensitive)
    return np.where(v == "", text_column(df, "QSDWMC", case_insensitive=case_insensitive), v)


def township_text(df: pd.DataFrame, township: str, rows: np.ndarray, case_insensitive: bool = False) -> np.ndarray:
    """The township of the features at `rows`: `township` when given, else the first 9 digits of their
    坐落单位代码 ZLDWDM."""
    if township:
        return np.full(len(rows), township, dtype=object)
    return np.array([c[:9] for c in text_column(df, "ZLDWDM", case_insensitive=case_insensitive)[rows]], dtype=object)
