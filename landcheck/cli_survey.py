"""`landcheck survey`: quality check of a newly delivered layer (annual survey, 卫片 / 无人机 change
patches, farmland) and its changes against the baseline.

`pipeline.survey_job` does the work and writes summary.json, report.json, problems.gpkg, changes.gpkg
and findings; this command only formats what it returns. Exit status (a contract for scripts): 0 the
layer passed, 1 a problem (or change) at or above --fail-on, 2 bad input or usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from .cli_common import (console, engine_of, engine_options, input_options, layer_spec, map_option, named_input,
                         progress_steps)
from .pipeline import SurveyJobResult, survey_job

#: Chinese names of the problem codes, for the terminal table (the codes themselves are the contract).
CODE_ZH = {
    "missing_field": "缺少字段", "no_crs": "未声明坐标系", "crs_mismatch": "坐标系与坐标不符",
    "invalid_geometry": "几何无效", "empty_geometry": "空几何", "non_polygon": "非面要素",
    "unknown_code": "地类编码无效", "code_name_mismatch": "地类编码与名称不符", "duplicate_id": "标识码重复",
    "overlap": "图斑重叠", "gap": "图斑缝隙", "area_mismatch": "图斑面积不符", "tbdlmj_mismatch": "扣除/地类面积不符",
    "invalid_attribute": "属性值不合规", "road_too_wide": "农村道路超宽",
}
SEVERITY_ZH = {"error": "错误", "warning": "警告"}


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@input_options
@named_input("baseline", False, "Baseline 地类图斑 layer (last year's survey): report what changed (新增占用耕地 …).")
@named_input("farmland", False, "永久基本农田 layer: changes and change patches inside it are measured and flagged.")
@click.option("--schema", type=click.Choice(["auto", "dltb", "farmland", "change", "geometry"]), default="auto",
              show_default=True, help="What the layer is: 地类图斑 (dltb), 永久基本农田 (farmland), 卫片/无人机 change "
                                      "patches (change), or any polygons (geometry: geometry and topology only).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a problem of this severity or worse exists.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a summary for a person; json: report.json on standard output, for scripts.")
@click.option("--rules", type=click.Path(path_type=Path), default=None, help="TOML overriding the packaged rules and tolerances.")
@click.option("--township", default="", help="乡镇 name written into the findings.")
@click.option("--threads", type=int, default=None, help="Threads for the overlay (default: all cores).")
@click.option("--ledger", type=click.Path(path_type=Path), default=None,
              help="整改台账 GeoPackage to merge the change findings into (e.g. out/ledger.gpkg).")
@click.option("--prefix", default=None, help="Issue-id prefix of new tasks (default: --township, else the township code).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out/survey"), show_default=True,
              help="Output folder.")
@map_option("survey")
@engine_options
@click.pass_context
def survey(ctx, path, layer, crs, encoding, baseline, baseline_layer, baseline_crs, baseline_encoding, farmland,
           farmland_layer, farmland_crs, farmland_encoding, schema, fail_on, fmt, rules, township, threads, ledger,
           prefix, output, map_path, engine, scheduler, work_dir, n_workers) -> None:
    """Check a delivered layer PATH: schema, codes, geometry, CRS, topology, and what changed against
    --baseline (exit 1 when a problem at or above --fail-on is found)."""
    verbose = (ctx.obj or {}).get("verbose", 0)
    with progress_steps(verbose >= 0 and fmt == "text") as step:
        result, outputs = survey_job(
            layer_spec(path, layer, crs, encoding), output,
            baseline=layer_spec(baseline, baseline_layer, baseline_crs, baseline_encoding),
            farmland=layer_spec(farmland, farmland_layer, farmland_crs, farmland_encoding),
            schema=schema, fail_on=fail_on, rules_path=rules, township=township, step=step, threads=threads,
            ledger_path=ledger, prefix=prefix, map_path=map_path, engine=engine_of(engine, scheduler, work_dir, n_workers),
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(result.report, ensure_ascii=False, indent=2, default=str) + "\n")
    elif verbose >= 0:
        print_survey_summary(result, path)
        if "ledger" in result.summary:
            from .cli import print_ledger_merge

            print_ledger_merge(result.summary["ledger"])
        for p in outputs.values():
            console().print(f"wrote {p}")
    for w in result.summary.get("warnings", []):
        console(err=True).print(f"[yellow]warning: {w}[/yellow]")
    ctx.exit(result.exit_code)


def print_survey_summary(result: SurveyJobResult, path: Path, max_rows: int = 15) -> None:
    """Counts by problem code, the first problems, the changes against the baseline, the verdict."""
    s = result.summary
    con = console()
    con.print(f"[bold]{path.name}[/bold]: {s['n_features']} 图斑, {s['area_mu']:.2f} 亩, 按 {s['schema']} 检查, "
              f"坐标系 {s.get('crs')}")
    if s["n_problems"]:
        t = Table(title="质量问题", title_justify="left")
        for col, just in (("代码", "left"), ("问题", "left"), ("级别", "left"), ("处", "right")):
            t.add_column(col, justify=just)
        sev = s["counts_by_severity"]
        for code, n in s["counts"].items():
            level = "error" if code in sev.get("error", {}) else "warning"
            t.add_row(code, CODE_ZH.get(code, code), SEVERITY_ZH[level], str(n))
        con.print(t)
        p = result.quality.problems
        shown = p.head(max_rows)
        d = Table(title=f"问题明细（前 {len(shown)} 条，共 {len(p)} 条，见 report.json / problems.gpkg）", title_justify="left")
        d.add_column("代码")
        d.add_column("图斑", overflow="fold")
        d.add_column("说明", overflow="fold")
        for code, fid, msg in zip(shown["code"], shown["feature_id"], shown["message"]):
            d.add_row(code, str(fid), str(msg))
        con.print(d)
    cs = s.get("changes")
    if cs:
        con.print(_changes_line(cs))
    verdict = {0: "[green]通过[/green]", 1: "[red]未通过[/red]"}[result.exit_code]
    con.print(f"{verdict}: 错误 {s['n_errors']} 处, 警告 {s['n_warnings']} 处 (--fail-on {s['fail_on']})")


def _changes_line(cs: dict) -> str:
    parts = [f"{label} {cs[key]:.2f} 亩" for key, label in (
        ("new_construction_on_cultivated_mu", "新增建设占用耕地"), ("new_on_farmland_mu", "新增占用永久基本农田"),
        ("cultivated_out_mu", "耕地流出"), ("cultivated_in_mu", "耕地流入"), ("net_mu", "进出平衡（流入−流出）"),
        ("in_farmland_mu", "位于永久基本农田"), ("in_cultivated_mu", "位于耕地")) if isinstance(cs.get(key), (int, float))]
    n = cs.get("n_changes", cs.get("n_patches"))
    return ("变化: " + (f"{n} 处, " if n is not None else "") + ", ".join(parts)) if parts else "变化: 无"


__all__ = ["survey"]
