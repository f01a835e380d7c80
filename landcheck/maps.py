"""Inspection maps 现场核查图: folium (Leaflet) HTML maps that field teams open on a phone or print.

What a map holds (all built from GeoDataFrames; nothing here computes a finding):

* **findings** (a findings frame, or the ledger's tasks) drawn in their own shape, coloured by
  category, with a tooltip (id · problem type · mu) and a popup (id, village, 地类, mu, problem,
  measure, ledger status and deadline). The id is the ledger's `issue_id`, else the `finding_key`.
* **context**: permanent basic farmland outlines and the survey's land-use classes (dissolved by class),
  both simplified for display; the survey layer is the base map when there are no tiles.
* **basemaps**: OpenStreetMap and Esri World Imagery; 天地图 with a key; 高德 only with every
  coordinate shifted to GCJ-02 (and the GPS position too), said on the map.
* **controls**: layers, legend (Chinese), scale bar, fullscreen, measure (m, 亩), locate-me and search by id.

Size: findings keep their shape, rounded to 7 decimals (about 1 cm); context layers are simplified
(1 m) and rounded to 6 decimals. Coordinates travel as integer deltas with ring/part counts
(like GeoArrow offsets) and properties as columns with repeated texts dictionary-coded; a small
script in the page turns them back into Leaflet layers. Every text from an input file is escaped
where it is shown (tooltips, popups, search tips, legend, tables, index) and JSON placed in the page
escapes `<`, `>` and `&`, so a village called ``<script>alert(1)</script>`` is text, never code.

Offline (`offline=True`): every JavaScript and CSS asset is inlined from the `folium-offline`
package (MIT; folium's web resources keyed by their CDN address), so the page needs no network
except for tiles; a resource it does not carry is an error, never a silent CDN link.

Public API: `read_source`, `inspection_map`, `render_html`, `write_map`, `write_village_maps`,
`prepare_context`, `gcj02_from_wgs84`.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from . import compat, units
from .findings import village_label
from .columns import text_column
from .config import vocabulary
from .errors import LandcheckError
from .export import atomic_path

WGS84 = "EPSG:4326"

#: Decimals of drawn coordinates: findings (about 1 cm) and context layers (about 10 cm).
FINDING_DECIMALS = 7
CONTEXT_DECIMALS = 6
#: Simplification tolerance of context layers, metres.
CONTEXT_TOLERANCE_M = 1.0
#: Above this many findings (or vertices) shapes are drawn on a canvas rather than as SVG elements.
CANVAS_MIN_FEATURES = 3000
CANVAS_MIN_VERTICES = 200_000

#: Category → colour. Labels and legend order come from the vocabulary; unknown categories are grey.
CATEGORY_COLOUR = {
    "non_farm": "#d7191c",
    "non_grain": "#f28e2b",
    "non_grain_crop": "#7b3294",
    "abandoned": "#8c510a",
    "facility": "#01857a",
    "other": "#2b83ba",
    "transfer_non_farm": "#a50026",
    "transfer_non_grain": "#d95f02",
    "transfer_below_min": "#e7298a",
    "transfer_overlap": "#525252",
    "infrastructure": "#6a8caf",
    "cultivated": "#b8a631",
}
UNKNOWN_COLOUR = "#7f7f7f"

#: Land-use group of the survey context layer (landuse.py's `group`) → (legend label, fill colour).
LANDUSE_GROUP_STYLE = {
    "cultivated": ("耕地", "#f3e6a2"),
    "garden": ("种植园用地", "#e7b7d8"),
    "forest": ("林地", "#8cc084"),
    "grassland": ("草地", "#c7e3a0"),
    "water": ("水域及水利设施用地", "#9ecae1"),
    "transport": ("交通运输用地", "#c9c9c9"),
    "construction": ("建设用地", "#e8a29a"),
    "other": ("其他土地", "#e0d4bf"),
}
FARMLAND_COLOUR = "#1b7837"

#: Basemaps: key → (menu name, [(url, subdomains, max native zoom)], attribution, coordinate system).
_TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s&x={x}&y={y}&l={z}&tk=%s"
BASEMAP_CHOICES = ("osm", "esri", "tianditu", "tianditu-img", "gaode", "gaode-img", "none")
GCJ02_BASEMAPS = ("gaode", "gaode-img")


def _basemap_table(tianditu_key: str | None) -> dict[str, dict]:
    tk = quote(tianditu_key or "", safe="")
    return {
        "osm": {"name": "OpenStreetMap", "crs": "wgs84", "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
                "tiles": [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "abc", 19)]},
        "esri": {"name": "Esri 影像", "crs": "wgs84", "attr": "Tiles &copy; Esri &mdash; Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
                 "tiles": [("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}", "abc", 18)]},
        "tianditu": {"name": "天地图 矢量", "crs": "wgs84", "attr": '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
                     "tiles": [(_TIANDITU % ("vec_w", tk), "01234567", 18), (_TIANDITU % ("cva_w", tk), "01234567", 18)]},
        "tianditu-img": {"name": "天地图 影像", "crs": "wgs84", "attr": '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
                         "tiles": [(_TIANDITU % ("img_w", tk), "01234567", 18), (_TIANDITU % ("cia_w", tk), "01234567", 18)]},
        "gaode": {"name": "高德地图（GCJ-02）", "crs": "gcj02", "attr": "&copy; 高德地图",
                  "tiles": [("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", "1234", 18)]},
        "gaode-img": {"name": "高德影像（GCJ-02）", "crs": "gcj02", "attr": "&copy; 高德地图",
                      "tiles": [("https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}", "1234", 18),
                                ("https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}", "1234", 18)]},
    }


# ------------------------------------------------------------------------------------------
# WGS84 → GCJ-02 (the published "火星坐标" formula; identity outside China's box)
# ------------------------------------------------------------------------------------------
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def out_of_china(lon, lat):
    """True where the GCJ-02 offset does not apply (the usual rectangle around China)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def gcj02_from_wgs84(lon, lat):
    """WGS84 (≈ CGCS2000) lon/lat → GCJ-02 lon/lat, vectorised; unchanged outside China."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _gcj02_geoms(geoms: np.ndarray) -> np.ndarray:
    def shift(xy):
        x, y = gcj02_from_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), shift)


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
        from .ledger import read_tasks

        return MapSource(p, "ledger", read_tasks(p))
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


def prepare_findings(findings: gpd.GeoDataFrame, *, today: date | None = None) -> FindingsView:
    """The display table of findings or ledger tasks (detected by a filled `issue_id`)."""
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
        from .ledger import overdue_mask

        overdue = overdue_mask(pd.DataFrame({"status": status, "deadline": deadline}), today or date.today())
    table = pd.DataFrame({
        "id": ids.to_numpy(dtype=object),
        "finding_key": key.to_numpy(dtype=object),
        "village": _text_col(df, "village").to_numpy(dtype=object),
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
    from . import landuse

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
        out["farmland"] = ContextLayer("farmland", _gcj02_geoms(geoms) if gcj02 else geoms,
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
        out["survey"] = ContextLayer("survey", _gcj02_geoms(geo) if gcj02 else geo,
                                     np.arange(len(names)), names, gcj02)
    return out


#: Transfer blocks: (label, colour) of blocks at/above and below the minimum; `{min}` is the minimum in mu.
BLOCK_STYLE = (("流转连片地块（达到{min}亩）", "#2166ac"), ("流转连片地块（不足{min}亩）", "#e7298a"))
#: Popup rows of a transfer block: (label, column, suffix, hide when empty).
_BLOCK_POPUP_ROWS = [
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
    return ContextLayer("blocks", _gcj02_geoms(geoms) if gcj02 else geoms, below[keep].astype(int),
                        [label.format(min=min_text) for label, _ in BLOCK_STYLE], gcj02, props)


# ------------------------------------------------------------------------------------------
# Encoding for the page
# ------------------------------------------------------------------------------------------
def js_json(obj) -> str:
    """JSON that is safe inside a <script> element and an HTML attribute-free context: `<`, `>`,
    `&` and the JS line separators are escaped as \\u sequences."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _ints(arr: np.ndarray) -> str:
    return ",".join(map(str, np.asarray(arr, dtype=np.int64).tolist()))


