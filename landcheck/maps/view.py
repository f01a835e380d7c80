"""What a map shows, prepared for drawing: the source read (a findings GeoPackage or a ledger), the
findings as a display table (`FindingsView`), and the context layers (farmland, survey land use, transfer
blocks) simplified in EPSG:4326. Reads files only in `read_source`; computes no finding."""

from __future__ import annotations


from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from ..columns import text_column
from ..config import vocabulary
from ..errors import LandcheckError
from .style import CONTEXT_TOLERANCE_M, LANDUSE_GROUP_STYLE, WGS84
from .gcj02 import gcj02_geoms

# ------------------------------------------------------------------------------------------
# Reading a SOURCE: a findings GeoPackage (layer `findings`) or a ledger (layer `tasks`)
# ------------------------------------------------------------------------------------------
@dataclass
class MapSource:
    path: Path
    kind: str  # "findings" or "ledger"
    frame: gpd.GeoDataFrame


def read_source(path: str | Path) -> MapSource:
    """Read what a map is made from, telling a ledger (layers tasks/history/meta) from a findings
    file (layer `findings`) by its layers."""
    import pyogrio

    p = Path(path)
    if not p.exists():
        raise LandcheckError(f"{p}: not found. Give a findings GeoPackage (out/farmland/findings.gpkg) or a ledger (out/ledger.gpkg).")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(p)]
    except Exception as exc:
        raise LandcheckError(f"{p}: cannot be opened as a GeoPackage ({str(exc).splitlines()[0]}).") from None
    if "tasks" in names and {"history", "meta"} <= set(names):
        from ..evidence.store import photos_by_task, read_photos
        from ..ledger import read_tasks

        tasks = read_tasks(p)
        by_task = photos_by_task(read_photos(p))
        if by_task:  # photos of `landcheck evidence import`: thumbnails in the popups, markers on the map
            tasks["evidence_photos"] = pd.Series([by_task.get(i, []) for i in tasks["issue_id"]], index=tasks.index, dtype=object)
        return MapSource(p, "ledger", tasks)
    for layer, kind in (("tasks", "ledger"), ("findings", "findings")):  # tasks alone: `landcheck ledger export`
        if layer in names:
            try:
                gdf = pyogrio.read_dataframe(p, layer=layer, use_arrow=True)
            except Exception as exc:
                raise LandcheckError(f"{p}: layer '{layer}' cannot be read ({str(exc).splitlines()[0]}).") from None
            return MapSource(p, kind, gdf)
    raise LandcheckError(f"{p}: neither findings (layer 'findings') nor a ledger (layer 'tasks'); its layers: "
                         f"{', '.join(names) or 'none'}. Maps are made from out/*/findings.gpkg or out/ledger.gpkg.")


# ------------------------------------------------------------------------------------------
# Findings prepared for drawing
# ------------------------------------------------------------------------------------------
def _text_col(df: pd.DataFrame, name: str) -> pd.Series:
    return pd.Series(text_column(df, name), index=df.index, dtype="object")


def _num_col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype="float64")


def _to_wgs84(gdf: gpd.GeoDataFrame, what: str) -> np.ndarray:
    """Geometries in EPSG:4326 (CGCS2000 and WGS84 agree to a few cm)."""
    if gdf.crs is None:
        b = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
        if len(gdf) and -180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90:
            return np.asarray(gdf.geometry.values, dtype=object)
        raise LandcheckError(f"the {what} have no CRS and are not lon/lat: cannot place them on a map.")
    return np.asarray(gdf.geometry.to_crs(WGS84).values, dtype=object)


def _village_code_col(df: pd.DataFrame, codes: dict[str, str]) -> np.ndarray:
    have = _text_col(df, "village_code")
    return have.where(have != "", _text_col(df, "village").map(lambda v: codes.get(v, ""))).to_numpy(dtype=object)


@dataclass
class FindingsView:
    """Findings as the map shows them: display texts, style keys, geometry in EPSG:4326."""

    table: pd.DataFrame
    geoms: np.ndarray
    from_ledger: bool
    area_m2: np.ndarray
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.table)

    def subset(self, mask) -> "FindingsView":
        mask = np.asarray(mask, dtype=bool)
        return FindingsView(self.table[mask].reset_index(drop=True), self.geoms[mask], self.from_ledger, self.area_m2[mask])


