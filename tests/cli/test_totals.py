"""Every total the command line prints is the sum of the figures printed below it (domain.md §9.8):
`landcheck run` on the bundled sample township (farmland category and village tables, the transfer
tables) and `landcheck ledger status` on its ledger, read back from the printed text."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from landcheck.cli import cli
from landcheck.config import bundled_layers_dir, vocabulary
from landcheck.ledger import load_ledger

SAMPLE = bundled_layers_dir()
needs_sample = pytest.mark.skipif(not (SAMPLE / "survey" / "DLTB.shp").exists(), reason="sample township absent")
NUMBER = re.compile(r"^-?[\d,]+\.\d\d$")


def mu(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if text else Decimal(0)


def boxed_rows(lines: list[str], title: str) -> list[list[str]]:
    """The body rows (cells stripped) of the boxed table under `title`."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            rows.append([c.strip() for c in line.strip().strip("│").split("│")])
    return rows


def spaced_rows(lines: list[str], title: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and body rows of the unboxed table under `title` (headers may take two lines;
    right-aligned figures mapped to their column by where they end on screen)."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rule = next(i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("─"))
    ends: dict[int, str] = {}
    for line in lines[start + 1:rule]:
        for m in re.finditer(r"\S+", line):
            end = cell_len(line[:m.end()])
            ends[end] = ends.get(end, "") + m.group()
    first = lines[rule - 1].split()[0]  # the left-aligned first header
    heads = [(first, None)] + [(h, e) for e, h in sorted(ends.items()) if h != first]
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        tokens = list(re.finditer(r"\S+", line))
        row = {first: tokens[0].group()}
        for m in tokens[1:]:
            end = cell_len(line[:m.end()])
            row[next(h for h, e in heads if e == end)] = m.group()
        rows.append(row)
    return [h for h, _ in heads], rows


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("totals")
    mp = pytest.MonkeyPatch()
    mp.chdir(tmp)
    mp.setenv("COLUMNS", "80")  # a plain terminal: every figure must fit
    try:
        r = CliRunner().invoke(cli, ["run", "-o", str(tmp / "o")], catch_exceptions=False)
        status = CliRunner().invoke(cli, ["ledger", "status", str(tmp / "o" / "ledger.gpkg"), "--as-of", "2026-01-01"],
                                    catch_exceptions=False)
        status_json = CliRunner().invoke(cli, ["ledger", "status", str(tmp / "o" / "ledger.gpkg"), "--as-of", "2026-01-01",
                                               "--format", "json"], catch_exceptions=False)
    finally:
        mp.undo()
    assert r.exit_code == 0, r.output  # run exits 0 when it wrote its outputs (--fail-on-findings: 1)
    return tmp / "o", r.output.splitlines(), status.output.splitlines(), json.loads(status_json.output)


@needs_sample
def test_farmland_category_table_adds_up_as_printed(sample_run):
    out, lines, _, _ = sample_run
    vocab = vocabulary()
    rows = boxed_rows(lines, "示例镇")
    by_label = {r[0]: r for r in rows}
    pbf = mu(by_label[vocab.label("farmland")][1])
    parts = [r for r in rows if r[0] not in (vocab.label("farmland"), vocab.label("farmland_net"))]
    assert len(parts) == 12 and all(NUMBER.match(r[1]) for r in parts)
    assert sum(mu(r[1]) for r in parts) == pbf  # 耕地（种粮） is the remainder: the rows add up to 永久基本农田
    for r in parts:  # 新增 + 存量 + 待核实 = the category's mu
        if any(r[3:]):
            assert sum(mu(c) for c in r[3:]) == mu(r[1]), r
    assert mu(by_label[vocab.label("farmland_net")][1]) < pbf
    findings_rows = [r for r in parts if r[2]]
    total_line = next(line for line in lines if line.startswith("问题 ") and "合计" in line)
    n, total = re.match(r"问题 (\d+) 处, 合计 ([\d.]+) 亩", total_line).groups()
    assert sum(int(r[2]) for r in findings_rows) == int(n)
    assert sum(mu(r[1]) for r in findings_rows) == Decimal(total)
    # 处 counts findings (pieces), not survey patches
    head = next(line for line in lines if "类别" in line)  # the first line says what runs
    assert "图斑数" not in head and "处" in head
    s = json.loads((out / "farmland" / "summary.json").read_text(encoding="utf-8"))
    assert s["printed"]["findings_mu"] == float(total) and s["pbf_mu"] == float(pbf)
    assert s["pbf_net_mu"] == s["printed"]["pbf_net_mu"] < s["pbf_mu"]


@needs_sample
def test_farmland_village_table_adds_up_and_follows_village_codes(sample_run):
    out, lines, _, _ = sample_run
    vocab = vocabulary()
    heads, rows = spaced_rows(lines, vocab.label("cli_findings_by_village"))
    total_head, n_head = vocab.label("total"), vocab.label("places")
    cats = [h for h in heads[1:] if h not in (total_head, n_head)]
    assert len(rows) == 21
    assert all("…" not in c for r in rows for c in r.values())  # no figure cut on 80 columns
    for r in rows:
        assert sum(mu(r.get(c, "")) for c in cats) == mu(r[total_head]), r
    total_line = next(line for line in lines if line.startswith("问题 ") and "合计" in line)
    n, total = re.match(r"问题 (\d+) 处, 合计 ([\d.]+) 亩", total_line).groups()
    assert sum(mu(r[total_head]) for r in rows) == Decimal(total)
    assert sum(int(r[n_head]) for r in rows) == int(n)
    # each category column adds up to the category's row in the category table
    by_label = {r[0]: r for r in boxed_rows(lines, "示例镇")}
    from landcheck.cli.tables import VILLAGE_CATEGORIES

    full = {vocab.category_label(k, short=True): vocab.category_label(k) for k in VILLAGE_CATEGORIES}
    for c in cats:
        assert sum(mu(r.get(c, "")) for r in rows) == mu(by_label[full[c]][1]), c
    # villages in village-code order (ZLDWDM[:12] on every farmland finding)
    import geopandas as gpd

    f = gpd.read_file(out / "farmland" / "findings.gpkg", layer="findings")
    assert (f["village_code"].str.len() == 12).all()
    first = f.groupby("village")["village_code"].min()
    names = [r[heads[0]] for r in rows]
    assert [first[v] for v in names] == sorted(first[v] for v in names)


@needs_sample
def test_transfer_tables_add_up_as_printed(sample_run):
    out, lines, _, _ = sample_run
    s = json.loads((out / "transfer" / "summary.json").read_text(encoding="utf-8"))
    p = s["printed"]
    assert p["total_mu"] == float(mu(f"{p['compliant_mu']:.2f}") + mu(f"{p['below_min_mu']:.2f}"))
    for e in p["by_village"].values():
        assert float(mu(f"{e['compliant_mu']:.2f}") + mu(f"{e['below_min_mu']:.2f}")) == e["mu"]
    for key in ("mu", "compliant_mu", "below_min_mu"):  # the village rows add up to the blocks' printed totals
        want = p["total_mu"] if key == "mu" else p[key]
        assert sum(mu(f"{e[key]:.2f}") for e in p["by_village"].values()) == mu(f"{want:.2f}"), key
    line = next(line for line in lines if line.startswith("土地流转"))
    assert f"{p['total_mu']:.2f}" in line


@needs_sample
def test_ledger_status_counts_violations_and_adds_up(sample_run):
    out, _, lines, s = sample_run
    vocab = vocabulary()
    title = vocab.label("cli_ledger_status_title", ledger="", as_of="2026-01-01").split()[0]
    plan_title = vocab.label("cli_ledger_plan_title", category=vocab.category_label("transfer_below_min"))
    for t in (title, plan_title):
        rows = boxed_rows(lines, t)
        body, total = rows[:-1], rows[-1]
        assert total[0] == vocab.label("total")
        for col in range(1, len(total) - 1):  # 处, 亩, each status, 未完成亩 (逾期 may be red-marked text)
            assert sum(mu(r[col]) if "." in (r[col] + total[col]) else Decimal(r[col] or 0) for r in body) == \
                (mu(total[col]) if "." in total[col] else Decimal(total[col] or 0)), (t, col)
    # violations only above; the plan's gaps apart, and the two add to the ledger's tasks
    plan = s["plan_gaps"]
    assert plan["n"] == 18 and s["n"] + plan["n"] == len(load_ledger(out / "ledger.gpkg").tasks)
    tasks_mu = sum(mu(f"{v['mu']:.2f}") for v in s["by_village"].values())
    assert tasks_mu == mu(f"{s['mu']:.2f}")
    assert mu(f"{plan['mu']:.2f}") == sum(mu(f"{v['mu']:.2f}") for v in plan["by_village"].values())


@needs_sample
def test_farmland_run_records_gross_and_net_farmland_in_the_ledger_meta(sample_run):
    from landcheck.ledger import load_ledger

    out = sample_run[0]
    meta = load_ledger(out / "ledger.gpkg").meta
    s = json.loads((out / "farmland" / "summary.json").read_text(encoding="utf-8"))
    assert float(meta["pbf_gross_m2"]) == s["areas_m2"]["pbf"] and float(meta["pbf_net_m2"]) == s["pbf_net_m2"]
    assert float(meta["pbf_net_m2"]) < float(meta["pbf_gross_m2"])


@needs_sample
def test_survey_problem_counts_add_up_to_the_verdict(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    r = CliRunner().invoke(cli, ["survey", str(SAMPLE / "survey" / "DLTB.shp"), "-o", str(tmp_path / "sv")],
                           catch_exceptions=False)
    lines = r.output.splitlines()
    vocab = vocabulary()
    rows = boxed_rows(lines, vocab.label("cli_survey_problems"))
    assert rows
    verdict = next(line for line in lines if "--fail-on" in line)
    n_err, n_warn = map(int, re.search(r"(\d+) 处, \S+ (\d+) 处", verdict).groups())
    assert sum(int(r[2]) for r in rows) == n_err and sum(int(r[3]) for r in rows) == n_warn


@needs_sample
def test_a_block_over_villages_is_listed_once_and_its_land_told_by_village_as_the_transfer_check_splits_it(sample_run):
    """A transfer block under 100 mu that lies in two villages: one task, under its task's village (the
    plan table adds up as printed), and the land in each village told beside it — in `ledger status`
    and on the sheet of every village it covers — with the same figures as the transfer check's blocks."""
    import geopandas as gpd
    import openpyxl

    out, _, lines, s = sample_run
    cross = s["plan_gaps"]["cross_village"]
    assert len(cross) >= 1
    blocks = gpd.read_file(out / "transfer" / "blocks.gpkg")
    tasks = load_ledger(out / "ledger.gpkg").tasks.set_index("issue_id")
    text = "\n".join(lines).replace("\n", "")
    wb = openpyxl.load_workbook(out / "整改台账.xlsx")
    sheet_text = {ws.title: " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
                  for ws in wb.worksheets}
    for c in cross:
        assert len(c["villages"]) > 1 and c["village"] == tasks.at[c["issue_id"], "village"]
        assert sum(mu(f"{v:.2f}") for v in c["villages"].values()) == mu(f"{c['mu']:.2f}") == mu(f"{tasks.at[c['issue_id'], 'area_mu']:.2f}")
        block = blocks[blocks["block_id"] == c["block_id"]].iloc[0]
        assert set(str(block["villages"]).split(",")) == set(c["villages"])  # the transfer check's villages of the block
        split = "、".join(f"{v} {m:.2f} 亩" for v, m in c["villages"].items())
        assert split in text  # printed under the plan table
        for v in c["villages"]:  # on the sheet of every village the block covers (that has a sheet)
            sheets = [t for t in sheet_text if v in t]
            assert sheets or v not in set(tasks["village"]), v
            assert all(split in sheet_text[t] and c["issue_id"] in sheet_text[t] for t in sheets), v
    # the plan's land by village is the transfer check's: every village's mu under the minimum, as printed
    ts = json.loads((out / "transfer" / "summary.json").read_text(encoding="utf-8"))
    below = {v: e["below_min_mu"] for v, e in ts["printed"]["by_village"].items() if e["below_min_mu"]}
    assert {v: e["mu"] for v, e in s["plan_gaps"]["by_village"].items() if e["mu"]} == below
    # counted once, in the village of its task: a village with only the land of another village's block counts 0
    assert sum(e["n"] for e in s["plan_gaps"]["by_village"].values()) == s["plan_gaps"]["n"]
