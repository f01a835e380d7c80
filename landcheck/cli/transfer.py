"""`landcheck transfer`: the land-transfer check (土地流转): contiguous blocks, blocks under the minimum,
progress against the target (exit 1 when anything is found).

Calls `pipeline.transfer_job` and prints what it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .options import PATH, input_options, job_options, job_options_from, layer_spec, named_input
from .output import console, print_warnings, print_written, progress_bar, verbosity
from .tables import print_ledger_merge, print_losses, print_unknown_codes

if TYPE_CHECKING:
    from ..checks.transfer import TransferResult


@click.command()
@click.argument("path", type=PATH)
@input_options
@click.option("--by", default=None, metavar="FIELD",
              help="Field whose value makes a group, e.g. 流入方 (the operator): parcels of different groups never "
                   "form one block. Default: all parcels form one group.")
@click.option("--min-mu", type=click.FloatRange(min=0, min_open=True), default=None, show_default="100",
              help="Minimum block (mu): blocks below it are findings (default: min_block_mu of the rules).")
@click.option("--gap-m", type=click.FloatRange(min=0), default=None, show_default="8",
              help="Parcels of one group at most this far apart (m: a farm road or ditch) are one block "
                   "(default: gap_m of the rules).")
@click.option("--target-mu", type=click.FloatRange(min=0, min_open=True), default=5000.0, show_default=True,
              help="The township's transfer target (mu).")
@named_input("farmland", False, "永久基本农田 layer: with --survey, transferred farmland in non-grain / non-farm use is a finding.")
@named_input("survey", False, "地类图斑 DLTB layer (latest 年度变更调查), with --farmland.")
@job_options("transfer", threads=False, engine=False)
@click.pass_context
def transfer(ctx: click.Context, by, min_mu, gap_m, target_mu, **values) -> None:
    """Land transfer (土地流转): contiguous blocks, blocks under the minimum, progress against the target
    (exit 1 when anything is found)."""
    from ..pipeline.transfer import transfer_job

    talk = verbosity(ctx) >= 0
    parcels, farmland, survey = layer_spec(values), layer_spec(values, "farmland"), layer_spec(values, "survey")
    with progress_bar(talk) as progress:
        result, outputs = transfer_job(parcels, job_options_from(values, progress), by=by, min_mu=min_mu, gap_m=gap_m,
                                       target_mu=target_mu, farmland=farmland, survey=survey)
    if talk:
        print_losses(result.summary.get("losses"))
        print_unknown_codes(result.summary.get("read_report", {}))
        print_transfer_summary(result)
        if "ledger" in result.summary:
            print_ledger_merge(result.summary["ledger"])
        print_written(outputs.values())
    ctx.exit(1 if result.summary["n_findings"] else 0)


def _n(x: float) -> str:
    return f"{x:,.2f}"


def print_transfer_summary(result: TransferResult, title: str | None = None, max_rows: int = 30) -> None:
    """Totals and progress, the blocks under the minimum, the per-village split and the problems."""
    from rich.table import Table

    from .. import units
    from ..config import vocabulary
    from ..findings import HEADERS_ZH

    s = result.summary
    p = s["printed"]  # every total the sum of the printed rows (checks/printed.py)
    con = console()
    village = HEADERS_ZH["village"]
    min_text = f"{s['min_mu']:g}"
    at_least, below = vocabulary().label("cli_at_least_mu", mu=min_text), vocabulary().label("cli_below_mu", mu=min_text)
    grouping = vocabulary().label("cli_transfer_grouped", by=s["by"]) if s["by"] else vocabulary().label("cli_transfer_ungrouped")
    t = Table(title=vocabulary().label("cli_transfer_title", title=title or vocabulary().label("cli_transfer"), gap_m=s["gap_m"], grouping=grouping),
              title_justify="left")
    t.add_column("")
    t.add_column(vocabulary().label("cli_n_blocks"), justify="right")
    t.add_column(HEADERS_ZH["area_mu"], justify="right")
    t.add_row(vocabulary().label("transfer_parcels"), str(s["n_parcels"]), _n(s["parcel_sum_mu"]) if s["n_overlaps"] else "")
    t.add_row(vocabulary().label("cli_transfer_blocks"), str(s["n_blocks"]), _n(p["total_mu"]))
    t.add_row(vocabulary().label("cli_of_which", what=at_least), str(s["n_compliant"]), _n(p["compliant_mu"]))
    t.add_row(vocabulary().label("cli_of_which", what=below), f"[red]{s['n_below_min']}[/red]" if s["n_below_min"] else "0",
              _n(p["below_min_mu"]))
    if "contract_mu" in s:
        t.add_row(vocabulary().label("cli_transfer_contract", field=s["contract_field"]), "", _n(s["contract_mu"]))
    t.add_row(vocabulary().label("cli_transfer_target"), "", _n(s["target_mu"]))
    remaining = vocabulary().label("cli_transfer_remaining", mu=_n(p["remaining_mu"])) if p["remaining_mu"] > 0 else ""
    t.add_row(vocabulary().label("cli_transfer_progress"), "", f"{s['progress_pct']:.2f} %" + remaining)
    con.print(t)

    low = result.blocks.loc[result.blocks["below_min"]]
    if len(low):
        grouped = bool(s["by"])
        b = Table(title=vocabulary().label("cli_transfer_below_title", mu=min_text), title_justify="left")
        for col, just in ((vocabulary().label("cli_block_id"), "left"), (s["by"] if grouped else "", "left"), (village, "left"),
                          (vocabulary().label("cli_n_parcels"), "right"), (HEADERS_ZH["area_mu"], "right")):
            if col or grouped:
                b.add_column(col, justify=just)
        for _, r in low.head(max_rows).iterrows():
            cells = [r["block_id"], str(r["group"]) or vocabulary().label("cli_empty_group")] if grouped else [r["block_id"]]
            b.add_row(*cells, r["villages"], str(r["n_parcels"]), f"{r['area_mu']:.2f}")
        con.print(b)
        if len(low) > max_rows:
            con.print(f"… and {len(low) - max_rows} more (blocks.gpkg, findings.csv)")
    v = Table(title=vocabulary().label("cli_transfer_by_village"), title_justify="left")
    for col in (village, vocabulary().label("cli_transferred"), at_least, below, vocabulary().label("cli_n_blocks_joined")):
        v.add_column(col, justify="left" if col == village else "right")
    for name, e in s["by_village"].items():
        shown = p["by_village"][name]  # 流转 = 达到 + 不足 as printed
        v.add_row(name, _n(shown["mu"]), _n(shown["compliant_mu"]), _n(shown["below_min_mu"]), str(e["n_blocks"]))
    rows = list(p["by_village"].values())  # each block's printed mu shared out to the cent: the rows add up
    v.add_row(vocabulary().label("total"), *[_n(units.sum_printed([r[k] for r in rows])) for k in ("mu", "compliant_mu", "below_min_mu")],
              "", style="bold")
    con.print(v)
    if s["n_overlaps"]:
        con.print(f"[yellow]{vocabulary().label('cli_transfer_overlaps', n=s['n_overlaps'], mu=_n(s['overlap_mu']))}[/yellow]")
    if s.get("farmland_rules"):
        vocab = vocabulary()
        con.print(vocabulary().label("cli_transfer_in_farmland", mu=_n(s["transferred_in_pbf_mu"]),
                        non_grain=vocab.category_label("non_grain"), n_non_grain=s["n_non_grain"],
                        non_grain_mu=_n(s["non_grain_mu"]), non_farm=vocab.category_label("non_farm"),
                        n_non_farm=s["n_non_farm"], non_farm_mu=_n(s["non_farm_mu"])))
    con.print(vocabulary().label("cli_findings", n=s["n_findings"]))
    print_warnings(s.get("warnings", []))
