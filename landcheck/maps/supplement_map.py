"""The 调出补划 map (issue 17): a folium page with the need (the 调出 pieces, red) and the proposal (the
proposed parcels, green, other candidates grey and hidden at first) side by side in two synchronised panes (folium's
DualMap), framed on the need and the proposal. Tooltips carry numbers and ids under Chinese labels, escaped here (folium's tooltip does not). Written with `write.write_map`.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import vocabulary
from ..ledger import HEADERS
from .encode import js_json
from .style import FARMLAND_COLOUR, WGS84
from .write import write_map

NEED_COLOUR, PROPOSAL_COLOUR, OTHER_COLOUR = "#C00000", "#2E7D32", "#9E9E9E"


#: Tooltip rows: column → label key (every word an officer reads in Chinese, from the vocabulary)
NEED_FIELDS = {"issue_id": "issue_id", "village": "supplement_village", "need_mu": "supplement_need"}
PARCEL_FIELDS = {"rank": "supplement_rank", "patch_id": "supplement_patch", "area_mu": "supplement_area",
                 "gdpdjb": "supplement_grade", "for_village": "supplement_for_village"}


def _layer(gdf: gpd.GeoDataFrame, name: str, colour: str, fields: dict[str, str], *, weight: int = 2,
           show: bool = True) -> folium.GeoJson | None:
    if not len(gdf):
        return None
    cols = [c for c in fields if c in gdf.columns]
    data = gdf[cols + [gdf.geometry.name]].to_crs(WGS84)
    for c in cols:  # folium's tooltip puts values into innerHTML as they are: text from input files escaped here
        if not pd.api.types.is_numeric_dtype(data[c]):
            data[c] = data[c].map(lambda v: html.escape(str(v)) if v is not None and v == v else "")
    aliases = [HEADERS["issue_id"] if fields[c] == "issue_id" else vocabulary().label(fields[c]) for c in cols]
    tooltip = folium.GeoJsonTooltip(fields=cols, aliases=aliases) if cols else None
    return folium.GeoJson(data.__geo_interface__, name=name, tooltip=tooltip, show=show,
                          style_function=lambda _f, c=colour, w=weight: {"color": c, "weight": w, "fillColor": c,
                                                                         "fillOpacity": 0.45})


#: Without a network the basemap stays grey: each pane says so in one line (as the inspection maps do), once no
#: tile has loaded and some failed, at page load or later.
_TILES_NOTE = """window.addEventListener('load', function () {
  [%(maps)s].forEach(function (map) {
    var st = {ok: 0, bad: 0, shown: false}, box = map.getContainer();
    function note() {
      if (st.shown || st.ok || box.querySelector('img.leaflet-tile-loaded') || !(st.bad >= 2 || navigator.onLine === false
          || box.querySelector('img.leaflet-tile'))) return;
      st.shown = true;
      var d = L.DomUtil.create('div', 'lc-tiles-note', box);
      d.setAttribute('role', 'status');
      d.style.cssText = 'position:absolute;left:8px;bottom:24px;z-index:1000;background:#fff;border:1px solid #999;padding:2px 6px;font-size:13px';
      d.textContent = %(note)s;
    }
    map.eachLayer(function (l) {
      if (l instanceof L.TileLayer) {
        l.on('tileload', function () { st.ok++; });
        l.on('tileerror', function () { st.bad++; note(); });
      }
    });
    note();
  });
});"""

#: Farmland within this of the need or the proposal is drawn in both panes (what "adjacent" refers to), m
FARMLAND_CONTEXT_M = 300.0


def farmland_context(farmland: gpd.GeoDataFrame | None, near: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    """The farmland polygons within FARMLAND_CONTEXT_M of the geometries of `near` (same CRS, metres)."""
    geoms = [g for f in near if len(f) for g in f.geometry.values if g is not None and not g.is_empty]
    if farmland is None or not len(farmland) or not geoms:
        return None
    hit = shapely.STRtree(farmland.geometry.values).query(np.asarray(geoms, dtype=object), predicate="dwithin",
                                                            distance=FARMLAND_CONTEXT_M)[1]
    return farmland.iloc[np.unique(hit)][[farmland.geometry.name]]


def supplement_map(needs: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, title: str = "",
                   farmland: gpd.GeoDataFrame | None = None) -> folium.Map:
    """The two-pane map: left the need, right the proposal (and the other candidates, hidden at first); in
    both the farmland near them as outlines (`farmland`, in the candidates' CRS)."""
    L = vocabulary().label
    needs = needs[[g is not None and not g.is_empty for g in needs.geometry]] if len(needs) else needs
    chosen = candidates[candidates["proposed"]] if len(candidates) else candidates
    rest = candidates[~candidates["proposed"]] if len(candidates) else candidates
    frames = [f for f in (needs, chosen) if len(f)] or [f for f in (candidates,) if len(f)]  # what matters first
    if frames:
        b = np.array([f.to_crs(WGS84).total_bounds for f in frames])
        bounds = [[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]]
    else:
        bounds = [[35.0, 105.0], [35.0, 105.0]]
    m = folium.plugins.DualMap(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                               zoom_start=14, tiles="OpenStreetMap")
    need = _layer(needs, L("supplement_map_need"), NEED_COLOUR, NEED_FIELDS, weight=4)
    other_fields = {k: PARCEL_FIELDS[k] for k in ("patch_id", "area_mu", "gdpdjb")}
    for layer, pane in ((need, m.m1), (_layer(chosen, L("supplement_map_proposal"), PROPOSAL_COLOUR, PARCEL_FIELDS, weight=4), m.m2),
                        (_layer(rest, L("supplement_map_other"), OTHER_COLOUR, other_fields, show=False), m.m2)):
        if layer is not None:
            layer.add_to(pane)
    context = farmland_context(farmland, [needs, chosen])
    if context is not None and len(context):
        folium.GeoJson(context.to_crs(WGS84).__geo_interface__, name=L("farmland"), show=True,
                       style_function=lambda _f: {"color": FARMLAND_COLOUR, "weight": 1, "fill": False}).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().script.add_child(folium.Element(_TILES_NOTE % {
        "maps": ", ".join(x.get_name() for x in (m.m1, m.m2)), "note": js_json(L("map_tiles_failed_supplement"))}))
    m.fit_bounds(bounds)
    if title:
        m.get_root().header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    return m


def write_supplement_map(needs: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, path: Path, title: str = "",
                         offline: bool = True, farmland: gpd.GeoDataFrame | None = None) -> Path:
    """Write the two-pane map as one HTML file (assets inlined unless `offline` is False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_map(supplement_map(needs, candidates, title, farmland), path, offline)
