"""Filed 设施农用地 records judged by facility type, filing date and plough layer (domain.md §3.5, §9.2):
what a 1202 piece of permanent basic farmland inside each record is (rules.toml [facility]).

`classify_records` gives every record its kind, date, plough-layer flag, verdict and id (plus notes
for the read report: no date is guessed); `verdict_zones` splits the records' ground into disjoint
zones, one per verdict, the strictest verdict winning where records overlap (order:
config.FACILITY_VERDICTS); `allowed_union` is the zone that stays 农田配套设施; `split_pieces` cuts 1202
pieces by the zones; `verdict_rule` gives a verdict's category, severity, problem type and measure;
`record_counts` counts records by kind × verdict.
Pure functions on GeoDataFrames; no files, no printing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..columns import text_values
from ..config import FACILITY_VERDICTS, FacilityRules, Rule, Rules, facility_rules
from ..layers import FIELD_ALIASES, map_fields
from .dates import date_text, read_date
from .fields import with_feature_ids

#: Columns `classify_records` adds to the records.
COLUMNS = ("record_id", "facility_type", "facility_kind", "filed_date", "breaks_plough", "verdict")
#: The verdicts each kind can reach (the keys of `record_counts`).
REACHABLE = {
    "planting": ("allowed", "planting_breaking_new", "undated"),
    "livestock": ("animal_new", "animal_before", "undated"),
    "aquaculture": ("animal_new", "animal_before", "undated"),
    "unknown": ("unknown_type",),
}


def record_verdict(kind: str, filed: dt.date | None, breaks: bool | None, cutoff: dt.date) -> str:
    """The verdict of one record (rules.toml [facility] describes each). On the cutoff date is new."""
    if kind == "planting":
        if not breaks:  # does not break the plough layer, or the record does not say so
            return "allowed"
        if filed is None:
            return "undated"
        return "planting_breaking_new" if filed >= cutoff else "allowed"
    if kind in ("livestock", "aquaculture"):
        if filed is None:
            return "undated"
        return "animal_new" if filed >= cutoff else "animal_before"
    return "unknown_type"


def classify_records(records: gpd.GeoDataFrame | None, rules: Rules | FacilityRules) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The records with `COLUMNS` added, and notes for their read report (one per record whose date or
    plough-layer value cannot be read or is missing, one per facility type the table does not know,
    one per field the layer lacks). Fields are found by name or alias, case-insensitively (备案编号 /
    BABH, 设施类型 / SSLX, 备案日期 / BARQ, 是否破坏耕作层 / PHGZC: layers.FIELD_ALIASES).
    `filed_date` is a datetime.date or None; `breaks_plough` True, False or None (not stated)."""
    fr = rules if isinstance(rules, FacilityRules) else facility_rules(rules)
    if records is None:
        records = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=None))
    records = with_feature_ids(records.reset_index(drop=True))
    fmap = map_fields([str(c) for c in records.columns])
    n = len(records)
    notes: list[str] = []

    ids = records["feature_id"].astype(str).to_numpy(dtype=object)
    if "BABH" in fmap:
        own = text_values(records[fmap["BABH"]])
        ids = np.where(own != "", own, ids)

    types = text_values(records[fmap["SSLX"]]) if "SSLX" in fmap else np.full(n, "", dtype=object)
    kinds = np.empty(n, dtype=object)
    unmatched: dict[str, list[str]] = {}
    for value in np.unique(types.astype(str)):
        kind, matched = fr.kind_of(value)
        rows = types == value
        kinds[rows] = kind
        if not matched and value:
            unmatched[value] = list(ids[rows])
    if n and "SSLX" not in fmap:
        notes.append(f"facility records: no facility-type field (looked for {_looked('SSLX')}): "
                     f"every record's type is unknown (to verify)")
    for value, rids in unmatched.items():
        notes.append(f"facility type '{value}' is not in rules.toml [facility.types] ({len(rids)} records: "
                     f"{', '.join(rids)}): to verify; map it in the rules file")
    if "SSLX" in fmap:
        notes += [f"facility record {rid}: no facility type" for rid in ids[types == ""]]

    breaks = np.full(n, None, dtype=object)
    if "PHGZC" in fmap:
        for k, value in enumerate(text_values(records[fmap["PHGZC"]])):
            breaks[k], readable = fr.breaks_plough(value)
            if not readable:
                notes.append(f"facility record {ids[k]}: plough-layer value '{value}' is neither yes nor no "
                             f"(rules.toml [facility.plough_layer]): read as not stated")

    dates = np.full(n, None, dtype=object)
    if "BARQ" in fmap:
        for k, value in enumerate(records[fmap["BARQ"]].tolist()):
            dates[k], state = read_date(value)
            if state == "missing":
                notes.append(f"facility record {ids[k]}: no filing date")
            elif state == "unreadable":
                notes.append(f"facility record {ids[k]}: filing date '{date_text(value)}' is not a date (not guessed; "
                             f"write it as 2022-03-01)")
    elif n:
        notes.append(f"facility records: no filing-date field (looked for {_looked('BARQ')}): 养殖 records and "
                     f"plough-breaking 种植 records are to verify")

    verdicts = np.array([record_verdict(k, d, b, fr.cutoff_date) for k, d, b in zip(kinds, dates, breaks)], dtype=object)
    out = records.assign(record_id=ids, facility_type=types, facility_kind=kinds, filed_date=dates,
                         breaks_plough=breaks, verdict=verdicts)
    return out, notes


