"""The books of a 补划 proposal (domain.md §9.7 数量不减少、质量不降低, §9.8 printed totals): need, proposed
and shortfall per village and in total, in mu as printed (each row the sum of printed parcels, the
total the sum of the printed rows), and the quality comparison: area-weighted slope grade GDPDJB and
quality GDDB of what leaves (the farmland taken out) and of what enters (the proposed parcels).
Pure: frames in, a dict out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import units


def weighted(values: np.ndarray, weights: np.ndarray) -> float | None:
    """The weighted mean of the known values (2 decimals), None when none is known."""
    v, w = np.asarray(values, dtype="float64"), np.asarray(weights, dtype="float64")
    known = np.isfinite(v) & (w > 0)
    if not known.any():
        return None
    return units.round_half_up(float((v[known] * w[known]).sum() / w[known].sum()), 2)


def supplement_summary(needs: pd.DataFrame, cands: pd.DataFrame, proposal: pd.DataFrame, books: pd.DataFrame,
                       dropped: dict) -> dict:
    """summary.json's figures: `need_mu`, `proposed_mu`, `shortfall_mu` (sums of the village rows as
    printed), `all_met`, `n_candidates`, `n_proposed`, `dropped`, `by_village` and `quality`
    ({leaving, entering} × {gdpdjb, gddb}; `slope_constraint` False when no farmland slope grade was known)."""
    chosen = cands.iloc[proposal["candidate"].to_numpy(dtype=int)] if len(proposal) else cands.iloc[0:0]
    mu_in = units.area_mu_array(chosen["area_m2"].to_numpy(dtype="float64")) if len(chosen) else np.zeros(0)
    by_village = {}
    for r in books.itertuples(index=False):
        by_village[r.village] = {"need_mu": r.need_mu, "proposed_mu": r.proposed_mu, "shortfall_mu": r.shortfall_mu,
                                 "met": bool(r.met), "township_used": bool(r.township_used),
                                 "n_parcels": int((proposal["for_village"] == r.village).sum())}
    need_w = needs["need_mu"].to_numpy(dtype="float64") if len(needs) else np.zeros(0)
    quality = {
        "leaving": {"gdpdjb": weighted(needs["grade"].to_numpy(dtype="float64"), need_w) if len(needs) else None,
                    "gddb": weighted(needs["gddb"].to_numpy(dtype="float64"), need_w) if len(needs) else None},
        "entering": {"gdpdjb": weighted(chosen["gdpdjb"].to_numpy(dtype="float64"), mu_in) if len(chosen) else None,
                     "gddb": weighted(chosen["gddb"].to_numpy(dtype="float64"), mu_in) if len(chosen) else None},
        "slope_constraint": bool(len(needs) and np.isfinite(needs["grade"].to_numpy(dtype="float64")).any()),
    }
    return {
        "need_mu": units.sum_printed(books["need_mu"]) if len(books) else 0.0,
        "proposed_mu": units.sum_printed(books["proposed_mu"]) if len(books) else 0.0,
        "shortfall_mu": units.sum_printed(books["shortfall_mu"]) if len(books) else 0.0,
        "all_met": bool(books["met"].all()) if len(books) else True,
        "n_candidates": int(len(cands)), "n_proposed": int(len(proposal)),
        "candidates_mu": units.printed_total_mu(cands["area_m2"].to_numpy(dtype="float64")) if len(cands) else 0.0,
        "dropped": dict(dropped), "by_village": by_village, "quality": quality,
    }
