"""The 调出补划 map (issue 17): a folium page with the need (the 调出 pieces, red) and the proposal (the
proposed parcels, green, other candidates grey) side by side in two synchronised panes (folium's
DualMap). Tooltips carry numbers and ids only, escaped by folium. Written with `write.write_map`.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import numpy as np

from ..config import vocabulary
from .style import WGS84
from .write import write_map

NEED_COLOUR, PROPOSAL_COLOUR, OTHER_COLOUR = "#C00000", "#2E7D32", "#9E9E9E"


def _layer(gdf: gpd.GeoDataFrame, name: str, colour: str, fields: list[str]) -> folium.GeoJson | None:
    if not len(gdf):
        return None
    data = gdf[[c for c in fields if c in gdf.columns] + [gdf.geometry.name]].to_crs(WGS84)
    tooltip = folium.GeoJsonTooltip(fields=[c for c in fields if c in data.columns]) if fields else None
    return folium.GeoJson(data.__geo_interface__, name=name, tooltip=tooltip,
                          style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.45})


def supplement_map(needs: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, title: str = "") -> folium.Map:
    """The two-pane map: left the need, right the proposal (and the other candidates, hidden at first)."""
    L = vocabulary().label
    needs = needs[[g is not None and not g.is_empty for g in needs.geometry]] if len(needs) else needs
    frames = [f for f in (needs, candidates) if len(f)]
    if frames:
        b = np.array([f.to_crs(WGS84).total_bounds for f in frames])
        bounds = [[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]]
    else:
        bounds = [[35.0, 105.0], [35.0, 105.0]]
    m = folium.plugins.DualMap(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                               zoom_start=14, tiles="OpenStreetMap")
    need = _layer(needs, L("supplement_map_need"), NEED_COLOUR, ["issue_id", "village", "need_mu"])
    chosen = candidates[candidates["proposed"]] if len(candidates) else candidates
    rest = candidates[~candidates["proposed"]] if len(candidates) else candidates
    fields = ["rank", "patch_id", "area_mu", "gdpdjb", "for_village"]
    for layer, pane in ((need, m.m1), (_layer(chosen, L("supplement_map_proposal"), PROPOSAL_COLOUR, fields), m.m2),
                        (_layer(rest, L("supplement_map_other"), OTHER_COLOUR, fields[:3]), m.m2)):
        if layer is not None:
            layer.add_to(pane)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds(bounds)
    if title:
        m.get_root().header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    return m


def write_supplement_map(needs: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, path: Path, title: str = "",
                         offline: bool = True) -> Path:
    """Write the two-pane map as one HTML file (assets inlined unless `offline` is False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_map(supplement_map(needs, candidates, title), path, offline)