def village_codes(survey: gpd.GeoDataFrame | None) -> dict[str, str]:
    """Village name (ZLDWMC) → village code (ZLDWDM[:12], the smallest) of a survey layer; {} without them."""
    if survey is None or not {"ZLDWDM", "ZLDWMC"} <= set(survey.columns):
        return {}
    pairs = pd.DataFrame({"v": _text_col(survey, "ZLDWMC"), "c": _text_col(survey, "ZLDWDM").str[:12]})
    pairs = pairs[(pairs["v"] != "") & (pairs["c"] != "")]
    return pairs.groupby("v")["c"].min().to_dict()


def prepare_findings(findings: gpd.GeoDataFrame, *, today: date | None = None,
                     codes: dict[str, str] | None = None) -> FindingsView:
    """The display table of findings or ledger tasks (detected by a filled `issue_id`). `codes`: village
    name → village code, for rows whose `village_code` is blank (villages are listed in code order)."""
    if not isinstance(findings, gpd.GeoDataFrame):
        raise LandcheckError("findings must be a GeoDataFrame")
    df = findings.reset_index(drop=True)
    issue = _text_col(df, "issue_id")
    from_ledger = "issue_id" in df.columns and "status" in df.columns
    key = _text_col(df, "finding_key")
    ids = issue.where(issue != "", key) if from_ledger else key.where(key != "", issue)
    ids = pd.Series([i if i else f"#{n + 1}" for n, i in enumerate(ids)], dtype="object")
    geoms = _to_wgs84(df, "findings") if len(df) else np.array([], dtype=object)
    warnings: list[str] = []
    # a row without a shape but with lon/lat is drawn as a point there
    lon, lat = _num_col(df, "lon"), _num_col(df, "lat")
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms) if len(df) else np.zeros(0, bool)
    if missing.any():
        has_pt = missing & np.isfinite(lon) & np.isfinite(lat)
        if has_pt.any():
            geoms = geoms.copy()
            geoms[has_pt] = shapely.points(lon[has_pt], lat[has_pt])
            warnings.append(f"{int(has_pt.sum())} findings have no shape: drawn as a point at their lon/lat")
        if (missing & ~has_pt).any():
            warnings.append(f"{int((missing & ~has_pt).sum())} findings have neither shape nor lon/lat and are not drawn: "
                            f"{', '.join(ids[missing & ~has_pt][:5])}")
    area_m2 = _num_col(df, "area_m2")
    area_mu = _num_col(df, "area_mu")
    area_mu = np.where(np.isfinite(area_mu), area_mu, units.round_half_up_array(units.m2_to_mu(np.nan_to_num(area_m2)), 2))
    area_m2 = np.where(np.isfinite(area_m2), area_m2, units.mu_to_m2(np.nan_to_num(area_mu)))
    dlbm, dlmc = _text_col(df, "dlbm"), _text_col(df, "dlmc")
    measure = _text_col(df, "measure") if from_ledger else _text_col(df, "suggested_measure")
    if from_ledger:
        measure = measure.where(measure != "", _text_col(df, "suggested_measure"))
    status = _text_col(df, "status") if from_ledger else pd.Series([""] * len(df), dtype="object")
    deadline = _text_col(df, "deadline") if from_ledger else pd.Series([""] * len(df), dtype="object")
    overdue = np.zeros(len(df), dtype=bool)
    if from_ledger and len(df):
        from ..ledger import overdue_mask

        overdue = overdue_mask(pd.DataFrame({"status": status, "deadline": deadline}), today or date.today())
    origins = vocabulary().origins
    origin = _text_col(df, "new_or_stock") if from_ledger else pd.Series([""] * len(df), dtype="object")
    origin = origin.where(origin != "", _text_col(df, "origin").map(lambda o: origins.get(o, o)))
    evidence = _text_col(df, "origin_evidence")
    table = pd.DataFrame({
        "id": ids.to_numpy(dtype=object),
        "origin": [f"{o}（{e}）" if o and e else o for o, e in zip(origin, evidence)],
        "finding_key": key.to_numpy(dtype=object),
        "village": _text_col(df, "village").to_numpy(dtype=object),
        "village_code": _village_code_col(df, codes or {}),
        "landuse": [f"{c} {n}".strip() for c, n in zip(dlbm, dlmc)],
        "area_mu": area_mu,
        "area": [f"{v:.2f}" if np.isfinite(v) else "" for v in area_mu],
        "problem_type": _text_col(df, "problem_type").to_numpy(dtype=object),
        "category": _text_col(df, "category").to_numpy(dtype=object),
        "measure": measure.to_numpy(dtype=object),
        "status": status.to_numpy(dtype=object),
        "deadline": [f"{d}（已逾期）" if o else d for d, o in zip(deadline, overdue)],
        "overdue": overdue,
        "patch_id": _text_col(df, "patch_id").to_numpy(dtype=object),
        "farmland_id": _text_col(df, "farmland_id").to_numpy(dtype=object),
        "coord": [f"{x:.6f}, {y:.6f}" if np.isfinite(x) and np.isfinite(y) else "" for x, y in zip(lon, lat)],
    })
    if "evidence_photos" in df.columns:
        table["photos"] = [v if isinstance(v, list) else [] for v in df["evidence_photos"]]
    return FindingsView(table, geoms, from_ledger, area_m2, warnings)


