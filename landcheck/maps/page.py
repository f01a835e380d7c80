"""One inspection map: styles and the Chinese legend, the findings and context payloads, the basemaps and
controls (`inspection_map`). Builds a folium.Map from prepared data; writes nothing."""

from __future__ import annotations


import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely

from ..config import vocabulary
from ..errors import LandcheckError
from .style import BASEMAP_CHOICES, CANVAS_MIN_FEATURES, CANVAS_MIN_VERTICES, CONTEXT_DECIMALS, FARMLAND_COLOUR, FINDING_DECIMALS, GCJ02_BASEMAPS, LANDUSE_GROUP_STYLE, basemap_table
from .gcj02 import gcj02_from_wgs84, gcj02_geoms
from .encode import encode_column, encode_geometries, js_json
from .view import BLOCK_POPUP_ROWS, BLOCK_STYLE, ContextLayer, FindingsView, prepare_context, prepare_findings
from .legend import category_label_colour, legend_html
from .elements import CSS, Controls, FitView, PageParts, PayloadLayer, RUNTIME_JS, Raw, TilesLayer

# ------------------------------------------------------------------------------------------
# Styles and legend
# ------------------------------------------------------------------------------------------
def status_line(status: str) -> str:
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
        line = status_line(status) if view.from_ledger else "solid"
        k = (cat, line)
        if k not in keys:
            colour = category_label_colour(cat)[1]
            st = {"color": colour, "weight": 2, "opacity": 0.95, "fillColor": colour,
                  "fillOpacity": 0.45 if line == "solid" else 0.15}
            if _DASH[line]:
                st["dashArray"] = _DASH[line]
            keys[k] = len(styles)
            styles.append(st)
        idx.append(keys[k])
    return styles, idx


# ------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------
#: Popup rows: (label, column, suffix, hide when empty).
_POPUP_ROWS = [
    ("行政村", "village", "", False), ("地类", "landuse", "", False), ("面积", "area", " 亩", False),
    ("问题类型", "problem_type", "", False), ("新增/存量", "origin", "", True), ("整改措施", "measure", "", False),
    ("整改状态", "status", "", True), ("整改时限", "deadline", "", True),
    ("图斑编号", "patch_id", "", True), ("永农图斑编号", "farmland_id", "", True), ("坐标", "coord", "", True),
]


def bounds_latlng(geoms: np.ndarray):
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    if not len(geoms):
        return None
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def photo_props(photos, gcj02: bool) -> list[list]:
    """Per task its photos for the page ([thumbnail, time, stage, lon, lat, direction]), positions in
    GCJ-02 when the tiles are."""
    lons = [lon for items in photos for _, _, _, lon, _, _ in items]
    lats = [lat for items in photos for _, _, _, _, lat, _ in items]
    if gcj02 and lons:  # every photo of the page in one conversion
        x, y = gcj02_from_wgs84(lons, lats)
        lons, lats = [float(v) for v in x], [float(v) for v in y]
    out, k = [], 0
    for items in photos:
        rows = []
        for thumb, when, stage, _, _, direction in items:
            rows.append([thumb, when, stage, round(lons[k], 7), round(lats[k], 7), direction])
            k += 1
        out.append(rows)
    return out


def _findings_payload(view: FindingsView, geoms: np.ndarray, gcj02: bool = False) -> tuple[str, int]:
    styles, style_idx = _finding_styles(view)
    t = view.table
    props = {c: encode_column(t[c]) for c in ("id", "village", "landuse", "area", "problem_type", "origin", "measure",
                                               "status", "deadline", "patch_id", "farmland_id", "coord")}
    props["overdue"] = [1 if o else 0 for o in t["overdue"]] if view.from_ledger else []
    if "photos" in t.columns and any(len(v) for v in t["photos"]):
        props["photos"] = photo_props(t["photos"], gcj02)
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
                 "rows": [list(r) for r in BLOCK_POPUP_ROWS], "idLabel": "流转连片地块", "tipKeys": ["id", "group"]}
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


def as_view(findings) -> FindingsView:
    return findings if isinstance(findings, FindingsView) else prepare_findings(findings)


