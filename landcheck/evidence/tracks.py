"""Patrol tracks: a GPX file (gpxpy) → its tracks (name, date, line), and the ledger tasks whose ground
each track passed within a tolerance (metres, in the tasks' metric CRS).

Reads the file it is given with a size limit; a file gpxpy cannot read is a `reason`, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from .match import lonlat_points, metric_tasks
from .photos import parse_offset

#: A GPX file larger than this is not read (a day's walk at 1 s is a few MB).
MAX_GPX_MB = 50.0


@dataclass
class Track:
    """One track of a GPX file: its name (the file's stem when it has none), its date (local, ISO; '' when
    the points carry no time) and its points (lon, lat)."""

    path: str
    name: str
    date: str
    lonlat: list[tuple[float, float]] = field(default_factory=list)


def read_gpx(path: str | Path, offset: str = "+08:00") -> tuple[list[Track], str]:
    """The tracks (and routes) of a GPX file, and '' — or [] and a reason key with detail when unreadable."""
    import gpxpy
    import gpxpy.gpx

    path = Path(path)
    try:
        if path.stat().st_size > MAX_GPX_MB * 1e6:
            return [], "evidence_reason_too_large"
        text = path.read_text(encoding="utf-8", errors="replace")
        if "<!ENTITY" in text or "<!DOCTYPE" in text:
            return [], "evidence_reason_unreadable"
        gpx = gpxpy.parse(text)
    except (OSError, gpxpy.gpx.GPXException, ValueError) as exc:
        return [], f"evidence_reason_unreadable: {type(exc).__name__}"
    tz = parse_offset(offset)
    tracks = []
    parts = [(t.name, [p for s in t.segments for p in s.points]) for t in gpx.tracks] + \
            [(r.name, list(r.points)) for r in gpx.routes]
    for n, (name, points) in enumerate(parts, 1):
        pts = [(float(p.longitude), float(p.latitude)) for p in points]
        times = [p.time for p in points if p.time is not None]
        day = ""
        if times:
            t = times[0] if times[0].tzinfo else times[0].replace(tzinfo=timezone.utc)
            day = t.astimezone(tz).date().isoformat()
        label = (name or "").strip() or (path.stem if len(parts) == 1 else f"{path.stem} #{n}")
        if len(pts) >= 1:
            tracks.append(Track(str(path), label[:80], day, pts))
    return tracks, ""


def tasks_with_ground(tasks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The tasks that have a geometry, in metres (`metric_tasks`), numbered from 0: what `tasks_passed`
    measures tracks against (prepare it once for many tracks)."""
    live = tasks[~(tasks.geometry.isna() | tasks.geometry.is_empty)]
    return metric_tasks(live).reset_index(drop=True) if len(live) else live.reset_index(drop=True)


def tasks_passed(track: Track, tasks: gpd.GeoDataFrame, tolerance_m: float,
                 live: gpd.GeoDataFrame | None = None) -> list[tuple[str, float]]:
    """(issue_id, closest distance in metres) of every task whose ground the track came within `tolerance_m`
    of, by issue id. `live`: `tasks_with_ground(tasks)` when already at hand."""
    live = tasks_with_ground(tasks) if live is None else live
    if not len(live) or not track.lonlat:
        return []
    lon, lat = zip(*track.lonlat)
    pts = lonlat_points(lon, lat, live.crs)
    line = shapely.linestrings(shapely.get_coordinates(pts)) if len(pts) > 1 else pts[0]
    hit = live.sindex.query(line, predicate="dwithin", distance=tolerance_m)
    ids = live["issue_id"].astype(str).to_numpy()
    dist = shapely.distance(live.geometry.to_numpy()[hit], line) if len(hit) else np.zeros(0)
    return sorted((ids[j], round(float(d), 1)) for j, d in zip(hit, dist))
