"""The bundled sample township (示例镇): a deterministic, realistic synthetic township.

`make_township(seed, n_patches)` builds, in memory and without any I/O, the four layers a township
land office works with, all in EPSG:4527 (CGCS2000 3° Gauss–Krüger zone 39, CM 117°E, zone-prefixed
eastings ~39 5xx xxx m), centred near 117.1°E 37.3°N (商河县, 济南市):

* `survey` — 地类图斑 DLTB: a complete coverage (no gaps, no overlaps, exactly noded) of irregular field
  parcels inside blocks bounded by 农村道路 1006 and 沟渠 1107 strips, a few 公路用地 1003 roads, a river
  1101, ponds, villages (0702 with 1004 streets), a township seat (镇驻地) and scattered other land;
* `farmland` — 永久基本农田 YJJBNTBHTB, drawn mostly from groups of adjacent cultivated patches (so its
  edges follow patch edges), some polygons cutting across patches;
* `transfer` — 流转地块 of ~15 operators per town, in contiguous blocks above and below 100 mu;
* `facility_records` — 设施农用地备案 polygons over some of the 1202 patches.

Inside the farmland a realistic mix of violations is planted (orchards, nurseries, fish ponds, homes,
a factory, unfiled facilities, non-grain crops, abandoned land, bare land), a few per village.

`write_township(t, out_dir)` writes the files the way real deliveries arrive: the DLTB Shapefile in
GBK without `.cpg` and `.prj` and with DBF language byte 0, the other layers as GeoPackages.
`python -m landcheck.sample OUT_DIR [--seed N] [--patches N]` regenerates the bundled `layers/`
(and its README.md, from `summary`). `expected_findings` estimates, independently of the checks, what
a farmland check should find.

Units: lengths and planar areas in metres / m² of EPSG:4527; every area written to an attribute is
ellipsoidal (CGCS2000, `units.ellipsoidal_area`) in m², or in mu (1 mu = 10000/15 m²) where named so.
Geometry work is vectorised shapely 2; Python loops run over blocks, villages or operators, not patches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Voronoi, cKDTree

from . import landuse, units
from .config import vocabulary

# --------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------

#: CRS of every layer: CGCS2000 3° Gauss–Krüger zone 39 with zone-prefixed eastings.
EPSG = 4527
#: Centre of the township (lon, lat, CGCS2000): 商河县, 济南市, 山东省.
CENTRE_LONLAT = (117.1, 37.3)
COUNTY_CODE = "371426"
COUNTY_NAME = "商河县"
#: The township code (3 digits after the county) when a single township is generated.
SINGLE_TOWN_CODE = 104
#: Township area per requested patch, m² (calibrated so that the patch count comes out near n_patches).
AREA_PER_PATCH_M2 = 3600.0
#: Data year of the survey (SJNF).
SURVEY_YEAR = 2025

# Block kinds (Voronoi cells of the block seeds) and patch kinds.
FIELD, FRINGE, VILLAGE, SEAT = 0, 1, 2, 3
STRIP, HIGHWAY, RIVER = 4, 5, 6

# Block grid of the open fields: spacing along the grid axes (m) and jitter (share of the spacing).
BLOCK_W, BLOCK_H, BLOCK_JITTER = 560.0, 400.0, 0.16
# Settlement blocks (street blocks): spacing, m.
VILLAGE_BLOCK_M, SEAT_BLOCK_M = 105.0, 135.0
#: Fringe ring of a settlement (small fields, ponds, tree belts, sheds) as a multiple of its radius.
FRINGE_FACTOR = 1.75

#: 田坎系数 table of the county, keyed by (GDPDJB, GDLX) (domain.md §2.2: set per county).
KCXS_TABLE = {("1", ""): 0.0, ("2", "PD"): 0.053, ("2", "TT"): 0.071, ("3", "PD"): 0.094, ("3", "TT"): 0.118}

ZZSX_NAMES = {"LS": "种植粮食作物", "FLS": "种植非粮作物", "LYFL": "粮与非粮轮作", "XG": "休耕", "LLJZ": "林粮间作",
              "WG": "未耕种", "JKHF": "即可恢复", "GCHF": "工程恢复"}

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
VILLAGE_SUFFIXES = ["家庄", "官屯", "坊", "家集", "庄", "家屯", "家寨", "家洼", "桥", "家楼", "店", "家庙", "营",
                    "家口", "家铺", "官庄", "集", "家湾", "堂", "楼", "家圈", "家码头"]
GIVEN_CHARS = list("建国华明军伟强磊洪涛立新国庆春生秀英桂兰玉芳志刚德胜福海长青永红金山凤霞学文俊杰振东广平")
SEAT_UNIT_NAMES = ["镇中社区", "兴隆社区", "振华社区", "新华社区", "文昌社区", "富民社区", "和平社区", "建设社区",
                   "幸福社区", "东升社区", "光明社区", "永安社区", "民主社区", "团结社区", "胜利社区"]
COOP_WORDS = ["丰源", "金穗", "沃土", "惠农", "鑫禾", "润丰", "嘉禾", "众赢", "恒丰", "兴农", "德润", "瑞丰", "益民",
              "农丰", "宏达", "绿源", "禾丰", "稼穑", "齐鲁", "黄河"]
COOP_KINDS = ["种植专业合作社", "粮食种植专业合作社", "农机专业合作社", "土地股份合作社"]
FACILITY_KINDS = [("蔬菜大棚", "种植设施"), ("食用菌种植棚", "种植设施"), ("生猪养殖场", "畜禽养殖设施"),
                  ("肉鸡养殖场", "畜禽养殖设施"), ("粮食晾晒场", "晾晒场"), ("农机具存放场", "农机具存放"),
                  ("水产养殖设施", "水产养殖设施")]

# Per village (and seat unit) expected numbers of violations planted inside the farmland; the
# second number is the least planted in a whole township (so a small test township has every kind).
VIOLATIONS = {
    "orchard": (1.0, 2), "nursery": (0.7, 2), "fishpond": (0.6, 2), "home": (0.7, 2), "factory": (0.25, 1),
    "facility": (1.0, 3), "bare": (0.25, 1), "FLS": (2.2, 3), "WG": (0.5, 1), "LYFL": (0.3, 1), "LLJZ": (0.2, 0),
    "XG": (0.4, 0),
}


@dataclass
class Township:
    """A synthetic township: four GeoDataFrames in EPSG:4527 plus its village list.

    `survey` (DLTB), `farmland` (YJJBNTBHTB), `transfer` (流转地块), `facility_records` (设施农用地备案);
    `villages` lists the 行政村/社区 with their 12-digit codes; `planted` counts the violations planted
    inside the farmland by kind."""

    survey: gpd.GeoDataFrame
    farmland: gpd.GeoDataFrame
    transfer: gpd.GeoDataFrame
    facility_records: gpd.GeoDataFrame
    villages: pd.DataFrame
    planted: dict[str, int] = field(default_factory=dict)
    seed: int = 0
    n_patches: int = 0


# --------------------------------------------------------------------------------------------------
# Small geometry helpers (all vectorised)
# --------------------------------------------------------------------------------------------------

def _rot(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def _halfplanes(p0: np.ndarray, p1: np.ndarray, inward: np.ndarray, offset: np.ndarray, reach: float = 20_000.0) -> np.ndarray:
    """Polygons standing for the half-planes on the `inward` side of the lines p0→p1 moved inward by
    `offset` metres (arrays of shape (n, 2), (n, 2), (n, 2), (n,)). Each is a `reach`-sized rectangle."""
    u = p1 - p0
    u /= np.linalg.norm(u, axis=1)[:, None]
    n = np.column_stack([-u[:, 1], u[:, 0]])
    n *= np.sign(np.einsum("ij,ij->i", n, inward - p0))[:, None]
    a = p0 + n * offset[:, None] - u * reach
    b = p1 + n * offset[:, None] + u * reach
    ring = np.stack([a, b, b + n * reach, a + n * reach, a], axis=1)
    return shapely.polygons(ring)


def _explode(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygonal parts of each geometry and the index of the geometry each part came from (empty and
    non-polygonal parts dropped)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3,)) & ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def _union_groups(geoms: np.ndarray, group: np.ndarray, coverage: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Union of the geometries of each group (group ids any integers). Returns (group ids, unions).
    Vectorised with a padded 2-D array and `union_all(axis=1)`; with `coverage`, the members are
    edge-matched pieces of a coverage and `coverage_union_all` keeps every vertex exactly."""
    ids, inv, counts = np.unique(group, return_inverse=True, return_counts=True)
    if len(ids) == 0:
        return ids, np.array([], dtype=object)
    order = np.argsort(inv, kind="stable")
    rank = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    table = np.full((len(ids), counts.max()), None, dtype=object)
    table[inv[order], rank] = geoms[order]
    out = np.empty(len(ids), dtype=object)
    single = counts == 1
    out[single] = table[single, 0]
    if (~single).any():
        union = shapely.coverage_union_all if coverage else shapely.union_all
        out[~single] = union(table[~single], axis=1)
    return ids, out


def _affine(geoms: np.ndarray, owner: np.ndarray, origin: np.ndarray, theta: np.ndarray, stretch: np.ndarray,
            inverse: bool = False) -> np.ndarray:
    """Move each geometry into (or, with `inverse`, out of) its own frame: translate by -origin,
    rotate by -theta, scale x by `stretch`. `owner` indexes the per-frame arrays for each geometry."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    o = owner[idx]
    c, s, k = np.cos(theta[o]), np.sin(theta[o]), stretch[o]
    if not inverse:
        x, y = coords[:, 0] - origin[o, 0], coords[:, 1] - origin[o, 1]
        new = np.column_stack([(c * x + s * y) * k, -s * x + c * y])
    else:
        x, y = coords[:, 0] / k, coords[:, 1]
        new = np.column_stack([c * x - s * y + origin[o, 0], s * x + c * y + origin[o, 1]])
    return shapely.set_coordinates(np.array(geoms, dtype=object, copy=True), new)


def _seed_lattice(rng: np.random.Generator, bounds: np.ndarray, spacing: np.ndarray, jitter: float):
    """Jittered square lattices, one per row of `bounds` (xmin, ymin, xmax, ymax), each with its own
    spacing. Returns x, y, the owner row of each point and its lattice indices (i, j)."""
    nx = np.ceil((bounds[:, 2] - bounds[:, 0]) / spacing).astype(int) + 1
    ny = np.ceil((bounds[:, 3] - bounds[:, 1]) / spacing).astype(int) + 1
    total = nx * ny
    owner = np.repeat(np.arange(len(bounds)), total)
    lin = np.arange(total.sum()) - np.repeat(np.cumsum(total) - total, total)
    i, j = lin % nx[owner], lin // nx[owner]
    off = rng.uniform(0, 1, size=(len(bounds), 2))
    jit = rng.uniform(-jitter, jitter, size=(len(owner), 2))
    x = bounds[owner, 0] + (i - off[owner, 0] + 0.5 + jit[:, 0]) * spacing[owner]
    y = bounds[owner, 1] + (j - off[owner, 1] + 0.5 + jit[:, 1]) * spacing[owner]
    return x, y, owner, i, j


# --------------------------------------------------------------------------------------------------
# 1. The plan: outline, towns, villages, rivers, highways
# --------------------------------------------------------------------------------------------------

@dataclass
class _Plan:
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
    ring = np.column_stack([r * np.cos(phi) * aspect, r * np.sin(phi) / aspect]) @ _rot(rng.uniform(0, np.pi)).T
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


def _plan(rng: np.random.Generator, n_patches: int) -> _Plan:
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

    names = _village_names(rng, n_villages)
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
    return _Plan(outline, theta, unit_df, rivers, river_widths, highways, highway_widths, river_lines)


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


def _village_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct village names such as 王家庄村, 李官屯村, 张坊村."""
    pool = [s + suf + "村" for s in SURNAMES for suf in VILLAGE_SUFFIXES]
    order = rng.permutation(len(pool))
    return [pool[i] for i in order[:n]]


