"""The farmland check's figures as printed (summary.json `printed`, the CLI tables; domain.md §9.8).

The unit is a finding's printed mu (its m² rounded half-up once, `units.area_mu`); every figure above
it is the sum of the printed figures below it (`units.sum_printed`), so that a table adds up by hand.
The areas that are not findings (农田配套设施, 细碎图斑, 调查未覆盖) are printed once from their exact
sums. 耕地（种粮） is the remainder: the printed 永久基本农田 (gross, rounded once) less every other
printed row, so that the category rows add up to the printed 永久基本农田 exactly. summary.json's
own keys stay exact (rounded once from unrounded sums).
Pure: figures and the findings frame in, a dict out.
"""

from __future__ import annotations

import pandas as pd

from .. import units
from ..config import CATEGORIES, NOT_FINDINGS, vocabulary
from ..findings import village_order


def _printed(findings: pd.DataFrame) -> pd.Series:
    return pd.Series(units.area_mu_array(findings["area_m2"].to_numpy(dtype="float64")), index=findings.index)


def farmland_printed(pbf_m2: float, pbf_net_m2: float, totals: dict, sliver_m2: float, uncovered_m2: float,
                     findings: pd.DataFrame) -> dict:
    """The printed figures: `pbf_mu` (gross) and `pbf_net_mu` (net of 田坎), `categories` (mu per
    category, 耕地（种粮） the remainder), `n_by_category`, `by_origin`, `findings_mu`, `sliver_mu`,
    `uncovered_mu`, and `by_village` in village-code order ({village: {categories, findings_mu,
    n_findings}})."""
    mu = _printed(findings) if len(findings) else pd.Series(dtype="float64")
    cats = findings["category"].astype(str) if len(findings) else pd.Series(dtype=object)
    rows: dict[str, float] = {}
    for c in CATEGORIES:
        if c == "cultivated":
            continue
        rows[c] = units.area_mu(totals[c]) if c in NOT_FINDINGS else units.sum_printed(mu[cats == c])
    pbf_mu = units.area_mu(pbf_m2)
    sliver_mu, uncovered_mu = units.area_mu(sliver_m2), units.area_mu(uncovered_m2)
    rest = units.sum_printed(list(rows.values()) + [sliver_mu, uncovered_mu])
    categories = {"cultivated": units.sum_printed([pbf_mu, -rest]), **rows}
    by_origin: dict[str, dict[str, float]] = {}
    if len(findings) and "origin" in findings.columns:
        for (c, o), part in mu.groupby([cats, findings["origin"].astype(str)]):
            by_origin.setdefault(c, {})[o] = units.sum_printed(part)
    by_village: dict[str, dict] = {}
    unknown = vocabulary().label("unknown_village")
    for v in village_order(findings):
        here = (findings["village"] == v).to_numpy()
        cells = {c: units.sum_printed(part) for c, part in mu[here].groupby(cats[here])}
        by_village[v or unknown] = {"categories": cells, "findings_mu": units.sum_printed(list(cells.values())),
                                    "n_findings": int(here.sum())}
    finding_rows = [v for c, v in rows.items() if c not in NOT_FINDINGS]
    return {
        "pbf_mu": pbf_mu, "pbf_net_mu": units.area_mu(pbf_net_m2), "categories": {c: categories[c] for c in CATEGORIES},
        "n_by_category": {c: int((cats == c).sum()) for c in CATEGORIES if c not in NOT_FINDINGS},
        "by_origin": by_origin, "sliver_mu": sliver_mu, "uncovered_mu": uncovered_mu,
        "n_findings": int(len(findings)), "findings_mu": units.sum_printed(finding_rows), "by_village": by_village,
    }


def transfer_printed(blocks: pd.DataFrame, summary: dict) -> dict:
    """The transfer check's figures as printed: a block's printed mu is its counted m² (land counted
    once) rounded half-up once; `compliant_mu` and `below_min_mu` sum them, `total_mu` is their sum and
    `remaining_mu` the printed target less it (never below 0); per village the two shares as the
    block's printed mu shares out to its villages to the cent (`units.split_printed`), so that the
    village rows add up to the total as printed."""
    mu = units.area_mu_array(blocks["counted_m2"].to_numpy(dtype="float64")) if len(blocks) else []
    below = blocks["below_min"].to_numpy(dtype=bool) if len(blocks) else []
    compliant_mu = units.sum_printed([m for m, b in zip(mu, below) if not b])
    below_mu = units.sum_printed([m for m, b in zip(mu, below) if b])
    total = units.sum_printed([compliant_mu, below_mu])
    cents: dict[str, list[int]] = {v: [0, 0] for v in summary.get("by_village", {})}
    if len(blocks) and "village_m2" in blocks.columns:
        for d, m2, b in zip(blocks["village_m2"], blocks["counted_m2"].to_numpy(dtype="float64"), below):
            d = d or {}
            for v, x in zip(d, units.split_printed(units.area_mu(m2), list(d.values()))):  # the block's printed mu shared out to the cent
                cents.setdefault(str(v), [0, 0])[int(bool(b))] += int(round(x * 100))
    by_village = {v: {"compliant_mu": c / 100, "below_min_mu": b / 100, "mu": (c + b) / 100} for v, (c, b) in cents.items()}
    return {"total_mu": total, "compliant_mu": compliant_mu, "below_min_mu": below_mu,
            "remaining_mu": max(units.sum_printed([summary["target_mu"], -total]), 0.0), "by_village": by_village}