# ------------------------------------------------------------------------------------------
# Context layers (farmland outlines, survey land-use classes): simplified, in EPSG:4326
# ------------------------------------------------------------------------------------------
@dataclass
class ContextLayer:
    """A display-ready context layer: geometries in EPSG:4326 (GCJ-02 when `gcj02`) and a group
    index per geometry into `groups` (survey: land-use groups; farmland: one group)."""

    kind: str  # "farmland", "survey" or "blocks"
    geoms: np.ndarray
    group: np.ndarray
    groups: list[str]
    gcj02: bool = False
    #: per-feature popup values (blocks), column → list of values aligned with `geoms`
    props: dict[str, list] | None = None

    def clip(self, bounds) -> "ContextLayer":
        """Only what lies within `bounds` (minx, miny, maxx, maxy), cut to it."""
        box = shapely.box(*bounds)
        hit = shapely.intersects(self.geoms, box)
        clipped = shapely.clip_by_rect(self.geoms[hit], *bounds)
        mixed = np.flatnonzero(shapely.get_type_id(clipped) == 7)  # GEOS may return edges along the cut
        for i in mixed:
            parts = shapely.get_parts(clipped[i])
            clipped[i] = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
        keep = ~shapely.is_empty(clipped)
        props = None
        if self.props is not None:
            rows = np.flatnonzero(hit)[keep]
            props = {k: [v[i] for i in rows] for k, v in self.props.items()}
        return ContextLayer(self.kind, clipped[keep], self.group[hit][keep], self.groups, self.gcj02, props)


