"""The year's 耕地 account: the cause of every change out of or into 耕地 (by the 三大类 of the other
code, exempt causes first) and the account in mu — what 166号 进出平衡 counts and what the unified
占补平衡 counts (domain.md §3.3, §9.5; docs/changes.md).

Pure: codes and areas in, keys and a dict out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import landuse, units
from ...config.change_rules import EXEMPT_CAUSES, IN_CAUSES, OUT_CAUSES, AccountRules

_OUT_BY_SANDA = {"other_farmland": "to_other_farmland", "construction": "to_construction", "unused": "to_unused"}
_IN_BY_SANDA = {"other_farmland": "from_other_farmland", "construction": "from_construction", "unused": "from_unused"}


def cause_of(from_code: str, to_code: str, rules: AccountRules) -> str:
    """The cause key of one change (`OUT_CAUSES` / `IN_CAUSES`), '' when it does not touch 耕地 or
    stays within it."""
    f_cult, t_cult = from_code.startswith("01"), to_code.startswith("01")
    if f_cult == t_cult:
        return ""
    if f_cult:
        for key in EXEMPT_CAUSES:
            if to_code in getattr(rules, key):
                return key
        return _OUT_BY_SANDA.get(landuse.sanda(to_code), "unclassified_out")
    return _IN_BY_SANDA.get(landuse.sanda(from_code), "unclassified_in")


def causes_of(from_codes: np.ndarray, to_codes: np.ndarray, rules: AccountRules) -> np.ndarray:
    """`cause_of` of every pair of codes; each distinct pair decided once."""
    if not len(from_codes):
        return np.empty(0, dtype=object)
    pairs = pd.MultiIndex.from_arrays([np.asarray(from_codes).astype(str), np.asarray(to_codes).astype(str)])
    codes, uniq = pd.factorize(pairs)
    return np.array([cause_of(f, t, rules) for f, t in uniq], dtype=object)[codes]


def account_m2(cause: np.ndarray, area_m2: np.ndarray) -> dict:
    """Unrounded m² by cause: {"out": {key: m²}, "in": {key: m²}} (every key, 0.0 when none)."""
    cause = np.asarray(cause, dtype=object)
    area = np.asarray(area_m2, dtype="float64")
    return {"out": {k: float(area[cause == k].sum()) for k in OUT_CAUSES},
            "in": {k: float(area[cause == k].sum()) for k in IN_CAUSES}}


def balances_m2(acc: dict) -> dict:
    """From `account_m2`: out / in without the exempt causes (the deprecated cultivated_out / _in),
    the 进出平衡 balance (from − to other farmland) and the net change (every in − every out)."""
    out_all, in_all = sum(acc["out"].values()), sum(acc["in"].values())
    return {
        "out_not_exempt": sum(v for k, v in acc["out"].items() if k not in EXEMPT_CAUSES),
        "in": in_all,
        "out": out_all,
        "in_out_balance": acc["in"]["from_other_farmland"] - acc["out"]["to_other_farmland"],
        "net": in_all - out_all,
    }


def cultivated_account(cause: np.ndarray, area_m2: np.ndarray) -> dict:
    """summary.json `cultivated_account`: mu by cause (each rounded half-up once from its unrounded sum),
    totals, `in_out_balance_mu` (166号 进出平衡: from − to other farmland, exempt causes left out) and
    `net_mu` (every in − every out, exempt causes included: the unified 占补平衡 view)."""
    acc = account_m2(cause, area_m2)
    bal = balances_m2(acc)
    return {
        "out": {k: units.area_mu(v) for k, v in acc["out"].items()},
        "in": {k: units.area_mu(v) for k, v in acc["in"].items()},
        "out_total_mu": units.area_mu(bal["out"]),
        "in_total_mu": units.area_mu(bal["in"]),
        "in_out_balance_mu": units.area_mu(bal["in_out_balance"]),
        "net_mu": units.area_mu(bal["net"]),
    }


def cause_labels(cause: np.ndarray, words) -> np.ndarray:
    """The Chinese word of each cause key (vocabulary labels cause_<key>; '' for none)."""
    table = {k: words.label(f"cause_{k}") for k in OUT_CAUSES + IN_CAUSES}
    return np.array([table.get(c, "") for c in cause], dtype=object)
