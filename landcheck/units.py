"""Units and measures: CGCS2000 Gauss–Krüger zones, ellipsoidal area, m² ⇄ mu, half-up rounding.

Every reported area in landcheck is ellipsoidal on the CGCS2000 ellipsoid (identical to GRS80).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from pyproj import CRS, Geod, Transformer

#: One mu (亩) in square metres, exactly 10000/15.
MU_M2: float = 10000.0 / 15.0

#: CGCS2000 geographic CRS.
CGCS2000_GEOGRAPHIC = "EPSG:4490"

#: The ellipsoid of CGCS2000 (same a and 1/f as GRS80).
GEOD = Geod(ellps="GRS80")

# 3° Gauss–Krüger zones 25..45 (CM 75°E..135°E); with zone prefix EPSG:4513..4533, without 4534..4554.
GK3_ZONES = range(25, 46)
# 6° Gauss–Krüger zones 13..23 (CM 75°E..135°E); with zone prefix EPSG:4491..4501, without 4502..4512.
GK6_ZONES = range(13, 24)

#: Largest feature (bbox diagonal, metres) whose area is taken from the projected plane and the
#: projection's areal scale; bigger features are measured on the ellipsoid with pyproj.Geod.
_LOCAL_SCALE_MAX_EXTENT_M = 20_000.0

#: Features with a bbox diagonal above this (metres) add the second-order term of the areal scale
#: (its curvature times the feature's second moments); below it the term is < 1e-9 of the area.
_QUADRATIC_MIN_EXTENT_M = 1_000.0

#: Longest edge (metres) of a projected polygon measured on the ellipsoid: longer edges are densified.
_SEGMENT_M = 1_000.0

#: Longest edge (metres) in other projected CRSs (Web Mercator, feet, other ellipsoids).
_SEGMENT_OTHER_M = 10.0

#: Longest edge (degrees) of a geographic polygon, for the quadrature along each edge.
_SEGMENT_DEG = 0.1


def m2_to_mu(m2):
    """Square metres → mu (亩): 1 mu = 10000/15 m² exactly. Works on scalars and arrays."""
    return np.asarray(m2, dtype="float64") * 15.0 / 10000.0 if not np.isscalar(m2) else m2 * 15.0 / 10000.0


def mu_to_m2(mu):
    """Mu (亩) → square metres."""
    return np.asarray(mu, dtype="float64") * MU_M2 if not np.isscalar(mu) else mu * MU_M2


def round_half_up(value: float, ndigits: int = 2) -> float:
    """Round half away from zero like the official ledgers (Python's round() is banker's rounding).

    The decimal value is taken from the shortest repr of the float, so 0.125 → 0.13 and 2.675 → 2.68.
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return value
    if abs(float(value)) >= 1e15:  # beyond a float's cents: nothing to round (and Decimal's 28 digits overflow)
        return float(value)
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def round_half_up_array(values, ndigits: int = 2) -> np.ndarray:
    """Vectorised `round_half_up` for an array of floats (NaN stays NaN)."""
    arr = np.asarray(values, dtype="float64")
    if not 0 <= ndigits <= 10:
        return np.array([round_half_up(v, ndigits) for v in arr.ravel()], dtype="float64").reshape(arr.shape)
    # k / 10**nd is the double nearest the decimal k·10⁻ⁿᵈ (one correctly rounded division), as
    # float(Decimal) is; k is exact unless |v|·10ⁿᵈ lies within float error of a half: those (and
    # NaN, inf, |v| ≥ 1e15) take the scalar way.
    scale = 10.0 ** ndigits
    y = np.abs(arr) * scale
    with np.errstate(invalid="ignore"):
        k = np.floor(y)
        frac = y - k
        k = k + (frac > 0.5)
        out = np.copysign(k / scale, arr)
        slow = ~(np.abs(frac - 0.5) > 1e-7 + y * 1e-13) | ~(np.abs(arr) < 1e15)
    for pos in np.flatnonzero(slow.ravel()):
        out.flat[pos] = round_half_up(float(arr.flat[pos]), ndigits)
    return out


def area_mu(m2: float | None) -> float | None:
    """m² → mu rounded half-up to 2 decimals, the figure a ledger prints (never -0.0; None stays None,
    NaN stays NaN)."""
    if m2 is None:
        return None
    return round_half_up(float(m2_to_mu(float(m2))), 2) + 0.0


def area_mu_array(m2) -> np.ndarray:
    """`area_mu` of every element of an array of m² (NaN stays NaN)."""
    return round_half_up_array(m2_to_mu(np.asarray(m2, dtype="float64")), 2) + 0.0


