"""The summary.json of each change check: totals in mu (rounded once from unrounded sums), counts,
the balance of areas, by village, and the warnings for a person.

Pure: frames and totals in, a dict out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import landuse, units
from ...config import KINDS, vocabulary
from .account import account_m2, balances_m2, cultivated_account
from .frames import CHECK, PATCH_CHECK


def change_summary(changes, findings, kinds, parts, counts, tk_share, has_farmland, rules, cause) -> dict:
    """summary.json of `compare_baseline`: totals by kind, the year's 耕地 account by `cause` (key of
    every change), the balance of areas, by village. `parts`: m² of the new and old layer and of what
    they split into; `tk_share`: the 田坎 share (KCXS) of every change."""
    kind = changes["kind"].to_numpy(dtype=object)
    area = changes["area_m2"].to_numpy(dtype="float64")
    in_m2 = np.nan_to_num(changes["in_farmland_m2"].to_numpy(dtype="float64"))
    account = cultivated_account(cause, area)
    bal = balances_m2(account_m2(cause, area))
    # deprecated (one release): cultivated_out_mu / cultivated_in_mu = out / in without the exempt causes
    out_m2, in_c_m2 = bal["out_not_exempt"], bal["in"]
    nc_m2 = float(area[kind == "new_construction"].sum())
    nc_farm_m2 = float(in_m2[kind == "new_construction"].sum())
    tk = area * tk_share
    tiankan = {"cultivated_out": float(tk[kind == "outflow"].sum()), "cultivated_in": float(tk[kind == "inflow"].sum()),
               "new_construction_on_cultivated": float(tk[kind == "new_construction"].sum())}
    labels = {k: kinds[k].problem_type for k in KINDS if k != "new_on_farmland"}
    by_kind_m2 = {k: float(area[kind == k].sum()) for k in labels}
    by_kind_farm = {k: float(in_m2[kind == k].sum()) for k in labels}
    groups: dict[str, float] = {}
    out_rows = np.flatnonzero(kind == "outflow")
    if len(out_rows):
        to = changes["to_dlbm"].to_numpy(dtype=object)[out_rows]
        grp = np.array([(landuse.lookup(c).group if landuse.lookup(c) else "unknown") for c in to], dtype=object)
        for g_, a in pd.Series(area[out_rows]).groupby(grp).sum().items():
            groups[str(g_)] = float(a)
    accounted = parts["unchanged_m2"] + parts["changes_m2"] + parts["sliver_m2"] + parts["no_code_m2"]
    new_acc = accounted + parts["new_only_m2"]
    old_acc = accounted + parts["old_only_m2"]
    warnings = []
    if abs(parts["new_m2"] - new_acc) > max(0.01, 1e-7 * parts["new_m2"]) or \
            abs(parts["old_m2"] - old_acc) > max(0.01, 1e-7 * parts["old_m2"]):
        warnings.append("the areas do not add up: a survey layer has overlapping patches (counted twice); "
                        "check both layers with `landcheck survey`")
    if counts["farmland_overlaps"]:
        warnings.append(f"{counts['farmland_overlaps']} pairs of farmland polygons overlap: counted once")
    by_village: dict[str, dict] = {}
    if len(changes):
        df = pd.DataFrame({"v": changes["village"].replace("", vocabulary().label("unknown_village")).to_numpy(dtype=object), "k": kind,
                           "a": area, "f": in_m2, "c": cause})
        for v, g in df.groupby("v", sort=True):
            vb = balances_m2(account_m2(g["c"].to_numpy(dtype=object), g["a"].to_numpy()))
            by_village[str(v)] = {
                "n_changes": int(len(g)),
                "cultivated_out_mu": units.area_mu(vb["out_not_exempt"]),
                "cultivated_in_mu": units.area_mu(vb["in"]),
                "in_out_balance_mu": units.area_mu(vb["in_out_balance"]),
                "net_mu": units.area_mu(vb["net"]),
                "new_construction_on_cultivated_mu": units.area_mu(g.loc[g["k"] == "new_construction", "a"].sum()),
                "new_on_farmland_mu": units.area_mu(g.loc[g["k"] == "new_construction", "f"].sum()) if has_farmland else None,
            }
    f_types = findings["problem_type"].to_numpy(dtype=object) if len(findings) else np.empty(0, dtype=object)
    return {
        "check": CHECK,
        "n_new": counts["n_new"], "n_old": counts["n_old"],
        "new_mu": units.area_mu(parts["new_m2"]), "old_mu": units.area_mu(parts["old_m2"]),
        "n_changes": int(len(changes)), "changes_mu": units.area_mu(parts["changes_m2"]),
        "cultivated_account": account,
        "in_out_balance_mu": account["in_out_balance_mu"], "net_mu": account["net_mu"],
        "cultivated_out_mu": units.area_mu(out_m2), "cultivated_in_mu": units.area_mu(in_c_m2),  # deprecated
        "cultivated_change_mu": units.area_mu(bal["net"]),
        "new_construction_on_cultivated_mu": units.area_mu(nc_m2),
        "new_on_farmland_mu": units.area_mu(nc_farm_m2) if has_farmland else None,
        "cultivated_out_by_group_mu": {g_: units.area_mu(a) for g_, a in sorted(groups.items())},
        "n_by_type": {labels[k]: int((kind == k).sum()) for k in labels},
        "mu_by_type": {labels[k]: units.area_mu(by_kind_m2[k]) for k in labels},
        "in_farmland_mu_by_type": {labels[k]: units.area_mu(by_kind_farm[k]) for k in labels} if has_farmland else None,
        "unchanged_mu": units.area_mu(parts["unchanged_m2"]),
        "n_slivers": counts["n_slivers"], "sliver_mu": units.area_mu(parts["sliver_m2"]),
        "n_no_code": counts["n_no_code"], "no_code_mu": units.area_mu(parts["no_code_m2"]),
        "n_new_only": counts["n_new_only"], "new_only_mu": units.area_mu(parts["new_only_m2"]),
        "n_old_only": counts["n_old_only"], "old_only_mu": units.area_mu(parts["old_only_m2"]),
        "tiankan_mu": {k: units.area_mu(v) for k, v in tiankan.items()},
        "n_findings": int(len(findings)),
        "findings_mu": units.area_mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
        "n_findings_by_type": {t: int((f_types == t).sum()) for t in dict.fromkeys(f_types)},
        "areas_m2": {
            **{k: v for k, v in parts.items()},
            "cultivated_account": account_m2(cause, area), "in_out_balance": bal["in_out_balance"],
            "cultivated_out": out_m2, "cultivated_in": in_c_m2, "net": bal["net"], "cultivated_change": bal["net"],
            "new_construction_on_cultivated": nc_m2, "new_on_farmland": nc_farm_m2 if has_farmland else None,
            "by_kind": by_kind_m2, "in_farmland_by_kind": by_kind_farm if has_farmland else None,
            "cultivated_out_by_group": groups, "tiankan": tiankan,
            "findings": float(findings["area_m2"].sum()) if len(findings) else 0.0,
        },
        "balance": {
            "new_m2": round(parts["new_m2"], 2), "new_accounted_m2": round(new_acc, 2),
            "new_difference_m2": round(parts["new_m2"] - new_acc, 4) + 0.0,
            "old_m2": round(parts["old_m2"], 2), "old_accounted_m2": round(old_acc, 2),
            "old_difference_m2": round(parts["old_m2"] - old_acc, 4) + 0.0,
        },
        "has_farmland": has_farmland, "farmland_overlaps": counts["farmland_overlaps"],
        "thresholds": {"sliver_width_m": rules.sliver_width_m, "min_area_m2": rules.min_area_m2},
        "by_village": by_village,
        "warnings": warnings,
    }


def patch_summary(frame, findings, tblx_raw, known, jcbh, has_farmland, has_baseline, have_layers, n_overlaps,
                   unknown_category) -> dict:
    """summary.json of `check_change_patches`: totals by category and 图斑类型, what lies outside the layers,
    the TBLX the rules do not know, repeated JCBH, by village."""
    area = frame["area_m2"].to_numpy(dtype="float64")
    fm = frame["in_farmland_m2"].to_numpy(dtype="float64")
    cu = frame["in_cultivated_m2"].to_numpy(dtype="float64")
    fin = frame["is_finding"].to_numpy(dtype=bool)
    touches = (np.nan_to_num(fm) > 0) | (np.nan_to_num(cu) > 0)
    outside = ~touches if have_layers else np.zeros(len(frame), dtype=bool)
    cat = frame["category"].to_numpy(dtype=object)
    by_cat = {}
    for c in dict.fromkeys(cat):
        m = cat == c
        by_cat[str(c)] = {
            "label": vocabulary().category_label(c), "n": int(m.sum()), "mu": units.area_mu(area[m].sum()),
            "in_farmland_mu": units.area_mu(np.nansum(fm[m])) if has_farmland else None,
            "in_cultivated_mu": units.area_mu(np.nansum(cu[m])) if has_baseline else None,
            "n_findings": int((m & fin).sum()),
        }
    tb = frame["tblx"].to_numpy(dtype=object)
    by_tblx = {str(t): int((tb == t).sum()) for t in sorted(set(tb), key=str)}
    unknown = {}
    for raw in np.asarray(tblx_raw, dtype=object)[~np.asarray(known, dtype=bool)]:
        unknown[str(raw)] = unknown.get(str(raw), 0) + 1
    ids = frame["patch_id"].to_numpy(dtype=object)
    dup = sorted({str(x) for x in pd.Series(ids)[pd.Series(ids).duplicated()]})
    warnings = []
    if unknown:
        warnings.append(f"{sum(unknown.values())} patches have a 图斑类型 TBLX that the rules do not know "
                        f"({', '.join(sorted(unknown)[:10])}): suspected '{unknown_category}' "
                        "— add them to [change_patches.tblx] in a rules file")
    if dup:
        warnings.append(f"{len(dup)} 监测编号 JCBH occur more than once ({', '.join(dup[:10])})")
    if n_overlaps:
        warnings.append(f"{n_overlaps} pairs of farmland polygons overlap: counted once")
    if not have_layers:
        warnings.append("neither a baseline survey nor a farmland layer was given: every patch to verify is a finding")
    by_village: dict[str, dict] = {}
    if len(frame):
        df = pd.DataFrame({"v": frame["village"].replace("", vocabulary().label("unknown_village")).to_numpy(dtype=object), "a": area, "f": fin})
        for v, g in df.groupby("v", sort=True):
            by_village[str(v)] = {"n_patches": int(len(g)), "patches_mu": units.area_mu(g["a"].sum()), "n_findings": int(g["f"].sum())}
    return {
        "check": PATCH_CHECK,
        "n_patches": int(len(frame)), "patches_mu": units.area_mu(area.sum()),
        "in_farmland_mu": units.area_mu(np.nansum(fm)) if has_farmland else None,
        "in_cultivated_mu": units.area_mu(np.nansum(cu)) if has_baseline else None,
        "n_findings": int(len(findings)), "findings_mu": units.area_mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
        "n_outside": int(outside.sum()), "outside_mu": units.area_mu(area[outside].sum()),
        "n_not_to_verify": int((~frame["is_finding"].to_numpy(dtype=bool) & ~outside).sum()),
        "by_category": by_cat, "by_tblx": by_tblx, "unknown_tblx": unknown,
        "n_without_jcbh": int((jcbh == "").sum()), "duplicate_jcbh": dup,
        "areas_m2": {"patches": float(area.sum()), "in_farmland": float(np.nansum(fm)) if has_farmland else None,
                     "in_cultivated": float(np.nansum(cu)) if has_baseline else None,
                     "outside": float(area[outside].sum()),
                     "findings": float(findings["area_m2"].sum()) if len(findings) else 0.0},
        "has_farmland": has_farmland, "has_baseline": has_baseline, "farmland_overlaps": n_overlaps,
        "by_village": by_village,
        "warnings": warnings,
    }
