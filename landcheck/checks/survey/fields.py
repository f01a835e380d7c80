"""Problems of a layer's fields as a whole: required fields that are missing, and ids that must be
unique but repeat (`duplicate_id`), with the id values the dask engine hashes to find repeats.

Per-feature values (codes, areas, attributes) are checked in `attributes` and `areas`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ...columns import text_values
from ...layers import ReadReport
from .problems import ProblemCollector
from .schema import (
    CHANGE_FIELDS,
    DLTB_FIELDS,
    DUPLICATE_IDS,
    FARMLAND_FIELDS,
    FIELD_NAMES_ZH,
    field_column,
)


def delivered_fields(columns, report: ReadReport | None) -> set[str]:
    """Canonical fields the file delivered. The reader derives DLBM from DLMC names when the file has
    no code, so DLBM counts only when the reader mapped it from a field of the file; a 线索编号 (XSBH)
    stands for the patch number JCBH."""
    present = set()
    for canon in set(DLTB_FIELDS) | set(FARMLAND_FIELDS) | set(CHANGE_FIELDS):
        if field_column(columns, canon) is None:
            continue
        if canon == "DLBM" and report is not None and "DLBM" not in report.field_map:
            continue
        present.add(canon)
    if field_column(columns, "XSBH") is not None:
        present.add("JCBH")  # a batch numbered by its 线索编号 alone identifies its patches by it
    return present


def missing_fields(P: ProblemCollector, table: dict, present: set[str]) -> None:
    """missing_field: one layer-level problem for each field of `table` (name → severity) not `present`."""
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


def id_columns(columns: list[str], schema: str) -> tuple:
    """The columns `duplicate_ids` reads for `schema`, in the layer's order."""
    if schema not in DUPLICATE_IDS:
        return ()
    id_fields, within = DUPLICATE_IDS[schema]
    wanted = {field_column(columns, f) for f in (*id_fields, *(within or ()))} - {None}
    return tuple(c for c in columns if c in wanted)


def id_keys(work: pd.DataFrame, schema: str) -> dict[str, np.ndarray]:
    """The id values `duplicate_ids` compares, as text ('' = blank): {field: values}, the TBBH within
    its unit under '<TBBH>@<unit>'. A feature whose value occurs once is in no repeat."""
    if schema not in DUPLICATE_IDS:
        return {}
    id_fields, within = DUPLICATE_IDS[schema]
    cols = list(work.columns)
    out = {}
    for name in id_fields:
        col = field_column(cols, name)
        if col is not None:
            out[name] = text_values(work[col])
    if within and all(field_column(cols, f) for f in within):
        tb = text_values(work[field_column(cols, within[0])])
        unit = text_values(work[field_column(cols, within[1])])
        key = np.where(tb != "", unit + "\x00" + tb, "").astype(object) if len(work) else np.empty(0, object)
        out["@".join(within)] = key
    return out


def duplicate_ids(P: ProblemCollector, work, ids, order, geoms, area, schema: str) -> None:
    """duplicate_id: each id field of `schema` repeated (one problem per repeated value); TBBH repeated
    within one ZLDWDM (a warning: 图斑编号 is numbered per 村级调查区). `work` may hold any subset of
    the features that contains every feature of each repeat (the problems are the same)."""
    if schema not in DUPLICATE_IDS:
        return
    id_fields, within = DUPLICATE_IDS[schema]
    keys = id_keys(work, schema)
    for name in id_fields:
        if name not in keys:
            continue
        vals = keys[name]
        filled = vals != ""
        s = pd.Series(vals[filled])
        dup = s[s.duplicated(keep=False)]
        if dup.empty:
            continue
        pos = np.flatnonzero(filled)[dup.index.to_numpy()]
        _group_problems(P, vals[pos], pos, ids, order, geoms, area,
                        sev="error" if name in ("BSM", "JCBH") else "warning", field_name=name,
                        label=f"{name}（{FIELD_NAMES_ZH.get(name, '')}）", fid_is_value=(name == "BSM"))
    unit_key = keys.get("@".join(within)) if within else None
    if unit_key is not None:
        filled = unit_key != ""
        key = pd.Series(unit_key[filled])
        dup = key[key.duplicated(keep=False)]
        if not dup.empty:
            pos = np.flatnonzero(filled)[dup.index.to_numpy()]
            tb = text_values(work[field_column(list(work.columns), within[0])])
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