def total_mu(m2) -> float:
    """The sum of m² values (NaN skipped) in mu, rounded once: a total from unrounded parts."""
    return area_mu(float(np.nansum(np.asarray(m2, dtype="float64"))))


def printed_total_mu(m2) -> float:
    """A printed total: the sum of each row's printed mu (its m² rounded half-up once, `area_mu`), so that
    a total on paper is the sum of the figures printed above it (NaN rows skipped). Not `total_mu`, which
    rounds the unrounded sum once (summary.json's exact figures)."""
    rows = area_mu_array(np.asarray(m2, dtype="float64"))
    return sum_printed(rows[np.isfinite(rows)])


def sum_printed(mu) -> float:
    """The sum of figures already printed with 2 decimals (mu), itself as printed: exact to the cent."""
    cents = int(np.round(np.asarray(mu, dtype="float64") * 100.0).astype(np.int64).sum())
    return cents / 100.0 + 0.0


def split_printed(mu: float, weights) -> list[float]:
    """A printed figure (mu, 2 decimals) shared by `weights` so that the shares, as printed, add up to it:
    largest remainders get the last hundredths (ties by order); all zero for no positive weight."""
    w = [float(x) for x in weights]
    total = sum(w)
    if not w or total <= 0:
        return [0.0] * len(w)
    cents = int(round(mu * 100))
    exact = [cents * x / total for x in w]
    out = [int(np.floor(x)) for x in exact]
    for k in sorted(range(len(out)), key=lambda k: -(exact[k] - out[k]))[:cents - sum(out)]:
        out[k] += 1
    return [c / 100 for c in out]


def to_lonlat(x, y, crs) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in `crs` → CGCS2000 lon/lat (EPSG:4490), as arrays; NaN stays NaN."""
    x = np.asarray(x, dtype="float64").ravel()
    y = np.asarray(y, dtype="float64").ravel()
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        t = Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)
        lon[ok], lat[ok] = t.transform(x[ok], y[ok])
    return lon, lat


def gk3_zone_for_lon(lon: float) -> int:
    """CGCS2000 3° Gauss–Krüger zone number for a longitude (zone 39 ↔ CM 117°E)."""
    return int(np.floor(lon / 3.0 + 0.5))


def gk3_epsg(zone: int, prefixed: bool = True) -> int:
    """EPSG code of CGCS2000 3° GK zone `zone` (25..45): 4513.. with zone-prefixed easting, 4534.. without."""
    if zone not in GK3_ZONES:
        raise ValueError(f"3° Gauss–Krüger zone {zone} is outside CGCS2000's zones 25–45 (75–135°E)")
    return (4513 if prefixed else 4534) + zone - 25


def gk6_epsg(zone: int, prefixed: bool = True) -> int:
    """EPSG code of CGCS2000 6° GK zone `zone` (13..23): 4491.. prefixed, 4502.. without prefix."""
    if zone not in GK6_ZONES:
        raise ValueError(f"6° Gauss–Krüger zone {zone} is outside CGCS2000's zones 13–23")
    return (4491 if prefixed else 4502) + zone - 13


def zone_from_easting(x: float) -> int | None:
    """Zone number from a zone-prefixed easting (39 508 866 → 39), or None for a plain easting."""
    if not np.isfinite(x) or x < 1e7:
        return None
    return int(x / 1e6)


def epsg_from_prefixed_easting(x: float) -> int | None:
    """EPSG code for a zone-prefixed easting: 3° zones 25–45 or 6° zones 13–23; None otherwise."""
    zone = zone_from_easting(x)
    if zone in GK3_ZONES:
        return gk3_epsg(zone, prefixed=True)
    if zone in GK6_ZONES:
        return gk6_epsg(zone, prefixed=True)
    return None


def metric_crs_for_lonlat(lon: float, lat: float) -> CRS:
    """A metric CRS for local steps (buffers, widths): the CGCS2000 3° GK zone (no prefix) inside
    75–135°E, else the local UTM zone on WGS 84."""
    if 73.5 <= lon < 136.5:
        return CRS.from_epsg(gk3_epsg(min(max(gk3_zone_for_lon(lon), 25), 45), prefixed=False))
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(crs: CRS | str | int, bounds: tuple[float, float, float, float]) -> CRS:
    """The CRS to do metric steps in for data in `crs` with `bounds`: `crs` itself when projected in
    metres, else the GK zone (or UTM zone) of the data's centre."""
    crs = CRS.from_user_input(crs)
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    lon, lat = _to_lonlat(crs).transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    return metric_crs_for_lonlat(lon, lat)


