"""The fields of a delivered layer: canonical names and the aliases seen in deliveries
(地类编码 → DLBM), also cut at the DBF's 10-byte limit; the land-use field a survey needs; and the
feature ids (`BSM` or `#n`).

Knows field names only: never reads files or looks at geometries or code values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LandcheckError
from .report import ReadReport

#: Canonical name → aliases seen in deliveries (matched case-insensitively).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "BSM": ("BSM", "标识码"),
    "DLBM": ("DLBM", "地类编码", "地类代码", "DLDM", "DL_BM", "DLBH", "地类编号", "LANDUSE_CODE"),
    "DLMC": ("DLMC", "地类名称", "DL_MC", "地类", "LANDUSE_NAME"),
    "TBBH": ("TBBH", "图斑编号"),
    "YJJBNTTBBH": ("YJJBNTTBBH", "JBNTTBBH", "永久基本农田图斑编号", "基本农田图斑编号"),
    "ZLDWDM": ("ZLDWDM", "坐落单位代码"),
    "ZLDWMC": ("ZLDWMC", "坐落单位名称", "村名", "村", "村名称", "行政村", "所属村", "村庄名称"),
    "QSDWDM": ("QSDWDM", "权属单位代码"),
    "QSDWMC": ("QSDWMC", "权属单位名称"),
    "ZZSXDM": ("ZZSXDM", "GDZZSXDM", "种植属性代码", "耕地种植属性代码"),
    "ZZSXMC": ("ZZSXMC", "GDZZSXMC", "种植属性名称", "耕地种植属性名称"),
    "KCDLBM": ("KCDLBM", "扣除地类编码"),
    "KCXS": ("KCXS", "TKXS", "扣除地类系数", "田坎系数"),
    "KCMJ": ("KCMJ", "TKMJ", "扣除地类面积", "田坎面积"),
    "TBMJ": ("TBMJ", "图斑面积", "YJJBNTTBMJ"),
    "TBDLMJ": ("TBDLMJ", "图斑地类面积"),
    "XZDWKD": ("XZDWKD", "XXTBKD", "线状地物宽度", "线性图斑宽度"),
    "CZCSXM": ("CZCSXM", "城镇村属性码"),
    "TBXHDM": ("TBXHDM", "图斑细化代码"),
    "YSDM": ("YSDM", "要素代码"),
    "QSXZ": ("QSXZ", "权属性质"),
    "GDLX": ("GDLX", "耕地类型"),
    "GDPDJB": ("GDPDJB", "耕地坡度级别", "PDJB", "坡度级别"),
    "SJNF": ("SJNF", "数据年份"),
    "YJJBNTMJ": ("YJJBNTMJ", "JBNTMJ", "永久基本农田面积", "基本农田面积"),
    # 卫片 / 无人机 change patches
    "JCBH": ("JCBH", "监测编号"),
    "XSBH": ("XSBH", "线索编号"),  # the clue number issued with a 卫片 batch (domain.md §9.8), not the 监测编号
    "TBLX": ("TBLX", "图斑类型", "变化类型", "解译类型"),
    "QSX": ("QSX", "前时相"),
    "HSX": ("HSX", "后时相"),
    "JCPC": ("JCPC", "监测批次"),
    # 流转地块 (no national schema): the parcel's own number in the township's transfer ledger
    "DKBM": ("DKBM", "地块编号", "DKDM", "地块代码", "地块编码", "承包地块编码"),
    # 设施农用地备案 records (no national schema; domain.md §9.2): number, facility type, filing date, and
    # whether the facility breaks the plough layer
    "BABH": ("BABH", "备案编号", "备案号", "备案文号", "上图入库号", "上图入库编号"),
    "SSLX": ("SSLX", "设施类型", "设施类别", "SSLB", "设施种类", "设施农用地类型", "设施农业用地类型", "类型"),
    "BARQ": ("BARQ", "备案日期", "备案时间", "BASJ", "备案日", "BA_RQ", "BA_SJ"),
    "PHGZC": ("PHGZC", "是否破坏耕作层", "SFPHGZC", "破坏耕作层", "是否破坏耕地耕作层"),
}

LANDUSE_FIELDS = ("DLBM", "DLMC")


def _dbf_cuts(alias: str) -> set[str]:
    """The alias as a DBF writes it when longer than 10 bytes: cut at 10 bytes of UTF-8 or of GBK."""
    cuts = set()
    for enc in ("utf-8", "gbk"):
        raw = alias.encode(enc)
        if len(raw) > 10:
            cuts.add(raw[:10].decode(enc, "ignore"))
    return cuts


def _build_cut_names() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for canon, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            for cut in _dbf_cuts(alias):
                out.setdefault(cut.upper(), set()).add(canon)
    return out


#: Cut alias (upper case) → the canonical fields it may stand for (several: e.g. UTF-8 '坐落单' is
#: both 坐落单位代码 and 坐落单位名称).
_CUT_NAMES = _build_cut_names()


def map_fields(columns: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Canonical name → the layer's column, by explicit override, then case-insensitive alias, then
    an alias cut to the 10-byte DBF field-name limit (in UTF-8 or GBK bytes)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    by_upper = {str(c).upper(): c for c in columns}
    for canon, col in (overrides or {}).items():
        if col not in columns and str(col).upper() not in by_upper:
            raise LandcheckError(f"field override {canon} = '{col}': no such field. Fields: {', '.join(map(str, columns))}.")
        found[canon.upper()] = by_upper.get(str(col).upper(), col)
        taken.add(found[canon.upper()])
    for canon, aliases in FIELD_ALIASES.items():
        if canon in found:
            continue
        for alias in aliases:
            col = by_upper.get(alias.upper())
            for cut in _dbf_cuts(alias):
                if col is None and _CUT_NAMES.get(cut.upper()) == {canon}:  # ambiguous cuts are not guessed
                    col = by_upper.get(cut.upper())
            if col is not None and col not in taken:
                found[canon] = col
                taken.add(col)
                break
    return found


def record_field_map(report: ReadReport, columns, fmap: dict[str, str]) -> None:
    """Put the field mapping in the report, with a warning for each column whose name is an alias cut
    at the DBF's limit that could stand for several canonical fields (those are not guessed)."""
    report.field_map = {k: str(v) for k, v in fmap.items()}
    for col in columns:
        could_be = _CUT_NAMES.get(str(col).upper(), set()) - set(fmap)
        if len(could_be) > 1 and col not in fmap.values():
            report.warn(f"field '{col}' is a name cut at the DBF's 10-byte limit and could be any of "
                        f"{', '.join(sorted(could_be))}: map it in landcheck.toml ([layers.<name>.fields])")


