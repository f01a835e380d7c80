"""`landcheck map`: inspection maps 现场核查图 from a findings GeoPackage or a ledger.

Reads the source and the context layers, calls `maps` to draw, prints what it wrote.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import PATH, layer_spec, named_input
from .output import console, print_warnings, progress_bar, verbosity

#: Where maps go when -o is not given (DESIGN: maps default to maps/).
DEFAULT_DIR = Path("maps")


@click.command(name="map")
@click.argument("source", type=PATH)
@named_input("farmland", False, "永久基本农田 layer, drawn as outlines.")
@named_input("survey", False, "地类图斑 DLTB layer, drawn by land-use class (the base map where there are no tiles).")
@click.option("--by", "by", type=click.Choice(["village"]), default=None,
              help="One page per village (with a printable task table) and an index.html, into the -o folder.")
@click.option("-o", "--output", type=PATH, default=None,
              help="FILE.html (default maps/<source>.html); with --by village a folder (default maps/<source>-villages/).")
@click.option("--online-assets", is_flag=True,
              help="Link Leaflet's JavaScript/CSS from the CDN instead of inlining them (smaller pages that need the "
                   "internet). By default every asset is inlined: the page works offline, tiles aside.")
@click.option("--offline", is_flag=True, hidden=True, help="The default now (kept for old scripts).")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None, show_envvar=True,
              help="天地图 key: adds 天地图 vector and imagery basemaps (the key is written into the HTML).")
@click.option("--basemap", type=click.Choice(["osm", "esri", "tianditu", "tianditu-img", "gaode", "gaode-img", "none"]),
              default="osm", show_default=True,
              help="Basemap (online tiles) shown first; without network the page shows the survey's land use instead and says "
                   "so. none: no tiles. gaode/gaode-img shift every shape to GCJ-02 to match 高德 tiles and offer only those.")
@click.option("--title", default=None, help="Title in the legend and the page (default: 现场核查图).")
@click.pass_context
def map_command(ctx: click.Context, source: Path, by, output, online_assets, offline, tianditu_key, basemap, title, **values) -> None:
    """Inspection map 现场核查图 of SOURCE (findings.gpkg or the ledger) for field verification."""
    from .. import maps
    from ..config import vocabulary
    from ..manifest import verify
    from ..roles import read_role

    maps.check_basemap(basemap, tianditu_key)
    if online_assets and offline:
        raise click.UsageError("--offline and --online-assets contradict each other; give one.")
    offline = not online_assets
    if offline:
        maps.offline_assets()  # fail early when folium-offline is missing
    talk = verbosity(ctx) >= 0
    farmland, survey = layer_spec(values, "farmland"), layer_spec(values, "survey")
    if output is None:
        output = DEFAULT_DIR / (f"{source.stem}-villages" if by else f"{source.stem}.html")
    elif by is None and output.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter(f"{output}: a map is one HTML file; end the name with .html, or add --by village for a folder.",
                                 param_hint="-o/--output")
    elif by is not None and output.suffix.lower() in (".html", ".htm"):
        raise click.BadParameter(f"{output}: --by village writes a folder of pages; give a folder name.", param_hint="-o/--output")
    with progress_bar(talk) as progress:
        progress.step(vocabulary().label("pipeline_read_layer", name=source.name))
        verify(source.parent)  # a results folder whose files are not one run is refused
        src = maps.read_source(source)
        fm = sv = None
        if farmland is not None:
            progress.step(vocabulary().label("pipeline_read_farmland", name=farmland.path.name))
            fm, _ = read_role("farmland", farmland)
        if survey is not None:
            progress.step(vocabulary().label("pipeline_read_survey", name=survey.path.name))
            sv, _ = read_role("survey", survey)
        view = maps.prepare_findings(src.frame)
        progress.step(vocabulary().label("cli_map_context"))
        context = maps.prepare_context(fm, sv, gcj02=basemap in maps.GCJ02_BASEMAPS)
        kw = dict(farmland=context.get("farmland"), survey=context.get("survey"),
                  title=title or vocabulary().label("pipeline_map_title"), offline=offline, tianditu_key=tianditu_key, basemap=basemap)
        progress.step(vocabulary().label("cli_map_write"))
        if by == "village":
            written = maps.write_village_maps(view, output, **kw)
        else:
            written = {"map": maps.write_map(maps.inspection_map(view, **kw), output)}
    con = console()
    if talk:
        what = vocabulary().label("cli_map_tasks" if src.kind == "ledger" else "cli_map_findings")
        pages = [k for k in written if k not in ("index", "township")]
        con.print(f"{what} {vocabulary().label('cli_n_places', n=len(view))}" + (vocabulary().label("cli_map_villages", n=len(pages)) if by else ""))
        if by:
            con.print(f"wrote {written['index']} ({len(pages)} village pages and township.html beside it)")
        else:
            size = written["map"].stat().st_size / 1e6
            con.print(f"wrote {written['map']} ({size:.1f} MB)")
        if basemap in maps.GCJ02_BASEMAPS:
            con.print(f"[yellow]{vocabulary().label('cli_map_gaode')}: shapes shifted to GCJ-02 to line up with its tiles; do not take "
                      "coordinates from this map.[/yellow]")
    print_warnings(view.warnings, err=True)
