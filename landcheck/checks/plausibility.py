"""Whether a check's inputs can be what they claim, so that a wrong file, field or unit never comes
out as "问题 0 处" (issue 15): KCXS a share in [0, 1) (not percent, not inf), TBMJ finite and not
negative, the farmland on the survey's coverage where the survey reaches, the baseline over the survey.

`value_flags`, `in_extent`, `coverage_share` are pure functions on frames and arrays; `judge` and
`judge_baseline` turn their figures into refusals (bad input: nothing is written) and warnings. The CRS's plausibility is
the reader's (`layers.crs.implausible_cgcs2000`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

#: How many feature ids a message names.
SHOWN = 5
#: No survey patch is larger than this (m²: 1 000 km²); a TBMJ above it is a wrong unit or a broken value.
MAX_PATCH_M2 = 1e9


def value_flags(sv: pd.DataFrame, order: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """The survey rows whose value cannot be what the field means: KCXS (扣除系数, a share of the patch)
    outside [0, 1) or not finite; TBMJ (m²) negative, not finite or above MAX_PATCH_M2. {field: {order,
    value, id}} (blank and non-numeric text are the survey check's; here numbers only)."""
    out = {}
    ids = sv["feature_id"].astype(str).to_numpy(dtype=object) if "feature_id" in sv.columns else np.full(len(sv), "", object)
    for name, bad in (("KCXS", lambda x: ~np.isfinite(x) | (x < 0) | (x >= 1)), ("TBMJ", lambda x: ~np.isfinite(x) | (x < 0) | (x > MAX_PATCH_M2))):
        if name not in sv.columns:
            continue
        x = pd.to_numeric(sv[name], errors="coerce").to_numpy(dtype="float64")
        numeric = ~np.isnan(x)
        rows = np.flatnonzero(numeric & bad(np.where(numeric, x, 0.0)))
        out[name] = {"order": np.asarray(order)[rows], "value": x[rows], "id": ids[rows]}
    return out


def convex_hull(points: np.ndarray):
    """The convex hull of (n, 2) points as a geometry: Qhull on the coordinates (a county's 800 000 bounding-box
    corners in 0.05 s, where a MultiPoint of them takes 0.7 s to build), shapely for the degenerate cases."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        return shapely.Polygon(points[ConvexHull(points).vertices])
    except (QhullError, ValueError):  # fewer than 3 points, or all on a line: a point or a segment
        return shapely.convex_hull(shapely.multipoints(points))


def in_extent(farmland: np.ndarray, survey: np.ndarray) -> np.ndarray:
    """Which farmland polygons lie where the survey reaches: a point on the polygon inside the convex
    hull of the survey's patches (their bounding boxes' corners); none when the survey is empty."""
    if not len(survey) or not len(farmland):
        return np.zeros(len(farmland), dtype=bool)
    b = shapely.bounds(survey)
    corners = np.concatenate([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]])
    hull = convex_hull(corners[np.isfinite(corners).all(axis=1)])
    shapely.prepare(hull)
    return np.asarray(shapely.intersects(hull, shapely.point_on_surface(farmland)), dtype=bool)  # empty or None: False


def merge_flags(parts: list[dict]) -> dict[str, dict]:
    """The flags of several tasks as one (a patch seen by two tasks counted once): {field: {n, values
    (up to SHOWN: id and value), percent_like (how many lie in [1, 100): a share written in percent)}}."""
    out = {}
    for name in ("KCXS", "TBMJ"):
        got = [p[name] for p in parts if name in p and len(p[name]["order"])]
        if not got:
            continue
        order = np.concatenate([g["order"] for g in got])
        value = np.concatenate([g["value"] for g in got])
        ids = np.concatenate([g["id"] for g in got])
        _, first = np.unique(order, return_index=True)
        value, ids = value[first], ids[first]
        out[name] = {"n": int(len(first)), "percent_like": int(((value >= 1) & (value < 100)).sum()),
                     "values": [[str(i), f"{v:.6g}"] for i, v in zip(ids[:SHOWN], value[:SHOWN])]}
    return out


def coverage_share(pbf_m2: np.ndarray, uncovered_m2: np.ndarray, inside: np.ndarray) -> dict:
    """How much of the farmland where the survey reaches lies on its patches (m² and share)."""
    inside = np.asarray(inside, dtype=bool)
    area = float(np.asarray(pbf_m2)[inside].sum())
    covered = area - float(np.asarray(uncovered_m2)[inside].sum())
    return {"n_in_extent": int(inside.sum()), "n_farmland": int(len(inside)), "in_extent_m2": round(area, 2),
            "covered_m2": round(covered, 2), "share": round(covered / area, 4) if area > 0 else None}


def judge(figures: dict, survey_path: str, farmland_path: str, min_share: float, warn_share: float,
          allow_partial: bool) -> tuple[list[str], list[str]]:
    """(refusals, warnings) of a farmland run's figures (`merge_flags` under `values`, `coverage_share`
    under `coverage`): a value out of range is refused; farmland off the survey's coverage is refused
    under `min_share`, and warned about under `warn_share` (with `allow_partial` both are warnings)."""
    refuse, warn = [], []
    values = figures.get("values") or {}
    k = values.get("KCXS")
    if k:
        shown = ", ".join(f"{i} = {v}" for i, v in k["values"])
        if k["percent_like"] >= k["n"] / 2:
            refuse.append(f"{survey_path}: KCXS of {k['n']} patches is not a share in 0–1 but looks like percent ({shown}); "
                          f"divide the field by 100 (KCXS 0.118 = 11.8 % 田坎).")
        else:
            refuse.append(f"{survey_path}: KCXS of {k['n']} patches is outside 0–1 or not a number ({shown}); "
                          f"correct the field (the 田坎 share of a patch, e.g. 0.118).")
    t = values.get("TBMJ")
    if t:
        shown = ", ".join(f"{i} = {v}" for i, v in t["values"])
        refuse.append(f"{survey_path}: TBMJ of {t['n']} patches is negative, not finite or absurd ({shown}); correct the "
                      f"field (the patch's area in m²).")
    cov = figures.get("coverage") or {}
    share = cov.get("share")
    if cov and not cov.get("n_in_extent"):
        msg = (f"{farmland_path}: none of its {cov.get('n_farmland', 0)} polygons lies where the survey {survey_path} reaches: "
               f"another township's file, or a wrong CRS? Check the inputs (--allow-partial checks it anyway).")
        (warn if allow_partial else refuse).append(msg)
    elif share is not None and share < min_share:
        msg = (f"{farmland_path}: only {share * 100:.1f} % of the farmland where the survey {survey_path} reaches lies on its "
               f"patches (less than {min_share * 100:g} %): wrong file, shifted or wrong CRS? Check the inputs "
               f"(--allow-partial checks it anyway).")
        (warn if allow_partial else refuse).append(msg)
    elif share is not None and share < warn_share and not allow_partial:
        warn.append(f"{farmland_path}: {share * 100:.1f} % of the farmland where the survey reaches lies on its patches: "
                    f"the rest is reported 调查未覆盖 (--allow-partial if the survey is meant to cover a part).")
    return refuse, warn


def judge_baseline(areas_m2: dict, new_path: str, baseline_path: str, min_share: float, warn_share: float,
                   allow_partial: bool) -> tuple[float | None, list[str], list[str]]:
    """(share, refusals, warnings) of a comparison with a baseline, from its `areas_m2` (new_m2 and
    new_only_m2: the new survey's ground the baseline does not cover): under `min_share` the baseline
    cannot be this survey's (another township, year or CRS; its "变化 0 处" would be false) — refused
    unless `allow_partial`; under `warn_share` a warning."""
    new_m2, only = float(areas_m2.get("new_m2") or 0.0), float(areas_m2.get("new_only_m2") or 0.0)
    share = round(1.0 - only / new_m2, 4) if new_m2 > 0 else None
    if share is None or share >= warn_share:
        return share, [], []
    msg = (f"{baseline_path}: covers only {share * 100:.1f} % of {new_path}; the rest is 新增 ground without a "
           f"baseline (another township, year or CRS?)")
    if share < min_share and not allow_partial:
        return share, [f"{msg}. Check the baseline (--allow-partial compares the part it covers)."], []
    return share, [], [msg + "."]