def rename_fields(df: pd.DataFrame, renames: dict) -> pd.DataFrame:
    """Columns renamed (alias → canonical name); a canonical name that is also present under its own
    name would collide: the mapped column is kept."""
    df = df.rename(columns=renames)
    return df.loc[:, ~df.columns.duplicated()]


def require_landuse_field(columns: list, path: Path, layer: str) -> None:
    """Stop with a clear error when the layer's fields hold neither DLBM nor DLMC (nor an alias)."""
    if any(f in columns for f in LANDUSE_FIELDS):
        return
    looked = ", ".join(FIELD_ALIASES["DLBM"][:4] + FIELD_ALIASES["DLMC"][:2])
    raise LandcheckError(
        f"{path}: layer '{layer}' has no land-use field (looked for {looked} …). "
        f"Fields: {', '.join(map(str, columns))}. "
        f"Map yours in landcheck.toml ([layers.survey.fields] DLBM = \"…\")."
    )


def feature_ids(df: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """BSM (as text) where present, else `#n` with n the 1-based feature number in the file."""
    fallback = pd.Series([f"#{n}" for n in positions + 1], index=df.index, dtype="object")
    if "BSM" not in df.columns:
        return fallback
    col = df["BSM"]
    if pd.api.types.is_integer_dtype(col) and not col.isna().any():  # the usual BSM: numbers, all present
        return col.astype("int64").astype(str).astype(object)
    bsm = col.map(_id_text)
    return bsm.where(bsm.notna(), fallback)


def _id_text(v) -> str | None:
    if v is None or (isinstance(v, float) and (pd.isna(v))):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


def warn_duplicate_ids(ids: pd.Series, report: ReadReport) -> None:
    """Warn when feature ids of the kept features occur more than once."""
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        report.warn(f"{dup.nunique()} feature ids occur more than once (e.g. {dup.iloc[0]})")
