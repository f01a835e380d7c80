"""`landcheck map`: inspection maps 现场核查图 from a findings GeoPackage or a ledger."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_common import console, named_input, progress_steps

#: Where maps go when -o is not given (DESIGN: maps default to maps/).
DEFAULT_DIR = Path("maps")


@click.command(name="map")
@click.argument("source", type=click.Path(path_type=Path))
@named_input("farmland", False, "永久基本农田 layer, drawn as outlines.")
@named_input("survey", False, "地类图斑 DLTB layer, drawn by land-use class (the base map where there are no tiles).")
@click.option("--by", "by", type=click.Choice(["village"]), default=None,
              help="One page per village (with a printable task table) and an index.html, into the -o folder.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="FILE.html (default maps/<source>.html); with --by village a folder (default maps/<source>-villages/).")
@click.option("--offline", is_flag=True, help="Inline every JavaScript/CSS asset: the page needs no internet except for tiles.")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None, show_envvar=True,
              help="天地图 key: adds 天地图 vector and imagery basemaps (the key is written into the HTML).")
@click.option("--basemap", type=click.Choice(["osm", "esri", "tianditu", "tianditu-img", "gaode", "gaode-img", "none"]),
              default="osm", show_default=True,
              help="Basemap shown first. gaode/gaode-img shift every shape to GCJ-02 to match 高德 tiles and offer only those.")
@click.option("--title", default=None, help="Title in the legend and the page (default: 现场核查图).")
@click.pass_context
def map(ctx, source, farmland, farmland_layer, farmland_crs, farmland_encoding, survey, survey_layer, survey_crs,
        survey_encoding, by, output, offline, tianditu_key, basemap, title) -> None:  # noqa: A001 - the command's name
    """Inspection map 现场核查图 of SOURCE (findings.gpkg or the ledger) for field verification."""
    from . import maps
    from .layers import read_layer

    maps.check_basemap(basemap, tianditu_key)
    if offline:
        maps.offline_assets()  # fail early when folium-offline is missing
    verbose = (ctx.obj or {}).get("verbose", 0)
    if output is None:
        output = DEFAULT_DIR / (f"{source.stem}-villages" if by else f"{source.stem}.html")
    elif by is None and output.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter(f"{output}: a map is one HTML file; end the name with .html, or add --by village for a folder.",
                                 param_hint="-o/--output")
    elif by is not None and output.suffix.lower() in (".html", ".htm"):
        raise click.BadParameter(f"{output}: --by village writes a folder of pages; give a folder name.", param_hint="-o/--output")
    with progress_steps(verbose >= 0) as step:
        step(f"读取 {source.name}")
        src = maps.read_source(source)
        fm = sv = None
        if farmland is not None:
            step(f"读取永久基本农田 {farmland.name}")
            fm, _ = read_layer(farmland, layer=farmland_layer, crs=farmland_crs, encoding=farmland_encoding, kind="farmland")
        if survey is not None:
            step(f"读取地类图斑 {survey.name}")
            sv, _ = read_layer(survey, layer=survey_layer, crs=survey_crs, encoding=survey_encoding, kind="survey",
                               require_landuse=True)
        view = maps.prepare_findings(src.frame)
        step("准备底图图层")
        context = maps.prepare_context(fm, sv, gcj02=basemap in maps.GCJ02_BASEMAPS)
        kw = dict(farmland=context.get("farmland"), survey=context.get("survey"), title=title or "现场核查图",
                  offline=offline, tianditu_key=tianditu_key, basemap=basemap)
        step("写出地图")
        if by == "village":
            written = maps.write_village_maps(view, output, **kw)
        else:
            written = {"map": maps.write_map(maps.inspection_map(view, **kw), output)}
    con = console()
    if verbose >= 0:
        what = "台账任务" if src.kind == "ledger" else "问题图斑"
        pages = [k for k in written if k not in ("index", "township")]
        con.print(f"{what} {len(view)} 处" + (f"，{len(pages)} 个村" if by else ""))
        if by:
            con.print(f"wrote {written['index']} ({len(pages)} village pages and township.html beside it)")
        else:
            size = written["map"].stat().st_size / 1e6
            con.print(f"wrote {written['map']} ({size:.1f} MB)")
        if basemap in maps.GCJ02_BASEMAPS:
            con.print("[yellow]高德底图: shapes shifted to GCJ-02 to line up with its tiles; do not take coordinates from this map.[/yellow]")
    for w in view.warnings:
        console(err=True).print(f"[yellow]warning: {w}[/yellow]")

__all__ = ["map"]
