"""The scanning pass of chunked reading: one read of the whole layer, chunk by chunk, that takes every
decision `read_layer` takes on the whole layer (mojibake repair per field, field mapping, the CRS
from the extent, the reading of land-use codes, duplicate ids) and fills the same `ReadReport`,
keeping only small summaries (suspicious text values, (code, name) pairs, ids, bounds, repairs).

Returns the decisions as a `ChunkPlan`; it never keeps the features themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .clean import check_polygonal, clean_geometry, drop_stage, measure_repairs, no_polygon_left
from .codes import codes_dtype, count_code_pairs, has_codes, plan_codes
from .crs import settle_crs
from ..text import clean_text, control_mask
from .collisions import READER_FIELDS, collision_renames, record_collisions
from .controls import record_cleaned
from .encoding import apply_fixes, field_name_repairs, is_text, mojibake_fixes, suspicious_values
from .fields import feature_ids, map_fields, record_field_map, rename_fields, require_landuse_field, warn_duplicate_ids
from .raw import empty_layer
from .raw_chunks import RawChunks
from .report import ReadReport


@dataclass
class ChunkPlan:
    """The whole-layer decisions that every chunk applies."""

    renames: dict  # mojibake field name → repaired name
    fixes: dict  # column → {mojibake value: repaired value}
    field_renames: dict  # alias → canonical name
    code_map: dict | None  # (clean code, name) → normalised code; None when the layer has no DLBM/DLMC
    crs: CRS
    raw_dtypes: dict = field(default_factory=dict)  # column → the whole layer's dtype, where a chunk's may differ
    codes_dtype: object = None  # the dtype the whole layer's normalised DLBM column gets


def _whole_layer_dtypes(chunk_dtypes: dict) -> dict:
    """Column → the dtype the whole layer has, for the columns whose chunks read with different
    dtypes (a chunk whose text is all null counts only when no chunk tells more)."""
    out = {}
    for c, seen in chunk_dtypes.items():
        if len({d for d, _ in seen}) > 1:
            informative = [d for d, all_null in seen if not all_null] or [d for d, _ in seen]
            out[c] = pd.concat([pd.Series([], dtype=d) for d in informative]).dtype
    return out


def scan_layer(raw: RawChunks, report: ReadReport, crs_option: str | None, fields: dict | None,
               require_landuse: bool) -> tuple[ChunkPlan, tuple, np.ndarray]:
    """Fill `report` as `read_layer` would and return the plan every chunk applies, the extent of
    the kept features and their bounds (n × 4, in feature order)."""
    src, name = raw.src, raw.name
    n_read = 0
    gdal_notes: dict[str, None] = dict.fromkeys(raw.info_notes)
    decode_notes: dict[str, None] = {}
    first = True
    declared = None
    geom_name = None
    columns: list = []  # after the repair of mojibake field names, before aliases
    renames: dict = {}
    fmap: dict = {}
    field_renames: dict = {}
    collide: dict = {}  # fields named like the reader's own → their new names
    after: list = []
    controls: dict = {}  # column → values with control characters (not counting suspicious ones)
    high: dict = {}  # column → {suspicious value: rows}, values in order of first appearance
    bsm_parts: list = []
    types: set[int] = set()
    staged: list[tuple[int, int, dict]] = []
    repaired: list[dict] = []
    originals: list = []
    fixed: list = []
    kept_pos: list[np.ndarray] = []
    kept_bounds: list[np.ndarray] = []
    bmin = np.array([np.inf, np.inf])
    bmax = np.array([-np.inf, -np.inf])
    pairs: dict[tuple, int] = {}  # (code, name) of kept rows as read → rows, in order of first appearance
    pair_geoms: dict[tuple, list] = {}  # (code, name) that may map to no class → its kept geometries
    chunk_dtypes: dict = {}  # raw column → [(dtype, all null and object)] per chunk
    for start, df, gdal, dec in raw:
        gdal_notes.update(dict.fromkeys(gdal))
        decode_notes.update(dict.fromkeys(dec))
        if first:
            first = False
            declared = df.crs
            geom_name = df.geometry.name
            renames = field_name_repairs(df.columns)
            columns = [renames.get(c, c) for c in df.columns]
            fmap = map_fields([c for c in columns if c != geom_name], fields)
            field_renames = {v: k for k, v in fmap.items() if v != k}
            mapped = pd.Index([field_renames.get(c, c) for c in columns])
            after = list(mapped[~mapped.duplicated()])
            collide = collision_renames([c for c in after if c != geom_name], READER_FIELDS)
            field_renames.update(collide)
            after = [collide.get(c, c) for c in after]
            if len(df) == 0:
                break
            if require_landuse:
                require_landuse_field([c for c in after if c != geom_name], src.path, name)
        if len(df) == 0:
            continue
        n_read += len(df)
        for c in df.columns:
            if c != df.geometry.name:
                s_ = df[c]
                chunk_dtypes.setdefault(c, []).append((s_.dtype, bool(s_.dtype == object and s_.isna().all())))
        if renames:
            df = df.rename(columns=renames)
        for c in df.columns:
            if c == geom_name or not is_text(df[c]):
                continue
            s = df[c]
            vals = suspicious_values(s)
            ctrl = control_mask(s) & ~s.isin(vals)  # suspicious values are counted once their repair is known
            if ctrl.any():
                controls[c] = controls.get(c, 0) + int(ctrl.sum())
            if vals:
                counts = s[s.isin(vals)].value_counts()
                bucket = high.setdefault(c, {})
                for v in vals:
                    bucket[v] = bucket.get(v, 0) + int(counts.get(v, 0))
        df = rename_fields(df, field_renames)
        positions = np.arange(start, start + len(df))
        if "BSM" in df.columns:
            bsm_parts.append(pd.Series(df["BSM"].to_numpy(dtype=object), dtype=object))
        gv = df.geometry.values
        types |= set(shapely.get_type_id(gv[~shapely.is_missing(gv)]).tolist())
        chunk_report = ReadReport(path=str(src.path))
        geoms, keep, orig = clean_geometry(gv, pd.Series(positions, index=df.index), chunk_report)
        staged.extend((drop_stage(e["reason"]), len(staged) + k, e) for k, e in enumerate(chunk_report.dropped))
        repaired.extend(chunk_report.repaired)
        for i, g0 in orig.items():
            originals.append(g0)
            fixed.append(geoms[i])
        kept_pos.append(positions[keep])
        kept = geoms[keep]
        kept_bounds.append(shapely.bounds(kept))
        if len(kept):
            b = kept_bounds[-1]
            bmin = np.minimum(bmin, np.nanmin(b[:, :2], axis=0))
            bmax = np.maximum(bmax, np.nanmax(b[:, 2:], axis=0))
        if has_codes(df.columns):
            count_code_pairs(df.loc[keep], pairs, pair_geoms, kept)
    report.n_read = n_read
    if n_read == 0:
        raise empty_layer(src, name)
    report.warnings.extend(decode_notes)
    report.warnings.extend(f"GDAL: {n}" for n in gdal_notes)
    # mojibake: decided per field on the whole layer, as repair_mojibake does
    if renames:
        report.mojibake_repaired["<field names>"] = len(renames)
    fixes_by_col: dict = {}
    for c in columns:
        vals = high.get(c)
        if c == geom_name or not vals:
            continue
        fixes = mojibake_fixes(vals)
        if fixes:
            fixes_by_col[c] = fixes
            report.mojibake_repaired[c] = int(sum(vals[v] for v in fixes))
    for c in columns:  # control characters, counted on the values as repaired (as read_layer does)
        n = controls.get(c, 0) + sum(k for v, k in high.get(c, {}).items()
                                     if clean_text(fixes_by_col.get(c, {}).get(v, v)) != fixes_by_col.get(c, {}).get(v, v))
        if n:
            controls[c] = n
        else:
            controls.pop(c, None)
    record_cleaned(report, {c: controls[c] for c in columns if c in controls})
    record_field_map(report, [c for c in columns if c != geom_name], fmap)
    record_collisions(report, collide)
    # ids: BSM (after its mojibake repair) or #n
    if bsm_parts:
        bsm = pd.concat(bsm_parts, ignore_index=True)
        fix = fixes_by_col.get(fmap.get("BSM", "BSM"))
        if fix:
            bsm = apply_fixes(bsm, fix)
        bsm = bsm.map(clean_text)
        ids = feature_ids(pd.DataFrame({"BSM": bsm}), np.arange(n_read))
    else:
        ids = feature_ids(pd.DataFrame(index=range(n_read)), np.arange(n_read))
    check_polygonal(types, src.path, name)
    for _, _, e in sorted(staged, key=lambda t: (t[0], t[1])):
        report.dropped.append({**e, "feature_id": ids.iloc[int(e["feature_id"])]})
    for e in repaired:
        report.repaired.append({**e, "feature_id": ids.iloc[int(e["feature_id"])]})
    kept_all = np.concatenate(kept_pos) if kept_pos else np.empty(0, np.int64)
    if len(kept_all) == 0:
        raise no_polygon_left(src.path, name, report)
    bounds = (float(bmin[0]), float(bmin[1]), float(bmax[0]), float(bmax[1]))
    settled = settle_crs(declared, crs_option, bounds, src.path, report)
    measure_repairs(report, dict(enumerate(originals)), gpd.GeoSeries(np.array(fixed, dtype=object), crs=settled))
    code_map = None
    if has_codes(after):
        code_map = plan_codes(pairs, fixes_by_col.get(fmap.get("DLBM", "DLBM")),
                              fixes_by_col.get(fmap.get("DLMC", "DLMC")), "DLMC" in after, report, pair_geoms, settled)
    report.n_features = int(len(kept_all))
    warn_duplicate_ids(ids.iloc[kept_all], report)
    plan = ChunkPlan(renames=renames, fixes=fixes_by_col, field_renames=field_renames, code_map=code_map, crs=settled,
                     raw_dtypes=_whole_layer_dtypes(chunk_dtypes), codes_dtype=codes_dtype(code_map) if code_map else None)
    return plan, bounds, np.concatenate(kept_bounds) if kept_bounds else np.empty((0, 4))