@lru_cache(maxsize=64)
def _to_lonlat(crs: CRS) -> Transformer:
    return Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)


def _is_grs80_like(crs: CRS) -> bool:
    ell = crs.ellipsoid
    return ell is not None and abs(ell.semi_major_metre - 6378137.0) < 1e-3 and abs(ell.inverse_flattening - 298.257) < 1e-2


#: Projection methods whose PROJ scale factors are those of the ellipsoidal map the coordinates are in
#: (not e.g. Web Mercator, whose spherical formulas sit on a WGS 84 datum).
_LOCAL_SCALE_METHODS = ("Transverse Mercator", "Lambert Conic Conformal", "Albers Equal Area")


def _local_scale_ok(crs: CRS) -> bool:
    """True when planar area / PROJ's areal scale gives m² on the ellipsoid: a Gauss–Krüger-like
    projection on GRS80/CGCS2000 with metre axes."""
    if not (crs.is_projected and _is_grs80_like(crs)):
        return False
    if not crs.axis_info or any(a.unit_conversion_factor != 1.0 for a in crs.axis_info[:2]):
        return False  # feet: the planar area is not in m²
    op = crs.coordinate_operation
    return op is not None and (op.method_name or "").startswith(_LOCAL_SCALE_METHODS)


def ellipsoidal_area(geoms, crs: CRS | str | int | None) -> np.ndarray:
    """Ellipsoidal area in m² on the CGCS2000 ellipsoid of each geometry (array-like of shapely
    geometries in `crs`). Non-polygonal and empty geometries give 0. Edges are straight lines in `crs`
    (as the survey draws them), so the area is the integral of 1 / areal scale over the planar polygon.

    For parcels up to 20 km across in a Gauss–Krüger-like projected CRS in metres on the
    GRS80/CGCS2000 ellipsoid (Transverse Mercator, Lambert conformal conic, Albers), that integral is
    taken from the planar area and the areal scale at the centroid (exact to first order), plus, for
    features over 1 km, the scale's curvature times the feature's second moments: vectorised, and
    within 1e-9 of pyproj.Geod on edges densified every 10 m. Larger features and other CRSs (feet,
    Web Mercator, other ellipsoids, lon/lat) are measured with pyproj.Geod(GRS80) on CGCS2000 lon/lat,
    edges densified to 1 km (0.01° in lon/lat) first.
    """
    if crs is None:
        raise ValueError("cannot measure area without a CRS")
    crs = CRS.from_user_input(crs)
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype="float64")
    if len(geoms) == 0:
        return out
    polygonal = shapely.get_type_id(geoms)
    mask = np.isin(polygonal, (3, 6, 7)) & ~shapely.is_empty(geoms)
    if not mask.any():
        return out
    g = geoms[mask]
    result = np.empty(len(g), dtype="float64")
    exact = np.ones(len(g), dtype=bool)
    if _local_scale_ok(crs):
        xmin, ymin, xmax, ymax = shapely.bounds(g).T
        extent = np.hypot(xmax - xmin, ymax - ymin)
        small = extent <= _LOCAL_SCALE_MAX_EXTENT_M
        if small.any():
            result[small] = _scaled_area(g[small], extent[small], crs)
            exact = ~small
    if exact.any():
        result[exact] = _geod_area(g[exact], crs)
    out[mask] = result
    return out


def _inverse_scale(crs: CRS, x, y) -> np.ndarray:
    """1 / areal scale of the projection at projected points (x, y)."""
    lon, lat = _to_lonlat(crs).transform(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))
    return 1.0 / np.asarray(pyproj.Proj(crs).get_factors(lon, lat, errcheck=False).areal_scale, dtype="float64")


def _scaled_area(g: np.ndarray, extent: np.ndarray, crs: CRS) -> np.ndarray:
    """∫ 1/areal scale over each planar polygon: a second-order Taylor expansion about its centroid
    (the first-order term vanishes there); the second-order term only for features over 1 km."""
    centre = shapely.centroid(g)
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    area = shapely.area(g)
    result = area * _inverse_scale(crs, cx, cy)
    big = np.flatnonzero(extent > _QUADRATIC_MIN_EXTENT_M)
    if len(big):
        jxx, jxy, jyy = _central_moments(g[big], cx[big], cy[big])
        h = np.maximum(extent[big] / 2.0, 500.0)
        bx, by = cx[big], cy[big]
        px = np.concatenate([bx, bx + h, bx - h, bx, bx, bx + h, bx + h, bx - h, bx - h])
        py = np.concatenate([by, by, by, by + h, by - h, by + h, by - h, by + h, by - h])
        f = _inverse_scale(crs, px, py).reshape(9, len(big))
        hxx = (f[1] - 2 * f[0] + f[2]) / h**2
        hyy = (f[3] - 2 * f[0] + f[4]) / h**2
        hxy = (f[5] - f[6] - f[7] + f[8]) / (4 * h**2)
        result[big] += 0.5 * (hxx * jxx + 2 * hxy * jxy + hyy * jyy)
    return result


