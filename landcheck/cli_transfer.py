"""`landcheck transfer`: the land-transfer check (土地流转) from files to files, and its command.

`transfer_job` reads the layers, runs `checks.transfer.check_transfer` and writes blocks.gpkg,
parcels.gpkg, findings.gpkg/.csv and summary.json (and merges the findings into a ledger when asked);
the click command only formats what it returns. Exit status: 0 nothing found, 1 findings, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from .checks.transfer import TransferResult
from .cli_common import console, input_options, layer_spec, map_option, named_input, progress_steps
from .pipeline import transfer_job

#: Columns of blocks.gpkg (layer `blocks`), in order.
# ------------------------------------------------------------------------------------------ the command
@click.command()
@click.argument("path", type=click.Path(path_type=Path))
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
@click.option("--rules", type=click.Path(path_type=Path), default=None, help="TOML overriding the packaged rules and thresholds.")
@click.option("--township", default="", help="乡镇 name written into the findings.")
@click.option("--ledger", type=click.Path(path_type=Path), default=None,
              help="整改台账 GeoPackage to merge the findings into (e.g. out/ledger.gpkg).")
@click.option("--prefix", default=None, help="Issue-id prefix of new tasks (default: --township, else LC).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out/transfer"), show_default=True,
              help="Output folder.")
@map_option("transfer")
@click.pass_context
def transfer(ctx, path, layer, crs, encoding, by, min_mu, gap_m, target_mu, farmland, farmland_layer, farmland_crs,
             farmland_encoding, survey, survey_layer, survey_crs, survey_encoding, rules, township, ledger, prefix,
             output, map_path) -> None:
    """Land transfer (土地流转): contiguous blocks, blocks under the minimum, progress against the target
    (exit 1 when anything is found)."""
    verbose = (ctx.obj or {}).get("verbose", 0)
    with progress_steps(verbose >= 0) as step:
        result, outputs = transfer_job(
            layer_spec(path, layer, crs, encoding), output, by=by, min_mu=min_mu, gap_m=gap_m, target_mu=target_mu,
            farmland=layer_spec(farmland, farmland_layer, farmland_crs, farmland_encoding),
            survey=layer_spec(survey, survey_layer, survey_crs, survey_encoding),
            rules_path=rules, township=township, step=step, ledger_path=ledger, prefix=prefix, map_path=map_path,
        )
    if verbose >= 0:
        print_transfer_summary(result)
        if "ledger" in result.summary:
            from .cli import print_ledger_merge

            print_ledger_merge(result.summary["ledger"])
        for p in outputs.values():
            console().print(f"wrote {p}")
    ctx.exit(1 if result.summary["n_findings"] else 0)


def _n(x: float) -> str:
    return f"{x:,.2f}"


def print_transfer_summary(result: TransferResult, title: str = "土地流转核查", max_rows: int = 30) -> None:
    """Totals and progress, the blocks under the minimum, the per-village split and the problems."""
    s = result.summary
    con = console()
    min_text = f"{s['min_mu']:g}"
    t = Table(title=f"{title}（连片间距 ≤ {s['gap_m']:g} 米" + (f"，按 {s['by']} 分组）" if s["by"] else "，不分组）"),
              title_justify="left")
    t.add_column("")
    t.add_column("块数", justify="right")
    t.add_column("面积(亩)", justify="right")
    t.add_row("流转地块", str(s["n_parcels"]), _n(s["parcel_sum_mu"]) if s["n_overlaps"] else "")
    t.add_row("连片地块", str(s["n_blocks"]), _n(s["total_mu"]))
    t.add_row(f"  其中 ≥ {min_text} 亩", str(s["n_compliant"]), _n(s["compliant_mu"]))
    t.add_row(f"  其中 < {min_text} 亩", f"[red]{s['n_below_min']}[/red]" if s["n_below_min"] else "0", _n(s["below_min_mu"]))
    if "contract_mu" in s:
        t.add_row(f"合同面积（{s['contract_field']}）", "", _n(s["contract_mu"]))
    t.add_row("流转目标", "", _n(s["target_mu"]))
    t.add_row("完成进度", "", f"{s['progress_pct']:.2f} %" + (f"（尚差 {_n(s['remaining_mu'])} 亩）" if s["remaining_mu"] > 0 else ""))
    con.print(t)

    low = result.blocks.loc[result.blocks["below_min"]]
    if len(low):
        grouped = bool(s["by"])
        b = Table(title=f"不足 {min_text} 亩的连片地块", title_justify="left")
        for col, just in (("编号", "left"), (s["by"] if grouped else "", "left"), ("行政村", "left"), ("地块数", "right"),
                          ("面积(亩)", "right")):
            if col or grouped:
                b.add_column(col, justify=just)
        for _, r in low.head(max_rows).iterrows():
            cells = [r["block_id"], str(r["group"]) or "（空）"] if grouped else [r["block_id"]]
            b.add_row(*cells, r["villages"], str(r["n_parcels"]), f"{r['area_mu']:.2f}")
        con.print(b)
        if len(low) > max_rows:
            con.print(f"… and {len(low) - max_rows} more (blocks.gpkg, findings.csv)")
    v = Table(title="分村（跨村连片按面积分摊，亩）", title_justify="left")
    for col in ("行政村", "流转", f"≥ {min_text} 亩", f"< {min_text} 亩", "连片块数"):
        v.add_column(col, justify="left" if col == "行政村" else "right")
    for name, e in s["by_village"].items():
        v.add_row(name, _n(e["mu"]), _n(e["compliant_mu"]), _n(e["below_min_mu"]), str(e["n_blocks"]))
    con.print(v)
    if s["n_overlaps"]:
        con.print(f"[yellow]流转地块相互重叠 {s['n_overlaps']} 处（{_n(s['overlap_mu'])} 亩，同一土地两份合同）："
                  f"已列为数据质量问题，总面积只计一次[/yellow]")
    if s.get("farmland_rules"):
        con.print(f"永久基本农田内流转 {_n(s['transferred_in_pbf_mu'])} 亩：非粮化 {s['n_non_grain']} 处 "
                  f"{_n(s['non_grain_mu'])} 亩，非农化 {s['n_non_farm']} 处 {_n(s['non_farm_mu'])} 亩")
    con.print(f"问题 {s['n_findings']} 处")
    for w in s.get("warnings", []):
        con.print(f"[yellow]warning: {w}[/yellow]")
