"""The plan of a township: its outline, the seats and villages (with their codes and names), the
meandering rivers and the highways through the seats.

Decides where things are; does not cut blocks or patches and assigns no land use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .constants import (AREA_PER_PATCH_M2, CENTRE_LONLAT, COUNTY_CODE, EPSG, FRINGE_FACTOR, SEAT_UNIT_NAMES,
                        SINGLE_TOWN_CODE)
from .draw import village_names
from .geom import rot


@dataclass
class Plan:
    outline: shapely.Polygon
    theta: float                      # rotation of the field grid, rad
    units: pd.DataFrame               # seats and villages: x, y, radius, is_seat, town, code12, name
    rivers: np.ndarray                # river polygons (1101)
    river_widths: np.ndarray
    highways: np.ndarray              # highway polygons (1003)
    highway_widths: np.ndarray
    river_lines: np.ndarray


def _outline(rng: np.random.Generator, centre: tuple[float, float], area_m2: float) -> shapely.Polygon:
    """An irregular township outline of `area_m2` around `centre` (EPSG:4527 metres)."""
    phi = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    r = np.ones_like(phi)
    for k in range(2, 8):
        r += rng.uniform(0.015, 0.07) / (k - 1) ** 0.5 * np.cos(k * phi + rng.uniform(0, 2 * np.pi))
    aspect = rng.uniform(1.1, 1.35)
    ring = np.column_stack([r * np.cos(phi) * aspect, r * np.sin(phi) / aspect]) @ rot(rng.uniform(0, np.pi)).T
    scale = np.sqrt(area_m2 / shapely.Polygon(ring).area)
    return shapely.Polygon(ring * scale + np.asarray(centre))


def _farthest_points(cand: np.ndarray, k: int, taken: np.ndarray) -> np.ndarray:
    """Greedy farthest-point sampling of k points of `cand` away from `taken` and from each other."""
    d = np.full(len(cand), np.inf)
    for t in taken:
        d = np.minimum(d, np.hypot(*(cand - t).T))
    out = []
    for _ in range(k):
        i = int(np.argmax(d))
        out.append(cand[i])
        d = np.minimum(d, np.hypot(*(cand - cand[i]).T))
    return np.array(out).reshape(-1, 2)


def _wander(rng: np.random.Generator, start: np.ndarray, heading: float, length: float, step: float,
            turn: float, pull: float = 0.15) -> np.ndarray:
    """A smooth wandering polyline (river or road centre line): heading changes by a damped random walk
    that is pulled back to the initial heading."""
    n = int(length / step) + 1
    h = np.empty(n)
    dh = 0.0
    h[0] = heading
    for i in range(1, n):
        dh = 0.8 * dh + rng.normal(0, turn) - pull * (h[i - 1] - heading)
        h[i] = h[i - 1] + dh
    pts = start + np.cumsum(np.column_stack([np.cos(h), np.sin(h)]) * step, axis=0)
    return np.vstack([start, pts])


def make_plan(rng: np.random.Generator, n_patches: int) -> Plan:
    """Decide the outline, the seats and villages, the rivers and the highways."""
    cx, cy = Transformer.from_crs(4490, EPSG, always_xy=True).transform(*CENTRE_LONLAT)
    area = n_patches * AREA_PER_PATCH_M2
    outline = _outline(rng, (cx, cy), area)
    theta = rng.uniform(-0.2, 0.2)
    n_towns = max(1, round(n_patches / 20_000))
    n_villages = max(3, round(n_patches / 1000))
    town_area = area / n_towns
    r_seat = float(np.clip(700.0 * np.sqrt(town_area / 90e6), 260.0, 800.0))
    r_village = float(np.clip(260.0 * np.sqrt(area / n_villages / 4.5e6), 160.0, 300.0))

    # candidate points inside the outline
    x0, y0, x1, y1 = outline.bounds
    cand = np.column_stack([rng.uniform(x0, x1, 40_000), rng.uniform(y0, y1, 40_000)])
    inner = outline.buffer(-r_seat * 1.2)
    cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
    centroid = np.array(outline.centroid.coords[0])
    first = cand[np.argmin(np.hypot(*(cand - centroid - rng.normal(0, 0.05 * np.sqrt(area), 2)).T))]
    seats = np.vstack([first, _farthest_points(cand, n_towns - 1, first[None, :])]) if n_towns > 1 else first[None, :]

    rivers, river_lines, river_widths = _rivers(rng, outline, seats, r_seat, n_towns)
    highways, highway_widths = _highways(rng, outline, seats, theta, town_area)

    villages = _village_sites(cand, n_villages, outline, seats, r_seat, r_village, river_lines, river_widths)
    town_of_village = np.argmin(np.hypot(villages[:, None, 0] - seats[None, :, 0], villages[:, None, 1] - seats[None, :, 1]), axis=1)

    names = village_names(rng, n_villages)
    town_codes = [SINGLE_TOWN_CODE] if n_towns == 1 else [101 + t for t in range(n_towns)]
    rows = []
    for t, s in enumerate(seats):
        rows.append({"x": s[0], "y": s[1], "radius": r_seat, "is_seat": True, "town": t,
                     "code12": f"{COUNTY_CODE}{town_codes[t]:03d}001",
                     "name": SEAT_UNIT_NAMES[t % len(SEAT_UNIT_NAMES)] + ("" if t < len(SEAT_UNIT_NAMES) else str(t))})
    counter = np.zeros(n_towns, dtype=int)
    for v, (p, t) in enumerate(zip(villages, town_of_village)):
        counter[t] += 1
        rows.append({"x": p[0], "y": p[1], "radius": r_village * rng.uniform(0.8, 1.15), "is_seat": False, "town": int(t),
                     "code12": f"{COUNTY_CODE}{town_codes[t]:03d}{200 + counter[t]:03d}", "name": names[v]})
    unit_df = pd.DataFrame(rows)
    unit_df["town_code"] = [f"{COUNTY_CODE}{town_codes[t]:03d}" for t in unit_df["town"]]
    return Plan(outline, theta, unit_df, rivers, river_widths, highways, highway_widths, river_lines)


def _village_sites(cand, n_villages, outline, seats, r_seat, r_village, river_lines, river_widths) -> np.ndarray:
    """Village centres spread out over `cand`, away from the seats, the rivers and the outline. In a
    township too small for all three, the constraints are dropped one by one (river, seat, outline)."""
    d_seat = np.min(np.hypot(cand[:, None, 0] - seats[None, :, 0], cand[:, None, 1] - seats[None, :, 1]), axis=1)
    d_river = (shapely.distance(shapely.MultiLineString(list(river_lines)), shapely.points(cand))
               if len(river_lines) else np.full(len(cand), np.inf))
    inside = shapely.contains_xy(outline.buffer(-r_village * 0.9), cand[:, 0], cand[:, 1])
    rules = [inside, d_seat > (r_seat + r_village) * FRINGE_FACTOR + 150,
             d_river > r_village * FRINGE_FACTOR + (river_widths.max() if len(river_widths) else 0)]
    for k in range(len(rules), -1, -1):
        ok = np.logical_and.reduce(rules[:k]) if k else np.ones(len(cand), dtype=bool)
        if ok.sum() >= 5 * n_villages:
            break
    return _farthest_points(cand[ok], n_villages, seats)


def _rivers(rng, outline, seats, r_seat, n_towns):
    """Meandering rivers crossing the outline, kept away from the seats. Returns polygons, centre lines, widths (m)."""
    n_rivers = max(1, round(np.sqrt(n_towns)))
    x0, y0, x1, y1 = outline.bounds
    size = max(x1 - x0, y1 - y0)
    centre = np.array(outline.centroid.coords[0])
    polys, lines, widths = [], [], []
    for _ in range(n_rivers):
        best = None
        for _try in range(40):
            heading = rng.uniform(0, 2 * np.pi)
            side = np.array([np.cos(heading), np.sin(heading)])
            normal = np.array([-side[1], side[0]])
            start = centre - side * size * 0.75 + normal * rng.uniform(-0.3, 0.3) * size
            pts = _wander(rng, start, heading, size * 1.6, 60.0, 0.05)
            line = shapely.LineString(pts)
            inside = shapely.intersection(line, outline).length
            dist = min(shapely.distance(line, shapely.Point(s)) for s in seats)
            if inside > 0.5 * size and dist > r_seat * 2.2 and all(shapely.distance(line, other) > size * 0.2 for other in lines):
                best = line
                break
        if best is None:
            continue
        w = rng.uniform(40, 60)
        lines.append(best)
        widths.append(w)
        polys.append(shapely.buffer(best, w / 2, cap_style="flat"))
    return np.array(polys, dtype=object), np.array(lines, dtype=object), np.array(widths)


def _highways(rng, outline, seats, theta, town_area):
    """Two 公路用地 roads through each seat (roughly along and across the field grid). Polygons and widths (m)."""
    length = 2.2 * np.sqrt(town_area)
    polys, widths = [], []
    for s in seats:
        for k, w in ((0, rng.uniform(26, 34)), (1, rng.uniform(18, 24))):
            heading = theta + k * np.pi / 2 + rng.uniform(-0.12, 0.12)
            half_a = _wander(rng, s, heading, length / 2, 200.0, 0.01, pull=0.3)
            half_b = _wander(rng, s, heading + np.pi, length / 2, 200.0, 0.01, pull=0.3)
            line = shapely.LineString(np.vstack([half_b[::-1], half_a[1:]]))
            polys.append(shapely.buffer(line, w / 2, cap_style="flat", join_style="mitre"))
            widths.append(w)
    return np.array(polys, dtype=object), np.array(widths)