def _central_moments(g: np.ndarray, cx: np.ndarray, cy: np.ndarray):
    """Second moments of area (∫x², ∫xy, ∫y² about (cx, cy)) of each polygon (holes subtracted)."""
    rings, owner = _rings(g)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    xy = xy - np.column_stack([cx[owner], cy[owner]])[ring_of]  # small numbers: no cancellation
    same = ring_of[:-1] == ring_of[1:]  # consecutive vertices of one (closed) ring
    x0, y0, x1, y1 = xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
    cross = x0 * y1 - x1 * y0
    poly = owner[ring_of[:-1][same]]
    n = len(g)
    jxx = np.bincount(poly, (x0 * x0 + x0 * x1 + x1 * x1) * cross, n) / 12.0
    jyy = np.bincount(poly, (y0 * y0 + y0 * y1 + y1 * y1) * cross, n) / 12.0
    jxy = np.bincount(poly, (x0 * y1 + 2 * x0 * y0 + 2 * x1 * y1 + x1 * y0) * cross, n) / 24.0
    return jxx, jxy, jyy


#: Gauss–Legendre nodes and weights on [0, 1] (3 points) for the integral along an edge.
_GL_T = np.array([0.5 - np.sqrt(0.15), 0.5, 0.5 + np.sqrt(0.15)])
_GL_W = np.array([5.0, 8.0, 5.0]) / 18.0


def _authalic(phi: np.ndarray) -> np.ndarray:
    """∫₀^φ M·N·cos φ dφ on GRS80 (m² per radian of longitude between the equator and latitude φ)."""
    a, f = GEOD.a, GEOD.f
    e2 = f * (2 - f)
    e, b2 = np.sqrt(e2), (a * (1 - f)) ** 2
    s = np.sin(phi)
    return b2 * (s / (2 * (1 - e2 * s * s)) + np.log((1 + e * s) / (1 - e * s)) / (4 * e))


def _lonlat_area(ll: np.ndarray) -> np.ndarray:
    """Area on GRS80 of polygons in CGCS2000 lon/lat whose edges are straight in lon/lat:
    |∮ F(φ) dλ| with F the authalic integral, exact along each edge by Gauss–Legendre (vectorised)."""
    rings, owner = _rings(ll)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    lam, phi = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    same = ring_of[:-1] == ring_of[1:]
    dlam = (lam[1:] - lam[:-1])[same]
    p0, p1 = phi[:-1][same], phi[1:][same]
    poly = owner[ring_of[:-1][same]]
    ref = _authalic(np.bincount(poly, p0, len(ll)) / np.maximum(np.bincount(poly, None, len(ll)), 1))[poly]
    mean_f = sum(w * (_authalic(p0 + t * (p1 - p0)) - ref) for t, w in zip(_GL_T, _GL_W))
    return np.abs(np.bincount(poly, mean_f * dlam, len(ll)))


def _rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ring of every polygon part, exteriors counter-clockwise and holes clockwise, and the
    index of the geometry each ring belongs to."""
    parts, owner = shapely.get_parts(shapely.orient_polygons(geoms), return_index=True)
    rings, part_of = shapely.get_rings(parts, return_index=True)
    return rings, owner[part_of]


def _geod_area(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Ellipsoidal area (GRS80) after transforming to CGCS2000 lon/lat. Edges are straight lines in
    `crs`, not geodesics: lon/lat polygons are integrated exactly along their edges (`_lonlat_area`);
    projected ones are densified first, to 1 km in a Gauss–Krüger-like CRS (a 100 km square agrees with
    a 10 m densification to ~2e-9) and to 10 m in others (Web Mercator, feet, other ellipsoids)."""
    if crs.is_geographic:
        geoms = shapely.segmentize(geoms, _SEGMENT_DEG)
        ll = geoms if crs.to_epsg() == 4490 else _transform(geoms, crs)
        return _lonlat_area(ll)
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    step = _SEGMENT_M if _local_scale_ok(crs) else _SEGMENT_OTHER_M
    ll = shapely.orient_polygons(_transform(shapely.segmentize(geoms, step / unit), crs))
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in ll], dtype="float64")


def _transform(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(_to_lonlat(crs).transform(xy[:, 0], xy[:, 1])))
