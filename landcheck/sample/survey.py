"""The 地类图斑 DLTB layer: the 三调-style attribute table of the final patches (codes, names, 权属, areas,
田坎, 种植属性, 城镇村属性), sorted and numbered by village; DLMC names of DLBM codes.

Reads the patch frame; changes no geometry."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse, units
from .constants import EPSG, HIGHWAY, RIVER, SEAT, STRIP, SURVEY_YEAR, VILLAGE, ZZSX_NAMES
from .plan import Plan


def _czcsxm(P: pd.DataFrame) -> np.ndarray:
    """城镇村属性码: 202 in the seat, 203 in villages (and on construction outside, e.g. a new home),
    203A for independent industry outside settlements."""
    kind = P["kind"].to_numpy()
    dlbm = P["DLBM"].to_numpy().astype(str)
    codes, inv = np.unique(dlbm, return_inverse=True)
    group = np.array([landuse.lookup(c).group if landuse.lookup(c) else "" for c in codes], dtype=object)[inv]
    construction = (group == "construction") | (dlbm == "1004")
    out = np.full(len(P), "", dtype=object)
    out[kind == VILLAGE] = "203"
    out[kind == SEAT] = "202"
    st_settle = (kind == STRIP) & (dlbm == "1004")
    out[st_settle] = np.where(P["unit_is_seat"].to_numpy()[st_settle], "202", "203")
    outside = construction & ~np.isin(kind, (VILLAGE, SEAT)) & (out == "")
    out[outside] = np.where(np.isin(dlbm[outside], ("0601", "0508")), "203A", "203")
    return out


def names(codes: np.ndarray) -> np.ndarray:
    """DLMC for each DLBM (landuse.name_of, looked up once per distinct code)."""
    uniq, inv = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    return np.array([landuse.name_of(c) for c in uniq], dtype=object)[inv]


def survey_frame(P: pd.DataFrame, plan: Plan) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The DLTB attribute table in 三调 style (strings as delivered, areas ellipsoidal m², 2 decimals),
    sorted by village and position; also the row of P behind each survey row."""
    n = len(P)
    g = P["geometry"].to_numpy()
    u = plan.units
    unit = P["unit"].to_numpy()
    dlbm = P["DLBM"].to_numpy().astype(object)
    code12 = u["code12"].to_numpy()[unit]
    zldwdm = np.array([c + "0000000" for c in code12], dtype=object)
    zldwmc = u["name"].to_numpy()[unit]
    kind = P["kind"].to_numpy()
    state = np.isin(kind, (HIGHWAY, RIVER)) | (dlbm == "1003") | ((kind == SEAT) & np.isin(dlbm, ("0701", "05H1", "08H1", "08H2", "0809", "0810", "0601", "0508")))
    qsxz = np.where(kind == RIVER, "10", np.where(state, "20", "30")).astype(object)
    town_code = u["town_code"].to_numpy()[unit]
    qsdwdm = np.where(state, np.array([t + "0000000000" for t in town_code], dtype=object), zldwdm)
    qsdwmc = np.where(state, "国有土地", zldwmc)

    tbmj = units.round_half_up_array(units.ellipsoidal_area(g, EPSG))
    kcxs = P["KCXS"].to_numpy(dtype=float)
    kcmj = units.round_half_up_array(tbmj * kcxs)
    tbdlmj = units.round_half_up_array(tbmj - kcmj)
    kcdlbm = np.where(kcxs > 0, "1203", "").astype(object)
    zz = P["ZZSXDM"].to_numpy().astype(object)
    linear = np.isin(dlbm, ("1006", "1107", "1003", "1004", "1101"))
    width = np.where(linear & (P["width"].to_numpy() > 0), P["width"].to_numpy(), 0.0)
    tbxh = P["TBXHDM"].to_numpy().astype(object)

    # order: by village, then north to south, west to east (like a numbered 图斑 sheet)
    rep = shapely.get_coordinates(shapely.point_on_surface(g))
    order = np.lexsort((np.round(rep[:, 0], -1), -np.round(rep[:, 1], -2), zldwdm))
    tbbh = np.empty(n, dtype=object)
    seq = pd.Series(np.arange(n)).groupby(zldwdm[order]).cumcount().to_numpy() + 1
    tbbh[order] = seq.astype(str)
    bsm = np.empty(n, dtype=object)
    town9 = np.array([c[:9] for c in code12], dtype=object)
    bsm[order] = [f"{t}1{i:08d}" for t, i in zip(town9[order], np.arange(1, n + 1))]
    bz = np.where(P["violation"].to_numpy() == "home", "2025年变更新增", "").astype(object)

    df = pd.DataFrame({
        "BSM": bsm, "YSDM": "2001010100", "TBBH": tbbh, "DLBM": dlbm,
        "DLMC": names(dlbm), "QSXZ": qsxz, "QSDWDM": qsdwdm, "QSDWMC": qsdwmc,
        "ZLDWDM": zldwdm, "ZLDWMC": zldwmc, "TBMJ": tbmj, "KCDLBM": kcdlbm, "KCXS": kcxs, "KCMJ": kcmj,
        "TBDLMJ": tbdlmj, "GDLX": P["GDLX"].to_numpy().astype(object), "GDPDJB": P["GDPDJB"].to_numpy().astype(object),
        "XZDWKD": width, "TBXHDM": tbxh, "TBXHMC": np.where(tbxh == "HDGD", "河道耕地", "").astype(object),
        "ZZSXDM": zz, "ZZSXMC": [ZZSX_NAMES.get(z, "") for z in zz], "CZCSXM": _czcsxm(P),
        "SJNF": np.full(n, SURVEY_YEAR, dtype=np.int32), "BZ": bz,
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(g, crs=EPSG))
    return out.iloc[order].reset_index(drop=True), order
