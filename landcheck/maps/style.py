"""Colours, decimals and basemaps of the inspection maps: what a category, a land-use group or the farmland
looks like, and the tile layers offered (天地图 with a key, 高德 in GCJ-02). Constants only; draws nothing."""

from __future__ import annotations


from urllib.parse import quote




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
#: The colours of MAP_CATEGORIES are chosen apart (CIEDE2000 ≥ 12 between any two, for normal vision and
#: simulated deuteranopia and protanopia: tests/maps/test_style.py) while keeping their meaning: red
#: built-up, orange non-grain, blue water.
CATEGORY_COLOUR = {
    "non_farm": "#bb4433",
    "non_grain": "#ffaa66",
    "pond": "#44aaff",
    "non_grain_crop": "#771177",
    "mixed_crop": "#ccbbcc",
    "abandoned": "#bb8866",
    "facility": "#008888",
    "other": "#4466ee",
    "transfer_non_farm": "#881100",
    "transfer_non_grain": "#ee6600",
    "transfer_below_min": "#ee1188",
    "transfer_overlap": "#444444",
    "infrastructure": "#6a8caf",
    "cultivated": "#b8a631",
}
#: The categories the checks write as findings, drawn together on one map (cultivated and
#: infrastructure are summary classes, never findings).
MAP_CATEGORIES = ("non_farm", "non_grain", "pond", "non_grain_crop", "mixed_crop", "abandoned", "facility", "other",
                  "transfer_non_farm", "transfer_non_grain", "transfer_below_min", "transfer_overlap")
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


def basemap_table(tianditu_key: str | None) -> dict[str, dict]:
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