def _looked(canon: str) -> str:
    return ", ".join(FIELD_ALIASES[canon][:4]) + " …"


def verdict_rule(rules: Rules | FacilityRules, verdict: str) -> Rule:
    """What a 1202 piece inside a record of this verdict is: `allowed` → category infrastructure (not a
    finding); every other verdict → category facility with its severity, problem type and measure."""
    fr = rules if isinstance(rules, FacilityRules) else facility_rules(rules)
    if verdict not in FACILITY_VERDICTS:
        raise ValueError(f"unknown facility verdict '{verdict}' (verdicts: {', '.join(FACILITY_VERDICTS)})")
    if verdict == "allowed":
        return Rule(category="infrastructure")
    v = fr.verdicts[verdict]
    return Rule(category="facility", severity=v.severity, problem_type=v.problem_type, suggested_measure=v.suggested_measure)


def verdict_zones(classified: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """One row per verdict present (strictest first, config.FACILITY_VERDICTS): `verdict`, `record_ids`
    (tuple, sorted) and the zone's geometry in `crs` — the union of that verdict's records minus every
    stricter zone, so the zones are disjoint and a piece where records overlap gets the strictest verdict."""
    rows: list[tuple[str, tuple, Any]] = []
    if len(classified):
        frame = classified.to_crs(crs) if classified.crs is not None and classified.crs != crs else classified
        geoms = frame.geometry.to_numpy()
        verdict = frame["verdict"].to_numpy(dtype=object)
        rid = frame["record_id"].astype(str).to_numpy(dtype=object)
        taken = None
        for v in FACILITY_VERDICTS:
            sel = verdict == v
            if not sel.any():
                continue
            zone = shapely.union_all(geoms[sel])
            own = zone if taken is None else shapely.difference(zone, taken)
            taken = zone if taken is None else shapely.union(taken, zone)
            if not own.is_empty:
                rows.append((v, tuple(sorted(set(rid[sel]))), own))
    return gpd.GeoDataFrame({"verdict": [r[0] for r in rows], "record_ids": [r[1] for r in rows]},
                            geometry=gpd.GeoSeries([r[2] for r in rows], crs=crs))


def allowed_union(classified: gpd.GeoDataFrame | None, crs: Any):
    """The ground of the `allowed` records in `crs` (minus any stricter record over it: strictest wins),
    or None when there is none."""
    if classified is None or not len(classified):
        return None
    zones = verdict_zones(classified, crs)
    hit = zones.geometry[zones["verdict"] == "allowed"]
    return hit.iloc[0] if len(hit) else None


def split_pieces(geoms, zones: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Each piece (array of geometries in the zones' CRS) cut by the verdict zones: {verdict: the part of
    every piece in that zone (empty where none)} for each zone, in the zones' order, plus `unfiled`: the
    part outside every record. The parts of one piece are disjoint and make up the piece."""
    geoms = np.asarray(geoms, dtype=object)
    out = {}
    for verdict, zone in zip(zones["verdict"], zones.geometry):
        out[verdict] = shapely.intersection(geoms, zone)
    ground = shapely.union_all(zones.geometry.to_numpy()) if len(zones) else None
    out["unfiled"] = shapely.difference(geoms, ground) if ground is not None else geoms.copy()
    return out


def record_counts(classified: gpd.GeoDataFrame | None) -> dict:
    """{kind: {verdict: number of records}} for summary.json, every kind and its reachable verdicts
    (`REACHABLE`) present, zeros included."""
    out = {kind: {v: 0 for v in verdicts} for kind, verdicts in REACHABLE.items()}
    if classified is None or not len(classified):
        return out
    pairs = pd.Series(1, index=pd.MultiIndex.from_arrays([classified["facility_kind"], classified["verdict"]]))
    for (kind, verdict), count in pairs.groupby(level=[0, 1]).sum().items():
        out.setdefault(kind, {})[verdict] = int(count)
    return out
