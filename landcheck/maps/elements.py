"""The folium/branca elements of a page: the runtime script and the styles (package data under
`landcheck/data/map/`, inlined at write time), the payload and tile layers, fit-to-view, controls and
page parts. Knows nothing of findings."""

from __future__ import annotations

from importlib import resources

import html

from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from .encode import js_json

def _asset(name: str) -> str:
    """A file of `landcheck/data/map/` (the page's JavaScript and CSS)."""
    return resources.files("landcheck.data").joinpath("map", name).read_text(encoding="utf-8")

# ------------------------------------------------------------------------------------------
# Page elements
# ------------------------------------------------------------------------------------------
RUNTIME_JS = _asset("runtime.js")
CSS = _asset("map.css")
PAGE_CSS = _asset("page.css")

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


class Raw(MacroElement):
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


class PayloadLayer(Layer):
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


class TilesLayer(Layer):
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


class FitView(MacroElement):
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


class Controls(MacroElement):
    """Legend, scale bar, search, GCJ-02 geolocation shift, measure translation, fit to data, and the
    fallback when tiles cannot load (the survey layer shown, `notice` on the map)."""

    _template = _jinja("""
        {% macro script(this, kwargs) %}
        (function (map) {
          LC.map = map;
          L.control.scale({metric: true, imperial: false, position: 'bottomleft'}).addTo(map);
          LC.legend(map, {{ this.legend }}, 'bottomright');
          {% if this.search_layer %}LC.search(map, {{ this.search_layer.get_name() }}, {{ this.search_text }});{% endif %}
          {% if this.gcj02 %}LC.shiftGeolocation(map);{% endif %}
          LC.locate(map);
          LC.tileFallback(map, {% if this.survey_layer %}{{ this.survey_layer.get_name() }}{% else %}null{% endif %}, {{ this.notice }});
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

    def __init__(self, legend_html: str, search_layer, gcj02: bool, survey_layer=None, notice: str = ""):
        super().__init__()
        self.survey_layer = survey_layer
        self.notice = js_json(notice)
        self._name = "LandcheckControls"
        self.legend = js_json(legend_html)
        self.search_layer = search_layer
        self.search_text = js_json({"placeholder": "搜索问题编号", "notFound": "未找到", "cancel": "取消"})
        self.gcj02 = gcj02
        self.measure_zh = js_json(_MEASURE_ZH)


class AfterMap(MacroElement):
    """HTML placed right after the map's own element (add it as a child of the map)."""

    _template = _jinja("""{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}""")

    def __init__(self, content: str):
        super().__init__()
        self._name = "LandcheckAfterMap"
        self.content = content


class PageParts(MacroElement):
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


