"""Transfer blocks that lie in more than one village: a plan task (a block under the minimum) is listed
and counted under one village — the village of its task, responsible for it — and the land in each
village it covers is told beside it, from the block registry (layer `transfer_blocks`, its `villages`:
{village: mu}, each block's printed mu shared out to the cent, as `landcheck transfer` and the
流转地块台账 share it). So the ledger's rows add up as printed, and its figures agree with the transfer
check's by-village split.

Reads frames; no file access.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .. import units
from ..config import vocabulary
from ..findings import village_label
from .schema import is_violation


def block_villages(blocks: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """{block_id: {village: mu}} of the registry's current blocks ({} without a registry)."""
    if blocks is None or not len(blocks) or "villages" not in blocks.columns:
        return {}
    current = blocks["current"].astype(bool).to_numpy() if "current" in blocks.columns else np.ones(len(blocks), dtype=bool)
    out = {}
    for bid, text in zip(blocks["block_id"].astype(str)[current], blocks["villages"][current]):
        try:
            d = json.loads(text or "{}")
        except (TypeError, ValueError):
            continue
        if isinstance(d, dict):
            out[bid] = {str(v): float(mu) for v, mu in d.items()}
    return out


def cross_village_tasks(tasks: pd.DataFrame, blocks: pd.DataFrame | None) -> list[dict]:
    """The plan tasks whose block lies in more than one village: [{issue_id, block_id, village (the
    task's), mu (its printed mu), villages {village: mu}}] in issue-id order. A block whose registry
    shares do not add up to the task's printed mu, or that do not include the task's village (a registry
    of another run), is left out."""
    shares = block_villages(blocks)
    if not shares or not len(tasks):
        return []
    plan = tasks[~is_violation(tasks)]
    out = []
    for _, t in plan.sort_values("issue_id").iterrows():
        split = shares.get(str(t["patch_id"]))
        mu = units.area_mu(float(t["area_m2"])) if np.isfinite(float(t["area_m2"])) else 0.0
        if split and len(split) > 1 and str(t["village"]) in split and units.sum_printed(list(split.values())) == mu:
            out.append({"issue_id": str(t["issue_id"]), "block_id": str(t["patch_id"]), "village": str(t["village"]),
                        "mu": mu, "villages": split})
    return out


def touching(cross: list[dict], village: str) -> list[dict]:
    """The cross-village tasks whose block covers land in `village`."""
    return [c for c in cross if village in c["villages"]]


def cross_village_line(c: dict) -> str:
    """One line for an officer: 连片地块 B0008（SL-2026-0167，列入夏堂村）所在行政村：夏堂村 60.93 亩、白集村 12.68 亩."""
    split = "、".join(f"{village_label(v)} {mu:.2f} 亩" for v, mu in c["villages"].items())
    return vocabulary().label("ledger_cross_village", block=c["block_id"], issue_id=c["issue_id"],
                              village=village_label(c["village"]), split=split)
