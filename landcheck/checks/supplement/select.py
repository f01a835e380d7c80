"""Which candidates first, and the greedy selection that meets each village's need with few parcels.

Tiers, in order: same village and adjacent to farmland, same village isolated, the rest of the township
adjacent, the rest isolated (a village whose need cannot be met inside it gets the township's land,
and says so). Inside a tier the preferred layers first (--prefer, in order, when given), then the largest parcels (then larger contiguous group, nearer to the land
it replaces, patch id): the fewest parcels that reach the need; the parcel that completes the need is
the smallest one that does. Within a tier that is the minimum number of parcels.
Areas are counted as printed (a parcel's mu rounded half-up once, in cents), so "met" holds on paper.
Pure: frames in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ... import units
from ...findings import village_order

#: Tier names, in order.
TIERS = ("village_adjacent", "village_isolated", "township_adjacent", "township_isolated")


@dataclass(frozen=True)
class VillageNeed:
    """The need of one village: the sum of its tasks' printed needs, the strictest slope grade and
    quality of the farmland it replaces (NaN: no constraint), where it lies."""

    village: str
    need_cents: int
    grade: float
    gddb: float
    where: object  # a geometry or None


def village_needs(needs: pd.DataFrame) -> list[VillageNeed]:
    """`needs` (village, need_mu, grade, gddb, geometry) summed per village, in village-code order."""
    out = []
    for v in village_order(needs):
        part = needs[needs["village"] == v]
        cents = int(np.round(part["need_mu"].to_numpy(dtype="float64") * 100).sum())
        grades, q = part["grade"].to_numpy(dtype="float64"), part["gddb"].to_numpy(dtype="float64")
        geoms = [g for g in part.geometry if g is not None and not g.is_empty] if "geometry" in part else []
        out.append(VillageNeed(v, cents, np.nanmin(grades) if np.isfinite(grades).any() else np.nan,
                               np.nanmin(q) if np.isfinite(q).any() else np.nan,
                               shapely.union_all(geoms) if geoms else None))
    return out


def eligible(cands: pd.DataFrame, need: VillageNeed) -> np.ndarray:
    """Candidates no steeper and of no lower quality (GDDB, lower is better) than the land they replace;
    without a constraint every candidate. A candidate without a grade is not eligible under a constraint."""
    ok = np.ones(len(cands), dtype=bool)
    if np.isfinite(need.grade):
        g = cands["gdpdjb"].to_numpy(dtype="float64")
        ok &= np.isfinite(g) & (g <= need.grade)
    if np.isfinite(need.gddb) and cands["gddb"].notna().any():
        q = cands["gddb"].to_numpy(dtype="float64")
        ok &= np.isfinite(q) & (q <= need.gddb)
    return ok


def pick(cents: np.ndarray, order: np.ndarray, need: int) -> list[int]:
    """Positions (from `order`, already largest first) whose cents reach `need` with the fewest parcels;
    the last one the smallest that completes it. All of them when they cannot reach it.

    While no parcel left can complete the need alone, the next in `order` is taken; then the smallest
    that completes it (the earliest in `order` among equals) ends the pick. O(n)."""
    order = np.asarray(order, dtype=np.int64)
    if need <= 0 or len(order) == 0:
        return []
    c = np.asarray(cents, dtype=np.int64)[order]
    best_after = np.maximum.accumulate(c[::-1])[::-1]  # the largest parcel at or after each position
    chosen, left = [], int(need)
    for i in range(len(order)):
        if best_after[i] >= left:
            rest = c[i:]
            fits = np.flatnonzero(rest >= left)
            k = i + int(fits[np.argmin(rest[fits])])  # argmin: the earliest among equal cents
            return chosen + [int(order[k])]
        chosen.append(int(order[i]))
        left -= int(c[i])
    return chosen


def pick_preferred(cents: np.ndarray, order: np.ndarray, pref: np.ndarray, need: int) -> list[int]:
    """`pick` level by level of preference: a less preferred parcel only when the preferred ones cannot reach the need."""
    chosen, left = [], need
    for level in dict.fromkeys(pref[order].tolist()):
        if left <= 0:
            break
        got = pick(cents, order[pref[order] == level], left)
        chosen += got
        left -= int(sum(cents[k] for k in got))
    return chosen


def select(cands: pd.DataFrame, needs: list[VillageNeed]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The proposal (candidate, village served, tier, cumulative_mu, rank) and per village (need_mu,
    proposed_mu, shortfall_mu, met, township_used, grade, gddb). Each candidate serves one village.
    Two passes: every village from its own land first (villages in village-code order), then the
    shortfalls from the rest of the township, so that no village takes another's own land early."""
    cents = np.round(units.area_mu_array(cands["area_m2"].to_numpy(dtype="float64")) * 100).astype(np.int64) \
        if len(cands) else np.zeros(0, dtype=np.int64)
    used = np.zeros(len(cands), dtype=bool)
    geoms = np.asarray(cands.geometry.values, dtype=object) if len(cands) else np.zeros(0, dtype=object)
    adj = cands["adjacent"].to_numpy(dtype=bool) if len(cands) else np.zeros(0, dtype=bool)
    pref = cands["preferred"].to_numpy(dtype=int) if "preferred" in cands.columns else np.zeros(len(cands), dtype=int)
    group_m2 = cands["group_m2"].to_numpy(dtype="float64") if len(cands) else np.zeros(0)
    patch_id = cands["patch_id"].astype(str).to_numpy(dtype=str) if len(cands) else np.zeros(0, dtype=str)
    village = cands["village"].to_numpy(dtype=object) if len(cands) else np.zeros(0, dtype=object)
    state = {n.village: {"left": n.need_cents, "cum": 0, "township": False} for n in needs}
    # per need, what does not change between the passes: eligibility, distance, tier
    fixed = []
    for need in needs:
        same = (village == need.village) if need.village else np.ones(len(cands), dtype=bool)
        dist = shapely.distance(geoms, need.where) if need.where is not None and len(geoms) else np.zeros(len(cands))
        fixed.append((eligible(cands, need), dist, np.where(same, np.where(adj, 0, 1), np.where(adj, 2, 3))))
    prop = []
    for tiers in ((0, 1), (2, 3)):
        for need, (eligible_, dist, tier) in zip(needs, fixed):
            st = state[need.village]
            ok = eligible_ & ~used
            for t in tiers:
                if st["left"] <= 0:
                    break
                idx = np.flatnonzero(ok & (tier == t))
                # preferred layer, larger parcels, larger groups, nearer, patch id, position
                idx = idx[np.lexsort((idx, patch_id[idx], dist[idx], -group_m2[idx], -cents[idx], pref[idx]))]
                for k in pick_preferred(cents, idx, pref, st["left"]):
                    used[k] = True
                    st["left"] -= int(cents[k])
                    st["cum"] += int(cents[k])
                    st["township"] |= t >= 2
                    prop.append({"candidate": int(k), "for_village": need.village, "tier": TIERS[t],
                                 "distance_m": float(dist[k]), "cumulative_mu": st["cum"] / 100})
    books = [{"village": n.village, "need_mu": n.need_cents / 100, "proposed_mu": state[n.village]["cum"] / 100,
              "shortfall_mu": max(n.need_cents - state[n.village]["cum"], 0) / 100,
              "met": state[n.village]["cum"] >= n.need_cents, "township_used": state[n.village]["township"],
              "grade": n.grade, "gddb": n.gddb} for n in needs]
    proposal = pd.DataFrame(prop, columns=["candidate", "for_village", "tier", "distance_m", "cumulative_mu"])
    proposal["rank"] = np.arange(1, len(proposal) + 1)
    return proposal, pd.DataFrame(books, columns=["village", "need_mu", "proposed_mu", "shortfall_mu", "met",
                                                  "township_used", "grade", "gddb"])


def candidate_ranks(cands: pd.DataFrame, proposal: pd.DataFrame) -> np.ndarray:
    """A rank for every candidate: the proposed ones in proposal order, then the rest adjacent first,
    larger contiguous groups, larger parcels, patch id (deterministic)."""
    rank = np.zeros(len(cands), dtype=np.int64)
    first = proposal["candidate"].to_numpy(dtype=int)
    rank[first] = np.arange(1, len(first) + 1)
    others = np.setdiff1d(np.arange(len(cands)), first)
    c = cands.iloc[others]
    order = np.lexsort((others, c["patch_id"].astype(str).to_numpy(), -c["area_m2"].to_numpy(dtype="float64"),
                        -c["group_m2"].to_numpy(dtype="float64"), ~c["adjacent"].to_numpy(dtype=bool)))
    rank[others[order]] = np.arange(len(first) + 1, len(cands) + 1)
    return rank
