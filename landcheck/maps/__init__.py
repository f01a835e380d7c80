"""Inspection maps 现场核查图: folium (Leaflet) HTML maps that field teams open on a phone or print —
findings (or the ledger's tasks) coloured by category with escaped popups, farmland and land-use context,
basemaps (天地图 with a key, 高德 in GCJ-02), legend, search, measure, locate-me; one page per village.

Modules: `style` (colours, basemaps), `gcj02`, `view` (source, findings view, context layers), `encode`
(compact payloads), `elements` (folium elements; JS/CSS in `landcheck/data/map/`), `page`
(`inspection_map`), `write` (HTML, offline inlining), `villages` (village pages and index).
Nothing here computes a finding; this file only re-exports.
"""

from .encode import encode_column, encode_geometries, js_json
from .gcj02 import gcj02_from_wgs84, out_of_china
from .page import check_basemap, inspection_map
from .style import (BASEMAP_CHOICES, CATEGORY_COLOUR, FARMLAND_COLOUR, GCJ02_BASEMAPS, LANDUSE_GROUP_STYLE,
                    UNKNOWN_COLOUR, WGS84)
from .view import ContextLayer, FindingsView, MapSource, prepare_context, prepare_findings, read_source, village_codes
from .villages import MARKER, write_village_maps
from .write import inline_assets, offline_assets, render_html, write_map

__all__ = [
    "BASEMAP_CHOICES", "CATEGORY_COLOUR", "FARMLAND_COLOUR", "GCJ02_BASEMAPS", "LANDUSE_GROUP_STYLE", "MARKER",
    "UNKNOWN_COLOUR", "WGS84", "ContextLayer", "FindingsView", "MapSource", "check_basemap", "encode_column",
    "encode_geometries", "gcj02_from_wgs84", "inline_assets", "inspection_map", "js_json", "offline_assets",
    "out_of_china", "prepare_context", "prepare_findings", "read_source", "render_html", "village_codes",
    "write_map", "write_village_maps",
]
