"""`landcheck inspect`: what landcheck sees in a layer file (layers, CRS, encoding, fields, codes, area)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import LandcheckError
from .options import PATH, format_option, input_options, unknown_codes_option
from .output import console
from .tables import print_unknown_codes


@click.command()
@click.argument("path", type=PATH)
@input_options
@format_option()
@unknown_codes_option
def inspect(path: Path, layer, crs, encoding, fmt: str, unknown_codes: str) -> None:
    """Inspect a layer 查看图层: what landcheck sees in a layer file: layers, CRS, encoding, fields, codes, area (mu)."""
    from ..export import strict_nested
    from ..layers import choose_layer, describe_layer, list_layers, read_layer, resolve_source
    from ..pipeline.outputs import refuse_unknown_codes

    src = resolve_source(path)
    layers = list_layers(src)
    spatial = [n for n, t in layers if t is not None]
    names = [layer] if layer is not None else None
    if names is None:
        try:
            names = [choose_layer(src, layers, "any", None)]
        except LandcheckError:
            names = spatial  # several layers and no hint: describe each of them
    results = []
    for name in names:
        try:
            gdf, report = read_layer(path, layer=name, crs=crs, encoding=encoding)
            results.append(describe_layer(gdf, report))
        except LandcheckError as exc:
            if len(names) == 1:
                raise
            results.append({"path": str(path), "layer": name, "error": exc.message})
    refuse_unknown_codes({f"layer{i}": r.get("read_report") for i, r in enumerate(results)}, unknown_codes,
                         roles=[f"layer{i}" for i in range(len(results))])
    if fmt == "json":
        click.echo(json.dumps(strict_nested(results[0] if len(results) == 1 else {"path": str(path), "layers": results}),
                              ensure_ascii=False, indent=2, allow_nan=False))
        return
    for res in results:
        print_description(res)
        if "read_report" in res:
            print_unknown_codes({"layer": res["read_report"]})


def print_description(d: dict) -> None:
    """The description of one layer (`describe_layer`) as tables."""
    from rich.table import Table

    from ..config import vocabulary
    from ..findings import HEADERS_ZH

    con = console()
    if "error" in d:
        con.print(f"[bold]{d['path']}[/bold] · layer {d['layer']}: [red]{d['error']}[/red]\n", markup=True)
        return
    rr = d["read_report"]
    t = Table(title=f"{d['path']}", show_header=False, title_justify="left")
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("layers", ", ".join(d["layers"]))
    t.add_row("layer", f"{d['layer']} ({d['driver']})")
    t.add_row("features", f"{d['n_features']} (read {rr['n_read']}, repaired {len(rr['repaired'])}, dropped {len(rr['dropped'])})")
    t.add_row("CRS", f"{d['crs'] if len(d['crs']) < 40 else d['crs_name']} — {d['crs_name']} ({d['crs_source']})")
    t.add_row("encoding", f"{d['encoding']} ({d['encoding_source']})")
    t.add_row("fields", ", ".join(map(str, d["fields"])))
    if d["field_map"]:
        t.add_row("field map", ", ".join(f"{k} ← {v}" for k, v in d["field_map"].items()))
    t.add_row("extent (lon/lat)", ", ".join(f"{v:.5f}" for v in d["extent_lonlat"]))
    t.add_row("total area", vocabulary().label("cli_inspect_area", mu=d["total_area_mu"], m2=d["total_area_m2"]))
    if rr["code_reading"]:
        t.add_row("codes", rr["code_reading"])
    if rr["crs_warning"]:
        t.add_row("CRS warning", f"[yellow]{rr['crs_warning']}[/yellow]")
    for w in rr["warnings"]:
        t.add_row("note", w)
    if rr["mojibake_repaired"]:
        t.add_row("mojibake repaired", ", ".join(f"{k}: {v}" for k, v in rr["mojibake_repaired"].items()))
    con.print(t)
    if d["codes"]:
        c = Table(title=vocabulary().label("cli_inspect_codes"), title_justify="left")
        for col, just in (("DLBM", "left"), ("DLMC", "left"), (vocabulary().label("cli_inspect_in_farmland"), "left"),
                          (vocabulary().label("cli_n_patches"), "right"), (HEADERS_ZH["area_mu"], "right")):
            c.add_column(col, justify=just)
        for row in d["codes"]:
            c.add_row(row["code"], row["name"] or "?", row["pbf_class"] or "[red]unknown[/red]", str(row["count"]), f"{row['area_mu']:.2f}")
        con.print(c)
    for key, title in (("repaired", "repaired"), ("dropped", "dropped")):
        items = rr[key]
        if items:
            shown = "; ".join(f"{x['feature_id']}: {x['reason']}" for x in items[:5])
            more = f" … and {len(items) - 5} more (--format json lists all)" if len(items) > 5 else ""
            con.print(f"{title}: {shown}{more}")
    con.print()
