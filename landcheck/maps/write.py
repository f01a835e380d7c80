"""Writing a map: HTML rendered, optionally with every JavaScript/CSS asset inlined (offline, from the
folium-offline package; a missing resource is an error), replaced atomically."""

from __future__ import annotations


import re
from pathlib import Path

import folium
import folium.plugins

from .. import compat
from ..errors import LandcheckError
from ..export import atomic_path

# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------
_SCRIPT_SRC = re.compile(r'<script src="(?P<url>[^"]+)"></script>')
_CSS_HREF = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]+)"\s*/>')
#: A stylesheet's relative url(…) (an image beside it on the CDN): inlined, it would point at a local file
_RELATIVE_URL = re.compile(r"""url\((?P<q>['"]?)(?!data:|https?:|//|#|%23)[^)'"]+(?P=q)\)""")


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
        css = _RELATIVE_URL.sub("url(data:,)", assets[url])
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

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


