"""Totals as printed on generated random townships (property-based): whatever the seed, every printed
total of the farmland summary's `printed` figures, the 汇总, the village sheets and the county template is
the sum of the printed figures under it (domain.md §9.8)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landcheck import sample, units
from landcheck.ledger import load_ledger, merge_findings
from landcheck.spreadsheet import export_xlsx
from tests.helpers import check_sample
from tests.spreadsheet.test_print import check_totals


def check_printed_summary(p: dict) -> None:
    """The `printed` figures add up: categories to the findings total, origins to their category,
    villages' cells to their village, villages to the total, the area rows to 永久基本农田."""
    cats = {c: mu for c, mu in p["categories"].items() if c in p["n_by_category"]}
    assert units.sum_printed(list(cats.values())) == p["findings_mu"]
    assert sum(p["n_by_category"].values()) == p["n_findings"]
    for c, cells in p["by_origin"].items():
        assert units.sum_printed(list(cells.values())) == cats[c]
    for v in p["by_village"].values():
        assert units.sum_printed(list(v["categories"].values())) == v["findings_mu"]
    assert units.sum_printed([v["findings_mu"] for v in p["by_village"].values()]) == p["findings_mu"]
    assert sum(v["n_findings"] for v in p["by_village"].values()) == p["n_findings"]
    rows = list(p["categories"].values()) + [p["sliver_mu"], p["uncovered_mu"]]
    assert units.sum_printed(rows) == p["pbf_mu"]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=1, max_value=2**31 - 1))
def test_random_townships_add_up_as_printed(seed):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        res = check_sample(sample.make_township(seed, 1500), folder / "layers")
        check_printed_summary(res.summary["printed"])
        led = folder / "ledger.gpkg"
        merge_findings(led, res.findings, prefix="RT", run_date=date(2026, 5, 1))
        out, county = folder / "t.xlsx", folder / "c.xlsx"
        export_xlsx(led, out, today=date(2026, 5, 2))
        check_totals(out, load_ledger(led).tasks)
        export_xlsx(led, county, template="county", county="某县", today=date(2026, 5, 2))
        ws = openpyxl.load_workbook(county).active
        t = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
        for c in (8, 9, 10):
            assert ws.cell(t, c).value == units.sum_printed([ws.cell(r, c).value or 0 for r in range(4, t)])
