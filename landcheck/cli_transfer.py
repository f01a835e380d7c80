"""`landcheck transfer`: the land-transfer check (土地流转) from files to files, and its command.

`transfer_job` reads the layers, runs `checks.transfer.check_transfer` and writes blocks.gpkg,
parcels.gpkg, findings.gpkg/.csv and summary.json (and merges the findings into a ledger when asked);
the click command only formats what it returns. Exit status: 0 nothing found, 1 findings, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path

import click
import geopandas as gpd
from rich.table import Table

from . import units
from .checks.transfer import TransferResult, check_transfer
from .cli_common import console, input_options, layer_spec, named_input, progress_steps
from .config import LayerSpec, load_rules
from .errors import LandcheckError
from .export import write_gpkg, write_json
from .pipeline import Step, default_prefix, merge_into_ledger, read_role, write_findings

#: Columns of blocks.gpkg (layer `blocks`), in order.
BLOCK_COLUMNS = ("block_id", "group", "n_parcels", "parcel_ids", "villages", "area_m2", "area_mu", "below_min")
#: Columns the check adds to each parcel in parcels.gpkg (layer `parcels`), before the layer's own fields.
PARCEL_COLUMNS = ("parcel_id", "block_id", "group", "village", "area_m2", "area_mu", "below_min", "overlaps_with")


def resolve_field(name: str, columns, field_map: dict[str, str]) -> str | None:
    """The column of the read layer that the user's field `name` is: itself, or the canonical name the
    reader gave it (村名 → ZLDWMC, 地块编号 → DKBM); case-insensitive. None when there is none."""
    cols = [str(c) for c in columns]
    if name in cols:
        return name
    for canon, original in field_map.items():
        if original == name or original.upper() == name.upper():
            return canon
    upper = {c.upper(): c for c in cols}
    return upper.get(name.upper())


def original_fields(df: gpd.GeoDataFrame, field_map: dict[str, str]) -> list[str]:
    """The layer's field names as the file spells them (the reader's canonical names mapped back)."""
    return [field_map.get(str(c), str(c)) for c in df.columns if c not in (df.geometry.name, "feature_id", "feature_no")]


def transfer_job(
    transfer: LayerSpec,
    output_dir: Path,
    *,
    by: str | None = None,
    min_mu: float | None = None,
    gap_m: float | None = None,
    target_mu: float = 5000.0,
    farmland: LayerSpec | None = None,
    survey: LayerSpec | None = None,
    rules_path: Path | None = None,
    township: str = "",
    step: Step | None = None,
    threads: int | None = None,
    ledger_path: Path | None = None,
    prefix: str | None = None,
) -> tuple[TransferResult, dict[str, Path]]:
    """The transfer check from files to files, into `output_dir`: blocks.gpkg (layer blocks),
    parcels.gpkg (layer parcels, the layer's own field names kept), findings.gpkg + findings.csv and
    summary.json (with the read report of every input); the findings merged into the ledger when
    `ledger_path` is given. `by` names a field of the transfer layer as the file spells it.
    `min_mu`/`gap_m` None: the rules' thresholds (100 mu, 8 m)."""
    if (farmland is None) != (survey is None):
        raise LandcheckError("the rules on transferred land need both --farmland and --survey; give both or neither.")
    rules = load_rules(rules_path)
    reports = {}
    if step:
        step(f"读取流转地块 {transfer.path.name}")
    parcels, reports["transfer"] = read_role("transfer", transfer)
    fmap = reports["transfer"].field_map
    column = None
    if by is not None:
        column = resolve_field(by, parcels.columns, fmap)
        if column is None:
            raise LandcheckError(f"{transfer.path}: the transfer layer has no field '{by}' for --by. "
                                 f"Fields: {', '.join(original_fields(parcels, fmap))}.")
    fm = sv = None
    if farmland is not None and survey is not None:
        if step:
            step(f"读取永久基本农田 {farmland.path.name}")
        fm, reports["farmland"] = read_role("farmland", farmland)
        if step:
            step(f"读取地类图斑 {survey.path.name}")
        sv, reports["survey"] = read_role("survey", survey)
    if step:
        step(f"连片分析 {len(parcels)} 流转地块")
    result = check_transfer(parcels, by=column, min_mu=min_mu, gap_m=gap_m, target_mu=target_mu, farmland=fm,
                            survey=sv, rules=rules, township=township, threads=threads)
    s = result.summary
    s["by"] = by
    s["rules"] = rules.source
    s["read_report"] = {k: r.to_dict() for k, r in reports.items()}
    if step:
        step("写出结果")
    out = Path(output_dir)
    outputs = {
        "blocks": write_gpkg(_blocks_for_output(result.blocks), out / "blocks.gpkg", layer="blocks"),
        "parcels": write_gpkg(_parcels_for_output(result.parcels, fmap), out / "parcels.gpkg", layer="parcels"),
    }
    outputs.update(write_findings(result.findings, out))
    if ledger_path is not None:
        s["ledger"] = merge_into_ledger(result.findings, Path(ledger_path),
                                        prefix or default_prefix(result.findings, township), ("transfer",), step)
        outputs["ledger"] = Path(ledger_path)
    outputs["summary"] = write_json(s, out / "summary.json")
    return result, outputs


def _blocks_for_output(blocks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = blocks[list(BLOCK_COLUMNS) + [blocks.geometry.name]].copy()
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    out["below_min"] = out["below_min"].astype(bool)
    return out


def _parcels_for_output(parcels: gpd.GeoDataFrame, field_map: dict[str, str]) -> gpd.GeoDataFrame:
    """The check's columns, then the layer's own fields under the names the file gave them."""
    out = parcels.drop(columns=[c for c in ("feature_id",) if c in parcels.columns]).copy()
    taken = set(map(str, out.columns))
    renames = {c: o for c, o in field_map.items() if c in out.columns and c not in PARCEL_COLUMNS and o not in taken}
    out = out.rename(columns=renames)
    out["area_m2"] = units.round_half_up_array(out["area_m2"].to_numpy(), 2)
    out["below_min"] = out["below_min"].astype(bool)
    return out


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
@click.pass_context
def transfer(ctx, path, layer, crs, encoding, by, min_mu, gap_m, target_mu, farmland, farmland_layer, farmland_crs,
             farmland_encoding, survey, survey_layer, survey_crs, survey_encoding, rules, township, ledger, prefix,
             output) -> None:
    """Land transfer (土地流转): contiguous blocks, blocks under the minimum, progress against the target
    (exit 1 when anything is found)."""
    verbose = (ctx.obj or {}).get("verbose", 0)
    with progress_steps(verbose >= 0) as step:
        result, outputs = transfer_job(
            layer_spec(path, layer, crs, encoding), output, by=by, min_mu=min_mu, gap_m=gap_m, target_mu=target_mu,
            farmland=layer_spec(farmland, farmland_layer, farmland_crs, farmland_encoding),
            survey=layer_spec(survey, survey_layer, survey_crs, survey_encoding),
            rules_path=rules, township=township, step=step, ledger_path=ledger, prefix=prefix,
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