def as_context(farmland, survey, gcj02: bool, blocks=None, block_min_mu: float = 100.0) -> dict[str, ContextLayer]:
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
                   title: str = "现场核查图", offline: bool = True,
                   tianditu_key: str | None = None, basemap: str = "osm", height: str = "100%",
                   search: bool = True) -> folium.Map:
    """A folium map of `findings` (a findings or ledger-tasks GeoDataFrame, or a `FindingsView`).

    `farmland`/`survey`: `read_layer` frames (or `prepare_context` layers, to share the work between
    pages); `blocks`: transfer blocks (`check_transfer`'s blocks or blocks.gpkg, or their context
    layer), coloured at/above or below `block_min_mu` (mu), each with a popup. `basemap`: the tiles shown first (osm, esri, tianditu, tianditu-img, gaode, gaode-img,
    none); 天地图 needs `tianditu_key`; gaode* shifts every coordinate to GCJ-02 and offers only 高德
    tiles; tiles that cannot load (no network) bring up the survey's land use and a one-line notice.
    `offline` (default): `render_html`/`write_map` inline every asset; False links them from the CDN. Returns the folium Map; write it
    with `write_map`.
    """
    check_basemap(basemap, tianditu_key)
    gcj02 = basemap in GCJ02_BASEMAPS
    view = as_view(findings)
    context = as_context(farmland, survey, gcj02, blocks, block_min_mu)
    geoms = gcj02_geoms(view.geoms) if gcj02 and len(view.geoms) else view.geoms
    survey_shown = basemap == "none"

    bounds = bounds_latlng(geoms)
    if bounds is None:
        ctx_geoms = [g for layer in context.values() for g in layer.geoms]
        bounds = bounds_latlng(np.asarray(ctx_geoms, dtype=object)) if ctx_geoms else None
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2] if bounds else [35.0, 105.0]
    m = folium.Map(location=centre, zoom_start=14 if bounds else 4, tiles=None, max_zoom=20, control_scale=False,
                   height=height, zoom_control=True)
    # Leaflet only: folium's Bootstrap, jQuery, Font Awesome and awesome-markers are not used here
    m.options.update({"maxZoom": 20, "minZoom": 3, "zoomSnap": 0.25})
    m.default_js = [(n, u) for n, u in m.default_js if n == "leaflet"]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]
    m.landcheck_offline = offline
    m.landcheck_view = view

    m.add_child(Raw(head=f"<style>{CSS}</style>", code=RUNTIME_JS))
    if bounds is not None:
        m.add_child(FitView(bounds))
    table = basemap_table(tianditu_key)
    keys = [k for k in table if (table[k]["crs"] == "gcj02") == gcj02 and (tianditu_key or not k.startswith("tianditu"))]
    for k in keys:
        b = table[k]
        m.add_child(TilesLayer(b["name"], b["tiles"], b["attr"], show=(k == basemap)))
    m.add_child(TilesLayer("无底图", [], "", show=(basemap == "none")))

    survey_layer = None
    if "survey" in context:
        # over tiles the land-use colours would hide the imagery: the survey is the base only without tiles
        # (no basemap, or tiles that cannot load: the page then adds it and says so)
        survey_layer = PayloadLayer("context", _context_payload(context["survey"]), "地类图斑（无底图时作底图）",
                                    show=survey_shown)
        m.add_child(survey_layer)
    if "farmland" in context:
        m.add_child(PayloadLayer("context", _context_payload(context["farmland"]), "永久基本农田", show=True))
    if "blocks" in context:
        m.add_child(PayloadLayer("context", _context_payload(context["blocks"]),
                                  f"流转连片地块（{len(context['blocks'].geoms)} 块）", show=True))
    payload, _ = _findings_payload(view, geoms, gcj02)
    flayer = PayloadLayer("findings", payload, f"问题图斑（{len(view)} 处）", show=True)
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
    legend = legend_html(view, title, context, gcj02, offline, survey_shown, status_line)
    notice = vocabulary().label("map_tiles_failed" if survey_layer is not None else "map_tiles_failed_bare")
    m.add_child(Controls(legend, flayer if search else None, gcj02, survey_layer, notice))
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    m.landcheck_page = PageParts(title, "")
    m.get_root().add_child(m.landcheck_page)
    return m