def _simplify_metric(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify in metres, keeping shared edges shared (coverage simplification) when possible."""
    gs = gdf.geometry
    if gdf.crs is None:
        return gs
    metric = units.metric_crs(gdf.crs, tuple(gdf.total_bounds))
    g = gs.to_crs(metric) if metric != gdf.crs else gs
    arr = np.asarray(g.values, dtype=object)
    poly = shapely.get_type_id(arr)
    ok = np.isin(poly, (3, 6))
    out = arr.copy()
    try:
        out[ok] = shapely.coverage_simplify(arr[ok], tolerance_m)
    except Exception:  # not a coverage GEOS can handle: simplify each polygon on its own
        out[ok] = shapely.simplify(arr[ok], tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(out, crs=metric)


def _group_of_codes(codes) -> np.ndarray:
    from .. import landuse

    out = []
    for c in codes:
        entry = landuse.lookup(c if isinstance(c, str) else None)
        g = entry.group if entry else "other"
        out.append(g if g in LANDUSE_GROUP_STYLE else "other")
    return np.asarray(out, dtype=object)


def prepare_context(farmland: gpd.GeoDataFrame | None = None, survey: gpd.GeoDataFrame | None = None, *,
                    blocks: gpd.GeoDataFrame | None = None, block_min_mu: float = 100.0,
                    gcj02: bool = False, tolerance_m: float = CONTEXT_TOLERANCE_M) -> dict[str, ContextLayer]:
    """Display-ready context layers from `read_layer` frames: farmland patches simplified; survey
    patches simplified and dissolved by land-use group (DLBM → landuse group); transfer blocks (the
    `blocks` of `check_transfer` or blocks.gpkg) as they are, split at `block_min_mu` (mu) and with
    their group, parcels and mu for the popup. Done once per run."""
    out: dict[str, ContextLayer] = {}
    if blocks is not None and len(blocks):
        out["blocks"] = _blocks_context(blocks, block_min_mu, gcj02)
    if farmland is not None and len(farmland):
        g = _simplify_metric(farmland, tolerance_m)
        geoms = _to_wgs84(gpd.GeoDataFrame(geometry=g), "farmland patches")
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms = geoms[keep]
        out["farmland"] = ContextLayer("farmland", gcj02_geoms(geoms) if gcj02 else geoms,
                                       np.zeros(len(geoms), dtype=int), ["永久基本农田"], gcj02)
    if survey is not None and len(survey):
        if "DLBM" not in survey.columns:
            raise LandcheckError("the survey layer has no land-use code (DLBM): it cannot be drawn by class.")
        g = _simplify_metric(survey, tolerance_m)
        grp = _group_of_codes(survey["DLBM"].to_numpy())
        arr = np.asarray(g.values, dtype=object)
        names, geoms = [], []
        for key in LANDUSE_GROUP_STYLE:
            sel = arr[(grp == key) & ~shapely.is_missing(arr)]
            if not len(sel):
                continue
            try:
                merged = shapely.coverage_union_all(sel) if shapely.coverage_is_valid(sel) else shapely.union_all(sel)
            except Exception:
                merged = shapely.union_all(sel)
            names.append(key)
            geoms.append(merged)
        geo = _to_wgs84(gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=g.crs)), "survey patches")
        out["survey"] = ContextLayer("survey", gcj02_geoms(geo) if gcj02 else geo,
                                     np.arange(len(names)), names, gcj02)
    return out


#: Transfer blocks: (label, colour) of blocks at/above and below the minimum; `{min}` is the minimum in mu.
BLOCK_STYLE = (("流转连片地块（达到{min}亩）", "#2166ac"), ("流转连片地块（不足{min}亩）", "#ee1188"))
#: Popup rows of a transfer block: (label, column, suffix, hide when empty).
BLOCK_POPUP_ROWS = [
    ("流入方/分组", "group", "", True), ("地块数", "n_parcels", "", False), ("地块编号", "parcel_ids", "", False),
    ("行政村", "villages", "", True), ("面积", "area", " 亩", False), ("最小面积", "verdict", "", False),
]


def _blocks_context(blocks: gpd.GeoDataFrame, min_mu: float, gcj02: bool) -> ContextLayer:
    geoms = _to_wgs84(blocks, "transfer blocks")
    below = blocks["below_min"].astype(bool).to_numpy()
    min_text = f"{float(min_mu):.6f}".rstrip("0").rstrip(".")
    area = [f"{units.round_half_up(float(a), 2):.2f}" for a in blocks["area_mu"]]
    props = {
        "id": [str(v) for v in blocks["block_id"]],
        "group": ["" if v is None or v != v else str(v) for v in blocks["group"]],
        "n_parcels": [str(int(v)) for v in blocks["n_parcels"]],
        "parcel_ids": [str(v) for v in blocks["parcel_ids"]],
        "villages": ["" if v is None or v != v else str(v) for v in blocks["villages"]],
        "area": area,
        "verdict": [f"不足 {min_text} 亩" if b else f"达到 {min_text} 亩" for b in below],
    }
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    props = {k: [v for v, ok in zip(vals, keep) if ok] for k, vals in props.items()}
    geoms = geoms[keep]
    return ContextLayer("blocks", gcj02_geoms(geoms) if gcj02 else geoms, below[keep].astype(int),
                        [label.format(min=min_text) for label, _ in BLOCK_STYLE], gcj02, props)