# --------------------------------------------------------------------------------------------------
# 2. Blocks: Voronoi cells of block seeds, their edges (roads, ditches, streets) and cores
# --------------------------------------------------------------------------------------------------

@dataclass
class _Blocks:
    seeds: np.ndarray        # (n, 2)
    kind: np.ndarray         # FIELD / FRINGE / VILLAGE / SEAT
    unit: np.ndarray         # index into plan.units (nearest settlement centre)
    gi: np.ndarray           # field-grid indices (-1 for settlement seeds)
    gj: np.ndarray
    cell: np.ndarray         # cell polygons clipped to the outline (None when outside)
    core: np.ndarray         # cells minus the strips along their edges
    edge_a: np.ndarray       # per edge: the two seeds, the two vertices, type and width
    edge_b: np.ndarray
    edge_v1: np.ndarray
    edge_v2: np.ndarray
    edge_code: np.ndarray    # '1006', '1107', '1003', '1004' or '' (no strip)
    edge_width: np.ndarray   # m
    theme: np.ndarray        # land-use theme of each block ('plain', 'orchard', … or 'settlement')


def _block_seeds(rng: np.random.Generator, plan: _Plan):
    """Field-grid seeds (rotated jittered grid) and settlement seeds (denser grids within the fringe
    radius of each seat and village). Returns seeds, kinds, unit ids, grid indices."""
    x0, y0, x1, y1 = plan.outline.bounds
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.hypot(x1 - x0, y1 - y0) / 2 + 2 * BLOCK_W
    ni, nj = int(2 * half / BLOCK_W) + 1, int(2 * half / BLOCK_H) + 1
    gi, gj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    gi, gj = gi.ravel(), gj.ravel()
    local = np.column_stack([(gi + rng.uniform(-BLOCK_JITTER, BLOCK_JITTER, gi.size)) * BLOCK_W - half,
                             (gj + rng.uniform(-BLOCK_JITTER, BLOCK_JITTER, gj.size)) * BLOCK_H - half])
    field_xy = local @ _rot(plan.theta).T + c
    u = plan.units
    centres = u[["x", "y"]].to_numpy()
    fringe_r = u["radius"].to_numpy() * FRINGE_FACTOR
    d = np.hypot(field_xy[:, None, 0] - centres[None, :, 0], field_xy[:, None, 1] - centres[None, :, 1])
    keep = (d > fringe_r[None, :] + 0.35 * BLOCK_H).all(axis=1)
    field_xy, gi, gj = field_xy[keep], gi[keep], gj[keep]

    spacing = np.where(u["is_seat"], SEAT_BLOCK_M, VILLAGE_BLOCK_M)
    bounds = np.column_stack([-fringe_r, -fringe_r, fringe_r, fringe_r])
    lx, ly, owner, _, _ = _seed_lattice(rng, bounds, spacing, 0.18)
    ang = plan.theta + rng.normal(0, 0.06, len(u))
    ca, sa = np.cos(ang[owner]), np.sin(ang[owner])
    sx, sy = ca * lx - sa * ly + centres[owner, 0], sa * lx + ca * ly + centres[owner, 1]
    r = np.hypot(lx, ly)
    inside = r < fringe_r[owner]
    phi = np.arctan2(ly, lx)
    wobble = 1 + 0.16 * np.cos(2 * phi + owner) + 0.1 * np.cos(3 * phi + 2 * owner)
    settle_r = u["radius"].to_numpy()[owner] * wobble
    kind_s = np.where(r < settle_r, np.where(u["is_seat"].to_numpy()[owner], SEAT, VILLAGE), FRINGE)
    sx, sy, kind_s, owner = sx[inside], sy[inside], kind_s[inside], owner[inside]

    seeds = np.vstack([field_xy, np.column_stack([sx, sy])])
    kind = np.concatenate([np.full(len(field_xy), FIELD), kind_s])
    gi = np.concatenate([gi, np.full(len(sx), -1)])
    gj = np.concatenate([gj, np.full(len(sx), -1)])
    # every block belongs to the nearest seat or village centre (its 坐落单位)
    unit = cKDTree(centres).query(seeds)[1]
    unit[len(field_xy):] = owner
    return seeds, kind, unit, gi, gj


def _blocks(rng: np.random.Generator, plan: _Plan) -> _Blocks:
    """Voronoi cells of the block seeds, the strip type and width of every edge, and the cores."""
    seeds, kind, unit, gi, gj = _block_seeds(rng, plan)
    x0, y0, x1, y1 = plan.outline.bounds
    far = 4 * np.hypot(x1 - x0, y1 - y0)
    ring = np.column_stack([np.cos(np.arange(16) * np.pi / 8), np.sin(np.arange(16) * np.pi / 8)]) * far + seeds.mean(axis=0)
    vor = Voronoi(np.vstack([seeds, ring]))
    n = len(seeds)
    vertices, vmap = _merge_close(vor.vertices, 0.5)

    # cells from the Voronoi regions (vertices sorted by angle around the seed: cells are convex)
    cell = np.full(n, None, dtype=object)
    regions = [vor.regions[vor.point_region[i]] for i in range(n)]
    bounded = np.array([len(r) > 2 and -1 not in r for r in regions])
    idx = np.flatnonzero(bounded)
    lengths = np.array([len(regions[i]) for i in idx])
    verts = vmap[np.concatenate([regions[i] for i in idx])]
    owner = np.repeat(np.arange(len(idx)), lengths)
    pairs = pd.DataFrame({"o": owner, "v": verts}).drop_duplicates()  # vertices merged by _merge_close
    pairs = pairs[pairs.groupby("o")["v"].transform("size") >= 3]  # a cell needs three corners
    idx, owner = idx[np.unique(pairs["o"])], np.unique(pairs["o"], return_inverse=True)[1]
    verts = pairs["v"].to_numpy()
    xy = vertices[verts]
    ang = np.arctan2(xy[:, 1] - seeds[idx[owner], 1], xy[:, 0] - seeds[idx[owner], 0])
    order = np.lexsort((ang, owner))
    rings = shapely.linearrings(xy[order], indices=owner[order])
    cell[idx] = shapely.polygons(rings)
    real = np.zeros(n, dtype=bool)
    real[idx] = shapely.intersects(cell[idx], plan.outline)
    cell[real] = shapely.intersection(cell[real], plan.outline)
    cell[~real] = None
    real &= ~shapely.is_empty(cell) & (shapely.area(cell) > 1.0)
    cell[~real] = None

    # edges between two seeds with at least one real cell
    rp = vor.ridge_points
    rv = np.array(vor.ridge_vertices)
    ok = (rp < n).all(axis=1) & (rv >= 0).all(axis=1)
    rp, rv = rp[ok], vmap[rv[ok]]
    ok = (real[rp[:, 0]] | real[rp[:, 1]]) & (rv[:, 0] != rv[:, 1])
    a, b = rp[ok, 0], rp[ok, 1]
    v1, v2 = vertices[rv[ok, 0]], vertices[rv[ok, 1]]
    code, width = _edge_types(rng, kind, gi, gj, a, b)

    core = _cores(cell, real, seeds, a, b, v1, v2, width)
    theme = _block_themes(rng, kind)
    return _Blocks(seeds, kind, unit, gi, gj, cell, core, a, b, v1, v2, code, width, theme)