def _explode(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single parts (Polygon/LineString/Point) and the index of the geometry each came from."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    for _ in range(4):  # collections inside collections
        t = shapely.get_type_id(parts)
        multi = np.isin(t, (4, 5, 6, 7))
        if not multi.any():
            break
        sub, sidx = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        idx = np.concatenate([idx[~multi], idx[multi][sidx]])
        order = np.argsort(idx, kind="stable")
        parts, idx = parts[order], idx[order]
    keep = ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def encode_geometries(geoms, decimals: int) -> tuple[str, int]:
    """Geometries as compact JSON for the page: coordinates rounded to `decimals`, as integer deltas
    (x, y interleaved, running over the whole array), with vertex counts per ring (`r`), ring counts
    per part (`p`), part counts per geometry (`f`) and a kind per part (`k`: A polygon, L line,
    P point). Polygon rings drop their closing vertex. Returns (json, number of vertices)."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return f'{{"d":{decimals},"c":[],"r":[],"p":[],"f":[],"k":""}}', 0
    parts, feat = _explode(geoms)
    ptype = shapely.get_type_id(parts)
    is_poly = ptype == 3
    kinds = np.where(is_poly, "A", np.where(ptype == 0, "P", "L"))
    pidx = np.flatnonzero(is_poly)
    rings, ring_of = shapely.get_rings(parts[pidx], return_index=True)
    nidx = np.flatnonzero(~is_poly)
    all_rings = np.concatenate([rings, parts[nidx]]) if len(nidx) else rings
    ring_part = np.concatenate([pidx[ring_of], nidx]) if len(nidx) else pidx[ring_of]
    closed = np.concatenate([np.ones(len(rings), bool), np.zeros(len(nidx), bool)])
    order = np.argsort(ring_part, kind="stable")
    all_rings, ring_part, closed = all_rings[order], ring_part[order], closed[order]
    coords, cring = shapely.get_coordinates(all_rings, return_index=True)
    counts = np.bincount(cring, minlength=len(all_rings))
    keep = np.ones(len(coords), dtype=bool)
    ends = np.cumsum(counts) - 1
    drop_end = closed & (counts > 1)
    keep[ends[drop_end]] = False
    ints = np.round(coords * (10 ** decimals)).astype(np.int64)
    # drop a vertex equal to the one before it in the same ring (after rounding)
    same = np.zeros(len(ints), dtype=bool)
    if len(ints) > 1:
        same[1:] = (ints[1:] == ints[:-1]).all(axis=1) & (cring[1:] == cring[:-1])
    keep &= ~same
    ints, cring = ints[keep], cring[keep]
    rcounts = np.bincount(cring, minlength=len(all_rings))
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    pcounts = np.bincount(ring_part, minlength=len(parts))
    fcounts = np.bincount(feat, minlength=n)
    text = (f'{{"d":{decimals},"c":[{_ints(deltas.ravel())}],"r":[{_ints(rcounts)}],'
            f'"p":[{_ints(pcounts)}],"f":[{_ints(fcounts)}],"k":"{"".join(kinds.tolist())}"}}')
    return text, int(len(ints))


def encode_column(values) -> object:
    """A text column for the page: plain list, or {"v": distinct values, "i": codes} when values repeat."""
    vals = ["" if v is None else str(v) for v in values]
    uniq = {}
    codes = [uniq.setdefault(v, len(uniq)) for v in vals]
    if len(uniq) * 2 <= len(vals):
        return {"v": list(uniq), "i": codes}
    return vals


# ------------------------------------------------------------------------------------------
# Page elements
# ------------------------------------------------------------------------------------------
_RUNTIME_JS = r"""
(function () {
  var LC = window.LC = window.LC || {layers: {}, ready: false, t0: performance.now()};  // t0/t1: script start/end (benchmarks)
  var ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  LC.esc = function (s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); };
  LC.val = function (col, i) { if (!col) return ''; return col.i ? col.v[col.i[i]] : col[i]; };
  LC.decode = function (g) {
    var s = Math.pow(10, g.d), c = g.c, r = g.r, p = g.p, f = g.f, k = g.k;
    var out = new Array(f.length), ci = 0, ri = 0, pi = 0, x = 0, y = 0;
    for (var i = 0; i < f.length; i++) {
      var polys = [], lines = [], pts = [];
      for (var j = 0; j < f[i]; j++, pi++) {
        var rings = [];
        for (var q = 0; q < p[pi]; q++, ri++) {
          var n = r[ri], ll = new Array(n);
          for (var v = 0; v < n; v++) { x += c[ci++]; y += c[ci++]; ll[v] = new L.LatLng(y / s, x / s); }
          rings.push(ll);
        }
        var kind = k.charAt(pi);
        if (kind === 'A') polys.push(rings); else if (kind === 'L') lines.push(rings[0]); else if (rings[0].length) pts.push(rings[0][0]);
      }
      out[i] = {polys: polys, lines: lines, pts: pts};
    }
    return out;
  };
  LC.shape = function (g, opts) {
    if (g.polys.length) return L.polygon(g.polys.length === 1 ? g.polys[0] : g.polys, opts);
    if (g.lines.length) return L.polyline(g.lines.length === 1 ? g.lines[0] : g.lines, opts);
    if (g.pts.length) return L.circleMarker(g.pts[0], L.extend({radius: 7}, opts));
    return null;
  };
  LC.pane = function (map, name, z) {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = z; }
    return name;
  };
  LC.renderer = function (map, kind, pane) {
    return kind === 'canvas' ? L.canvas({pane: pane, padding: 0.5, tolerance: 3}) : L.svg({pane: pane, padding: 0.5});
  };
  LC.popup = function (d, i) {
    var rows = d.rows, h = '<div class="lc-popup"><div class="lc-popup-head">' + LC.esc(d.idLabel)
      + ' <span class="lc-popup-id">' + LC.esc(LC.val(d.props.id, i)) + '</span></div><table>';
    for (var j = 0; j < rows.length; j++) {
      var v = LC.val(d.props[rows[j][1]], i);
      if (v === '' && rows[j][3]) continue;
      h += '<tr><th>' + LC.esc(rows[j][0]) + '</th><td' + (rows[j][1] === 'deadline' && LC.val(d.props.overdue, i) ? ' class="lc-overdue"' : '') + '>'
        + LC.esc(v) + (v !== '' && rows[j][2] ? LC.esc(rows[j][2]) : '') + '</td></tr>';
    }
    return h + '</table></div>';
  };
  LC.tip = function (d, i) {
    var t = (d.tipKeys || ['id', 'problem_type']).map(function (k) { return LC.val(d.props[k], i); }), a = LC.val(d.props.area, i);
    if (a !== '') t.push(a + ' 亩');
    return LC.esc(t.filter(function (x) { return x !== ''; }).join(' · '));
  };
  LC.findings = function (map, d) {
    var pane = LC.pane(map, 'lcFindings', 450), ren = LC.renderer(map, d.renderer, pane);
    var geo = LC.decode(d.geom), group = L.featureGroup(), shapes = new Array(geo.length);
    for (var i = 0; i < geo.length; i++) {
      var st = d.styles[LC.val(d.style, i)];
      var s = LC.shape(geo[i], L.extend({}, st, {pane: pane, renderer: ren, className: 'lc-finding', lcid: LC.val(d.props.id, i), lcindex: i}));
      geo[i] = null;
      if (!s) continue;
      shapes[i] = s;
      group.addLayer(s);
    }
    // one popup and one tooltip for the whole group: their content is made for the shape touched
    if (!L.Browser.mobile) group.bindTooltip(function (s) { return LC.tip(d, s.options.lcindex); }, {sticky: true, className: 'lc-tip'});
    group.bindPopup(function (s) { return LC.popup(d, s.options.lcindex); },
                    {maxWidth: 320, className: 'lc-popup-wrap', autoPanPaddingTopLeft: [60, 56], autoPanPaddingBottomRight: [12, 12]});
    function weight(s) { return d.renderer === 'svg' && map.getZoom() < 14 ? 3.5 : d.styles[LC.val(d.style, s.options.lcindex)].weight; }
    group.on('popupopen', function (e) { if (e.layer && e.layer.setStyle) { e.layer.setStyle({weight: 5}); e.layer.bringToFront(); } });
    group.on('popupclose', function (e) { if (e.layer && e.layer.setStyle) e.layer.setStyle({weight: weight(e.layer)}); });
    group.lcShapes = shapes;
    LC.layers.findings = group;
    // at township scale a finding is a few pixels: a thicker outline keeps it visible (SVG only: cheap there)
    if (d.renderer === 'svg') LC.zoomStyle(map, group, function (z, s) { if (!s.isPopupOpen()) s.setStyle({weight: weight(s)}); });
    return group;
  };
  LC.open = function (s) {
    // open shape s's popup (the group's popup, made for s)
    if (!s || !s._map) return;
    s.fire('click', {latlng: s.getCenter ? s.getCenter() : s.getLatLng()}, true);
  };
  LC.focus = function (i) {
    var s = LC.layers.findings && LC.layers.findings.lcShapes[i];
    if (!s) return;
    var map = LC.map;
    if (s.getBounds) map.fitBounds(s.getBounds(), {maxZoom: 18, padding: [40, 40]}); else map.setView(s.getLatLng(), 18);
    LC.open(s);
    var el = document.getElementById('lc-map-anchor');
    if (el && el.scrollIntoView) el.scrollIntoView({behavior: 'smooth'});
  };
  LC.context = function (map, d) {
    var pane = LC.pane(map, d.pane, d.z), ren = LC.renderer(map, d.renderer, pane);
    var geo = LC.decode(d.geom), group = L.featureGroup();
    for (var i = 0; i < geo.length; i++) {
      var g = d.group[i], opts = L.extend({}, d.styles[g], {pane: pane, renderer: ren, interactive: !!d.names, lcindex: i});
      var s = LC.shape(geo[i], opts);
      if (!s) continue;
      if (d.names && !d.rows && !L.Browser.mobile) s.bindTooltip(LC.esc(d.names[g]), {sticky: true});
      group.addLayer(s);
    }
    if (d.rows) {
      // per-feature popups (transfer blocks): one popup and tooltip for the group, made for the shape touched
      if (!L.Browser.mobile) group.bindTooltip(function (s) { return LC.tip(d, s.options.lcindex); }, {sticky: true, className: 'lc-tip'});
      group.bindPopup(function (s) { return LC.popup(d, s.options.lcindex); }, {maxWidth: 320, className: 'lc-popup-wrap'});
    }
    LC.layers[d.kind] = group;
    if (d.kind === 'farmland') LC.zoomStyle(map, group, function (z, s) {
      s.setStyle(z < 14 ? {weight: 0.5, opacity: 0.45} : {weight: 1, opacity: 0.8});
    });
    return group;
  };
  LC.zoomStyle = function (map, group, fn) {
    function apply() { var z = map.getZoom(); group.eachLayer(function (s) { fn(z, s); }); }
    map.on('zoomend', apply);
    group.on('add', apply);
  };
  LC.tiles = function (list) {
    var ls = list.map(function (t) { return L.tileLayer(t.url, t.options); });
    return ls.length === 1 ? ls[0] : L.layerGroup(ls);
  };
  LC.legend = function (map, htmlText, position) {
    var c = L.control({position: position || 'bottomright'});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'lc-legend leaflet-bar');
      div.innerHTML = htmlText;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var det = div.querySelector('details');
      if (det && window.innerWidth < 600) det.open = false;
      return div;
    };
    c.addTo(map);
    return c;
  };
  LC.search = function (map, layer, opts) {
    if (!L.Control.Search) return null;
    var sc = new L.Control.Search({
      layer: layer, propertyName: 'lcid', marker: false, initial: false, casesensitive: false,
      collapsed: true, position: 'topleft', textPlaceholder: opts.placeholder, textErr: opts.notFound,
      textCancel: opts.cancel, autoCollapse: false, firstTipSubmit: true,
      buildTip: function (text) { var a = L.DomUtil.create('a'); a.textContent = text; return a; },
      moveToLocation: function (latlng, title, m) {
        var l = latlng.layer;
        if (l && l.getBounds) m.fitBounds(l.getBounds(), {maxZoom: 18, padding: [40, 40]}); else m.setView(latlng, 18);
      }
    });
    sc.on('search:locationfound', function (e) { LC.open(e.layer); });
    map.addControl(sc);
    return sc;
  };
  LC.gcj02 = function (lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) return [lon, lat];
    var PI = Math.PI, a = 6378245.0, ee = 0.00669342162296594323, x = lon - 105.0, y = lat - 35.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
      + (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0
      + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
      + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
      + (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0
      + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
      + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radlat = lat / 180.0 * PI, magic = 1 - ee * Math.sin(radlat) * Math.sin(radlat), sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * PI);
    dlon = (dlon * 180.0) / (a / sq * Math.cos(radlat) * PI);
    return [lon + dlon, lat + dlat];
  };
  LC.shiftGeolocation = function (map) {
    // GPS positions are WGS84; on a GCJ-02 map they are shifted like the data, before Leaflet sees them.
    var orig = map._handleGeolocationResponse;
    map._handleGeolocationResponse = function (pos) {
      var c = pos.coords, g = LC.gcj02(c.longitude, c.latitude);
      var coords = {latitude: g[1], longitude: g[0], accuracy: c.accuracy, altitude: c.altitude,
                    altitudeAccuracy: c.altitudeAccuracy, heading: c.heading, speed: c.speed};
      return orig.call(this, {coords: coords, timestamp: pos.timestamp});
    };
  };
  LC.locate = function (map) {
    if (!L.control.locate) return null;
    map.on('locationfound', function (e) { LC.lastLocation = e.latlng; });
    return L.control.locate({
      position: 'topleft', icon: 'lc-locate-icon', iconLoading: 'lc-locate-icon', flyTo: false,
      strings: {title: '显示我的位置', popup: '您在此位置 {distance} 米范围内', outsideMapBoundsMsg: '您似乎不在地图范围内'},
      locateOptions: {enableHighAccuracy: true, maxZoom: 18},
      onLocationError: function (err) {
        alert('无法获取位置：' + err.message + '\n浏览器只在 https 网址或本地文件中允许定位，并需允许定位权限。');
      }
    }).addTo(map);
  };
  LC.translate = function (root, dict) {
    // leaflet-measure speaks English only: put its words into Chinese as they appear.
    var words = Object.keys(dict).sort(function (a, b) { return b.length - a.length; });
    function walk(node) {
      if (node.nodeType === 3) {
        var t = node.nodeValue, k = t.trim();
        if (dict[k] !== undefined) node.nodeValue = t.replace(k, dict[k]);
        else {
          for (var j = 0; j < words.length; j++) { if (words[j].length > 3 && t.indexOf(words[j]) >= 0) t = t.split(words[j]).join(dict[words[j]]); }
          if (t !== node.nodeValue) node.nodeValue = t;
        }
      } else if (node.nodeType === 1) {
        if (node.title && dict[node.title] !== undefined) node.title = dict[node.title];
        for (var i = 0; i < node.childNodes.length; i++) walk(node.childNodes[i]);
      }
    }
    walk(root);
    if (window.MutationObserver) new MutationObserver(function (ms) {
      ms.forEach(function (m) { m.addedNodes.forEach(walk); if (m.type === 'characterData') walk(m.target); });
    }).observe(root, {childList: true, subtree: true});
  };
})();
"""

_CSS = """
.lc-legend { background: rgba(255,255,255,0.94); padding: 6px 9px; font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #222; max-height: 58vh; overflow: auto; max-width: 290px; }
.lc-legend summary { cursor: pointer; font-weight: bold; }
.lc-legend .lc-title { font-weight: bold; margin: 2px 0 4px; }
.lc-legend table { border-collapse: collapse; }
.lc-legend td { padding: 1px 4px; vertical-align: middle; }
.lc-legend td.n { text-align: right; white-space: nowrap; }
.lc-legend .sw { display: inline-block; width: 16px; height: 12px; border: 2px solid; vertical-align: middle; }
.lc-legend .ln { display: inline-block; width: 22px; height: 0; border-top: 3px solid #333; vertical-align: middle; }
.lc-legend h4 { margin: 6px 0 2px; font-size: 12px; color: #555; }
.lc-legend .lc-note { color: #b30000; font-weight: bold; max-width: 260px; }
.lc-legend .lc-small { color: #666; font-size: 11px; }
.lc-popup { font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.lc-popup-head { color: #555; margin-bottom: 4px; }
.lc-popup-id { font-weight: bold; font-size: 14px; color: #111; word-break: break-all; }
.lc-popup table { border-collapse: collapse; }
.lc-popup th { text-align: left; color: #555; font-weight: normal; padding: 1px 8px 1px 0; white-space: nowrap; vertical-align: top; }
.lc-popup td { padding: 1px 0; word-break: break-all; }
.lc-popup .lc-overdue { color: #c00; font-weight: bold; }
.lc-tip { font: 12px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.leaflet-container { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.lc-locate-icon { display: inline-block; width: 16px; height: 16px; margin: 7px; border: 2px solid #333; border-radius: 50%; box-sizing: border-box; position: relative; }
.lc-locate-icon:after { content: ""; position: absolute; left: 3px; top: 3px; width: 6px; height: 6px; background: #333; border-radius: 50%; }
.leaflet-control-locate.requesting .lc-locate-icon, .leaflet-control-locate.active .lc-locate-icon { border-color: #2a93ee; }
.leaflet-control-locate.active .lc-locate-icon:after { background: #2a93ee; }
.leaflet-control-search .search-input { font-size: 14px; }
"""

_PAGE_CSS = """
body.lc-page { font: 14px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; }
.lc-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; padding: 6px 12px; background: #f4f4f1; border-bottom: 1px solid #ddd; }
.lc-head h1 { font-size: 18px; margin: 0; }
.lc-head .lc-sum { color: #444; }
.lc-head button { font: inherit; padding: 2px 10px; }
.lc-tasks { padding: 8px 12px 24px; }
.lc-tasks h2 { font-size: 16px; margin: 6px 0; }
.lc-scroll { overflow-x: auto; }
.lc-tasks table { border-collapse: collapse; width: 100%; font-size: 13px; }
.lc-tasks th, .lc-tasks td { border: 1px solid #999; padding: 3px 5px; text-align: left; vertical-align: top; }
.lc-tasks th { background: #eee; white-space: nowrap; }
.lc-tasks td.n { text-align: right; white-space: nowrap; }
.lc-tasks td.blank { min-width: 7em; }
.lc-tasks td.nw { white-space: nowrap; }
@media screen and (max-width: 600px) { .lc-tasks .print-only { display: none; } }
.lc-tasks tbody tr { cursor: pointer; }
.lc-tasks tbody tr:hover { background: #fff6d6; }
.lc-tasks .lc-overdue { color: #c00; font-weight: bold; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  .lc-head button, .lc-head a, .leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-search,
  .leaflet-control-locate, .leaflet-control-measure, .leaflet-control-fullscreen { display: none !important; }
  .folium-map { height: 120mm !important; page-break-inside: avoid; }
  .lc-legend { font-size: 10px; max-height: none; }
  .lc-scroll { overflow: visible; }
  .lc-tasks table { font-size: 9pt; }
  .lc-tasks thead { display: table-header-group; }
  .lc-tasks tr { page-break-inside: avoid; }
  .lc-tasks tbody tr:hover { background: none; }
}
"""

_MEASURE_ZH = {
    "Measure distances and areas": "测量距离和面积", "Create a new measurement": "新建测量",
    "Start creating a measurement by adding points to the map": "在地图上点击添加测量点",
    "Cancel": "取消", "Finish measurement": "完成测量", "Last point": "最后一点", "Path distance": "路径长度",
    "Area": "面积", "Center on this line": "居中到此线", "Center on this area": "居中到此区域",
    "Delete": "删除", "Center on this point": "居中到此点", "Point location": "点位置", "Linear measurement": "距离测量",
    "Area measurement": "面积测量", "Meters": "米", "Sq Meters": "平方米", "Hectares": "公顷", "Kilometers": "公里",
}


def _jinja(text: str) -> Template:
    return Template(text)


class _Raw(MacroElement):
    """Fixed header/script content."""

    _template = _jinja("""
        {% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}
    """)

    def __init__(self, head: str = "", code: str = ""):
        super().__init__()
        self._name = "LandcheckRaw"
        self.head = head
        self.code = code


class _PayloadLayer(Layer):
    """A Leaflet layer built in the page by `LC.<builder>(map, payload)`. The payload (JSON text with
    `<`, `>`, `&` escaped) sits in a <script type="application/json"> element: JSON.parse reads a large
    payload several times faster than the JavaScript parser reads the same literal."""

    _template = _jinja("""
        {% macro html(this, kwargs) %}<script type="application/json" id="{{ this.get_name() }}_data">{{ this.payload }}</script>{% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = LC.{{ this.builder }}({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("{{ this.get_name() }}_data").textContent));
        {% endmacro %}
    """)

    def __init__(self, builder: str, payload: str, name: str, overlay: bool = True, show: bool = True):
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "LandcheckLayer"
        self.builder = builder
        self.payload = payload


class _TilesLayer(Layer):
    """A base layer of one or more tile layers (天地图 = map + labels)."""

    _template = _jinja("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = LC.tiles({{ this.payload }});
        {% endmacro %}
    """)

    def __init__(self, name: str, tiles: list[tuple[str, str, int]], attr: str, show: bool):
        super().__init__(name=name, overlay=False, control=True, show=show)
        self._name = "LandcheckTiles"
        self.payload = js_json([{"url": url, "options": {"subdomains": sub, "maxNativeZoom": nz, "maxZoom": 20,
                                                         "attribution": attr if i == 0 else "", "crossOrigin": False}}
                                for i, (url, sub, nz) in enumerate(tiles)])


class _FitView(MacroElement):
    """Fit the map to the data before any layer is added (each zoom change re-projects every shape)."""

    _template = _jinja("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, {padding: [24, 24], maxZoom: 18, animate: false});
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "LandcheckFit"
        self.bounds = js_json(bounds)


class _Controls(MacroElement):
    """Legend, scale bar, search, GCJ-02 geolocation shift, measure translation, fit to data."""

    _template = _jinja("""
        {% macro script(this, kwargs) %}
        (function (map) {
          LC.map = map;
          L.control.scale({metric: true, imperial: false, position: 'bottomleft'}).addTo(map);
          LC.legend(map, {{ this.legend }}, 'bottomright');
          {% if this.search_layer %}LC.search(map, {{ this.search_layer.get_name() }}, {{ this.search_text }});{% endif %}
          {% if this.gcj02 %}LC.shiftGeolocation(map);{% endif %}
          LC.locate(map);
          // printing changes the map's size: let Leaflet redraw for it
          window.addEventListener('beforeprint', function () { map.invalidateSize({animate: false}); });
          if (window.matchMedia) window.matchMedia('print').addEventListener('change', function () { map.invalidateSize({animate: false}); });
          var mc = document.querySelector('.leaflet-control-measure');
          if (mc) LC.translate(mc, {{ this.measure_zh }});
          map.on('popupopen', function (e) {
            var el = e.popup.getElement();
            if (el && el.classList.contains('leaflet-measure-resultpopup')) LC.translate(el, {{ this.measure_zh }});
          });
          LC.ready = true;
          LC.t1 = performance.now();
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, legend_html: str, search_layer, gcj02: bool):
        super().__init__()
        self._name = "LandcheckControls"
        self.legend = js_json(legend_html)
        self.search_layer = search_layer
        self.search_text = js_json({"placeholder": "搜索问题编号", "notFound": "未找到", "cancel": "取消"})
        self.gcj02 = gcj02
        self.measure_zh = js_json(_MEASURE_ZH)


class _AfterMap(MacroElement):
    """HTML placed right after the map's own element (add it as a child of the map)."""

    _template = _jinja("""{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}""")

    def __init__(self, content: str):
        super().__init__()
        self._name = "LandcheckAfterMap"
        self.content = content


class _PageParts(MacroElement):
    """What a page adds around the map: <title>, language, CSS, and HTML before/after the map."""

    _template = _jinja("""
        {% macro header(this, kwargs) %}<title>{{ this.title }}</title>
        <meta name="generator" content="landcheck maps">
        <style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}document.documentElement.lang = 'zh-CN';{{ this.code }}{% endmacro %}
    """)

    def __init__(self, title: str, css: str, code: str = ""):
        super().__init__()
        self._name = "LandcheckPage"
        self.title = html.escape(title)
        self.css = css
        self.code = code


# ------------------------------------------------------------------------------------------
# Styles and legend
# ------------------------------------------------------------------------------------------
def _category_label_colour(cat: str) -> tuple[str, str]:
    return vocabulary().category_label(cat), CATEGORY_COLOUR.get(cat, UNKNOWN_COLOUR)


def _status_line(status: str) -> str:
    """Line style of a ledger status: solid open, dashed finished, dotted disappeared."""
    s = vocabulary().statuses
    if len(s) >= 5 and status == s[4]:
        return "dotted"
    if len(s) >= 4 and status in (s[2], s[3]):
        return "dashed"
    return "solid"


_DASH = {"solid": None, "dashed": "8 6", "dotted": "2 5"}


def _finding_styles(view: FindingsView) -> tuple[list[dict], list[int]]:
    keys: dict[tuple[str, str], int] = {}
    styles: list[dict] = []
    idx: list[int] = []
    for cat, status in zip(view.table["category"], view.table["status"]):
        line = _status_line(status) if view.from_ledger else "solid"
        k = (cat, line)
        if k not in keys:
            colour = _category_label_colour(cat)[1]
            st = {"color": colour, "weight": 2, "opacity": 0.95, "fillColor": colour,
                  "fillOpacity": 0.45 if line == "solid" else 0.15}
            if _DASH[line]:
                st["dashArray"] = _DASH[line]
            keys[k] = len(styles)
            styles.append(st)
        idx.append(keys[k])
    return styles, idx


def _legend_html(view: FindingsView, title: str, context: dict[str, ContextLayer], gcj02: bool, offline: bool,
                 survey_shown: bool = True) -> str:
    e = html.escape
    t = view.table
    rows = []
    known = list(vocabulary().categories)
    cats = known + sorted(set(t["category"]) - set(known))
    for cat in cats:
        mask = (t["category"] == cat).to_numpy()
        if not mask.any():
            continue
        label, colour = _category_label_colour(cat)
        rows.append(f'<tr><td><span class="sw" style="background:{colour}73;border-color:{colour}"></span></td>'
                    f'<td>{e(label)}</td><td class="n">{int(mask.sum())} 处</td><td class="n">{units.total_mu(view.area_m2[mask]):.2f} 亩</td></tr>')
    total = f"问题图斑 {len(t)} 处，{units.total_mu(view.area_m2):.2f} 亩" if len(t) else "无问题图斑"
    parts = [f'<details open><summary>图例</summary><div class="lc-title">{e(title)}</div><div>{e(total)}</div>']
    if rows:
        parts.append('<table>' + "".join(rows) + '</table>')
    if view.from_ledger and len(t):
        present = {}
        for s in t["status"]:
            present.setdefault(_status_line(s), []).append(s)
        lines = []
        for line in ("solid", "dashed", "dotted"):
            if line in present:
                names = "、".join(dict.fromkeys(x or "（未填）" for x in present[line]))
                style = {"solid": "solid", "dashed": "dashed", "dotted": "dotted"}[line]
                lines.append(f'<tr><td><span class="ln" style="border-top-style:{style}"></span></td><td colspan="3">{e(names)}</td></tr>')
        parts.append('<h4>整改状态（边线）</h4><table>' + "".join(lines) + '</table>')
    ctx_rows = []
    if "blocks" in context:
        b = context["blocks"]
        for g, (label, (_, colour)) in enumerate(zip(b.groups, BLOCK_STYLE)):
            sel = b.group == g
            if not sel.any():
                continue
            mu = sum(float(a) for a, s in zip(b.props["area"], sel) if s)
            border = "dashed" if g else "solid"
            ctx_rows.append(f'<tr><td><span class="sw" style="background:{colour}1a;border-color:{colour};border-style:{border}"></span></td>'
                            f'<td>{e(label)}</td><td class="n">{int(sel.sum())} 块</td><td class="n">{mu:.2f} 亩</td></tr>')
    if "farmland" in context:
        ctx_rows.append(f'<tr><td><span class="sw" style="background:transparent;border-color:{FARMLAND_COLOUR}"></span></td><td colspan="3">永久基本农田</td></tr>')
    if "survey" in context:
        if not survey_shown:
            ctx_rows.append('<tr><td></td><td colspan="3" class="lc-small">地类图斑（在图层控制中开启）：</td></tr>')
        for key in context["survey"].groups:
            label, colour = LANDUSE_GROUP_STYLE[key]
            ctx_rows.append(f'<tr><td><span class="sw" style="background:{colour};border-color:{colour}"></span></td><td colspan="3">{e(label)}（地类图斑）</td></tr>')
    if ctx_rows:
        parts.append('<h4>底图图层</h4><table>' + "".join(ctx_rows) + '</table>')
    if gcj02:
        parts.append('<div class="lc-note">已转换为 GCJ-02 坐标以对齐高德底图（与 CGCS2000 相差数百米），勿据此量取坐标；弹窗中的坐标为原始 CGCS2000。</div>')
    crs = "GCJ-02（高德）" if gcj02 else "CGCS2000"
    parts.append(f'<div class="lc-small">点击图斑查看详情 · 坐标系 {crs}' + (' · 离线版' if offline else '') + '</div></details>')
    return "".join(parts)


# ------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------
#: Popup rows: (label, column, suffix, hide when empty).
_POPUP_ROWS = [
    ("行政村", "village", "", False), ("地类", "landuse", "", False), ("面积", "area", " 亩", False),
    ("问题类型", "problem_type", "", False), ("整改措施", "measure", "", False),
    ("整改状态", "status", "", True), ("整改时限", "deadline", "", True),
    ("图斑编号", "patch_id", "", True), ("永农图斑编号", "farmland_id", "", True), ("坐标", "coord", "", True),
]


def _bounds_latlng(geoms: np.ndarray):
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    if not len(geoms):
        return None
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def _findings_payload(view: FindingsView, geoms: np.ndarray) -> tuple[str, int]:
    styles, style_idx = _finding_styles(view)
    t = view.table
    props = {c: encode_column(t[c]) for c in ("id", "village", "landuse", "area", "problem_type", "measure", "status",
                                               "deadline", "patch_id", "farmland_id", "coord")}
    props["overdue"] = [1 if o else 0 for o in t["overdue"]] if view.from_ledger else []
    geom_text, n_vertices = encode_geometries(geoms, FINDING_DECIMALS)
    rows = [list(r) for r in _POPUP_ROWS if view.from_ledger or r[1] not in ("status", "deadline")]
    renderer = "canvas" if len(t) >= CANVAS_MIN_FEATURES or n_vertices >= CANVAS_MIN_VERTICES else "svg"
    head = js_json({"kind": "findings", "props": props, "rows": rows, "idLabel": "问题编号" if view.from_ledger else "问题标识", "styles": styles, "style": encode_column(style_idx), "renderer": renderer})
    return head[:-1] + ',"geom":' + geom_text + "}", n_vertices


def _context_payload(layer: ContextLayer) -> str:
    extra = {}
    if layer.kind == "blocks":
        styles = [{"color": colour, "weight": 2.5, "opacity": 0.95, "fillColor": colour, "fillOpacity": 0.1,
                   "className": "lc-block", **({"dashArray": "7 5"} if i else {})} for i, (_, colour) in enumerate(BLOCK_STYLE)]
        names = layer.groups
        pane, z = "lcBlocks", 430
        extra = {"props": {k: encode_column(v) for k, v in (layer.props or {}).items()},
                 "rows": [list(r) for r in _BLOCK_POPUP_ROWS], "idLabel": "流转连片地块", "tipKeys": ["id", "group"]}
    elif layer.kind == "farmland":
        styles = [{"color": FARMLAND_COLOUR, "weight": 1, "opacity": 0.8, "fill": False}]
        names = None
        pane, z = "lcFarmland", 420
    else:
        styles = [{"stroke": False, "fillColor": LANDUSE_GROUP_STYLE[g][1], "fillOpacity": 0.75} for g in layer.groups]
        names = [LANDUSE_GROUP_STYLE[g][0] for g in layer.groups]
        pane, z = "lcSurvey", 300
    geom_text, n_vertices = encode_geometries(layer.geoms, CONTEXT_DECIMALS)
    renderer = "canvas" if n_vertices >= CANVAS_MIN_VERTICES else "svg"
    head = js_json({"kind": layer.kind, "group": layer.group.tolist(), "styles": styles, "names": names,
                    "pane": pane, "z": z, "renderer": renderer, **extra})
    return head[:-1] + ',"geom":' + geom_text + "}"


def _as_view(findings) -> FindingsView:
    return findings if isinstance(findings, FindingsView) else prepare_findings(findings)


def _as_context(farmland, survey, gcj02: bool, blocks=None, block_min_mu: float = 100.0) -> dict[str, ContextLayer]:
    ctx: dict[str, ContextLayer] = {}
    raw = {k: v if isinstance(v, gpd.GeoDataFrame) else None for k, v in
           (("farmland", farmland), ("survey", survey), ("blocks", blocks))}
    if any(v is not None for v in raw.values()):
        ctx.update(prepare_context(raw["farmland"], raw["survey"], blocks=raw["blocks"], block_min_mu=block_min_mu,
                                   gcj02=gcj02))
    for name, layer in (("farmland", farmland), ("survey", survey), ("blocks", blocks)):
        if isinstance(layer, ContextLayer):
            if layer.gcj02 != gcj02:
                raise ValueError(f"the {name} context layer was prepared for {'GCJ-02' if layer.gcj02 else 'WGS84'} but the map is "
                                 f"{'GCJ-02' if gcj02 else 'WGS84'}: prepare_context(..., gcj02={gcj02})")
            ctx[name] = layer
    return ctx


def check_basemap(basemap: str, tianditu_key: str | None) -> None:
    if basemap not in BASEMAP_CHOICES:
        raise LandcheckError(f"unknown basemap '{basemap}': one of {', '.join(BASEMAP_CHOICES)}.")
    if basemap.startswith("tianditu") and not tianditu_key:
        raise LandcheckError("天地图 needs a key: give --tianditu-key KEY or set TIANDITU_KEY (apply at console.tianditu.gov.cn).")


def inspection_map(findings, *, farmland=None, survey=None, blocks=None, block_min_mu: float = 100.0,
                   title: str = "现场核查图", offline: bool = False,
                   tianditu_key: str | None = None, basemap: str = "osm", height: str = "100%",
                   search: bool = True) -> folium.Map:
    """A folium map of `findings` (a findings or ledger-tasks GeoDataFrame, or a `FindingsView`).

    `farmland`/`survey`: `read_layer` frames (or `prepare_context` layers, to share the work between
    pages); `blocks`: transfer blocks (`check_transfer`'s blocks or blocks.gpkg, or their context
    layer), coloured at/above or below `block_min_mu` (mu), each with a popup. `basemap`: the tiles shown first (osm, esri, tianditu, tianditu-img, gaode, gaode-img,
    none); 天地图 needs `tianditu_key`; gaode* shifts every coordinate to GCJ-02 and offers only 高德
    tiles. `offline`: `render_html`/`write_map` inline every asset. Returns the folium Map; write it
    with `write_map`.
    """
    check_basemap(basemap, tianditu_key)
    gcj02 = basemap in GCJ02_BASEMAPS
    view = _as_view(findings)
    context = _as_context(farmland, survey, gcj02, blocks, block_min_mu)
    geoms = _gcj02_geoms(view.geoms) if gcj02 and len(view.geoms) else view.geoms
    survey_shown = offline or basemap == "none"

    bounds = _bounds_latlng(geoms)
    if bounds is None:
        ctx_geoms = [g for layer in context.values() for g in layer.geoms]
        bounds = _bounds_latlng(np.asarray(ctx_geoms, dtype=object)) if ctx_geoms else None
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2] if bounds else [35.0, 105.0]
    m = folium.Map(location=centre, zoom_start=14 if bounds else 4, tiles=None, max_zoom=20, control_scale=False,
                   height=height, zoom_control=True)
    # Leaflet only: folium's Bootstrap, jQuery, Font Awesome and awesome-markers are not used here
    m.options.update({"maxZoom": 20, "minZoom": 3, "zoomSnap": 0.25})
    m.default_js = [(n, u) for n, u in m.default_js if n == "leaflet"]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]
    m.landcheck_offline = offline
    m.landcheck_view = view

    m.add_child(_Raw(head=f"<style>{_CSS}</style>", code=_RUNTIME_JS))
    if bounds is not None:
        m.add_child(_FitView(bounds))
    table = _basemap_table(tianditu_key)
    keys = [k for k in table if (table[k]["crs"] == "gcj02") == gcj02 and (tianditu_key or not k.startswith("tianditu"))]
    for k in keys:
        b = table[k]
        m.add_child(_TilesLayer(b["name"], b["tiles"], b["attr"], show=(k == basemap)))
    m.add_child(_TilesLayer("无底图", [], "", show=(basemap == "none")))

    if "survey" in context:
        # over tiles the land-use colours would hide the imagery: the survey is the base only without tiles
        m.add_child(_PayloadLayer("context", _context_payload(context["survey"]), "地类图斑（无底图时作底图）",
                                  show=survey_shown))
    if "farmland" in context:
        m.add_child(_PayloadLayer("context", _context_payload(context["farmland"]), "永久基本农田", show=True))
    if "blocks" in context:
        m.add_child(_PayloadLayer("context", _context_payload(context["blocks"]),
                                  f"流转连片地块（{len(context['blocks'].geoms)} 块）", show=True))
    payload, _ = _findings_payload(view, geoms)
    flayer = _PayloadLayer("findings", payload, f"问题图斑（{len(view)} 处）", show=True)
    m.add_child(flayer)

    folium.plugins.Fullscreen(position="topleft", title="全屏", title_cancel="退出全屏").add_to(m)
    for plugin in (folium.plugins.LocateControl, folium.plugins.Search):
        for name, url in plugin.default_js:
            m.add_js_link(name, url)
        for name, url in plugin.default_css:
            m.add_css_link(name, url)
    folium.plugins.MeasureControl(position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
                                  primary_area_unit="mu", secondary_area_unit="sqmeters",
                                  units={"mu": {"factor": 0.0015, "display": "亩", "decimals": 2}}).add_to(m)
    legend = _legend_html(view, title, context, gcj02, offline, survey_shown)
    m.add_child(_Controls(legend, flayer if search else None, gcj02))
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    m.landcheck_page = _PageParts(title, "")
    m.get_root().add_child(m.landcheck_page)
    return m


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------
_SCRIPT_SRC = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_CSS_HREF = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/>')


def offline_assets() -> dict[str, str]:
    """folium's web resources by CDN address, from the folium-offline package."""
    try:
        return compat.offline_resources()
    except ImportError:
        raise LandcheckError("--offline needs the folium-offline package (pip install folium-offline): it carries "
                             "the map's JavaScript and CSS so that the page needs no internet.") from None


def inline_assets(page: str, assets: dict[str, str] | None = None) -> str:
    """Replace every <script src> and stylesheet <link> by the resource itself. A resource the
    asset table does not hold is an error (the page would silently need the internet)."""
    assets = offline_assets() if assets is None else assets
    missing: list[str] = []

    def script(mo):
        url = mo.group("url")
        if url not in assets:
            missing.append(url)
            return mo.group(0)
        return "<script>" + assets[url].replace("</script", "<\\/script") + "</script>"

    def style(mo):
        url = mo.group("url")
        if url not in assets:
            missing.append(url)
            return mo.group(0)
        return "<style>" + assets[url].replace("</style", "<\\/style") + "</style>"

    page = _SCRIPT_SRC.sub(script, page)
    page = _CSS_HREF.sub(style, page)
    if missing:
        raise LandcheckError(f"offline map: folium-offline has no copy of {', '.join(missing)} "
                             f"(folium {folium.__version__}); install the folium-offline release matching folium.")
    return page


def render_html(m: folium.Map, offline: bool | None = None) -> str:
    """The page's HTML; `offline` (default: as the map was made) inlines every asset."""
    page = m.get_root().render()
    if offline if offline is not None else getattr(m, "landcheck_offline", False):
        page = inline_assets(page)
    return page


def write_map(m: folium.Map, path: str | Path, offline: bool | None = None) -> Path:
    """Write the map as one HTML file, replacing `path` atomically."""
    path = Path(path)
    if path.is_dir():
        raise LandcheckError(f"{path}: is a folder; give a file name ending in .html (or use --by village for a folder).")
    page = render_html(m, offline)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def _safe_file_stem(name: str, limit: int = 40) -> str:
    """A file name from a village name: letters (any script), digits, - and _ only."""
    out = []
    for ch in unicodedata.normalize("NFC", name):
        cat = unicodedata.category(ch)
        out.append(ch if (cat[0] in "LN" or ch in "-_") else "_")
    stem = re.sub(r"_+", "_", "".join(out)).strip("_")[:limit]
    return stem or "village"


def _task_table_html(view: FindingsView) -> str:
    e = html.escape
    t = view.table
    heads = ["序号", "问题编号" if view.from_ledger else "问题标识", "地类", "面积(亩)", "问题类型",
             "整改措施" if view.from_ledger else "建议整改措施"]
    if view.from_ledger:
        heads += ["整改状态", "整改时限"]
    heads += ["坐标"]
    order = np.argsort(t["id"].to_numpy(dtype=str), kind="stable")
    body = []
    for n, i in enumerate(order, 1):
        r = t.iloc[i]
        cells = [f'<td class="n">{n}</td>', f'<td class="nw">{e(r["id"])}</td>', f"<td>{e(r['landuse'])}</td>",
                 f'<td class="n">{e(r["area"])}</td>', f"<td>{e(r['problem_type'])}</td>", f"<td>{e(r['measure'])}</td>"]
        if view.from_ledger:
            cls = ' class="lc-overdue"' if r["overdue"] else ""
            cells += [f"<td>{e(r['status'])}</td>", f"<td{cls}>{e(r['deadline'])}</td>"]
        cells += [f'<td class="nw">{e(r["coord"])}</td>', '<td class="blank print-only"></td>']
        body.append(f'<tr data-i="{int(i)}" onclick="LC.focus({int(i)})">' + "".join(cells) + "</tr>")
    total = (f'<tr><th colspan="3">合计 {len(t)} 处</th><td class="n">{units.total_mu(view.area_m2):.2f}</td>'
             f'<td colspan="{len(heads) - 4}"></td><td class="print-only"></td></tr>')
    return ('<section class="lc-tasks"><h2>核查任务表</h2><div class="lc-scroll"><table><thead><tr>'
            + "".join(f"<th>{e(h)}</th>" for h in heads) + '<th class="print-only">现场核查情况</th></tr></thead><tbody>' + "".join(body)
            + "</tbody><tfoot>" + total + "</tfoot></table></div></section>")


def _village_page(view: FindingsView, village: str, context: dict[str, ContextLayer], title: str, **kw) -> folium.Map:
    e = html.escape
    label = village_label(village)
    page_title = f"{label} {title}".strip()
    m = inspection_map(view, farmland=context.get("farmland"), survey=context.get("survey"), blocks=context.get("blocks"),
                       title=page_title, height="70vh", **kw)
    root = m.get_root()
    summary = f"问题图斑 {len(view)} 处，{units.total_mu(view.area_m2):.2f} 亩"
    head = (f'<header class="lc-head"><a href="index.html">← 全部村</a><h1>{e(label)}</h1>'
            f'<span class="lc-sum">{e(summary)}</span><button type="button" onclick="window.print()">打印</button></header>'
            f'<div id="lc-map-anchor"></div>')
    # the header goes before the map (the map's element is added when it renders), the task table after it
    root.html.add_child(Element(head), name="lc_head", index=0)
    m.add_child(_AfterMap(_task_table_html(view)))
    m.landcheck_page.css = _PAGE_CSS
    m.landcheck_page.code = "document.body.className += ' lc-page';"
    return m


def _index_html(rows: list[dict], title: str, from_ledger: bool, overview: str | None, total_mu: float) -> str:
    e = html.escape
    heads = ["行政村", "问题图斑(处)", "面积(亩)"] + (["未完成(处)", "已逾期(处)"] if from_ledger else [])
    body = []
    for r in rows:
        cells = [f'<td><a href="{e(quote(r["file"]))}">{e(r["label"])}</a></td>', f'<td class="n">{r["n"]}</td>',
                 f'<td class="n">{r["mu"]:.2f}</td>']
        if from_ledger:
            cells += [f'<td class="n">{r["open"]}</td>', f'<td class="n">{r["overdue"]}</td>']
        body.append("<tr>" + "".join(cells) + "</tr>")
    tot_n = sum(r["n"] for r in rows)
    tot = ["<th>合计</th>", f'<td class="n">{tot_n}</td>', f'<td class="n">{total_mu:.2f}</td>']
    if from_ledger:
        tot += [f'<td class="n">{sum(r["open"] for r in rows)}</td>', f'<td class="n">{sum(r["overdue"] for r in rows)}</td>']
    link = f'<p><a href="{e(quote(overview))}">全镇总图</a></p>' if overview else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="landcheck maps"><title>{e(title)} · 分村核查图</title>
<style>{_PAGE_CSS}
.lc-index {{ padding: 8px 12px; }} .lc-index table {{ border-collapse: collapse; }}
.lc-index th, .lc-index td {{ border: 1px solid #999; padding: 4px 8px; }} .lc-index td.n {{ text-align: right; }}
.lc-index th {{ background: #eee; }}</style></head>
<body class="lc-page"><header class="lc-head"><h1>{e(title)} · 分村核查图</h1><span class="lc-sum">{len(rows)} 个村，问题图斑 {tot_n} 处</span></header>
<main class="lc-index">{link}<table><thead><tr>{''.join(f'<th>{e(h)}</th>' for h in heads)}</tr></thead>
<tbody>{''.join(body)}</tbody><tfoot><tr>{''.join(tot)}</tr></tfoot></table>
<p class="lc-small">每个村一页：地图（可打印）与核查任务表。点击任务表的一行可在地图上定位。</p></main></body></html>
"""


MARKER = ".landcheck-maps"


def _replace_dir(tmp: Path, target: Path) -> None:
    """Put the freshly written folder `tmp` in place of `target` (two renames)."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def write_village_maps(findings, out_dir: str | Path, *, farmland=None, survey=None, blocks=None,
                       block_min_mu: float = 100.0, title: str = "现场核查图", offline: bool = False, tianditu_key: str | None = None, basemap: str = "osm",
                       overview: bool = True, margin_deg: float = 0.01) -> dict[str, Path]:
    """One page per village (zoomed to its findings, with a printable task table), an `index.html`
    listing villages with counts, mu and links, and (with `overview`) `township.html` of all
    findings. The folder is replaced as a whole; a folder that landcheck did not write is refused.
    Returns {"index": …, "township": …, village label: page path}."""
    check_basemap(basemap, tianditu_key)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise LandcheckError(f"{out}: exists and was not written by landcheck map; choose another output folder "
                             f"(village pages replace the whole folder).")
    gcj02 = basemap in GCJ02_BASEMAPS
    view = _as_view(findings)
    context = _as_context(farmland, survey, gcj02, blocks, block_min_mu)
    kw = dict(offline=offline, tianditu_key=tianditu_key, basemap=basemap)
    geoms = view.geoms if not gcj02 else _gcj02_geoms(view.geoms)
    villages = list(dict.fromkeys(sorted(view.table["village"])))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the pages are meant to be shared
    result: dict[str, Path] = {}
    try:
        (tmp / MARKER).write_text("written by landcheck map; this folder is replaced as a whole\n", encoding="utf-8")
        rows = []
        used: set[str] = set()
        total_mu = units.total_mu(view.area_m2)
        for n, v in enumerate(villages, 1):
            mask = (view.table["village"] == v).to_numpy()
            sub = view.subset(mask)
            ctx = {}
            b = _bounds_latlng(geoms[mask])
            if b is not None:
                bbox = (b[0][1] - margin_deg, b[0][0] - margin_deg, b[1][1] + margin_deg, b[1][0] + margin_deg)
                ctx = {k: layer.clip(bbox) for k, layer in context.items()}
            fname = f"{n:02d}-{_safe_file_stem(village_label(v))}.html"
            while fname in used:
                fname = f"{n:02d}-{len(used)}-{_safe_file_stem(village_label(v))}.html"
            used.add(fname)
            m = _village_page(sub, v, ctx, title, **kw)
            write_map(m, tmp / fname)
            label = village_label(v)
            result[label] = out / fname
            rows.append({"label": label, "file": fname, "n": len(sub), "mu": units.total_mu(sub.area_m2),
                         "open": int((sub.table["status"].map(_status_line) == "solid").sum()),
                         "overdue": int(sub.table["overdue"].sum())})
        overview_name = None
        if overview:
            overview_name = "township.html"
            m = inspection_map(view, farmland=context.get("farmland"), survey=context.get("survey"),
                               blocks=context.get("blocks"), title=title, **kw)
            write_map(m, tmp / overview_name)
            result["township"] = out / overview_name
        (tmp / "index.html").write_text(_index_html(rows, title, view.from_ledger, overview_name, total_mu), encoding="utf-8")
        result["index"] = out / "index.html"
        _replace_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {"index": result.pop("index"), **result}


__all__ = [
    "read_source", "MapSource", "prepare_findings", "FindingsView", "prepare_context", "ContextLayer", "inspection_map",
    "render_html", "write_map", "write_village_maps", "gcj02_from_wgs84", "out_of_china", "encode_geometries",
    "js_json", "inline_assets", "CATEGORY_COLOUR", "LANDUSE_GROUP_STYLE", "BASEMAP_CHOICES",
]
