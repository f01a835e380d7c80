"""Photos to ledger tasks: the task whose ground contains the photo's position, else the nearest within a
tolerance (handheld / drone); a photo with a direction is not matched to a task whose ground lies wholly
outside the ±half-angle sector around it. Then the stage (before / during / after rectification) from the
task's status history and 整改完成时间.

Distances in metres in the tasks' projected CRS (or their GK / UTM zone when geographic); bearings are
grid bearings there (meridian convergence, 1–2° in a GK zone, and magnetic declination are far inside
the sector). Pure: frames in, frames out.
"""

from __future__ import annotations

import math
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import units
from ..ledger import parse_iso_date, status_roles
from .photos import parse_offset
from .settings import EvidenceSettings

#: Stages (keys; the words are vocabulary labels evidence_stage_KEY).
STAGES = ("before", "during", "after")
#: How far the direction sector reaches (metres): far beyond any tolerance.
SECTOR_REACH_M = 5000.0


def metric_tasks(tasks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The tasks in a metric CRS (their own when projected in metres)."""
    if tasks.crs is None or not len(tasks):
        return tasks
    crs = units.metric_crs(tasks.crs, tuple(tasks.total_bounds))
    return tasks if crs == tasks.crs else tasks.to_crs(crs)


def lonlat_points(lon, lat, crs) -> np.ndarray:
    """WGS 84 lon/lat as points in `crs`."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    return pts.to_crs(crs).to_numpy() if crs is not None else pts.to_numpy()


def sector(point, bearing: float, half_angle: float, reach: float = SECTOR_REACH_M):
    """The wedge of `reach` metres around `bearing` (degrees clockwise from north), ± `half_angle`."""
    x, y = point.x, point.y
    steps = np.linspace(bearing - half_angle, bearing + half_angle, 25)
    ring = [(x, y)] + [(x + reach * math.sin(math.radians(b)), y + reach * math.cos(math.radians(b))) for b in steps] + [(x, y)]
    return shapely.Polygon(ring)


def match_photos(records: pd.DataFrame, tasks: gpd.GeoDataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """For each record (lon, lat, direction, drone, gimbal_pitch): issue_id ('' when none), distance_m
    (0 inside), reason ('' or evidence_reason_too_far / evidence_reason_facing_away) and detail (the
    nearest task and its distance when none matched)."""
    out = pd.DataFrame({"issue_id": [""] * len(records), "distance_m": [np.nan] * len(records),
                        "reason": [""] * len(records), "detail": [""] * len(records)}, index=records.index)
    live = tasks[~(tasks.geometry.isna() | tasks.geometry.is_empty)]
    if not len(records) or not len(live):
        out["reason"] = "evidence_reason_too_far"
        return out
    live = metric_tasks(live).reset_index(drop=True)
    geoms = live.geometry.to_numpy()
    ids = live["issue_id"].astype(str).to_numpy()
    points = lonlat_points(records["lon"].astype(float), records["lat"].astype(float), live.crs)
    tree = live.sindex
    for i, (idx, rec) in enumerate(records.iterrows()):
        pt = points[i]
        tol = settings.drone_tolerance_m if bool(rec.get("drone")) else settings.handheld_tolerance_m
        cand = np.sort(tree.query(pt, predicate="dwithin", distance=tol))
        if not len(cand):
            near = tree.nearest(pt, return_all=False, return_distance=True)
            (j,), (d,) = near[0][1], near[1]
            out.loc[idx, ["reason", "detail"]] = ["evidence_reason_too_far", f"{ids[j]} {d:.0f} m > {tol:g} m"]
            continue
        dist = shapely.distance(geoms[cand], pt)
        direction = rec.get("direction")
        pitch = rec.get("gimbal_pitch")
        nadir = bool(rec.get("drone")) and pitch is not None and not pd.isna(pitch) and pitch <= settings.nadir_pitch
        if direction is not None and not pd.isna(direction) and not nadir:
            wedge = sector(pt, float(direction), settings.direction_half_angle)
            facing = (dist == 0) | shapely.intersects(geoms[cand], wedge)
            if not facing.any():
                out.loc[idx, ["reason", "detail"]] = ["evidence_reason_facing_away",
                                                       f"{ids[cand[np.argmin(dist)]]} {dist.min():.0f} m, {float(direction):.0f}°"]
                continue
            cand, dist = cand[facing], dist[facing]
        k = int(np.lexsort((ids[cand], dist))[0])
        out.loc[idx, ["issue_id", "distance_m"]] = [ids[cand[k]], round(float(dist[k]), 1)]
    return out


def local_naive(iso: str, offset: str) -> datetime | None:
    """An ISO time shown at `offset` without its zone (how the ledger's history times read), None when blank."""
    if not iso:
        return None
    t = datetime.fromisoformat(iso)
    return (t.astimezone(parse_offset(offset)) if t.tzinfo else t).replace(tzinfo=None)


def stage_times(history: pd.DataFrame, tasks: pd.DataFrame) -> dict[str, tuple[datetime | None, datetime | None]]:
    """issue_id → (first time it became 整改中 or later, first time it became 已整改 or its 整改完成时间, the earlier)."""
    roles = status_roles()
    started_words, done_words = {roles.in_progress, *roles.finished}, set(roles.finished)
    out: dict[str, list] = {}
    rows = history[history["field"] == "status"] if len(history) else history
    for iid, new, when in zip(rows.get("issue_id", []), rows.get("new", []), rows.get("time", [])):
        try:
            t = datetime.fromisoformat(str(when)).replace(tzinfo=None)
        except ValueError:
            continue
        s = out.setdefault(str(iid), [None, None])
        if new in started_words and (s[0] is None or t < s[0]):
            s[0] = t
        if new in done_words and (s[1] is None or t < s[1]):
            s[1] = t
    for iid, done in zip(tasks["issue_id"], tasks.get("done_date", pd.Series([""] * len(tasks)))):
        d = parse_iso_date(str(done))
        if d is not None:
            s = out.setdefault(str(iid), [None, None])
            t = datetime(d.year, d.month, d.day)
            s[1] = t if s[1] is None or t < s[1] else s[1]
    return {k: (v[0] if v[0] is not None else v[1], v[1]) for k, v in out.items()}


def stage_of(taken: datetime | None, times: tuple[datetime | None, datetime | None]) -> str:
    """before / during / after for a photo taken at `taken` (local, naive); '' when the photo has no time."""
    if taken is None:
        return ""
    started, done = times
    if done is not None and taken >= done:
        return "after"
    if started is not None and taken >= started:
        return "during"
    return "before"