def _merge_close(xy: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge points closer than `tol` (m): near-cocircular seeds give Voronoi edges a few millimetres
    long, which no survey has. Returns the points (merged ones moved to their group's first point)
    and, for every point, the index of the point it became."""
    pairs = cKDTree(xy).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return xy, np.arange(len(xy))
    n = len(xy)
    _, label = connected_components(coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False)
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, label, np.arange(n))
    return xy, first[label]


def _runs(rng: np.random.Generator, shape: tuple[int, int], choices: list[str], p: list[float], stay: float) -> np.ndarray:
    """Per grid line (rows) a sequence of types along it (columns) in runs: each step keeps the
    previous type with probability `stay`."""
    new = rng.choice(len(choices), size=shape, p=p)
    change = rng.random(shape) > stay
    change[:, 0] = True
    pos = np.where(change, np.arange(shape[1])[None, :], 0)
    pos = np.maximum.accumulate(pos, axis=1)
    picked = np.take_along_axis(new, pos, axis=1)
    return np.array(choices, dtype=object)[picked]


def _width_for(rng: np.random.Generator, code: np.ndarray) -> np.ndarray:
    """Strip width (m, multiples of 0.5) for each strip code."""
    ranges = {"1006": (4.0, 8.0), "1107": (2.0, 6.0), "1003": (10.0, 16.0), "1004": (5.0, 10.0), "": (0.0, 0.0)}
    lo = np.array([ranges[c][0] for c in code])
    hi = np.array([ranges[c][1] for c in code])
    return np.round(rng.uniform(lo, hi) * 2) / 2


def _edge_types(rng, kind, gi, gj, a, b):
    """The strip (DLBM code and width in m) along every block edge. Field-grid edges follow grid lines
    whose type runs along the line (a road for a few blocks, then a ditch …); settlement edges are
    streets (1004); fringe edges are small roads or nothing."""
    ni, nj = gi.max() + 2, gj.max() + 2
    line_codes = ["1006", "1107", "", "1003"]
    p = [0.56, 0.26, 0.15, 0.03]
    v_code = _runs(rng, (ni, nj), line_codes, p, 0.75)
    h_code = _runs(rng, (nj, ni), line_codes, p, 0.75)
    v_width = _width_for(rng, v_code.ravel()).reshape(v_code.shape)
    h_width = _width_for(rng, h_code.ravel()).reshape(h_code.shape)
    # widths run along lines too: each run keeps the width of its first segment
    for codes, widths in ((v_code, v_width), (h_code, h_width)):
        same = np.zeros(codes.shape, dtype=bool)
        same[:, 1:] = codes[:, 1:] == codes[:, :-1]
        pos = np.maximum.accumulate(np.where(same, 0, np.arange(codes.shape[1])[None, :]), axis=1)
        widths[:] = np.take_along_axis(widths, pos, axis=1)

    ka, kb = kind[a], kind[b]
    code = np.full(len(a), "", dtype=object)
    width = np.zeros(len(a))
    both_field = (ka == FIELD) & (kb == FIELD)
    ia, ib, ja, jb = gi[a], gi[b], gj[a], gj[b]
    vi = np.minimum(ia, ib)
    hj = np.minimum(ja, jb)
    vertical = both_field & (ia != ib)
    horizontal = both_field & (ja != jb)
    # an edge between horizontal neighbours lies on a vertical grid line and vice versa
    vc, vw = v_code[np.clip(vi, 0, ni - 1), np.clip(ja, 0, nj - 1)], v_width[np.clip(vi, 0, ni - 1), np.clip(ja, 0, nj - 1)]
    hc, hw = h_code[np.clip(hj, 0, nj - 1), np.clip(ia, 0, ni - 1)], h_width[np.clip(hj, 0, nj - 1), np.clip(ia, 0, ni - 1)]
    use_v = vertical & (~horizontal | (vw >= hw))
    use_h = horizontal & ~use_v
    code[use_v], width[use_v] = vc[use_v], vw[use_v]
    code[use_h], width[use_h] = hc[use_h], hw[use_h]

    settle = lambda k: (k == VILLAGE) | (k == SEAT)  # noqa: E731
    seat_pair = (ka == SEAT) & (kb == SEAT)
    s2 = settle(ka) & settle(kb)
    code[s2] = "1004"
    width[s2] = np.round(rng.uniform(5, 9, s2.sum()) * 2) / 2
    width[seat_pair] = np.round(rng.uniform(8, 16, seat_pair.sum()) * 2) / 2
    s1 = settle(ka) ^ settle(kb)
    r = rng.random(len(a))
    code[s1] = np.where(r[s1] < 0.6, "1004", "1006")
    width[s1] = np.round(rng.uniform(4.5, 7.5, s1.sum()) * 2) / 2
    fringe = ((ka == FRINGE) | (kb == FRINGE)) & ~s1 & ~s2
    ff = fringe & (ka == FRINGE) & (kb == FRINGE)
    code[ff] = np.select([r[ff] < 0.45, r[ff] < 0.55], ["1006", "1107"], "")
    fo = fringe & ~ff
    code[fo] = np.select([r[fo] < 0.6, r[fo] < 0.8], ["1006", "1107"], "")
    width[fringe] = _width_for(rng, code[fringe])
    width[fringe & (code == "1006")] = np.minimum(width[fringe & (code == "1006")], 6.0)
    return code, width


def _cores(cell, real, seeds, a, b, v1, v2, width) -> np.ndarray:
    """Each cell minus the half-width of the strips along its edges (mitred inset, per-edge widths)."""
    core = np.array(cell, dtype=object, copy=True)
    strip = width > 0
    owner = np.concatenate([a[strip], b[strip]])
    p0 = np.vstack([v1[strip], v1[strip]])
    p1 = np.vstack([v2[strip], v2[strip]])
    half = np.concatenate([width[strip], width[strip]]) / 2
    keep = real[owner]
    owner, p0, p1, half = owner[keep], p0[keep], p1[keep], half[keep]
    planes = _halfplanes(p0, p1, seeds[owner], half)
    order = np.argsort(owner, kind="stable")
    owner, planes = owner[order], planes[order]
    _, start, counts = np.unique(owner, return_index=True, return_counts=True)
    rank = np.arange(len(owner)) - np.repeat(start, counts)
    for r in range(rank.max() + 1 if len(rank) else 0):
        sel = rank == r
        core[owner[sel]] = shapely.intersection(core[owner[sel]], planes[sel])
    return core


# --------------------------------------------------------------------------------------------------
# 3. Patches: strips, fields inside cores, highways and rivers carved, small pieces merged, noded
# --------------------------------------------------------------------------------------------------

def _strips(blocks: _Blocks, outline) -> pd.DataFrame:
    """The strip pieces: for each edge, the quadrilateral (seed a, v1, seed b, v2) minus both cores.
    The quadrilaterals tile the cells, so strips and cores tile the outline exactly."""
    a, b = blocks.edge_a, blocks.edge_b
    ring = np.stack([blocks.seeds[a], blocks.edge_v1, blocks.seeds[b], blocks.edge_v2, blocks.seeds[a]], axis=1)
    quad = shapely.polygons(ring)
    near_edge = ~shapely.contains_properly(outline, quad)
    quad[near_edge] = shapely.intersection(quad[near_edge], outline)
    empty = shapely.Polygon()
    ca = np.where(pd.isna(blocks.core[a]), empty, blocks.core[a])
    cb = np.where(pd.isna(blocks.core[b]), empty, blocks.core[b])
    piece = shapely.difference(shapely.difference(quad, ca), cb)
    parts, idx = _explode(piece)
    owner = np.where(pd.isna(blocks.cell[a[idx]]), b[idx], a[idx])
    return pd.DataFrame({"geometry": parts, "kind": STRIP, "block": owner, "edge": idx,
                         "code": blocks.edge_code[idx], "width": blocks.edge_width[idx], "gx": -1, "gy": -1})


def _field_params(rng: np.random.Generator, kind: np.ndarray, theme: np.ndarray, theta: float):
    """Per block: field orientation (rad), stretch (long/short side) and target field area (m²).
    Open fields are long strips; fringe plots, ponds and orchards smaller; street blocks compact."""
    n = len(kind)
    turn = np.where(rng.random(n) < 0.5, 0.0, np.pi / 2)
    orient = theta + turn + rng.normal(0, 0.03, n)
    stretch = np.select([kind == FIELD, kind == FRINGE], [rng.uniform(2.5, 4.5, n), rng.uniform(1.5, 2.5, n)], rng.uniform(1.0, 1.6, n))
    area = np.select([kind == FIELD, kind == FRINGE, kind == VILLAGE], [rng.uniform(4500, 8000, n), rng.uniform(2200, 4000, n),
                     rng.uniform(1800, 3400, n)], rng.uniform(2500, 5500, n))
    small = np.isin(theme, ("pond", "orchard", "nursery", "facility"))
    stretch[small] = rng.uniform(1.3, 2.2, small.sum())
    area[small] = rng.uniform(2500, 4500, small.sum())
    return orient, stretch, area


def _fields(rng: np.random.Generator, blocks: _Blocks, theta: float) -> pd.DataFrame:
    """Field parcels: inside every core, the Voronoi cells of a jittered lattice drawn in a stretched,
    rotated frame (so parcels are long strips along the block's axis), cut back to the core."""
    have = np.flatnonzero(~pd.isna(blocks.core))
    have = have[~shapely.is_empty(blocks.core[have]) & (shapely.area(blocks.core[have]) > 1.0)]
    core = blocks.core[have]
    orient, stretch, farea = _field_params(rng, blocks.kind[have], blocks.theme[have], theta)
    origin = shapely.get_coordinates(shapely.centroid(core))
    local = np.arange(len(have))
    core_t = _affine(core, local, origin, orient, stretch)
    spacing = np.sqrt(farea * stretch)
    x, y, owner, i, j = _seed_lattice(rng, shapely.bounds(core_t), spacing, 0.22)
    shapely.prepare(core_t)
    inside = shapely.contains_xy(core_t[owner], x, y)
    x, y, owner, i, j = x[inside], y[inside], owner[inside], i[inside], j[inside]
    order = np.lexsort((j, i, owner))
    x, y, owner, i, j = x[order], y[order], owner[order], i[order], j[order]

    mp = np.full(len(have), None, dtype=object)
    if len(owner):
        shapely.multipoints(shapely.points(x, y), indices=owner, out=mp)
    counts = np.bincount(owner, minlength=len(have))
    multi = np.flatnonzero(counts >= 2)
    vor = shapely.voronoi_polygons(mp[multi], extend_to=core_t[multi], ordered=True)
    cells, vidx = shapely.get_parts(vor, return_index=True)
    cell_owner = multi[vidx]
    # ordered=True: the k-th polygon of a block belongs to its k-th seed
    per_block = np.bincount(vidx, minlength=len(multi))
    if not np.array_equal(per_block, counts[multi]):
        raise RuntimeError("Voronoi cells do not match their seeds")
    seq = np.arange(len(cells)) - np.repeat(np.cumsum(per_block) - per_block, per_block)
    seed_idx = (np.cumsum(counts) - counts)[cell_owner] + seq
    cells = _affine(cells, cell_owner, origin, orient, stretch, inverse=True)
    pieces = shapely.intersection(cells, core[cell_owner])
    parts, pidx = _explode(pieces)
    gx, gy = i[seed_idx[pidx]], j[seed_idx[pidx]]
    fo = cell_owner[pidx]
    # blocks with fewer than two seeds are one field
    single = np.flatnonzero(counts < 2)
    parts = np.concatenate([parts, core[single]])
    fo = np.concatenate([fo, single])
    gx = np.concatenate([gx, np.zeros(len(single), dtype=int)])
    gy = np.concatenate([gy, np.zeros(len(single), dtype=int)])
    block = have[fo]
    parts, pidx = _explode(parts)
    return pd.DataFrame({"geometry": parts, "kind": blocks.kind[block[pidx]], "block": block[pidx], "edge": -1,
                         "code": "", "width": 0.0, "gx": gx[pidx], "gy": gy[pidx]})


def _carve(patches: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Cut the highways (1003) and rivers (1101) out of the patches. Their own patches are the pieces
    cut out of each block, unioned per block (so they are split where they cross blocks, like real
    DLTB). Inside and outside pieces come from the same patch edges, so they fit exactly."""
    if len(plan.highways) == 0 and len(plan.rivers) == 0:
        return patches
    hw = shapely.union_all(plan.highways) if len(plan.highways) else shapely.Polygon()
    rv = shapely.difference(shapely.union_all(plan.rivers), hw) if len(plan.rivers) else shapely.Polygon()
    carve = shapely.union(hw, rv)
    shapely.prepare(carve)
    g = patches["geometry"].to_numpy()
    hit = np.flatnonzero(shapely.intersects(carve, g))
    block = patches["block"].to_numpy()
    new = []
    for geom, kind, code, widths in ((hw, HIGHWAY, "1003", plan.highway_widths), (rv, RIVER, "1101", plan.river_widths)):
        if shapely.is_empty(geom):
            continue
        parts, idx = _explode(shapely.intersection(g[hit], geom))
        ids, pieces = _union_groups(parts, block[hit][idx])
        pieces, pidx = _explode(pieces)
        w = np.round(float(np.median(widths)) * 2) / 2
        new.append(pd.DataFrame({"geometry": pieces, "kind": kind, "block": ids[pidx], "edge": -1, "code": code,
                                 "width": w, "gx": -1, "gy": -1}))
    g = g.copy()
    g[hit] = shapely.difference(g[hit], carve)
    patches = patches.assign(geometry=g)
    parts, idx = _explode(patches["geometry"].to_numpy())
    patches = patches.iloc[idx].assign(geometry=parts)
    return pd.concat([patches, *new], ignore_index=True)


def _merge_small(patches: pd.DataFrame, min_area: float = 30.0, drop_below: float = 0.01) -> pd.DataFrame:
    """Merge pieces smaller than `min_area` m² (junction corners, slivers left by carving) and strip
    pieces of edges without a strip (junction corners of the neighbouring strips) into the neighbour
    they share the longest boundary with, preferring a neighbour of the same kind; the merged patch
    keeps the attributes of its largest proper member. Pieces below `drop_below` m² (floating-point
    noise of un-noded geometry) are dropped instead."""
    patches = patches[shapely.area(patches["geometry"].to_numpy()) > drop_below].reset_index(drop=True)
    g = patches["geometry"].to_numpy()
    area = shapely.area(g)
    stray = (patches["kind"].to_numpy() == STRIP) & (patches["width"].to_numpy() == 0)
    small = np.flatnonzero((area < min_area) | stray)
    if len(small) == 0:
        return patches
    tree = shapely.STRtree(g)
    si, nj = tree.query(g[small], predicate="intersects")
    i = small[si]
    keep = i != nj
    i, nj = i[keep], nj[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(g[i]), shapely.buffer(g[nj], 1e-3)))
    kind = patches["kind"].to_numpy()
    proper = (area >= min_area) & ~stray
    score = shared + 1e6 * ((kind[i] == kind[nj]) & (shared > 0.05)) + 1e3 * proper[nj]
    score[shared <= 0.05] = -1
    order = np.lexsort((-score, i))
    i, nj, score = i[order], nj[order], score[order]
    first = np.r_[True, i[1:] != i[:-1]] & (score >= 0)
    src, dst = i[first], nj[first]
    n = len(g)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    members = np.isin(label, label[src])
    grp = label[members]
    idx = np.flatnonzero(members)
    ids, unions = _union_groups(g[idx], grp, coverage=drop_below == 0.0)
    # the representative of each group (largest proper member) keeps its attributes
    rep = pd.Series(area[idx] + 1e12 * proper[idx], index=idx).groupby(grp).idxmax()
    out = patches.copy()
    out.loc[rep.loc[ids].to_numpy(), "geometry"] = unions
    drop = np.setdiff1d(idx, rep.to_numpy())
    out = out.drop(index=drop)
    parts, pidx = _explode(out["geometry"].to_numpy())
    return out.iloc[pidx].assign(geometry=parts).reset_index(drop=True)


#: Coordinate grid of the delivered geometry (m): 0.1 mm, finer than any survey needs.
GRID_M = 1e-4


def _node(geoms: np.ndarray, grid: float = GRID_M, snap: float = 1e-3, gap: float = 0.5) -> np.ndarray:
    """Make polygons an exactly noded coverage, like a topology-checked DLTB: coordinates on a `grid`
    (m), then GEOS's coverage cleaner: vertices closer than `snap` (m) made one, shared edges given
    identical vertices, tiny overlaps given to one side and gaps narrower than `gap` (m) filled (the
    generator leaves no real gaps, only floating-point ones). One geometry per input (a polygon may
    come back as a MultiPolygon: explode afterwards)."""
    return shapely.coverage_clean(shapely.set_precision(geoms, grid), snapping_distance=snap, gap_width=gap)


def _node_frame(P: pd.DataFrame) -> pd.DataFrame:
    """`_node` the frame's geometry column; polygons split by it become separate rows."""
    parts, idx = _explode(_node(P["geometry"].to_numpy()))
    return P.iloc[idx].assign(geometry=parts).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# 4. Land use
# --------------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, n: int, table: list[tuple[str, float]]) -> np.ndarray:
    codes = np.array([c for c, _ in table], dtype=object)
    p = np.array([w for _, w in table], dtype=float)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _block_themes(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """A theme for each open-field block: most are plain cropland, some are orchards, nurseries, tree
    belts, pond clusters, facility farms, vegetable greenhouses or a workshop site."""
    theme = _pick(rng, len(kind), [("plain", 0.80), ("orchard", 0.05), ("nursery", 0.03), ("forest", 0.02),
                                   ("facility", 0.03), ("pond", 0.02), ("vegetable", 0.04), ("industry", 0.01)])
    theme[kind != FIELD] = "settlement"
    return theme


def _baseline_landuse(rng: np.random.Generator, P: pd.DataFrame, blocks: _Blocks, plan: _Plan) -> None:
    """Assign DLBM (and ZZSXDM / CZCSXM / GDPDJB …) to every patch as it was when the farmland was
    delineated; violations are planted later. Works on whole arrays, by block theme and kind."""
    n = len(P)
    kind = P["kind"].to_numpy()
    block = P["block"].to_numpy()
    theme = blocks.theme[block]
    dlbm = np.full(n, "", dtype=object)

    # cropland: each block has a dominant cultivated class
    river_near = np.zeros(len(blocks.kind), dtype=bool)
    if len(plan.river_lines):
        rl = shapely.MultiLineString(list(plan.river_lines))
        river_near = shapely.distance(rl, shapely.points(blocks.seeds)) < 900
    dom = np.where(rng.random(len(blocks.kind)) < 0.55, "0103", "0102").astype(object)
    dom[river_near & (rng.random(len(blocks.kind)) < 0.35)] = "0101"
    crop = dom[block].copy()
    mix = rng.random(n)
    crop[mix < 0.12] = np.where(dom[block][mix < 0.12] == "0103", "0102", "0103")

    fieldlike = np.isin(kind, (FIELD,))
    themed = {
        "plain": [("crop", 0.965), ("0404", 0.008), ("0307", 0.006), ("1202", 0.008), ("1206", 0.003), ("0301", 0.01)],
        "orchard": [("0201", 0.55), ("crop", 0.45)],
        "nursery": [("0307", 0.45), ("crop", 0.55)],
        "forest": [("0301", 0.6), ("0307", 0.1), ("crop", 0.3)],
        "facility": [("1202", 0.25), ("crop", 0.75)],
        "pond": [("1104A", 0.6), ("1104", 0.1), ("crop", 0.3)],
        "vegetable": [("crop", 1.0)],
        "industry": [("0601", 0.35), ("0508", 0.15), ("crop", 0.5)],
    }
    for name, table in themed.items():
        sel = fieldlike & (theme == name)
        dlbm[sel] = _pick(rng, int(sel.sum()), table)
    fr = kind == FRINGE
    dlbm[fr] = _pick(rng, int(fr.sum()), [("crop", 0.70), ("0201", 0.04), ("0301", 0.07), ("0307", 0.03), ("1104", 0.03),
                                          ("1202", 0.04), ("0702", 0.03), ("1201", 0.01), ("0404", 0.03), ("09", 0.01),
                                          ("1104A", 0.01)])
    vi = kind == VILLAGE
    dlbm[vi] = _pick(rng, int(vi.sum()), [("0702", 0.82), ("05H1", 0.03), ("08H2", 0.02), ("0809", 0.02), ("08H1", 0.01),
                                          ("1201", 0.05), ("1104", 0.02), ("0601", 0.02), ("0301", 0.01)])
    se = kind == SEAT
    dlbm[se] = _pick(rng, int(se.sum()), [("0701", 0.36), ("0702", 0.16), ("05H1", 0.14), ("08H1", 0.04), ("08H2", 0.07),
                                          ("0809", 0.03), ("0601", 0.10), ("0508", 0.03), ("1201", 0.04), ("0810", 0.02),
                                          ("1004", 0.01)])
    st = kind == STRIP
    dlbm[st] = P["code"].to_numpy()[st]
    dlbm[kind == HIGHWAY] = "1003"
    dlbm[kind == RIVER] = "1101"
    is_crop = dlbm == "crop"
    dlbm[is_crop] = crop[is_crop]
    dlbm[st & (dlbm == "")] = "1006"  # only a merged corner left on its own, should it ever happen
    _guarantee_settlement_services(rng, P, dlbm, plan)
    P["DLBM"] = dlbm
    P["theme"] = theme

    # planting attribute, slope class, 田坎系数
    cult = np.char.startswith(dlbm.astype(str), "01")
    zz = np.full(n, "", dtype=object)
    zz[cult] = "LS"
    outside_choice = _pick(rng, n, [("LS", 0.86), ("FLS", 0.09), ("LYFL", 0.02), ("XG", 0.01), ("LLJZ", 0.01), ("WG", 0.01)])
    zz[cult] = outside_choice[cult]
    zz[cult & (theme == "vegetable")] = np.where(rng.random(int((cult & (theme == "vegetable")).sum())) < 0.8, "FLS", "LS")
    P["ZZSXDM"] = zz
    slope_block = river_near & (rng.random(len(blocks.kind)) < 0.5)
    gdpdjb = np.where(cult, "1", "").astype(object)
    gdlx = np.full(n, "", dtype=object)
    sb = cult & slope_block[block]
    level = np.where(rng.random(n) < 0.8, "2", "3")
    gdpdjb[sb] = level[sb]
    gdlx[sb] = np.where(rng.random(n) < 0.75, "PD", "TT")[sb]
    P["GDPDJB"] = gdpdjb
    P["GDLX"] = gdlx
    P["KCXS"] = [KCXS_TABLE.get((p, x), 0.0) for p, x in zip(gdpdjb, gdlx)]
    P["KCXS"] = P["KCXS"].astype(float)
    hd = cult & river_near[block] & (rng.random(n) < 0.04)
    P["TBXHDM"] = np.where(hd, "HDGD", "").astype(object)


def _guarantee_settlement_services(rng, P, dlbm, plan) -> None:
    """Every village has a school or clinic (08H2), a utility site (0809) and a village office (08H1);
    the seat has a government compound (08H1). Changes `dlbm` in place: for each unit lacking a code,
    a random homestead (or urban residential) patch of its settlement takes it."""
    kind = P["kind"].to_numpy()
    unit = P["unit"].to_numpy()
    n_units = len(plan.units)
    homes = (np.isin(kind, (VILLAGE, SEAT)) & (dlbm == "0702")) | ((kind == SEAT) & (dlbm == "0701"))
    for code in ("08H2", "0809", "08H1"):
        has = np.bincount(unit[dlbm == code], minlength=n_units) > 0
        cand = np.flatnonzero(homes & ~has[unit])
        if len(cand) == 0:
            continue
        cand = cand[np.argsort(rng.random(len(cand)))]  # shuffle, then the first of each unit
        _, first = np.unique(unit[cand], return_index=True)
        dlbm[cand[first]] = code
        homes[cand[first]] = False


# --------------------------------------------------------------------------------------------------
# 5. Farmland (永久基本农田) groups and planted violations
# --------------------------------------------------------------------------------------------------

def _farmland_groups(rng: np.random.Generator, P: pd.DataFrame, plan: _Plan) -> np.ndarray:
    """Group id (or -1) of every patch: adjacent cultivated field patches of a block, 1–6 at a time
    (lattice super-cells), cover most cultivated land outside the seats' development areas."""
    n = len(P)
    cult = P["DLBM"].str.startswith("01").to_numpy()
    kind = P["kind"].to_numpy()
    block = P["block"].to_numpy()
    theme = P["theme"].to_numpy()
    nb = block.max() + 1
    excluded_block = rng.random(nb) < 0.06                      # 一般耕地 blocks
    seats = plan.units[plan.units["is_seat"]]
    rep = shapely.get_coordinates(shapely.point_on_surface(P["geometry"].to_numpy()))
    d_seat = np.min(np.hypot(rep[:, None, 0] - seats["x"].to_numpy()[None, :], rep[:, None, 1] - seats["y"].to_numpy()[None, :]), axis=1)
    dev_zone = d_seat < seats["radius"].max() * FRINGE_FACTOR + 250
    eligible = cult & ((kind == FIELD) | ((kind == FRINGE) & (rng.random(n) < 0.6)))
    eligible &= ~excluded_block[block] & ~dev_zone & (theme != "vegetable")
    eligible &= (theme == "plain") | (rng.random(n) < 0.8)
    gsx = rng.integers(2, 4, nb)
    gsy = rng.integers(1, 3, nb)
    gx, gy = P["gx"].to_numpy(), P["gy"].to_numpy()
    key = block * 1_000_000 + (gx // gsx[block]) * 1000 + gy // gsy[block]
    group = np.full(n, -1, dtype=np.int64)
    _, inv = np.unique(key[eligible], return_inverse=True)
    group[eligible] = inv
    return group


def _pick_per_unit(rng, pool_unit: np.ndarray, n_units: int, rate: float, least: int) -> np.ndarray:
    """How many to plant in each unit: Poisson(rate), topped up to `least` in total."""
    counts = rng.poisson(rate, n_units)
    have = np.bincount(pool_unit, minlength=n_units) > 0
    counts[~have] = 0
    while counts.sum() < least and have.any():
        counts[rng.choice(np.flatnonzero(have))] += 1
    return counts


def _choose(rng, pool: np.ndarray, unit: np.ndarray, counts: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Choose counts[u] patches of `pool` in each unit u (optionally weighted)."""
    chosen = []
    for u in np.flatnonzero(counts):
        cand = pool[unit[pool] == u]
        k = min(counts[u], len(cand))
        if k == 0:
            continue
        p = None
        if weight is not None:
            w = weight[cand]
            p = w / w.sum()
        chosen.append(rng.choice(cand, size=k, replace=False, p=p))
    return np.concatenate(chosen) if chosen else np.array([], dtype=int)


def _corner_boxes(geoms: np.ndarray, towards: np.ndarray, size: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotated squares of side `size` m centred on the vertex of each geometry nearest to `towards`."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    d = np.hypot(coords[:, 0] - towards[idx, 0], coords[:, 1] - towards[idx, 1])
    order = np.lexsort((d, idx))
    first = order[np.r_[True, idx[order][1:] != idx[order][:-1]]]
    c = coords[first]
    h = size / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    ct, st = np.cos(theta), np.sin(theta)
    local = corners[None, :, :] * h[:, None, None]
    x = local[..., 0] * ct[:, None] - local[..., 1] * st[:, None] + c[:, 0, None]
    y = local[..., 0] * st[:, None] + local[..., 1] * ct[:, None] + c[:, 1, None]
    return shapely.polygons(np.stack([x, y], axis=-1))


def _split_off(P: pd.DataFrame, rows: np.ndarray, boxes: np.ndarray, new_code: np.ndarray, min_piece: float = 150.0):
    """Split each patch in `rows` into the part inside its box (taking `new_code`) and the rest.
    When a piece would be too small the whole patch takes the new code. Returns the new frame and the
    row numbers carrying the new code."""
    g = P["geometry"].to_numpy()
    inside = shapely.intersection(g[rows], boxes)
    rest = shapely.difference(g[rows], boxes)
    ok = (shapely.area(inside) >= min_piece) & (shapely.area(rest) >= min_piece) & (shapely.get_type_id(inside) == 3)
    whole = rows[~ok]
    P = P.copy()
    P.loc[whole, "DLBM"] = new_code[~ok]
    split = rows[ok]
    P.loc[split, "geometry"] = inside[ok]
    P.loc[split, "DLBM"] = new_code[ok]
    rest_rows = P.loc[split].copy()
    rest_rows["geometry"] = rest[ok]
    rest_rows["DLBM"] = P.loc[split, "base"].to_numpy()
    out = pd.concat([P, rest_rows], ignore_index=True)
    parts, idx = _explode(out["geometry"].to_numpy())
    changed = np.zeros(len(out), dtype=bool)
    changed[np.concatenate([whole, split])] = True
    out = out.iloc[idx].assign(geometry=parts).reset_index(drop=True)
    return out, np.flatnonzero(changed[idx])


def _plant_violations(rng: np.random.Generator, P: pd.DataFrame, plan: _Plan) -> tuple[pd.DataFrame, dict]:
    """Change the present use of some farmland patches, a few per village: orchards, nurseries, fish
    ponds, homes, a factory, facilities, bare land, and cultivated land grown with non-grain crops,
    abandoned, rotated or fallow. Returns the frame (patches split where a home or shed took only
    part of a field) and the counts planted by kind."""
    P = P.copy()
    P["base"] = P["DLBM"]
    P["violation"] = ""
    n_units = len(plan.units)
    unit = P["unit"].to_numpy()
    in_fm = (P["group"].to_numpy() >= 0) & P["DLBM"].str.startswith("01").to_numpy()
    P.loc[in_fm, "ZZSXDM"] = "LS"  # permanent basic farmland grows grain, except where planted below
    area = shapely.area(P["geometry"].to_numpy())
    small = area < np.quantile(area[in_fm], 0.45) if in_fm.any() else area < 0
    pool = np.flatnonzero(in_fm & small)
    taken = np.zeros(len(P), dtype=bool)
    planted: dict[str, int] = {}

    def take(kind_name: str, candidates: np.ndarray, weight=None) -> np.ndarray:
        rate, least = VIOLATIONS[kind_name]
        cand = candidates[~taken[candidates]]
        counts = _pick_per_unit(rng, unit[cand], n_units, rate, least)
        rows = _choose(rng, cand, unit, counts, weight)
        taken[rows] = True
        planted[kind_name] = int(len(rows))
        return rows

    centres = plan.units[["x", "y"]].to_numpy()
    rep = shapely.get_coordinates(shapely.point_on_surface(P["geometry"].to_numpy()))
    d_home = np.hypot(rep[:, 0] - centres[unit, 0], rep[:, 1] - centres[unit, 1])
    near_home = 1.0 / (1.0 + (d_home / 300.0) ** 2)

    whole = {"orchard": ("0201", None), "nursery": ("0307", None), "fishpond": ("1104A", None)}
    for name, (code, _) in whole.items():
        rows = take(name, pool, near_home if name != "fishpond" else None)
        P.loc[rows, "DLBM"] = code
        P.loc[rows, "violation"] = name
        P.loc[rows, "ZZSXDM"] = "JKHF" if code != "1104A" else "GCHF"
        # no longer cultivated land: no 田坎 deduction, no 耕地类型 / 坡度级别 (domain.md §2.1)
        P.loc[rows, "KCXS"] = 0.0
        P.loc[rows, "GDLX"] = ""
        P.loc[rows, "GDPDJB"] = ""
        P.loc[rows, "TBXHDM"] = ""
    for name in ("FLS", "WG", "LYFL", "LLJZ", "XG"):
        rows = take(name, np.flatnonzero(in_fm))
        P.loc[rows, "ZZSXDM"] = name
        P.loc[rows, "violation"] = name if name != "XG" else ""

    # part-of-field changes: a new home, a shed, a workshop, bare (推土) ground
    parts = {"home": ("0702", (22, 38)), "facility": ("1202", (35, 60)), "factory": ("0601", (60, 90)), "bare": ("1206", (25, 45))}
    chosen, codes, sizes, names = [], [], [], []
    for name, (code, (lo, hi)) in parts.items():
        rows = take(name, np.flatnonzero(in_fm), near_home if name == "home" else None)
        chosen.append(rows)
        codes += [code] * len(rows)
        names += [name] * len(rows)
        sizes.append(rng.uniform(lo, hi, len(rows)))
    rows = np.concatenate(chosen)
    if len(rows):
        g = P["geometry"].to_numpy()[rows]
        theta = plan.theta + rng.normal(0, 0.02, len(rows))
        boxes = _corner_boxes(g, centres[unit[rows]], np.concatenate(sizes), theta)
        P.loc[rows, "violation"] = names
        P, changed = _split_off(P, rows, boxes, np.array(codes, dtype=object))
        P.loc[changed, "ZZSXDM"] = ""
        P.loc[changed, "KCXS"] = 0.0
        P.loc[changed, "GDPDJB"] = ""
        P.loc[changed, "GDLX"] = ""
        P.loc[changed, "TBXHDM"] = ""
        P.loc[P["violation"].isin(list(parts)) & ~P.index.isin(changed), "violation"] = ""
    return P, planted


# --------------------------------------------------------------------------------------------------
# 6. Attributes of the survey layer
# --------------------------------------------------------------------------------------------------

def _czcsxm(P: pd.DataFrame) -> np.ndarray:
    """城镇村属性码: 202 in the seat, 203 in villages (and on construction outside, e.g. a new home),
    203A for independent industry outside settlements."""
    kind = P["kind"].to_numpy()
    dlbm = P["DLBM"].to_numpy().astype(str)
    codes, inv = np.unique(dlbm, return_inverse=True)
    group = np.array([landuse.lookup(c).group if landuse.lookup(c) else "" for c in codes], dtype=object)[inv]
    construction = (group == "construction") | (dlbm == "1004")
    out = np.full(len(P), "", dtype=object)
    out[kind == VILLAGE] = "203"
    out[kind == SEAT] = "202"
    st_settle = (kind == STRIP) & (dlbm == "1004")
    out[st_settle] = np.where(P["unit_is_seat"].to_numpy()[st_settle], "202", "203")
    outside = construction & ~np.isin(kind, (VILLAGE, SEAT)) & (out == "")
    out[outside] = np.where(np.isin(dlbm[outside], ("0601", "0508")), "203A", "203")
    return out


def _names(codes: np.ndarray) -> np.ndarray:
    """DLMC for each DLBM (landuse.name_of, looked up once per distinct code)."""
    uniq, inv = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    return np.array([landuse.name_of(c) for c in uniq], dtype=object)[inv]


def _survey_frame(P: pd.DataFrame, plan: _Plan) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The DLTB attribute table in 三调 style (strings as delivered, areas ellipsoidal m², 2 decimals),
    sorted by village and position; also the row of P behind each survey row."""
    n = len(P)
    g = P["geometry"].to_numpy()
    u = plan.units
    unit = P["unit"].to_numpy()
    dlbm = P["DLBM"].to_numpy().astype(object)
    code12 = u["code12"].to_numpy()[unit]
    zldwdm = np.array([c + "0000000" for c in code12], dtype=object)
    zldwmc = u["name"].to_numpy()[unit]
    kind = P["kind"].to_numpy()
    state = np.isin(kind, (HIGHWAY, RIVER)) | (dlbm == "1003") | ((kind == SEAT) & np.isin(dlbm, ("0701", "05H1", "08H1", "08H2", "0809", "0810", "0601", "0508")))
    qsxz = np.where(kind == RIVER, "10", np.where(state, "20", "30")).astype(object)
    town_code = u["town_code"].to_numpy()[unit]
    qsdwdm = np.where(state, np.array([t + "0000000000" for t in town_code], dtype=object), zldwdm)
    qsdwmc = np.where(state, "国有土地", zldwmc)

    tbmj = units.round_half_up_array(units.ellipsoidal_area(g, EPSG))
    kcxs = P["KCXS"].to_numpy(dtype=float)
    kcmj = units.round_half_up_array(tbmj * kcxs)
    tbdlmj = units.round_half_up_array(tbmj - kcmj)
    kcdlbm = np.where(kcxs > 0, "1203", "").astype(object)
    zz = P["ZZSXDM"].to_numpy().astype(object)
    linear = np.isin(dlbm, ("1006", "1107", "1003", "1004", "1101"))
    width = np.where(linear & (P["width"].to_numpy() > 0), P["width"].to_numpy(), 0.0)
    tbxh = P["TBXHDM"].to_numpy().astype(object)

    # order: by village, then north to south, west to east (like a numbered 图斑 sheet)
    rep = shapely.get_coordinates(shapely.point_on_surface(g))
    order = np.lexsort((np.round(rep[:, 0], -1), -np.round(rep[:, 1], -2), zldwdm))
    tbbh = np.empty(n, dtype=object)
    seq = pd.Series(np.arange(n)).groupby(zldwdm[order]).cumcount().to_numpy() + 1
    tbbh[order] = seq.astype(str)
    bsm = np.empty(n, dtype=object)
    town9 = np.array([c[:9] for c in code12], dtype=object)
    bsm[order] = [f"{t}1{i:08d}" for t, i in zip(town9[order], np.arange(1, n + 1))]
    bz = np.where(P["violation"].to_numpy() == "home", "2025年变更新增", "").astype(object)

    df = pd.DataFrame({
        "BSM": bsm, "YSDM": "2001010100", "TBBH": tbbh, "DLBM": dlbm,
        "DLMC": _names(dlbm), "QSXZ": qsxz, "QSDWDM": qsdwdm, "QSDWMC": qsdwmc,
        "ZLDWDM": zldwdm, "ZLDWMC": zldwmc, "TBMJ": tbmj, "KCDLBM": kcdlbm, "KCXS": kcxs, "KCMJ": kcmj,
        "TBDLMJ": tbdlmj, "GDLX": P["GDLX"].to_numpy().astype(object), "GDPDJB": P["GDPDJB"].to_numpy().astype(object),
        "XZDWKD": width, "TBXHDM": tbxh, "TBXHMC": np.where(tbxh == "HDGD", "河道耕地", "").astype(object),
        "ZZSXDM": zz, "ZZSXMC": [ZZSX_NAMES.get(z, "") for z in zz], "CZCSXM": _czcsxm(P),
        "SJNF": np.full(n, SURVEY_YEAR, dtype=np.int32), "BZ": bz,
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(g, crs=EPSG))
    return out.iloc[order].reset_index(drop=True), order


# --------------------------------------------------------------------------------------------------
# 7. Farmland polygons (YJJBNTBHTB)
# --------------------------------------------------------------------------------------------------

def _split_pairs(rng: np.random.Generator, geoms: np.ndarray, block: np.ndarray, share: float = 0.08):
    """Re-draw some pairs of neighbouring farmland polygons of a block along a straight line through
    their union (as if delineated on an older base map): their edges then cut across patches.
    Returns the polygons and the indices of those re-drawn."""
    n = len(geoms)
    order = np.argsort(block, kind="stable")
    same = block[order][1:] == block[order][:-1]
    cand = np.flatnonzero(same & (rng.random(n - 1) < share * 2)) if n > 1 else np.array([], dtype=int)
    # non-overlapping pairs (i, i+1) in block order that touch along a line
    used = np.zeros(n, dtype=bool)
    pairs = []
    for k in cand:
        i, j = order[k], order[k + 1]
        if not used[i] and not used[j]:
            used[i] = used[j] = True
            pairs.append((i, j))
    if not pairs:
        return geoms, np.array([], dtype=int)
    pi, pj = np.array(pairs).T
    touching = shapely.length(shapely.intersection(shapely.boundary(geoms[pi]), shapely.buffer(geoms[pj], 0.01))) > 20
    pi, pj = pi[touching], pj[touching]
    union = shapely.union(geoms[pi], geoms[pj])
    c = shapely.get_coordinates(shapely.centroid(union))
    c += rng.normal(0, 15, c.shape)
    ang = rng.uniform(0, np.pi, len(pi))
    d = np.column_stack([np.cos(ang), np.sin(ang)])
    side = c + np.column_stack([-d[:, 1], d[:, 0]])
    planes = _halfplanes(c - d, c + d, side, np.zeros(len(pi)), reach=5000.0)
    a = shapely.intersection(union, planes)
    b = shapely.difference(union, planes)
    good = (shapely.area(a) > 300) & (shapely.area(b) > 300) & (shapely.get_type_id(a) == 3) & (shapely.get_type_id(b) == 3)
    out = geoms.copy()
    out[pi[good]] = a[good]
    out[pj[good]] = b[good]
    return out, np.concatenate([pi[good], pj[good]])


def _farmland_frame(rng: np.random.Generator, P: pd.DataFrame, plan: _Plan) -> gpd.GeoDataFrame:
    """YJJBNTBHTB polygons: the union of each group's patches (class = the group's cultivated class
    at delineation time), some pairs re-split across patches. Areas ellipsoidal m², 2 decimals."""
    in_group = np.flatnonzero(P["group"].to_numpy() >= 0)
    grp = P["group"].to_numpy()[in_group]
    g = P["geometry"].to_numpy()[in_group]
    ids, geoms = _union_groups(g, grp, coverage=True)
    parts, pidx = _explode(geoms)
    ids = ids[pidx]
    # attributes from the group's largest patch (its baseline class, KCXS, unit)
    area = shapely.area(g)
    big = pd.Series(area).groupby(grp).idxmax()
    src = in_group[big.loc[ids].to_numpy()]
    block = P["block"].to_numpy()[src]
    parts, redrawn = _split_pairs(rng, parts, block)
    if len(redrawn):  # edge-match the new cut lines; all other edges are patch edges already
        parts = _node(parts)
    u = plan.units
    unit = P["unit"].to_numpy()[src]
    code12 = u["code12"].to_numpy()[unit]
    base = P["base"].to_numpy()[src]
    kcxs = P["KCXS"].to_numpy()[src]
    mj = units.round_half_up_array(units.ellipsoidal_area(parts, EPSG))
    kcmj = units.round_half_up_array(mj * kcxs)
    rep = shapely.get_coordinates(shapely.point_on_surface(parts))
    order = np.lexsort((rep[:, 0], -rep[:, 1], code12))
    seq = pd.Series(np.arange(len(parts))).groupby(code12[order]).cumcount().to_numpy() + 1
    bh = np.empty(len(parts), dtype=object)
    bh[order] = [f"{c}{s:04d}" for c, s in zip(code12[order], seq)]
    bsm = np.empty(len(parts), dtype=object)
    bsm[order] = [f"{c[:9]}3{i:08d}" for c, i in zip(code12[order], np.arange(1, len(parts) + 1))]
    df = pd.DataFrame({
        "BSM": bsm, "YJJBNTTBBH": bh, "DLBM": base, "DLMC": _names(base),
        "ZLDWDM": [c + "0000000" for c in code12], "ZLDWMC": u["name"].to_numpy()[unit],
        "YJJBNTTBMJ": mj, "KCXS": kcxs, "KCMJ": kcmj, "YJJBNTMJ": units.round_half_up_array(mj - kcmj),
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=EPSG))
    return out.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# 8. Land transfer (流转地块) and facility records (设施农用地备案)
# --------------------------------------------------------------------------------------------------

def _person(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN_CHARS, n)
    g2 = rng.choice(GIVEN_CHARS, n)
    two = rng.random(n) < 0.75
    return [a + b + (c if t else "") for a, b, c, t in zip(s, g1, g2, two)]


#: The operators of one town, in order: (kind of entity, size class). Sizes: big 350–700 mu, medium
#: 120–300 mu, small 35–95 mu, scaled so the town's total is 3–3.8 % of its area.
OPERATOR_MIX = [("coop", "big"), ("coop", "big"), ("farm", "small"), ("coop", "medium"), ("company", "big"),
                ("farm", "small"), ("coop", "medium"), ("farm", "medium"), ("coop", "small"), ("company", "medium"),
                ("coop", "big"), ("farm", "small"), ("coop", "medium"), ("farm", "small"), ("coop", "medium")]


def _operators(rng: np.random.Generator, entity: list[str]) -> list[str]:
    """Distinct operator names for the given kinds of entity: cooperatives (商河县丰源种植专业合作社),
    family farms (商河县王建国家庭农场), agricultural companies (济南金穗农业发展有限公司)."""
    names: list[str] = []
    people = iter(_person(rng, 4 * len(entity) + 10))
    words = [str(w) for w in rng.permutation(COOP_WORDS)]
    for k, kind in enumerate(entity):
        while True:
            word = words.pop() if words else next(people)[:2]
            if kind == "coop":
                name = f"{COUNTY_NAME}{word}{COOP_KINDS[k % len(COOP_KINDS)]}"
            elif kind == "farm":
                name = f"{COUNTY_NAME}{next(people)}家庭农场"
            else:
                name = f"济南{word}农业发展有限公司"
            if name not in names:
                names.append(name)
                break
    return names


def _transfer_frame(rng: np.random.Generator, survey: gpd.GeoDataFrame, P: pd.DataFrame, plan: _Plan) -> gpd.GeoDataFrame:
    """流转地块: each operator takes a compact set of cultivated field patches (greedy growth from one to
    three centres in neighbouring blocks); parcels are one or two adjacent patches. The contract area
    (流转面积, mu) differs a little from the measured one, like real contracts."""
    g = survey.geometry.to_numpy()
    area_mu = units.m2_to_mu(survey["TBMJ"].to_numpy())
    dlbm = survey["DLBM"].to_numpy().astype(str)
    kind = P["kind"].to_numpy()
    cult = np.char.startswith(dlbm, "01") & np.isin(kind, (FIELD,))
    rep = shapely.get_coordinates(shapely.point_on_surface(g))
    total_mu = float(units.m2_to_mu(plan.outline.area))
    n_ops = int(np.clip(round(15 * total_mu / 108_000), 3, 2000))
    target_total = total_mu * rng.uniform(0.030, 0.038)
    mix = [OPERATOR_MIX[k % len(OPERATOR_MIX)] for k in range(n_ops)]
    kinds = np.array([m[1] for m in mix])
    size = np.select([kinds == "big", kinds == "medium"], [rng.uniform(350, 700, n_ops), rng.uniform(120, 300, n_ops)],
                     rng.uniform(35, 95, n_ops))
    size *= target_total / size.sum()
    names = _operators(rng, [m[0] for m in mix])
    taken = np.zeros(len(g), dtype=bool)
    # two operators start on a pond or orchard planted inside the farmland (a transferred parcel there)
    special = np.flatnonzero(np.isin(P["violation"].to_numpy(), ("fishpond", "orchard")))
    special = special[np.argsort(rng.random(len(special)))][:2]
    block = P["block"].to_numpy()
    owner = np.full(len(g), -1)
    for k in range(n_ops):
        if k < len(special):
            start = rep[special[k]]
            owner[special[k]] = k
            taken[special[k]] = True
            got = area_mu[special[k]]
        else:
            free = np.flatnonzero(cult & ~taken)
            if len(free) == 0:
                break
            start = rep[free[rng.integers(len(free))]]
            got = 0.0
        n_centres = 1 if kinds[k] == "small" else (2 if kinds[k] == "medium" else 3)
        centres = [start]
        for _ in range(n_centres - 1):
            step = rng.choice([-1, 1]) * np.array([BLOCK_W, 0]) if rng.random() < 0.5 else rng.choice([-1, 1]) * np.array([0, BLOCK_H])
            centres.append(centres[-1] + _rot(plan.theta) @ step * rng.uniform(0.8, 1.0))
        for c in centres:
            want = size[k] / n_centres - got
            got = 0.0
            free = np.flatnonzero(cult & ~taken)
            d = np.hypot(rep[free, 0] - c[0], rep[free, 1] - c[1])
            near = free[np.argsort(d)]
            cum = np.cumsum(area_mu[near])
            m = int(np.searchsorted(cum, want)) + 1 if want > 0 else 0
            pick = near[:m]
            owner[pick] = k
            taken[pick] = True
    rows = np.flatnonzero(owner >= 0)
    # parcels: pair up adjacent patches of the same operator in the same block and lattice row
    gx, gy = P["gx"].to_numpy(), P["gy"].to_numpy()
    order = rows[np.lexsort((gx[rows], gy[rows], block[rows], owner[rows]))]
    parcel = np.arange(len(order))
    pair = (owner[order][1:] == owner[order][:-1]) & (block[order][1:] == block[order][:-1]) & \
           (gy[order][1:] == gy[order][:-1]) & (np.abs(gx[order][1:] - gx[order][:-1]) == 1) & (rng.random(len(order) - 1) < 0.45)
    for k in np.flatnonzero(pair):
        if parcel[k] == k and parcel[k + 1] == k + 1 and (k == 0 or parcel[k] != parcel[k - 1]):
            parcel[k + 1] = parcel[k]
    ids, geoms = _union_groups(g[order], parcel, coverage=True)
    parts, pidx = _explode(geoms)
    first = pd.Series(order).groupby(parcel).first().loc[ids].to_numpy()[pidx]
    op = owner[first]
    measured = units.m2_to_mu(units.ellipsoidal_area(parts, EPSG))
    contract = units.round_half_up_array(measured * (1 + rng.normal(0, 0.02, len(parts))))
    village = survey["ZLDWMC"].to_numpy()[first]
    vcode = survey["ZLDWDM"].to_numpy()[first]
    start_year = rng.integers(2016, 2025, n_ops)[op]
    start_month = rng.choice([1, 3, 10], n_ops)[op]
    years = rng.choice([5, 8, 10, 15], n_ops)[op]
    starts = [dt.date(int(y), int(m), 1) for y, m in zip(start_year, start_month)]
    ends = [dt.date(s.year + int(yy), s.month, 1) - dt.timedelta(days=1) for s, yy in zip(starts, years)]
    rep_p = shapely.get_coordinates(shapely.point_on_surface(parts))
    o = np.lexsort((rep_p[:, 0], -rep_p[:, 1], vcode))
    seq = pd.Series(np.arange(len(parts))).groupby(vcode[o]).cumcount().to_numpy() + 1
    bh = np.empty(len(parts), dtype=object)
    bh[o] = [f"LZ{c[6:12]}-{s:04d}" for c, s in zip(vcode[o], seq)]
    df = pd.DataFrame({
        "地块编号": bh, "流入方": np.array(names, dtype=object)[op], "流出方": _person(rng, len(parts)), "村名": village,
        "流转面积": contract, "流转方式": _pick(rng, len(parts), [("出租", 0.8), ("转包", 0.12), ("入股", 0.08)]),
        "合同起始": [s.isoformat() for s in starts], "合同终止": [e.isoformat() for e in ends],
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=EPSG))
    return out.iloc[np.lexsort((out["地块编号"].to_numpy(), out["流入方"].to_numpy()))].reset_index(drop=True)


def _facility_frame(rng: np.random.Generator, survey: gpd.GeoDataFrame, P: pd.DataFrame) -> gpd.GeoDataFrame:
    """设施农用地备案: records over about half of the 1202 patches (inside the farmland at least one
    filed and one not); a few records cover only part of their patch (the facility grew beyond it)."""
    fac = np.flatnonzero(survey["DLBM"].to_numpy() == "1202")
    if len(fac) == 0:
        return gpd.GeoDataFrame({"备案编号": [], "项目名称": [], "备案日期": []}, geometry=gpd.GeoSeries([], crs=EPSG))
    planted = np.flatnonzero(P["violation"].to_numpy()[fac] == "facility")
    filed = rng.random(len(fac)) < 0.5
    partial = rng.random(len(fac)) < 0.15
    # inside the farmland: one filed in full, one not filed, one filed for only part of it
    for k, (f, p) in zip(planted[:3], ((True, False), (False, False), (True, True))):
        filed[k], partial[k] = f, p
    rows = fac[filed]
    partial = partial[filed]
    g = survey.geometry.to_numpy()[rows]
    rec = shapely.buffer(g, 0.3, join_style="mitre")
    if partial.any():
        c = shapely.get_coordinates(shapely.centroid(g[partial]))
        ang = rng.uniform(0, np.pi, partial.sum())
        d = np.column_stack([np.cos(ang), np.sin(ang)])
        planes = _halfplanes(c - d, c + d, c + np.column_stack([-d[:, 1], d[:, 0]]), np.full(partial.sum(), -8.0), reach=2000.0)
        rec[partial] = shapely.buffer(shapely.intersection(g[partial], planes), 0.3, join_style="mitre")
    kinds = [FACILITY_KINDS[k] for k in rng.integers(0, len(FACILITY_KINDS), len(rows))]
    village = survey["ZLDWMC"].to_numpy()[rows]
    year = rng.integers(2020, 2026, len(rows))
    order = np.argsort(year * 1000 + rng.integers(0, 999, len(rows)), kind="stable")
    num = np.empty(len(rows), dtype=object)
    counter: dict[int, int] = {}
    for k in order:
        counter[year[k]] = counter.get(year[k], 0) + 1
        num[k] = f"商设农备〔{year[k]}〕{counter[year[k]]:03d}号"
    dates = [dt.date(int(y), int(m), int(d)).isoformat() for y, m, d in
             zip(year, rng.integers(1, 13, len(rows)), rng.integers(1, 29, len(rows)))]
    df = pd.DataFrame({
        "备案编号": num, "项目名称": [f"{v}{k[0]}项目" for v, k in zip(village, kinds)], "设施类型": [k[1] for k in kinds],
        "经营主体": _person(rng, len(rows)), "村名": village, "备案日期": dates,
        "备案面积": units.round_half_up_array(units.m2_to_mu(units.ellipsoidal_area(rec, EPSG))),
    })
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(rec, crs=EPSG))
    return out.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------

def _patches(rng: np.random.Generator, plan: _Plan, blocks: _Blocks) -> pd.DataFrame:
    """All patch geometries with their kind, block, strip code/width and lattice cell; a coverage of the outline."""
    strips = _strips(blocks, plan.outline)
    fields = _fields(rng, blocks, plan.theta)
    P = pd.concat([fields, strips], ignore_index=True)
    P = _carve(P, plan)
    P = _merge_small(P, 30.0)
    P["unit"] = blocks.unit[P["block"].to_numpy()]
    P["unit_is_seat"] = plan.units["is_seat"].to_numpy()[P["unit"].to_numpy()]
    return P


def make_township(seed: int = 20261129, n_patches: int = 20_000) -> Township:
    """Build a synthetic township of about `n_patches` survey patches (EPSG:4527), deterministic in `seed`.

    The township's area is n_patches × AREA_PER_PATCH_M2 (3600 m²: 20 000 patches ≈ 72 km², a township;
    300 000 ≈ 1080 km², a county of 15 townships); it has max(3, n_patches/1000) villages and one
    seat per 20 000 patches (each with its own township code, 104 when there is one). No I/O."""
    if n_patches < 500:
        raise ValueError("n_patches must be at least 500 (a township with a seat and three villages)")
    rng = np.random.default_rng(seed)
    plan = _plan(rng, n_patches)
    blocks = _blocks(rng, plan)
    P = _patches(rng, plan, blocks)
    _baseline_landuse(rng, P, blocks, plan)
    P["group"] = _farmland_groups(rng, P, plan)
    P, planted = _plant_violations(rng, P, plan)
    P = _merge_small(P, 30.0)                    # bits left where homes and sheds split fields
    P = _node_frame(P)                           # an exact coverage: 0.1 mm grid, shared edges identical
    P = _merge_small(P, 30.0, drop_below=0.0)    # pieces the noding left small, merged edge-exactly
    survey, order = _survey_frame(P, plan)
    P = P.iloc[order].reset_index(drop=True)
    farmland = _farmland_frame(rng, P, plan)
    transfer = _transfer_frame(rng, survey, P, plan)
    facility = _facility_frame(rng, survey, P)
    villages = plan.units[["code12", "name", "is_seat", "town_code", "x", "y", "radius"]].copy()
    return Township(survey=survey, farmland=farmland, transfer=transfer, facility_records=facility,
                    villages=villages, planted=planted, seed=seed, n_patches=n_patches)


# --------------------------------------------------------------------------------------------------
# Summary (for the README and the tests): counts, areas in mu, what a farmland check should find
# --------------------------------------------------------------------------------------------------

def _mu(m2: float) -> float:
    """m² → mu, rounded half-up to 2 decimals (once, on the total)."""
    return units.round_half_up(float(units.m2_to_mu(m2)), 2)


def expected_findings(t: Township, min_area_m2: float = 1.0) -> pd.DataFrame:
    """An independent estimate of what a farmland check finds on `t`: every piece of a survey patch
    inside a farmland polygon that is not grain farming or allowed infrastructure — by the land-use
    class inside farmland (landuse.pbf_class) or, for cultivated land, by ZZSXDM (FLS/LYFL/LLJZ →
    non_grain_crop, WG → abandoned). Filed 1202 parts are left out. Columns: category, DLBM, ZLDWMC,
    area_m2 (ellipsoidal × (1 − KCXS)). Pieces under `min_area_m2` are dropped."""
    s = t.survey
    cls = np.array([landuse.pbf_class(c) or "other" for c in s["DLBM"]], dtype=object)
    zz = s["ZZSXDM"].fillna("").to_numpy().astype(str)
    category = np.where(cls == "ok", np.select([np.isin(zz, ("FLS", "LYFL", "LLJZ")), zz == "WG"],
                                                ["non_grain_crop", "abandoned"], ""), cls)
    category[category == "infrastructure"] = ""
    rows = np.flatnonzero(category != "")
    g = s.geometry.to_numpy()
    fm = t.farmland.geometry.to_numpy()
    pi, pf = shapely.STRtree(fm).query(g[rows], predicate="intersects")
    si = rows[pi]
    piece = shapely.intersection(g[si], fm[pf])
    fac = category[si] == "facility"
    if fac.any() and len(t.facility_records):
        filed = shapely.union_all(t.facility_records.geometry.to_numpy())
        piece[fac] = shapely.difference(piece[fac], filed)
    area = units.ellipsoidal_area(piece, EPSG) * (1 - s["KCXS"].to_numpy()[si])
    keep = area >= min_area_m2
    return pd.DataFrame({"category": category[si][keep], "DLBM": s["DLBM"].to_numpy()[si][keep],
                         "ZLDWMC": s["ZLDWMC"].to_numpy()[si][keep], "area_m2": area[keep]})


def summary(t: Township) -> dict:
    """Counts and totals (mu, rounded once) of a township, for its README."""
    s = t.survey
    cult = s["DLBM"].str.startswith("01")
    blocks = _transfer_blocks(t.transfer)
    ef = expected_findings(t)
    by_cat = ef.groupby("category")["area_m2"].agg(["size", "sum"])
    return {
        "seed": t.seed, "n_patches_requested": t.n_patches,
        "patches": int(len(s)), "villages": int((~t.villages["is_seat"]).sum()), "seats": int(t.villages["is_seat"].sum()),
        "farmland_polygons": int(len(t.farmland)), "transfer_parcels": int(len(t.transfer)),
        "operators": int(t.transfer["流入方"].nunique()) if len(t.transfer) else 0,
        "facility_records": int(len(t.facility_records)),
        "facility_patches": int((s["DLBM"] == "1202").sum()),
        "township_mu": _mu(s["TBMJ"].sum()), "cultivated_mu": _mu(s.loc[cult, "TBDLMJ"].sum()),
        "farmland_mu": _mu(t.farmland["YJJBNTTBMJ"].sum()),
        "transfer_contract_mu": units.round_half_up(float(t.transfer["流转面积"].sum()), 2),
        "transfer_blocks": len(blocks), "transfer_blocks_under_100_mu": int((blocks < 100).sum()),
        "transfer_blocks_100_mu_or_more": int((blocks >= 100).sum()),
        "landuse_codes": {c: int(n) for c, n in s["DLBM"].value_counts().sort_index().items()},
        "planted": dict(t.planted),
        "expected_findings": {c: {"count": int(r["size"]), "mu": _mu(r["sum"])} for c, r in by_cat.iterrows()},
        "expected_findings_total": {"count": int(len(ef)), "mu": _mu(ef["area_m2"].sum())},
    }


def _transfer_blocks(transfer: gpd.GeoDataFrame, gap_m: float = 8.0) -> np.ndarray:
    """Measured area (mu) of each operator's contiguous blocks: parcels touching or separated by
    at most `gap_m` metres (a farm road)."""
    out = []
    for _, grp in transfer.groupby("流入方"):
        g = grp.geometry.to_numpy()
        blobs = shapely.get_parts(shapely.union_all(shapely.buffer(g, gap_m / 2, quad_segs=16)))
        _, which = shapely.STRtree(blobs).query(shapely.point_on_surface(g), predicate="within")
        area = units.m2_to_mu(units.ellipsoidal_area(g, EPSG))
        out.extend(pd.Series(area).groupby(which).sum().tolist())
    return np.array(out)


# --------------------------------------------------------------------------------------------------
# Files: written the way real deliveries come
# --------------------------------------------------------------------------------------------------

#: Layer names inside the GeoPackages.
GPKG_LAYERS = {"farmland": "YJJBNTBHTB", "transfer": "流转地块", "facility_records": "设施农用地备案"}


def write_dltb_shapefile(survey: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the DLTB Shapefile like a county office hands it out: text in GBK, no `.cpg`, DBF
    language byte (offset 29) 0, no `.prj` (the zone-prefixed eastings tell the CRS), field widths
    fitted to the data. pyogrio is used: the fiona engine writes Chinese as `??`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"):
        path.with_suffix(ext).unlink(missing_ok=True)
    survey.to_file(path, engine="pyogrio", encoding="GBK", layer_options={"RESIZE": "YES"})
    path.with_suffix(".cpg").unlink(missing_ok=True)
    path.with_suffix(".prj").unlink(missing_ok=True)
    with open(path.with_suffix(".dbf"), "r+b") as f:
        f.seek(29)
        f.write(b"\x00")
    return path


def _write_gpkg(df: gpd.GeoDataFrame, path: Path, layer: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    df.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def write_township(t: Township, out_dir: Path) -> dict[str, Path]:
    """Write the four layers into `out_dir`: `survey/DLTB.shp` (GBK, no .cpg/.prj, LDID 0),
    `farmland.gpkg` (YJJBNTBHTB), `transfer.gpkg` (流转地块), `facility_records.gpkg` (设施农用地备案),
    all EPSG:4527. Existing files of the same names are replaced. Returns the paths by role."""
    out_dir = Path(out_dir)
    paths = {"survey": write_dltb_shapefile(t.survey, out_dir / "survey" / "DLTB.shp")}
    for role, frame in (("farmland", t.farmland), ("transfer", t.transfer), ("facility_records", t.facility_records)):
        paths[role] = _write_gpkg(frame, out_dir / f"{role}.gpkg", GPKG_LAYERS[role])
    return paths


def readme_text(t: Township, stats: dict | None = None) -> str:
    """The README of a written sample township: contents, how it was made, counts and totals."""
    st = stats or summary(t)
    codes = ", ".join(f"{c} {landuse.name_of(c)} {n}" for c, n in st["landuse_codes"].items())
    planted = ", ".join(f"{k} {v}" for k, v in st["planted"].items())
    seats = "the township seat" if st["seats"] == 1 else f"{st['seats']} township seats"
    ef_rows = "\n".join(f"| {c} | {vocabulary().category_label(c)} | {v['count']} | {v['mu']:.2f} |" for c, v in st["expected_findings"].items())
    return f"""# 示例镇 — the bundled sample township (synthetic)

**Everything here is synthetic.** No real parcel, person, cooperative or village is described: the
township was generated by `landcheck/sample.py` to look and behave like a real 三调 / 年度变更调查
delivery of a township in {COUNTY_NAME} (济南市, ~117.1°E 37.3°N), so that `landcheck run` has something
realistic to check out of the box. Names of villages, farmers and operators are random combinations.

Regenerate (deterministic: with the same library versions, the same seed gives identical attributes
and geometries; the GeoPackages' timestamps differ):

```bash
python -m landcheck.sample layers --seed {st['seed']} --patches {st['n_patches_requested']}
```

## Files

| file | layer | what |
|---|---|---|
| `survey/DLTB.shp` (+ `.shx`, `.dbf`) | DLTB | 地类图斑: {st['patches']} patches, a complete coverage (no gaps, no overlaps, shared edges identical) |
| `farmland.gpkg` | `YJJBNTBHTB` | 永久基本农田保护图斑: {st['farmland_polygons']} polygons |
| `transfer.gpkg` | `流转地块` | land-transfer parcels of {st['operators']} operators: {st['transfer_parcels']} parcels |
| `facility_records.gpkg` | `设施农用地备案` | filed 设施农用地 records: {st['facility_records']} polygons (of {st['facility_patches']} 1202 patches) |

All layers are in EPSG:4527 (CGCS2000 3° Gauss–Krüger zone 39, CM 117°E, eastings with the zone prefix,
~39 50x xxx m). **The Shapefile arrives the messy way real ones do**: text in GBK with no `.cpg`, the DBF
language byte (offset 29) set to 0, and no `.prj`. Read naively it shows mojibake (`旱地` → `ºµµØ`);
`pyogrio.read_dataframe(path, encoding="GBK")` reads it right, and landcheck's reader detects GBK and
infers the CRS from the zone prefix. The GeoPackages declare EPSG:4527 and are UTF-8.

### DLTB fields (三调 style, strings as delivered)
BSM (18 characters, unique), YSDM `2001010100`, TBBH (numbered per village), DLBM (4/5-character
strings: `0103`, `1104A`, `05H1`), DLMC, QSXZ (`30` collective, `20`/`10` state), QSDWDM/QSDWMC,
ZLDWDM (19 digits: {COUNTY_CODE} + township + village + 7 zeros), ZLDWMC (village), TBMJ (ellipsoidal m² on
CGCS2000, 2 decimals), KCDLBM `1203` / KCXS / KCMJ = round(TBMJ × KCXS, 2) / TBDLMJ = round(TBMJ − KCMJ, 2),
GDLX, GDPDJB, XZDWKD (width of 1006/1107/1003/1004/1101 strips, m), TBXHDM/TBXHMC, ZZSXDM/ZZSXMC, CZCSXM
(202 seat, 203 villages, 203A independent industry), SJNF {SURVEY_YEAR}, BZ.

### Farmland, transfer and facility fields
* `YJJBNTBHTB`: BSM, YJJBNTTBBH (unique), DLBM/DLMC (the cultivated class at delineation time),
  ZLDWDM, ZLDWMC, YJJBNTTBMJ (m²), KCXS, KCMJ, YJJBNTMJ (m²).
* `流转地块` (a township ledger, no national schema): 地块编号, 流入方 (operator), 流出方 (farmer), 村名,
  流转面积 (mu, from the contract: differs a little from the measured area), 流转方式, 合同起始, 合同终止.
* `设施农用地备案`: 备案编号, 项目名称, 设施类型, 经营主体, 村名, 备案日期, 备案面积 (mu).

## How it was made
A rotated, jittered grid of block seeds (≈560 × 400 m) plus denser seeds around {st['villages']} village
centres and {seats}; the Voronoi cells are the blocks. Every block edge carries a strip
— 农村道路 1006 (4–8 m), 沟渠 1107 (2–6 m), a few 公路用地 1003 (10–16 m), streets 1004 in settlements, or
nothing — and the blocks' cores (mitred inset by half the strip widths) are cut into field parcels: Voronoi
cells of a jittered lattice drawn in a stretched, rotated frame, so fields are long strips along the
block's axis. Two wider 1003 highways cross at the seat and a river 1101 meanders through; both are cut
out of the blocks. Pieces under 30 m² are merged into a neighbour, and the coverage is noded (0.1 mm grid,
GEOS coverage cleaner). Land use follows the block: cropland (0103, 0102, some 0101 near the river), some
blocks of orchards, nurseries, tree belts, ponds (1104A), facilities (1202), vegetables (FLS) or workshops;
villages are 0702 homesteads with a school/clinic 08H2, a utility 0809 and a village office 08H1; the seat
has 0701, 05H1, 08H1, 08H2, 0601 and streets. 永久基本农田 polygons were drawn from groups of adjacent
cultivated patches (edges on patch edges); about 8 % of neighbouring pairs were re-drawn along a straight
line, so their edges cut across patches. Then the present use of some farmland patches was changed.

## Counts and totals
* {st['patches']} patches, {st['villages']} villages (行政村) + {st['seats']} seat {'community' if st['seats'] == 1 else 'communities'} (社区), township {st['township_mu']:.2f} mu;
  cultivated land (TBDLMJ of 01xx) {st['cultivated_mu']:.2f} mu; 永久基本农田 {st['farmland_mu']:.2f} mu.
* Land-use codes (patches): {codes}.
* Transfer: {st['transfer_contract_mu']:.2f} mu by contract (below the township's 5000-mu target), {st['transfer_blocks']}
  contiguous blocks (parcels of one operator touching or ≤ 8 m apart): {st['transfer_blocks_under_100_mu']} under
  100 mu, {st['transfer_blocks_100_mu_or_more']} of 100 mu or more. One or two parcels lie on a fish pond or orchard
  inside the farmland.
* Violations planted inside the farmland (patches or parts of patches): {planted}.
  (XG 休耕 is planted but is not a violation.)

What a farmland check should find — an independent estimate by `landcheck.sample.expected_findings`
(each piece of a patch inside a farmland polygon, ellipsoidal area × (1 − KCXS), filed 1202 parts
excluded, pieces under 1 m² dropped):

| category | | pieces | mu |
|---|---|---:|---:|
{ef_rows}
| **total** | | **{st['expected_findings_total']['count']}** | **{st['expected_findings_total']['mu']:.2f}** |

landcheck's farmland check (`landcheck run`) should report the same pieces and areas.

## Bigger and smaller
`make_township(seed, n_patches)` scales: the area is n_patches × {AREA_PER_PATCH_M2:.0f} m², with a village per
1000 patches and a township seat (own township code, ~15 operators) per 20 000. `n_patches=300000` gives a
county of ~1080 km² and 15 townships in about a minute (≈2.6 GB peak); the tests use 1500 patches
(a fraction of a second). Nothing of a bigger township is committed.
"""


def main(argv: list[str] | None = None) -> int:
    """`python -m landcheck.sample OUT_DIR [--seed N] [--patches N]`: generate and write a township
    and its README.md."""
    parser = argparse.ArgumentParser(prog="python -m landcheck.sample", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write into (e.g. layers)")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--patches", type=int, default=20_000, help="about how many survey patches")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    t = make_township(args.seed, args.patches)
    t1 = time.perf_counter()
    paths = write_township(t, args.out_dir)
    stats = summary(t)
    (Path(args.out_dir) / "README.md").write_text(readme_text(t, stats), encoding="utf-8")
    for role, p in paths.items():
        print(f"{role:17s} {p}")
    print(f"{stats['patches']} patches, {stats['farmland_polygons']} farmland polygons, {stats['transfer_parcels']} transfer "
          f"parcels, {stats['facility_records']} facility records; generated in {t1 - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
